package dev.anchorwatch.explain;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One object of an ExplainerSpec, with its path for messages: typed getters that fail with a SpecException
 * naming the file and the field. Keys may be snake_case or kebab-case; unknown keys are errors; null values
 * count as absent. Every section of a spec (the common ones and each explainer type's) reads through this.
 */
final class SpecFields {
    private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");

    private final Map<String, JsonNode> values = new LinkedHashMap<>();
    private final String path;
    private final String origin;

    SpecFields(JsonNode node, String path, String origin, Set<String> allowed) {
        this.path = path;
        this.origin = origin;
        if (node == null || !node.isObject()) {
            throw new SpecException(origin, path.isEmpty() ? "(root)" : path, "must be an object");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            var e = it.next();
            String key = e.getKey().replace('-', '_').toLowerCase(Locale.ROOT);
            if (!allowed.contains(key)) {
                throw new SpecException(origin, qualify(e.getKey()), "unknown field (allowed: "
                        + String.join(", ", allowed.stream().sorted().toList()) + ")");
            }
            if (!e.getValue().isNull()) {
                values.put(key, e.getValue());
            }
        }
    }

    private String qualify(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    JsonNode raw(String key) {
        return values.get(key);
    }

    boolean has(String key) {
        JsonNode v = values.get(key);
        return v != null && !v.isNull();
    }

    SpecException error(String key, String problem) {
        return new SpecException(origin, qualify(key), problem);
    }

    SpecFields object(String key, Set<String> allowed, boolean required) {
        if (!has(key)) {
            if (required) {
                throw error(key, "is required");
            }
            return null;
        }
        return new SpecFields(values.get(key), qualify(key), origin, allowed);
    }

    String requiredText(String key) {
        String v = text(key, null);
        if (v == null || v.isBlank()) {
            throw error(key, "is required");
        }
        return v;
    }

    String text(String key, String dflt) {
        if (!has(key)) {
            return dflt;
        }
        JsonNode v = values.get(key);
        if (!v.isValueNode()) {
            throw error(key, "must be a string");
        }
        return v.asText();
    }

    int intValue(String key, int dflt, int min) {
        long v = longValue(key, dflt);
        if (v < min || v > Integer.MAX_VALUE) {
            throw error(key, min == Integer.MIN_VALUE ? "must be a 32-bit integer, got " + v
                    : "must be an integer >= " + min + ", got " + v);
        }
        return (int) v;
    }

    long longValue(String key, long dflt) {
        if (!has(key)) {
            return dflt;
        }
        JsonNode v = values.get(key);
        if (!v.canConvertToLong() || (v.isNumber() && v.asDouble() != Math.rint(v.asDouble()))) {
            throw error(key, "must be an integer, got " + v);
        }
        return v.asLong();
    }

    double doubleValue(String key, double dflt) {
        if (!has(key)) {
            return dflt;
        }
        JsonNode v = values.get(key);
        if (!v.isNumber() || !Double.isFinite(v.asDouble())) {
            throw error(key, "must be a number, got " + v);
        }
        return v.asDouble();
    }

    boolean bool(String key, boolean dflt) {
        if (!has(key)) {
            return dflt;
        }
        JsonNode v = values.get(key);
        if (!v.isBoolean()) {
            throw error(key, "must be true or false, got " + v);
        }
        return v.asBoolean();
    }

    Duration duration(String key, Duration dflt) {
        if (!has(key)) {
            return dflt;
        }
        String s = values.get(key).asText().trim();
        Matcher m = SIMPLE_DURATION.matcher(s);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            };
        }
        try {
            return Duration.parse(s);
        } catch (DateTimeParseException e) {
            throw error(key, "must be a duration like 500ms, 30s, 2m or PT30S, got " + s);
        }
    }

    List<String> stringList(String key) {
        if (!has(key)) {
            return List.of();
        }
        JsonNode v = values.get(key);
        if (!v.isArray()) {
            throw error(key, "must be a list of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isValueNode()) {
                throw error(key, "must be a list of strings");
            }
            out.add(e.asText());
        }
        return List.copyOf(out);
    }

    double[] doubleList(String key) {
        JsonNode v = values.get(key);
        if (!v.isArray() || v.isEmpty()) {
            throw error(key, "must be a non-empty list of numbers");
        }
        double[] out = new double[v.size()];
        for (int i = 0; i < out.length; i++) {
            if (!v.get(i).isNumber()) {
                throw error(key, "must be a list of numbers");
            }
            out[i] = v.get(i).asDouble();
        }
        return out;
    }

    Map<Integer, List<String>> categoryMap(String key, int features) {
        if (!has(key)) {
            return Map.of();
        }
        JsonNode v = values.get(key);
        if (!v.isObject()) {
            throw error(key, "must map feature indices to lists of category names");
        }
        Map<Integer, List<String>> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
            var e = it.next();
            int idx;
            try {
                idx = Integer.parseInt(e.getKey().trim());
            } catch (NumberFormatException ex) {
                throw error(key + "." + e.getKey(), "keys must be feature indices");
            }
            if (idx < 0 || (features > 0 && idx >= features)) {
                throw error(key + "." + e.getKey(), "feature index out of range 0.." + (features - 1));
            }
            if (!e.getValue().isArray() || e.getValue().isEmpty()) {
                throw error(key + "." + e.getKey(), "must be a non-empty list of category names");
            }
            List<String> names = new ArrayList<>();
            e.getValue().forEach(n -> names.add(n.asText()));
            out.put(idx, List.copyOf(names));
        }
        return Map.copyOf(out);
    }

    /** A number or a non-empty list of numbers. */
    float[] floats(String key, float[] dflt) {
        if (!has(key)) {
            return dflt;
        }
        JsonNode n = values.get(key);
        if (n.isNumber()) {
            return new float[] {(float) n.asDouble()};
        }
        if (!n.isArray() || n.isEmpty()) {
            throw error(key, "must be a number or a non-empty list of numbers, got " + n);
        }
        float[] out = new float[n.size()];
        for (int i = 0; i < out.length; i++) {
            if (!n.get(i).isNumber()) {
                throw error(key, "must be a list of numbers, got " + n);
            }
            out[i] = (float) n.get(i).asDouble();
        }
        return out;
    }
}
