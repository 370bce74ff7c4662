package dev.anchorwatch.ingest;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import dev.anchorwatch.publish.ExplanationRecord;

/**
 * Pairs KServe request and response events by ce-id and deduplicates them, within a window bounded in bytes.
 *
 * <p>An inference is explained on its request. Its response, which carries the prediction the model served,
 * may arrive before or after the request, twice, or never (the logger never retries and logs only HTTP 200
 * responses). So each (source, id) pair is remembered for {@code ttl} from its first event. Of a response only
 * what pairing needs is kept: the served prediction (the first row's, as compact JSON text), and only when it is
 * at most {@code maxServedBytes}; the response body itself is never kept. In reply mode the published record may
 * be kept too, when it is at most {@code maxRecordBytes}; a larger one is not remembered and its request is
 * forgotten once published, so that a redelivery is explained again (deterministically: the same event).
 *
 * <p>Every entry is charged its estimated heap size ({@link #ENTRY_OVERHEAD} plus its strings and what it keeps);
 * beyond {@code maxBytes} (or {@code maxEntries}) the oldest pairs are forgotten, and each forgetting is told to
 * the {@link Listener} ({@code bytes}, {@code entries} or {@code ttl}). Forgetting is safe: outputs have deterministic ids and the
 * sinks are idempotent, so the worst outcome of forgetting is a second identical explanation, or one without
 * its served prediction.
 *
 * <p>The caller tells the outcome of each explanation: {@link #completed} (published, so later duplicates are
 * dropped) or {@link #abandoned} (failed transiently, so a redelivery is explained again rather than dropped as
 * a duplicate: at least once). Thread-safe.
 */
public final class Pairing {

    /** Estimated heap of one entry besides its strings: map node, key, entry object, state. */
    public static final int ENTRY_OVERHEAD = 200;

    /**
     * @param maxEntries     most (source, id) pairs remembered
     * @param maxBytes       most bytes (estimated heap) remembered for all pairs
     * @param ttl            how long a pair is remembered after its first event
     * @param maxServedBytes largest served prediction kept (JSON text); a larger one is not kept
     * @param maxRecordBytes largest published record kept for a duplicate (reply mode); a larger one is not kept
     */
    public record Limits(int maxEntries, long maxBytes, Duration ttl, int maxServedBytes, int maxRecordBytes) {
        public Limits {
            if (maxEntries < 1 || maxBytes < 1 || maxServedBytes < 0 || maxRecordBytes < 0) {
                throw new IllegalArgumentException("pairing limits: entries and bytes at least 1, caps at least 0");
            }
            if (ttl.isNegative() || ttl.isZero()) {
                throw new IllegalArgumentException("ttl must be positive");
            }
        }
    }

    /** Told when pairs are forgotten before their time ({@code bytes}, {@code entries}) or at it ({@code ttl}). */
    public interface Listener {
        Listener NONE = reason -> {
        };

        void evicted(String reason);
    }

    /** What to do with an offered event. */
    public sealed interface Outcome permits Explain, InFlight, Duplicate, ResponseKept {
    }

    /**
     * A request seen for the first time (or again after {@link #abandoned}): explain it now; {@code served} is the
     * served prediction, when its response came first and is remembered.
     */
    public record Explain(InferenceEvent request, Optional<String> served) implements Outcome {
    }

    /** The same request is being explained now: ask for a redelivery later (it may yet fail). */
    public record InFlight(InferenceEvent request) implements Outcome {
    }

    /**
     * Already handled within the window: acknowledge and drop. For a request, {@code published} is what its
     * explanation published, when the caller asked for it to be remembered ({@link #completed(InferenceEvent,
     * ExplanationRecord)}), so that it can be given again (reply mode).
     */
    public record Duplicate(InferenceEvent event, Optional<ExplanationRecord> published) implements Outcome {
        public Duplicate(InferenceEvent event) {
            this(event, Optional.empty());
        }
    }

    /** A response, whose served prediction is kept to be attached to its request's explanation. */
    public record ResponseKept(InferenceEvent response, boolean requestSeen) implements Outcome {
    }

    private enum RequestState { NONE, IN_FLIGHT, DONE }

    private static final class Entry {
        final Instant created;
        final long baseBytes;
        RequestState request = RequestState.NONE;
        boolean responseSeen;
        String served;
        ExplanationRecord published;
        long bytes;

        Entry(Instant created, long baseBytes) {
            this.created = created;
            this.baseBytes = baseBytes;
            this.bytes = baseBytes;
        }
    }

    private final Limits limits;
    private final Clock clock;
    private final Listener listener;
    /** Insertion order = age order: the head is the oldest pair. */
    private final LinkedHashMap<InferenceEvent.PairKey, Entry> window = new LinkedHashMap<>();
    private long bytes;

    /** A window of at most {@code maxEntries} pairs and 64 MiB, keeping served predictions up to 4 KiB. */
    public Pairing(int maxEntries, Duration ttl, Clock clock) {
        this(new Limits(maxEntries, 64L << 20, ttl, 4096, 256 * 1024), clock, Listener.NONE);
    }

    public Pairing(Limits limits, Clock clock, Listener listener) {
        this.limits = limits;
        this.clock = clock;
        this.listener = listener;
    }

