package dev.anchorwatch.viewer;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import dev.anchorwatch.publish.ExplanationRecord;
import dev.anchorwatch.publish.ExplanationSink;

/**
 * The most recent explanations, in memory, bounded in bytes: fed like a sink (every published record, an update
 * of the same explanation id replacing the earlier one), oldest evicted first when the estimated size passes
 * {@code maxBytes}. A record larger than the whole budget is not kept. It is a view, not a durable sink: taking a
 * record never fails, so it never holds up an input's acknowledgement. Thread-safe.
 */
public final class MemoryExplanationStore implements ExplanationStore, ExplanationSink {

    /** Counts what the store drops, for metrics. */
    public interface Listener {
        Listener NONE = (reason, n) -> { };

        /** {@code reason}: {@code bytes} (evicted to make room) or {@code too_large} (a record over the budget). */
        void dropped(String reason, int count);
    }

    private final long maxBytes;
    private final Listener listener;
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    /** Newest first. */
    private final NavigableMap<Cursor, Entry> entries = new TreeMap<>(Cursor.NEWEST_FIRST);
    private final Map<String, Cursor> byId = new HashMap<>();
    private long bytes;

    private record Entry(StoredExplanation stored, long bytes) {
    }

    public MemoryExplanationStore(long maxBytes, Listener listener) {
        if (maxBytes < 1) {
            throw new IllegalArgumentException("the memory store needs a positive byte budget");
        }
        this.maxBytes = maxBytes;
        this.listener = listener == null ? Listener.NONE : listener;
    }

    @Override
    public String kind() {
        return "memory";
    }

    @Override
    public String name() {
        return "viewer-memory";
    }

    @Override
    public CompletionStage<Void> publish(ExplanationRecord record) {
        add(Summaries.of(record));
        return CompletableFuture.completedFuture(null);
    }

    /** An estimate of the heap one stored explanation holds: its JSON, its strings (UTF-16) and fixed overhead. */
    static long estimate(StoredExplanation e) {
        ExplanationSummary s = e.summary();
        long chars = len(s.id()) + len(s.inferenceId()) + len(s.model()) + len(s.namespace()) + len(s.explainer())
                + len(s.reason()) + len(s.servedPrediction()) + len(s.explainedPrediction());
        for (String p : s.anchor()) {
            chars += p.length() + 24;
        }
        long timings = 64L * s.timingsMs().size();
        return e.body().length + 2 * chars + timings + 512;
    }

    private static long len(String s) {
        return s == null ? 0 : s.length() + 24;
    }

    void add(StoredExplanation e) {
        long size = estimate(e);
        lock.writeLock().lock();
        int evicted = 0;
        try {
            Cursor old = byId.remove(e.summary().id());
            if (old != null) {
                bytes -= entries.remove(old).bytes();
            }
            if (size > maxBytes) {
                listener.dropped("too_large", 1);
                return;
            }
            Cursor key = e.summary().position();
            entries.put(key, new Entry(e, size));
            byId.put(e.summary().id(), key);
            bytes += size;
            while (bytes > maxBytes) {
                Map.Entry<Cursor, Entry> oldest = entries.pollLastEntry();
                byId.remove(oldest.getValue().stored().summary().id());
                bytes -= oldest.getValue().bytes();
                evicted++;
            }
        } finally {
            lock.writeLock().unlock();
        }
        if (evicted > 0) {
            listener.dropped("bytes", evicted);
        }
    }

    /** Estimated bytes held now. */
    public long bytes() {
        lock.readLock().lock();
        try {
            return bytes;
        } finally {
            lock.readLock().unlock();
        }
    }

