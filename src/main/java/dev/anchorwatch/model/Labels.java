package dev.anchorwatch.model;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * Reads class indices out of prediction values, the same way for both protocols: labels (integers, integral
 * numbers, booleans, class names) or score vectors (argmax, first wins ties).
 */
public final class Labels {
    private final List<String> classNames;

    Labels(List<String> classNames) {
        this.classNames = classNames;
    }

    /** A prediction that is either a label or a score vector. */
    int fromPrediction(JsonNode node, int index) {
        if (node.isArray()) {
            // A one-element array is a label column ([n, 1]), not a one-class score vector whose argmax is always 0.
            return node.size() == 1 ? fromLabel(node.get(0), index) : argmax(node, index);
        }
        return fromLabel(node, index);
    }

    /** A single label: an integral number, a boolean or a class name. */
    int fromLabel(JsonNode node, int index) {
        if (node.isBoolean()) {
            return checked(node.booleanValue() ? 1 : 0, index);
        }
        if (node.isNumber()) {
            double v = node.doubleValue();
            if (v != Math.rint(v)) {
                throw bad("prediction " + index + " is " + node + ", neither a class index nor a score vector");
            }
            if (v < 0 || v > Integer.MAX_VALUE) {
                throw bad("prediction " + index + " is " + node + ", not a class index");
            }
            return checked((int) v, index);
        }
        if (node.isTextual()) {
            String name = node.textValue();
            if (!classNames.isEmpty()) {
                int i = classNames.indexOf(name);
                if (i < 0) {
                    throw bad("prediction " + index + " is class '" + shorten(name) + "', not one of " + classNames);
                }
                return i;
            }
            if (name.matches("\\d{1,9}")) {
                return Integer.parseInt(name);
            }
            throw bad("prediction " + index + " is class '" + shorten(name)
                    + "' but no class names are configured to map it to an index");
        }
        throw bad("prediction " + index + " is " + kind(node) + ", expected a class index, class name, boolean"
                + " or score vector");
    }

    /** Index of the highest score, the first on ties. */
    int argmax(JsonNode scores, int index) {
        if (scores.isEmpty()) {
            throw bad("prediction " + index + " is an empty score vector");
        }
        if (!classNames.isEmpty() && scores.size() != classNames.size()) {
            throw bad("prediction " + index + " has " + scores.size() + " scores but " + classNames.size()
                    + " class names are configured");
        }
        int best = -1;
        double bestValue = 0;
        for (int i = 0; i < scores.size(); i++) {
            JsonNode s = scores.get(i);
            if (!s.isNumber()) {
                throw bad("prediction " + index + " has a score that is " + kind(s) + ", expected a number");
            }
            double v = s.doubleValue();
            if (best < 0 || v > bestValue) {
                best = i;
                bestValue = v;
            }
        }
        return best;
    }

    private int checked(int label, int index) {
        if (!classNames.isEmpty() && label >= classNames.size()) {
            throw bad("prediction " + index + " is class " + label + " but only " + classNames.size()
                    + " class names are configured");
        }
        return label;
    }

    public static String kind(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT, POJO -> "an object";
            case NULL, MISSING -> "null";
            case STRING -> "a string";
            case BOOLEAN -> "a boolean";
            case NUMBER -> "a number";
            case BINARY -> "binary";
        };
    }

    public static String shorten(String s) {
        String oneLine = s.replaceAll("\\s+", " ").replaceAll("\\p{Cntrl}", "?").strip();
        return oneLine.length() <= 200 ? oneLine : oneLine.substring(0, 200) + "...";
    }

    static MalformedResponseException bad(String message) {
        return new MalformedResponseException(message);
    }
}
