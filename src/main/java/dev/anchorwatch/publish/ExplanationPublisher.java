package dev.anchorwatch.publish;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Publishes each explanation to every enabled sink at once and completes only when all of them have taken it,
 * so the caller can acknowledge the input event then, and only then. If any sink fails, the returned stage
 * fails with a {@link PublishException} naming the failed sinks; it is retryable when any of those failures is.
 * The whole publication is bounded by a timeout.
 *
 * <p><b>Exactly one copy per sink.</b> When a publication fails at some sink, the publisher remembers, per
 * explanation id, the record and which sinks acknowledged it (including acknowledgements that arrive after the
 * publication timed out): a retry of the same explanation goes only to the sinks that have not, with the
 * identical record ({@link #remembered} lets the caller skip recomputing it), and a send still under way is
 * awaited rather than repeated. The memory is
 * bounded in bytes ({@code ledgerBytes}, each entry costing its record's size); beyond it the oldest entries are
 * forgotten, and a retry of a forgotten one is sent to every sink again (idempotent sinks keep one copy; an event
 * sink such as Kafka may then carry a second identical copy). Entries live in memory only: after a crash, a
 * redelivered input is explained again and published to every sink, which is the one source of duplicates in
 * Kafka (see docs/reliability.md).
 */
public final class ExplanationPublisher implements AutoCloseable {

    /** Told of each sink's answer, for metrics. */
    public interface Listener {
        Listener NONE = (sink, ok, nanos) -> {
        };

        void published(String sink, boolean ok, long nanos);

        /** An entry of the acknowledgement ledger was forgotten to stay within its bytes. */
        default void ledgerEvicted() {
        }
    }

    /** Default bytes of acknowledgement memory. */
    public static final long DEFAULT_LEDGER_BYTES = 16L << 20;
    /** Bookkeeping cost of one ledger entry beyond its record's bytes. */
    static final int ENTRY_OVERHEAD = 512;

    private record Entry(ExplanationRecord record, Set<String> acked, long bytes) {
    }

    private final List<ExplanationSink> sinks;
    private final Duration timeout;
    private final long ledgerBytes;
    private final Listener listener;
    /** Where each hand-over to a sink is traced (a span per sink); its metrics go to {@link #listener}. */
    private volatile SinkObserver spans = SinkObserver.NONE;
    /** Explanations some sink has not acknowledged yet, oldest first. */
    private final LinkedHashMap<String, Entry> ledger = new LinkedHashMap<>();
    private long ledgerUsed;
    /** Sends not yet answered, by explanation id and sink (bounded by the sinks' own delivery timeouts). */
    private final Map<String, Sending> underWay = new java.util.HashMap<>();

    public ExplanationPublisher(List<ExplanationSink> sinks, Duration timeout) {
        this(sinks, timeout, DEFAULT_LEDGER_BYTES, Listener.NONE);
    }

    /**
     * @param ledgerBytes bytes of records kept while some sink has not acknowledged them
     * @param listener    told of every sink's answer
     */
    public ExplanationPublisher(List<ExplanationSink> sinks, Duration timeout, long ledgerBytes, Listener listener) {
        if (sinks.isEmpty()) {
            throw new IllegalArgumentException("at least one explanation sink must be enabled");
        }
        if (ledgerBytes < 0) {
            throw new IllegalArgumentException("ledger bytes must not be negative");
        }
        this.sinks = List.copyOf(sinks);
        this.timeout = timeout;
        this.ledgerBytes = ledgerBytes;
        this.listener = listener;
    }

    /**
     * The record published earlier under this explanation id whose publication failed at some sink (and may since
     * have been completed, e.g. by a late acknowledgement): republish it as it is rather than computing it again;
     * {@link #publish} then sends it only where it is missing, possibly nowhere.
     */
    public synchronized Optional<ExplanationRecord> remembered(String explanationId) {
        Entry e = ledger.get(explanationId);
        return e == null ? Optional.empty() : Optional.of(e.record());
    }

    /** Whether some sink has not acknowledged the remembered record of this explanation id. */
    public synchronized boolean unfinished(String explanationId) {
        Entry e = ledger.get(explanationId);
        return e != null && e.acked().size() < sinks.size();
    }

    /** Traces every hand-over of an explanation to a sink with {@code observer}'s spans; set once by the wiring. */
    public ExplanationPublisher tracedBy(SinkObserver observer) {
        this.spans = observer == null ? SinkObserver.NONE : observer;
        return this;
    }

    /** Bytes of acknowledgement memory in use. */
    public synchronized long ledgerBytesUsed() {
        return ledgerUsed;
    }

    public CompletionStage<Void> publish(ExplanationRecord record) {
        Set<String> acked;
        synchronized (this) {
            Entry e = ledger.get(record.explanationId());
            acked = e != null && e.record().equals(record) ? e.acked() : Set.of();
        }
        List<ExplanationSink> targets = sinks.stream().filter(s -> !acked.contains(s.name())).toList();
        return send(targets, record, sink -> sending(record, sink), "explanation " + record.explanationId())
                .handle((failed, error) -> {
                    Set<String> now = new HashSet<>(acked);
                    for (ExplanationSink s : targets) {
                        if (!failed.containsKey(s.name())) {
                            now.add(s.name());
                        }
                    }
                    remember(record, now);
                    if (failed.isEmpty()) {
                        return null;
                    }
                    throw summarize("explanation " + record.explanationId() + " not published", failed);
                });
    }

    /** Hands a served prediction to every sink ({@link ExplanationSink#served}); fails as {@link #publish} does. */
    public CompletionStage<Void> served(ServedPrediction served) {
        return send(sinks, null, sink -> sink.served(served), "served prediction of " + served.inferenceId())
                .thenApply(failed -> {
                    if (failed.isEmpty()) {
                        return null;
                    }
                    throw summarize("served prediction of inference " + served.inferenceId() + " not handed on", failed);
                });
    }

    /** Runs {@code action} on every target; completes (never exceptionally) with the failures by sink name. */
    private CompletableFuture<Map<String, Throwable>> send(List<ExplanationSink> targets, ExplanationRecord record,
            Function<ExplanationSink, CompletionStage<Void>> action, String what) {
        List<CompletableFuture<Void>> all = new ArrayList<>(targets.size());
        for (ExplanationSink sink : targets) {
            long t0 = System.nanoTime();
            AutoCloseable span = record == null ? () -> { } : spans.started(sink.name(), record);
            CompletableFuture<Void> one;
            try {
                one = action.apply(sink).toCompletableFuture();
            } catch (RuntimeException e) {
                one = CompletableFuture.failedFuture(e);
            }
            all.add(one.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .whenComplete((ok, error) -> {
                        listener.published(sink.name(), error == null, System.nanoTime() - t0);
                        try {
                            span.close();
                        } catch (Exception e) {
                            // a span that cannot end must not fail the publication
                        }
                    }));
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).handle((ignored, error) -> {
            Map<String, Throwable> failed = new LinkedHashMap<>();
            for (int i = 0; i < all.size(); i++) {
                if (all.get(i).isCompletedExceptionally()) {
                    failed.put(targets.get(i).name(), cause(all.get(i)));
                }
            }
            return failed;
        });
    }

    /**
     * The sink's send of this record: the one still under way from an earlier attempt (which the publication
     * timeout gave up waiting for, but which may yet succeed: a Kafka send in flight while the broker is away), or
     * a new one. Sending again while one is under way would write a second copy when both succeed.
     */
    private CompletionStage<Void> sending(ExplanationRecord record, ExplanationSink sink) {
        String key = record.explanationId() + "\n" + sink.name();
        CompletableFuture<Void> raw;
        synchronized (this) {
            Sending under = underWay.get(key);
            if (under != null && under.record().equals(record) && !under.future().isDone()) {
                return under.future().copy();
            }
            raw = sink.publish(record).toCompletableFuture();
            Sending mine = new Sending(record, raw);
            underWay.put(key, mine);
            raw.whenComplete((ok, error) -> {
                synchronized (this) {
                    underWay.remove(key, mine);
                    if (error == null) {
                        lateAck(record, sink.name());
                    }
                }
            });
        }
        return raw.copy();
    }

    private record Sending(ExplanationRecord record, CompletableFuture<Void> future) {
    }

    /** A sink acknowledged a record, perhaps after its publication timed out: it need not be sent there again. */
    private synchronized void lateAck(ExplanationRecord record, String sink) {
        Entry e = ledger.get(record.explanationId());
        if (e != null && e.record().equals(record) && !e.acked().contains(sink)) {
            Set<String> acked = new HashSet<>(e.acked());
            acked.add(sink);
            remember(record, acked);
        }
    }

    private synchronized void remember(ExplanationRecord record, Set<String> ackedNow) {
        Entry old = ledger.remove(record.explanationId());
        Set<String> acked = ackedNow;
        if (old != null) {
            ledgerUsed -= old.bytes();
            if (old.record().equals(record)) {
                acked = new HashSet<>(ackedNow);
                acked.addAll(old.acked()); // late acknowledgements that arrived meanwhile
            }
        }
        if (acked.size() >= sinks.size() && old == null) {
            return; // every sink took it at once: nothing to remember (the pairing window drops duplicates)
        }
        // An entry completed after a failure stays remembered (bounded as the others): the input was answered
        // with a failure and will be redelivered, and must then find nothing missing rather than be published
        // again (a late acknowledgement: a send the publication timeout gave up on, which succeeded after all).
        long bytes = ENTRY_OVERHEAD + record.bodyLength() + length(record.servedPrediction())
                + length(record.explainedPrediction()) + length(record.failureReason());
        if (bytes > ledgerBytes) {
            listener.ledgerEvicted();
            return;
        }
        while (ledgerUsed + bytes > ledgerBytes && !ledger.isEmpty()) {
            Iterator<Entry> oldest = ledger.values().iterator();
            ledgerUsed -= oldest.next().bytes();
            oldest.remove();
            listener.ledgerEvicted();
        }
        ledger.put(record.explanationId(), new Entry(record, Set.copyOf(acked), bytes));
        ledgerUsed += bytes;
    }

    private static long length(String s) {
        return s == null ? 0 : 2L * s.length();
    }

    private PublishException summarize(String what, Map<String, Throwable> failed) {
        List<String> messages = new ArrayList<>();
        boolean retryable = false;
        Throwable first = null;
        for (Map.Entry<String, Throwable> f : failed.entrySet()) {
            Throwable e = f.getValue();
            first = first == null ? e : first;
            if (e instanceof PublishException p) {
                retryable |= p.retryable();
                messages.add(p.getMessage());
            } else {
                retryable = true; // timeouts and unexpected errors: do not give the input up
                messages.add(f.getKey() + ": " + (e instanceof TimeoutException ? "no answer within " + timeout : e));
            }
        }
        return new PublishException(String.join(",", failed.keySet()), what + ": " + String.join("; ", messages),
                retryable, first);
    }

    private static Throwable cause(CompletableFuture<Void> f) {
        try {
            f.join();
            return null;
        } catch (CompletionException e) {
            return e.getCause() == null ? e : e.getCause();
        } catch (RuntimeException e) {
            return e;
        }
    }

    public List<String> sinkNames() {
        return sinks.stream().map(ExplanationSink::name).toList();
    }

    @Override
    public void close() {
        for (ExplanationSink sink : sinks) {
            sink.close();
        }
    }
}