    public synchronized Outcome offer(InferenceEvent event) {
        Instant now = clock.instant();
        expire(now);
        Entry entry = window.get(event.pairKey());
        if (entry == null) {
            entry = new Entry(now, ENTRY_OVERHEAD + 2L * (event.source().length() + event.id().length()));
            window.put(event.pairKey(), entry);
            bytes += entry.bytes;
        }
        Outcome outcome;
        if (event.isRequest()) {
            switch (entry.request) {
                case IN_FLIGHT:
                    outcome = new InFlight(event);
                    break;
                case DONE:
                    outcome = new Duplicate(event, Optional.ofNullable(entry.published));
                    break;
                default:
                    entry.request = RequestState.IN_FLIGHT;
                    outcome = new Explain(event, Optional.ofNullable(entry.served));
            }
        } else if (entry.responseSeen) {
            outcome = new Duplicate(event);
        } else {
            entry.responseSeen = true;
            String served = servedPrediction(event);
            if (served != null && served.length() <= limits.maxServedBytes()) {
                entry.served = served;
                resize(entry);
            }
            outcome = new ResponseKept(event, entry.request != RequestState.NONE);
        }
        evictBeyondBounds(entry);
        return outcome;
    }

    private static String servedPrediction(InferenceEvent response) {
        try {
            return Predictions.forRow(response, 0).orElse(null);
        } catch (RuntimeException e) {
            return null; // a response whose prediction cannot be read is still a response: nothing to attach
        }
    }

    /** The served prediction of this request's inference, if its response arrived and is still remembered. */
    public synchronized Optional<String> served(InferenceEvent request) {
        Entry entry = window.get(request.pairKey());
        if (entry == null || expired(entry, clock.instant())) {
            return Optional.empty();
        }
        return Optional.ofNullable(entry.served);
    }

    /** Whether this request's inference was explained and published by this replica (and is still remembered). */
    public synchronized boolean explainedHere(InferenceEvent event) {
        Entry entry = window.get(event.pairKey());
        return entry != null && entry.request == RequestState.DONE;
    }

    /**
     * Forgets the response of this event's inference (its served prediction could not be handed on), so that a
     * redelivered copy is handled again instead of being dropped as a duplicate.
     */
    public synchronized void forgetResponse(InferenceEvent event) {
        Entry entry = window.get(event.pairKey());
        if (entry != null) {
            entry.responseSeen = false;
            entry.served = null;
            resize(entry);
        }
    }

    /** The request's explanation (or failure event) was published: later copies are duplicates. */
    public synchronized void completed(InferenceEvent request) {
        completed(request, null);
    }

    /**
     * As {@link #completed(InferenceEvent)}, remembering what was published (or nothing, for null) for as long as
     * the pair is remembered, so that a duplicate can be answered with it. A record larger than
     * {@code maxRecordBytes} is not remembered, and the request is then forgotten (as if abandoned), so that a
     * redelivery is explained again and answered with the identical record.
     */
    public synchronized void completed(InferenceEvent request, ExplanationRecord published) {
        Entry entry = window.get(request.pairKey());
        if (entry != null && entry.request == RequestState.IN_FLIGHT) {
            if (published != null && recordBytes(published) > limits.maxRecordBytes()) {
                entry.request = RequestState.NONE;
                return;
            }
            entry.request = RequestState.DONE;
            entry.published = published;
            resize(entry);
            evictBeyondBounds(entry);
        }
    }

    /** The request's explanation failed and will be retried by redelivery: explain the next copy. */
    public synchronized void abandoned(InferenceEvent request) {
        Entry entry = window.get(request.pairKey());
        if (entry != null && entry.request == RequestState.IN_FLIGHT) {
            entry.request = RequestState.NONE;
        }
    }


    /** Pairs remembered now. */
    public synchronized int size() {
        expire(clock.instant());
        return window.size();
    }

    /** Estimated bytes remembered now. */
    public synchronized long bytes() {
        expire(clock.instant());
        return bytes;
    }

    public Limits limits() {
        return limits;
    }

    /** Estimated heap of a record: its body, its strings (two bytes a character at worst) and a fixed part. */
    static long recordBytes(ExplanationRecord r) {
        long strings = 0;
        for (String s : new String[] { r.explanationId(), r.inferenceId(), r.model(), r.namespace(), r.explainer(),
                r.failureReason(), r.servedPrediction(), r.explainedPrediction() }) {
            strings += s == null ? 0 : 40 + 2L * s.length();
        }
        for (String a : r.anchor()) {
            strings += 40 + 2L * a.length();
        }
        return 256 + strings + 64L * r.timingsMs().size() + r.bodyLength();
    }

    private void resize(Entry entry) {
        long now = entry.baseBytes + (entry.served == null ? 0 : 40 + 2L * entry.served.length())
                + (entry.published == null ? 0 : recordBytes(entry.published));
        bytes += now - entry.bytes;
        entry.bytes = now;
    }

    /** Forgets the oldest pairs beyond the bounds, never {@code keep} (the pair just offered). */
    private void evictBeyondBounds(Entry keep) {
        Iterator<Entry> oldest = window.values().iterator();
        while ((bytes > limits.maxBytes() || window.size() > limits.maxEntries()) && oldest.hasNext()) {
            Entry e = oldest.next();
            if (e == keep) {
                continue;
            }
            String reason = bytes > limits.maxBytes() ? "bytes" : "entries";
            oldest.remove();
            bytes -= e.bytes;
            listener.evicted(reason);
        }
    }

    private void expire(Instant now) {
        Iterator<Entry> it = window.values().iterator();
        while (it.hasNext()) {
            Entry e = it.next();
            if (!expired(e, now)) {
                break;
            }
            it.remove();
            bytes -= e.bytes;
            listener.evicted("ttl");
        }
    }

    private boolean expired(Entry entry, Instant now) {
        return !now.isBefore(entry.created.plus(ttl()));
    }

    private Duration ttl() {
        return limits.ttl();
    }
}
