package dev.anchorwatch.model;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A binary bag-of-words logistic regression exported from scikit-learn (a {@code CountVectorizer} and a
 * {@code LogisticRegression}): the text is lower-cased (if the vectorizer did), split with the vectorizer's
 * token pattern (default {@code (?u)\b\w\w+\b}, Unicode word characters), each vocabulary term counted (or
 * marked present, for a binary vectorizer); the label is 1 iff Σ count·coef + intercept &gt; 0, as sklearn's
 * {@code decision_function}. Terms outside the vocabulary (such as "UNK") are ignored.
 *
 * <p>The JSON: {@code {"vectorizer": {"lowercase", "token_pattern", "binary", "vocabulary": {term: column}},
 * "coef": [...], "intercept": b, "class_names": [...]}}.
 */
public final class BagOfWordsClassifier implements TextClassifier {
    private final Map<String, Integer> vocabulary;
    private final double[] coef;
    private final double intercept;
    private final boolean lowercase;
    private final boolean binary;
    private final Pattern tokenPattern;
    private final List<String> classNames;

    private BagOfWordsClassifier(Map<String, Integer> vocabulary, double[] coef, double intercept, boolean lowercase,
                                 boolean binary, Pattern tokenPattern, List<String> classNames) {
        this.vocabulary = vocabulary;
        this.coef = coef;
        this.intercept = intercept;
        this.lowercase = lowercase;
        this.binary = binary;
        this.tokenPattern = tokenPattern;
        this.classNames = classNames;
    }

    /** Reads the JSON export; throws IllegalArgumentException naming what is missing or inconsistent. */
    public static BagOfWordsClassifier load(InputStream in) throws IOException {
        JsonNode root = Json.MAPPER.readTree(in);
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("bag-of-words model: expected a JSON object");
        }
        JsonNode v = root.path("vectorizer");
        JsonNode vocab = v.path("vocabulary");
        JsonNode coefNode = root.path("coef");
        if (!vocab.isObject() || vocab.isEmpty() || !coefNode.isArray() || !root.path("intercept").isNumber()) {
            throw new IllegalArgumentException(
                    "bag-of-words model: needs vectorizer.vocabulary, coef (a list) and intercept (a number)");
        }
        double[] coef = new double[coefNode.size()];
        for (int j = 0; j < coef.length; j++) {
            if (!coefNode.get(j).isNumber()) {
                throw new IllegalArgumentException("bag-of-words model: coef[" + j + "] is not a number");
            }
            coef[j] = coefNode.get(j).asDouble();
        }
        Map<String, Integer> vocabulary = new HashMap<>(vocab.size() * 2);
        for (var it = vocab.fields(); it.hasNext(); ) {
            var e = it.next();
            int column = e.getValue().asInt(-1);
            if (!e.getValue().canConvertToInt() || column < 0 || column >= coef.length) {
                throw new IllegalArgumentException("bag-of-words model: term '" + Labels.shorten(e.getKey())
                        + "' has column " + e.getValue() + ", outside 0.." + (coef.length - 1));
            }
            vocabulary.put(e.getKey(), column);
        }
        String pattern = v.path("token_pattern").asText("(?u)\\b\\w\\w+\\b");
        Pattern compiled;
        try {
            // Python's (?u) means Unicode classes, which Java asks for with a flag ((?u) there is Unicode case)
            compiled = Pattern.compile(pattern, Pattern.UNICODE_CHARACTER_CLASS);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("bag-of-words model: token_pattern does not compile: " + e.getMessage());
        }
        List<String> classNames = root.path("class_names").isArray()
                ? Json.MAPPER.convertValue(root.get("class_names"),
                        Json.MAPPER.getTypeFactory().constructCollectionType(List.class, String.class))
                : List.of("0", "1");
        return new BagOfWordsClassifier(Map.copyOf(vocabulary), coef, root.get("intercept").asDouble(),
                v.path("lowercase").asBoolean(true), v.path("binary").asBoolean(false), compiled,
                List.copyOf(classNames));
    }

    /** sklearn's {@code decision_function}: Σ count·coef + intercept. */
    public double decision(String text) {
        String s = lowercase ? text.toLowerCase(Locale.ROOT) : text;
        Matcher m = tokenPattern.matcher(s);
        double sum = intercept;
        java.util.Set<Integer> seen = binary ? new java.util.HashSet<>() : null;
        while (m.find()) {
            Integer column = vocabulary.get(m.group());
            if (column != null && (seen == null || seen.add(column))) {
                sum += coef[column];
            }
        }
        return sum;
    }

    public int predict(String text) {
        return decision(text) > 0 ? 1 : 0;
    }

    @Override
    public int[] predictAll(List<String> texts) {
        int[] labels = new int[texts.size()];
        for (int i = 0; i < labels.length; i++) {
            String t = texts.get(i);
            if (t == null) {
                throw new IllegalArgumentException("text " + i + " is null");
            }
            labels[i] = predict(t);
        }
        return labels;
    }

    @Override
    public int classes() {
        return 2;
    }

    public List<String> classNames() {
        return classNames;
    }

    public int vocabularySize() {
        return vocabulary.size();
    }
}
