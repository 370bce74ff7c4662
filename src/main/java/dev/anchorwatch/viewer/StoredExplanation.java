package dev.anchorwatch.viewer;

import java.nio.charset.StandardCharsets;

/** One explanation with its full JSON (Alibi's shape, or a list of them for an event with several instances). */
public record StoredExplanation(ExplanationSummary summary, byte[] body) {
    public StoredExplanation {
        body = body.clone();
    }

    @Override
    public byte[] body() {
        return body.clone();
    }

    public String bodyAsString() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
