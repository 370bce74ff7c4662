package dev.anchorwatch.viewer;

import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Base64;
import java.util.Comparator;
import java.util.Objects;

/**
 * A place in the newest-first order of explanations ({@code created_at} descending, then id descending): a page
 * continues with the explanations strictly after it. Sent to clients as an opaque base64url token.
 */
public record Cursor(Instant createdAt, String id) {

    /** Newest first; ties broken by id, descending. */
    public static final Comparator<Cursor> NEWEST_FIRST =
            Comparator.comparing(Cursor::createdAt).thenComparing(Cursor::id).reversed();

    private static final String VERSION = "c1";

    public Cursor {
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(id, "id");
    }

    public String encode() {
        String plain = VERSION + "|" + createdAt.getEpochSecond() + "|" + createdAt.getNano() + "|" + id;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
    }

    /** Reads a token made by {@link #encode()}; anything else is an {@link IllegalArgumentException}. */
    public static Cursor decode(String token) {
        if (token == null || token.isBlank() || token.length() > 2048) {
            throw new IllegalArgumentException("cursor is not one this service gave out");
        }
        try {
            String plain = new String(Base64.getUrlDecoder().decode(token.trim()), StandardCharsets.UTF_8);
            String[] parts = plain.split("\\|", 4);
            if (parts.length != 4 || !VERSION.equals(parts[0]) || parts[3].isEmpty()) {
                throw new IllegalArgumentException("bad cursor");
            }
            long seconds = Long.parseLong(parts[1]);
            int nanos = Integer.parseInt(parts[2]);
            if (nanos < 0 || nanos > 999_999_999) {
                throw new IllegalArgumentException("bad cursor");
            }
            return new Cursor(Instant.ofEpochSecond(seconds, nanos), parts[3]);
        } catch (IllegalArgumentException | DateTimeException e) {
            throw new IllegalArgumentException("cursor is not one this service gave out");
        }
    }
}
