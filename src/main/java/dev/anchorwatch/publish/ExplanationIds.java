package dev.anchorwatch.publish;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

/**
 * Output event ids derived from the input event, so that a redelivered input yields the same output id and
 * every sink can deduplicate (Kafka consumers by {@code ce_id}, PostgreSQL by primary key).
 *
 * <p>The id is a name-based UUID, version 5 (SHA-1, RFC 9562), in Anchorwatch's own namespace, over the input
 * event's (source, id, type). Each part is length-prefixed so that no two different triples share a name.
 */
public final class ExplanationIds {

    /** Anchorwatch's UUID namespace for explanation ids. Never change it: ids already stored depend on it. */
    public static final UUID NAMESPACE = UUID.fromString("1ceca01a-2ab8-458e-ba79-b4707bf0afbc");

    private ExplanationIds() {
    }

    public static String explanationId(String source, String id, String type) {
        return nameUuidV5(NAMESPACE, name(source, id, type)).toString();
    }

    /**
     * The id of one explainer's explanation of the input event, for a model explained by several: the explainer's
     * name is a fourth part of the name, so each explainer's id is distinct and as deterministic. The explainer
     * named as the model keeps the three-part id (ids stored before a model had a second explainer stay valid).
     */
    public static String explanationId(String source, String id, String type, String explainer, String model) {
        return explainer.equals(model) ? explanationId(source, id, type)
                : nameUuidV5(NAMESPACE, name(source, id, type, explainer)).toString();
    }

    static byte[] name(String... parts) {
        StringBuilder b = new StringBuilder();
        for (String part : parts) {
            if (part == null) {
                throw new IllegalArgumentException("source, id and type are all required");
            }
            b.append(part.length()).append(':').append(part).append(';');
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    static UUID nameUuidV5(UUID namespace, byte[] name) {
        MessageDigest sha1;
        try {
            sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-1", e);
        }
        ByteBuffer ns = ByteBuffer.allocate(16);
        ns.putLong(namespace.getMostSignificantBits()).putLong(namespace.getLeastSignificantBits());
        sha1.update(ns.array());
        byte[] hash = sha1.digest(name);
        hash[6] = (byte) ((hash[6] & 0x0f) | 0x50); // version 5
        hash[8] = (byte) ((hash[8] & 0x3f) | 0x80); // IETF variant
        ByteBuffer h = ByteBuffer.wrap(hash, 0, 16);
        return new UUID(h.getLong(), h.getLong());
    }
}
