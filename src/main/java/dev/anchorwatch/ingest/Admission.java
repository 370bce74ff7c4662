package dev.anchorwatch.ingest;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Admission before work (contract 6): a request body is read, gunzipped or parsed only while it holds a
 * {@link Ticket}, and a ticket is handed out only while fewer than {@code maxDecodes} bodies are being decoded and
 * the bytes reserved by every ticket stay within {@code maxBytes}. Beyond either the request is refused at once
 * (429 + Retry-After) without touching its body.
 *
 * <p>A ticket starts with what the request declares (its Content-Length, or the largest accepted body when it
 * declares nothing) and {@link Ticket#charge grows} while the body is read and inflated and before it is parsed
 * (a parsed JSON tree costs several times its text), so memory is counted as it is used, never after. A growth
 * that the budget could not hold even with nothing else in flight is permanent ({@link Refused#permanent()}:
 * 413); one that fails only because others hold the budget now is transient (429). After decoding,
 * {@link Ticket#endDecode()} frees the decode place and {@link Ticket#shrinkTo} keeps only what the request still
 * holds while it is explained; {@link Ticket#close()} frees everything (idempotent).
 *
 * <p>Framework-free and thread-safe; refusals are reported to a {@link Listener} (metrics, logs).
 */
public final class Admission {

    /**
     * @param maxDecodes bodies read, inflated or parsed at once
     * @param maxBytes   bytes reserved by all admitted requests at once (bodies as received, inflated, parsed trees,
     *                   and the bodies of requests being explained)
     */
    public record Limits(int maxDecodes, long maxBytes) {
        public Limits {
            if (maxDecodes < 1 || maxBytes < 1) {
                throw new IllegalArgumentException("admission limits must be positive: decodes " + maxDecodes
                        + ", bytes " + maxBytes);
            }
        }
    }

    /** Why a request was not admitted, or could not continue. */
    public enum Reason {
        /** every decode place is taken (429) */
        BUSY("busy"),
        /** the byte budget is held by other requests now (429) */
        BYTES("bytes"),
        /** the request alone needs more than the whole byte budget (413) */
        TOO_LARGE("too_large");

        private final String tag;

        Reason(String tag) {
            this.tag = tag;
        }

        /** The metric tag value. */
        public String tag() {
            return tag;
        }
    }

    /** Thrown when a request is refused or must stop; the body has not been (further) read. */
    public static final class Refused extends RuntimeException {
        private final Reason reason;

        public Refused(Reason reason, String message) {
            super(message, null, false, false);
            this.reason = reason;
        }

        public Reason reason() {
            return reason;
        }

        /** Retrying the same request can never succeed here (413 rather than 429). */
        public boolean permanent() {
            return reason == Reason.TOO_LARGE;
        }
    }

    /** Told of every refusal; must be cheap and must not throw. */
    public interface Listener {
        Listener NONE = (path, reason) -> {
        };

        /** @param path who asked, e.g. {@code ingest} or {@code explain} (a metric tag) */
        void refused(String path, Reason reason);
    }

    private final Limits limits;
    private final Listener listener;
    private final AtomicInteger decodes = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong peakBytes = new AtomicLong();

    public Admission(Limits limits, Listener listener) {
        this.limits = limits;
        this.listener = listener;
    }

    public Limits limits() {
        return limits;
    }

    /** Bodies being decoded now. */
    public int decodesInFlight() {
        return decodes.get();
    }

    /** Bytes reserved now. */
    public long bytesInFlight() {
        return bytes.get();
    }

    /** The most bytes reserved at once since this admission was made. */
    public long peakBytes() {
        return peakBytes.get();
    }

    /**
     * A ticket for a request that declares {@code declaredBytes} (at least 0), or refuses it.
     *
     * @throws Refused when every decode place is taken, or the bytes do not fit
     */
    public Ticket admit(String path, long declaredBytes) {
        long initial = Math.max(0, declaredBytes);
        if (initial > limits.maxBytes()) {
            throw refuse(path, Reason.TOO_LARGE, "the request declares " + initial + " bytes, more than the "
                    + limits.maxBytes() + " bytes this service holds for all requests at once");
        }
        while (true) {
            int d = decodes.get();
            if (d >= limits.maxDecodes()) {
                throw refuse(path, Reason.BUSY, "all " + limits.maxDecodes() + " decoding places are busy; retry later");
            }
            if (decodes.compareAndSet(d, d + 1)) {
                break;
            }
        }
        if (!reserve(initial)) {
            decodes.decrementAndGet();
            throw refuse(path, Reason.BYTES, "the requests in flight hold the memory budget ("
                    + limits.maxBytes() + " bytes); retry later");
        }
        return new Ticket(path, initial);
    }

    private boolean reserve(long n) {
        while (true) {
            long b = bytes.get();
            if (b + n > limits.maxBytes()) {
                return false;
            }
            if (bytes.compareAndSet(b, b + n)) {
                peakBytes.accumulateAndGet(b + n, Math::max);
                return true;
            }
        }
    }

    private Refused refuse(String path, Reason reason, String message) {
        listener.refused(path, reason);
        return new Refused(reason, message);
    }

    /** One admitted request's place and reserved bytes. */
    public final class Ticket implements AutoCloseable {
        private final String path;
        private final AtomicLong held;
        private final AtomicBoolean decoding = new AtomicBoolean(true);
        private final AtomicBoolean closed = new AtomicBoolean();

        private Ticket(String path, long initial) {
            this.path = path;
            this.held = new AtomicLong(initial);
        }

        /** Bytes this ticket holds now. */
        public long held() {
            return held.get();
        }

        /**
         * Reserves {@code n} more bytes before they are used.
         *
         * @throws Refused TOO_LARGE when this request alone would pass the budget, BYTES when others hold it now
         */
        public void charge(long n) {
            if (n <= 0) {
                return;
            }
            if (closed.get()) {
                throw new IllegalStateException("ticket already closed");
            }
            long mine = held.get();
            if (mine + n > limits.maxBytes()) {
                throw refuse(path, Reason.TOO_LARGE, "the request needs more than the " + limits.maxBytes()
                        + " bytes of memory this service holds for all requests at once");
            }
            if (!reserve(n)) {
                throw refuse(path, Reason.BYTES, "the requests in flight hold the memory budget (" + limits.maxBytes()
                        + " bytes); retry later");
            }
            held.addAndGet(n);
        }

        /** The body is decoded: free the decode place (idempotent); the bytes stay reserved. */
        public void endDecode() {
            if (decoding.compareAndSet(true, false)) {
                decodes.decrementAndGet();
            }
        }

        /** Keeps at most {@code n} bytes reserved (what the request still holds while it is explained). */
        public void shrinkTo(long n) {
            while (true) {
                long mine = held.get();
                long keep = Math.max(0, Math.min(mine, n));
                if (held.compareAndSet(mine, keep)) {
                    bytes.addAndGet(keep - mine);
                    return;
                }
            }
        }

        /** Frees the place and every reserved byte; idempotent. */
        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                endDecode();
                bytes.addAndGet(-held.getAndSet(0));
            }
        }
    }
}
