package dev.anchorwatch.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * Reads a request body from its stream into one array, at most {@code maxBytes}, charging an admission budget
 * before each part is kept. With a declared length the array is allocated once, at that size (the bytes were
 * admitted with the ticket) and the body is copied once; without one (chunked), it is read in 64 KiB chunks, each
 * charged, and joined at the end. A body longer than {@code maxBytes}, or than it declared, is refused as soon
 * as the excess is seen, without reading the rest.
 */
public final class BodyReader {

    /** The body is larger than accepted (413). */
    public static final class TooLarge extends RuntimeException {
        public TooLarge(String message) {
            super(message, null, false, false);
        }
    }

    private BodyReader() {
    }

    /**
     * @param declared Content-Length, or a negative number when none was sent; its bytes must already be charged
     */
    public static byte[] read(InputStream in, long declared, int maxBytes, InferenceEventDecoder.Budget budget)
            throws IOException {
        if (declared > maxBytes) {
            throw new TooLarge("body of " + declared + " bytes, at most " + maxBytes + " are accepted");
        }
        if (declared >= 0) {
            byte[] body = new byte[(int) declared];
            int filled = 0;
            int n;
            while (filled < body.length && (n = in.read(body, filled, body.length - filled)) > 0) {
                filled += n;
            }
            if (filled < body.length) {
                throw new IOException("the body ended after " + filled + " of its " + declared + " declared bytes");
            }
            if (in.read() >= 0) {
                throw new TooLarge("body longer than its declared " + declared + " bytes");
            }
            return body;
        }
        return readAtMost(in, maxBytes, budget, () -> new TooLarge("body of more than " + maxBytes
                + " bytes (chunked); at most " + maxBytes + " are accepted"));
    }

    /**
     * Reads a stream to its end into one array of at most {@code maxBytes}: in chunks of at most 64 KiB, each
     * charged to the budget before it is kept, never reading more than one byte past the cap. The chunks are joined
     * once at the end (that array is charged too); a stream that fits one chunk is returned as read.
     *
     * @param tooLarge the exception thrown as soon as the stream holds more than {@code maxBytes}
     */
    public static byte[] readAtMost(InputStream in, int maxBytes, InferenceEventDecoder.Budget budget,
            Supplier<? extends RuntimeException> tooLarge) throws IOException {
        List<byte[]> chunks = new ArrayList<>();
        int total = 0;
        while (true) {
            byte[] chunk = new byte[(int) Math.min(64 * 1024, (long) maxBytes - total + 1)];
            int filled = 0;
            int n;
            while (filled < chunk.length && (n = in.read(chunk, filled, chunk.length - filled)) > 0) {
                filled += n;
            }
            if (total + filled > maxBytes) {
                throw tooLarge.get();
            }
            if (filled == 0) {
                break;
            }
            budget.charge(filled);
            chunks.add(filled == chunk.length ? chunk : Arrays.copyOf(chunk, filled));
            total += filled;
            if (filled < chunk.length) {
                break;
            }
        }
        if (chunks.size() == 1) {
            return chunks.get(0);
        }
        budget.charge(total);
        byte[] body = new byte[total];
        int at = 0;
        for (byte[] c : chunks) {
            System.arraycopy(c, 0, body, at, c.length);
            at += c.length;
        }
        return body;
    }
}