    public int size() {
        lock.readLock().lock();
        try {
            return entries.size();
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public Page list(ExplanationFilter f) {
        lock.readLock().lock();
        try {
            NavigableMap<Cursor, Entry> view = f.after() == null ? entries : entries.tailMap(f.after(), false);
            List<ExplanationSummary> items = new ArrayList<>(f.limit());
            Cursor next = null;
            for (Entry e : view.values()) {
                ExplanationSummary s = e.stored().summary();
                if (f.to() == null || s.createdAt().isBefore(f.to())) {
                    if (f.from() != null && s.createdAt().isBefore(f.from())) {
                        break; // newest first: nothing further is in the window
                    }
                    if (f.matches(s)) {
                        if (items.size() == f.limit()) {
                            next = items.get(items.size() - 1).position();
                            break;
                        }
                        items.add(s);
                    }
                }
            }
            return new Page(items, next);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public Optional<StoredExplanation> get(String explanationId) {
        lock.readLock().lock();
        try {
            Cursor key = byId.get(explanationId);
            return key == null ? Optional.empty() : Optional.of(entries.get(key).stored());
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public List<StoredExplanation> byInference(String inferenceId, int max) {
        lock.readLock().lock();
        try {
            List<StoredExplanation> out = new ArrayList<>();
            for (Entry e : entries.values()) {
                if (e.stored().summary().inferenceId().equals(inferenceId)) {
                    out.add(e.stored());
                    if (out.size() == max) {
                        break;
                    }
                }
            }
            return out;
        } finally {
            lock.readLock().unlock();
        }
    }

    private List<ExplanationSummary> window(String model, String explainer, Instant from, Instant to) {
        lock.readLock().lock();
        try {
            // keys newest first: the window runs from just before 'to' down to 'from'
            NavigableMap<Cursor, Entry> view = entries.subMap(new Cursor(to, ""), false, new Cursor(from, ""), true);
            List<ExplanationSummary> out = new ArrayList<>();
            for (Entry e : view.values()) {
                ExplanationSummary s = e.stored().summary();
                if (s.model().equals(model) && (explainer == null || explainer.equals(s.explainer()))
                        && !s.createdAt().isBefore(from) && s.createdAt().isBefore(to)) {
                    out.add(s);
                }
            }
            return out;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public ModelStats stats(String model, String explainer, Instant from, Instant to, int top) {
        List<ExplanationSummary> all = window(model, explainer, from, to);
        long found = 0;
        long notFound = 0;
        long failed = 0;
        double[] precision = new double[all.size()];
        double[] coverage = new double[all.size()];
        double[] latency = new double[all.size()];
        int np = 0;
        int nc = 0;
        int nl = 0;
        double calls = 0;
        int ncalls = 0;
        long rows = 0;
        int nrows = 0;
        Map<String, Long> predicates = new HashMap<>();
        for (ExplanationSummary s : all) {
            switch (s.outcome()) {
                case FOUND -> found++;
                case NOT_FOUND -> notFound++;
                case FAILED -> failed++;
            }
            if (s.precision() != null) {
                precision[np++] = s.precision();
            }
            if (s.coverage() != null) {
                coverage[nc++] = s.coverage();
            }
            if (s.latencyMs() != null) {
                latency[nl++] = s.latencyMs();
            }
            if (s.predictorCalls() != null) {
                calls += s.predictorCalls();
                ncalls++;
            }
            if (s.predictorRows() != null) {
                rows += s.predictorRows();
                nrows++;
            }
            for (String p : s.anchor()) {
                predicates.merge(p, 1L, Long::sum);
            }
        }
        TreeSet<ModelStats.PredicateCount> ranked = new TreeSet<>(
                Comparator.comparingLong(ModelStats.PredicateCount::count).reversed()
                        .thenComparing(ModelStats.PredicateCount::predicate));
        predicates.forEach((p, c) -> ranked.add(new ModelStats.PredicateCount(p, c)));
        List<ModelStats.PredicateCount> topList = ranked.stream().limit(top).toList();
        long total = all.size();
        return new ModelStats(model, explainer, from, to, total, found, notFound, failed,
                total == 0 ? null : (double) found / total, Percentiles.cont(precision, np, 0.5),
                Percentiles.cont(coverage, nc, 0.5), Percentiles.cont(latency, nl, 0.5),
                Percentiles.cont(latency, nl, 0.95), ncalls == 0 ? null : calls / ncalls,
                nrows == 0 ? null : (double) rows / nrows, rows, topList);
    }

    @Override
    public List<SeriesPoint> series(String model, String explainer, Instant from, Instant to, int buckets) {
        List<ExplanationSummary> all = window(model, explainer, from, to);
        long widthMicros = bucketMicros(from, to, buckets);
        List<List<ExplanationSummary>> split = new ArrayList<>();
        for (int b = 0; b < buckets; b++) {
            split.add(new ArrayList<>());
        }
        for (ExplanationSummary s : all) {
            long offset = Duration.between(from, s.createdAt()).toNanos() / 1000;
            split.get((int) Math.min(buckets - 1, offset / widthMicros)).add(s);
        }
        List<SeriesPoint> out = new ArrayList<>(buckets);
        for (int b = 0; b < buckets; b++) {
            List<ExplanationSummary> in = split.get(b);
            long found = in.stream().filter(s -> s.outcome() == Outcome.FOUND).count();
            long failed = in.stream().filter(s -> s.outcome() == Outcome.FAILED).count();
            double[] latency = in.stream().filter(s -> s.latencyMs() != null).mapToDouble(ExplanationSummary::latencyMs)
                    .toArray();
            double[] calls = in.stream().filter(s -> s.predictorCalls() != null)
                    .mapToDouble(ExplanationSummary::predictorCalls).toArray();
            double[] rows = in.stream().filter(s -> s.predictorRows() != null)
                    .mapToDouble(ExplanationSummary::predictorRows).toArray();
            out.add(new SeriesPoint(from.plusNanos(widthMicros * 1000 * b), in.size(), found, failed,
                    Percentiles.cont(latency, latency.length, 0.5), mean(calls), mean(rows)));
        }
        return out;
    }

    /** The width of one bucket in microseconds (PostgreSQL's timestamp resolution), at least 1. */
    static long bucketMicros(Instant from, Instant to, int buckets) {
        return Math.max(1, Duration.between(from, to).toNanos() / 1000 / buckets);
    }

    private static Double mean(double[] v) {
        if (v.length == 0) {
            return null;
        }
        double sum = 0;
        for (double x : v) {
            sum += x;
        }
        return sum / v.length;
    }

    @Override
    public List<String> models(int max) {
        lock.readLock().lock();
        try {
            TreeSet<String> names = new TreeSet<>();
            for (Entry e : entries.values()) {
                names.add(e.stored().summary().model());
            }
            return names.stream().limit(max).toList();
        } finally {
            lock.readLock().unlock();
        }
    }
}
