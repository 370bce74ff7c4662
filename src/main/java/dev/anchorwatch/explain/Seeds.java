package dev.anchorwatch.explain;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Seeds derived from stable identities (an inference id, a model and an instance), so that the same input
 * gives the same explanation on every retry and every replica, whatever the JVM's hash seeds are.
 */
public final class Seeds {
    private Seeds() {
    }

    public static long derive(String... parts) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String p : parts) {
                byte[] b = p.getBytes(StandardCharsets.UTF_8);
                sha.update(ByteBuffer.allocate(4).putInt(b.length).array()); // length-prefixed: no ambiguity
                sha.update(b);
            }
            return ByteBuffer.wrap(sha.digest()).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
