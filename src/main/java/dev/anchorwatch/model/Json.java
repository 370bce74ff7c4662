package dev.anchorwatch.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The package's one JSON mapper: thread-safe once configured, and never reconfigured. */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper();
    public static final JsonFactory FACTORY = MAPPER.getFactory();

    private Json() {
    }
}
