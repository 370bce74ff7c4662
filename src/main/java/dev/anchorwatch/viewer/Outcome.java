package dev.anchorwatch.viewer;

import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;

import dev.anchorwatch.publish.ExplanationRecord;

/**
 * How one explanation ended: an anchor met the precision threshold ({@code found}), the search ended without one
 * and reported its most precise candidate ({@code not_found}, {@code raw.success} false), or no explanation could
 * be made ({@code failed}). PostgreSQL computes the same value in the generated column {@code outcome}
 * (migration {@code V11__viewer.sql}).
 */
public enum Outcome {
    FOUND("found"), NOT_FOUND("not_found"), FAILED("failed");

    private final String label;

    Outcome(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public static Outcome parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        for (Outcome o : values()) {
            if (o.label.equals(t)) {
                return o;
            }
        }
        throw new IllegalArgumentException("outcome must be found, not_found or failed, not '" + text + "'");
    }

    /** The outcome of a record; for a body with several explanations (a list), the first one's. */
    static Outcome of(ExplanationRecord r, JsonNode body) {
        if (r.failed()) {
            return FAILED;
        }
        JsonNode data = body.has("data") ? body.get("data") : body.path(0).path("data");
        JsonNode success = data.path("raw").path("success");
        return success.isBoolean() && !success.booleanValue() ? NOT_FOUND : FOUND;
    }
}
