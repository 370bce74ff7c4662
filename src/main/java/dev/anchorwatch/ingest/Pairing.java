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
 * Pairs KServe request and response events by ce-id and deduplicates them, within a bounded window.
 *
 * <p>An inference is explained on its request. Its response, which carries the prediction the model served,
 * may arrive before or after the request, twice, or never (the logger never retries and logs only HTTP 200
 * responses). So each (source, id) pair is remembered for {@code ttl} from its first event, and at most
 * {@code maxEntries} pairs are kept: beyond that the oldest are forgotten. Forgetting is safe: outputs have
 * deterministic ids and the sinks are idempotent, so the worst outcome of forgetting is a second identical
 * explanation, or one without its served prediction.
 *
 * <p>The caller tells the outcome of each explanation: {@link #completed} (published, so later duplicates are
 * dropped) or {@link #abandoned} (failed transiently, so a redelivery is explained again rather than dropped as
 * a duplicate: at least once). Thread-safe.
 */
public final class Pairing {

    /** What to do with an offered event. */
    public sealed interface Outcome permits Explain, InFlight, Duplicate, ResponseKept {
    }

    /** A request seen for the first time (or again after {@link #abandoned}): explain it now. */
    public record Explain(InferenceEvent request, Optional<InferenceEvent> response) implements Outcome {
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

    /** A response, kept to be attached to its request's explanation; nothing else to do. */
    public record ResponseKept(InferenceEvent response, boolean requestSeen) implements Outcome {
    }

    private enum RequestState { NONE, IN_FLIGHT, DONE }

    private static final class Entry {
        final Instant created;
        RequestState request = RequestState.NONE;
        InferenceEvent response;
        ExplanationRecord published;

        Entry(Instant created) {
            this.created = created;
        }
    }

    private final int maxEntries;
    private final Duration ttl;
    private final Clock clock;
    /** Insertion order = age order: the head is the oldest pair. */
    private final LinkedHashMap<InferenceEvent.PairKey, Entry> window = new LinkedHashMap<>();
    private long evictedFull;
    private long evictedTtl;

    public Pairing(int maxEntries, Duration ttl, Clock clock) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be at least 1");
        }
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl must be positive");
        }
        this.maxEntries = maxEntries;
        this.ttl = ttl;
        this.clock = clock;
    }

    public synchronized Outcome offer(InferenceEvent event) {
        Instant now = clock.instant();
        expire(now);
        Entry entry = window.get(event.pairKey());
        if (entry == null) {
            while (window.size() >= maxEntries) {
                Iterator<Map.Entry<InferenceEvent.PairKey, Entry>> oldest = window.entrySet().iterator();
                oldest.next();
                oldest.remove();
                evictedFull++;
            }
            entry = new Entry(now);
            window.put(event.pairKey(), entry);
        }
        if (event.isRequest()) {
            switch (entry.request) {
                case IN_FLIGHT:
                    return new InFlight(event);
                case DONE:
                    return new Duplicate(event, Optional.ofNullable(entry.published));
                default:
                    entry.request = RequestState.IN_FLIGHT;
                    return new Explain(event, Optional.ofNullable(entry.response));
            }
        }
        if (entry.response != null) {
            return new Duplicate(event);
        }
        entry.response = event;
        return new ResponseKept(event, entry.request != RequestState.NONE);
    }

    /** The response of this request's inference, if it has arrived and is still remembered. */
    public synchronized Optional<InferenceEvent> response(InferenceEvent request) {
        Entry entry = window.get(request.pairKey());
        if (entry == null || expired(entry, clock.instant())) {
            return Optional.empty();
        }
        return Optional.ofNullable(entry.response);
    }

    /** The request's explanation (or failure event) was published: later copies are duplicates. */
    public synchronized void completed(InferenceEvent request) {
        completed(request, null);
    }

    /**
     * As {@link #completed(InferenceEvent)}, remembering what was published (or nothing, for null) for as long as
     * the pair is remembered, so that a duplicate can be answered with it. It costs the record's memory per pair.
     */
    public synchronized void completed(InferenceEvent request, ExplanationRecord published) {
        Entry entry = window.get(request.pairKey());
        if (entry != null && entry.request == RequestState.IN_FLIGHT) {
            entry.request = RequestState.DONE;
            entry.published = published;
        }
    }

    /** The request's explanation failed and will be retried by redelivery: explain the next copy. */
    public synchronized void abandoned(InferenceEvent request) {
        Entry entry = window.get(request.pairKey());
        if (entry != null && entry.request == RequestState.IN_FLIGHT) {
            entry.request = RequestState.NONE;
        }
    }

    /** Pairs dropped to make room because the window was full (only grows). */
    public synchronized long evictedFull() {
        return evictedFull;
    }

    /** Pairs dropped because they outlived the time to live (only grows). */
    public synchronized long evictedTtl() {
        expire(clock.instant());
        return evictedTtl;
    }

    /**
     * Bytes of event bodies the window holds now (kept responses and, in reply mode, published records); the
     * per-entry bookkeeping (keys, timestamps) is not counted.
     */
    public synchronized long heldBytes() {
        expire(clock.instant());
        long bytes = 0;
        for (Entry e : window.values()) {
            if (e.response != null) {
                bytes += e.response.bodySize();
            }
            if (e.published != null) {
                bytes += e.published.body().length;
            }
        }
        return bytes;
    }

    /** Pairs remembered now. */
    public synchronized int size() {
        expire(clock.instant());
        return window.size();
    }

    private void expire(Instant now) {
        Iterator<Entry> it = window.values().iterator();
        while (it.hasNext()) {
            if (!expired(it.next(), now)) {
                break;
            }
            it.remove();
            evictedTtl++;
        }
    }

    private boolean expired(Entry entry, Instant now) {
        return !now.isBefore(entry.created.plus(ttl));
    }
}
