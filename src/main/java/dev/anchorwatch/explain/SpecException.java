package dev.anchorwatch.explain;

/** A bad ExplainerSpec: the message names the file (or origin) and the field. */
public class SpecException extends RuntimeException {
    public SpecException(String origin, String field, String problem) {
        super("explainer spec " + origin + ": field '" + field + "': " + problem);
    }

    public SpecException(String origin, String problem, Throwable cause) {
        super("explainer spec " + origin + ": " + problem, cause);
    }
}
