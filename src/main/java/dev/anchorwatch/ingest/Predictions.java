package dev.anchorwatch.ingest;

import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Reads the prediction for one instance out of a response event, as JSON text (the served prediction). */
public final class Predictions {

    private Predictions() {
    }

    /**
     * The prediction for row {@code row}: V1 {@code predictions[row]}; V2, the row of each output tensor (its
     * flat {@code data} cut by {@code shape}), alone when there is one output, else an object by output name.
     * Empty when the response has no such row.
     */
    public static Optional<String> forRow(InferenceEvent response, int row) {
        if (response.isRequest()) {
            throw new IllegalArgumentException("not a response: " + response);
        }
        JsonNode payload = response.payload();
        JsonNode value = response.protocol() == InferenceEvent.Protocol.V1 ? v1(payload, row) : v2(payload, row);
        return Optional.ofNullable(value).map(JsonNode::toString);
    }

    private static JsonNode v1(JsonNode payload, int row) {
        JsonNode predictions = payload.get("predictions");
        if (predictions == null) {
            return null;
        }
        if (!predictions.isArray()) {
            return row == 0 ? predictions : null;
        }
        return predictions.get(row);
    }

    private static JsonNode v2(JsonNode payload, int row) {
        JsonNode outputs = payload.path("outputs");
        if (outputs.size() == 1) {
            return tensorRow(outputs.get(0), row);
        }
        ObjectNode byName = JsonNodeFactory.instance.objectNode();
        for (JsonNode output : outputs) {
            JsonNode r = tensorRow(output, row);
            if (r == null) {
                return null;
            }
            byName.set(output.path("name").asText(), r);
        }
        return byName.isEmpty() ? null : byName;
    }

    private static JsonNode tensorRow(JsonNode tensor, int row) {
        JsonNode data = tensor.path("data");
        JsonNode shape = tensor.path("shape");
        if (!data.isArray()) {
            return null;
        }
        long width = 1;
        for (int i = 1; i < shape.size(); i++) {
            width *= shape.get(i).asLong();
        }
        if (shape.size() <= 1) {
            return data.get(row);
        }
        long from = row * width;
        if (from + width > data.size()) {
            return null;
        }
        if (width == 1) {
            return data.get((int) from);
        }
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        for (long i = from; i < from + width; i++) {
            out.add(data.get((int) i));
        }
        return out;
    }
}
