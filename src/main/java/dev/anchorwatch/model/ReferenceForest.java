package dev.anchorwatch.model;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A trained random forest exported from scikit-learn in the "alibi-peer RF v1" JSON format, evaluated exactly as
 * the file's {@code semantics} block says, so that its predictions equal the original model's.
 *
 * <p>The format's own semantics work on a transformed input: {@code z} = standardised ordinal features followed by
 * one-hot categorical features, a node going left iff {@code (double)(float) z[feature] <= threshold}. The file
 * also carries the same trees in raw space ({@code raw_kind} "num": left iff {@code x[raw_feature] <=
 * raw_threshold}; "cat_eq_goes_right": right iff {@code x[raw_feature] == raw_code}), which needs no transform.
 * {@link Evaluation#RAW} (the default) uses it; it gave identical probabilities on all 32,560 Adult rows.
 * {@link Evaluation#TRANSFORMED} follows the literal semantics and is kept as the reference to check against.
 *
 * <p>Forest probabilities: leaf value / sum(value) (left as is when the sum is 0), summed over the trees in file
 * order, then divided by {@code n_estimators}; the predicted class is the first most probable one.
 *
 * <p>The file is read as a stream, one tree at a time, into primitive arrays: a 27 MB file needs no JSON tree.
 */
public final class ReferenceForest implements Classifier {

    /** Which of the file's two equivalent forms the trees are evaluated in. */
    public enum Evaluation {
        /** Raw feature space: no transform per row. */
        RAW,
        /** The transformed space of the file's {@code semantics}: standardise, one-hot, float32 cast. */
        TRANSFORMED
    }

    static final String FORMAT = "alibi-peer RF v1";

    private final FlatForest forest;
    private final Evaluation evaluation;
    private final List<String> featureNames;
    private final int[] ordinalFeatures;
    private final double[] mean;
    private final double[] scale;
    private final int[] categoricalFeatures;
    private final double[][] categories;
    private final int transformedWidth;

    private ReferenceForest(FlatForest forest, Evaluation evaluation, Header h) {
        this.forest = forest;
        this.evaluation = evaluation;
        this.featureNames = h.featureNames;
        this.ordinalFeatures = h.ordinal;
        this.mean = h.mean;
        this.scale = h.scale;
        this.categoricalFeatures = h.categorical;
        this.categories = h.categories;
        this.transformedWidth = h.transformedWidth;
    }

    /** Loads a forest file for raw-space evaluation. */
    public static ReferenceForest load(Path file) throws IOException {
        return load(file, Evaluation.RAW);
    }

    public static ReferenceForest load(Path file, Evaluation evaluation) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return load(in, evaluation);
        } catch (IOException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /** Loads a forest from a stream, which stays open. Throws IOException on a file not in the format. */
    public static ReferenceForest load(InputStream in, Evaluation evaluation) throws IOException {
        try (JsonParser p = Json.FACTORY.createParser(in)) {
            return new Reader(p, evaluation).read();
        } catch (IllegalArgumentException e) {
            throw new IOException("not a valid " + FORMAT + " forest: " + e.getMessage());
        }
    }

    @Override
    public double[] probabilities(double[] row) {
        return forest.probabilities(input(row));
    }

    @Override
    public int predict(double[] row) {
        return forest.predict(input(row));
    }

    @Override
    public int[] predictAll(double[][] rows) {
        return forest.predictAll(inputs(rows));
    }

    @Override
    public double[][] probabilitiesAll(double[][] rows) {
        return forest.probabilitiesAll(inputs(rows));
    }

    /** Each row checked, and transformed unless the trees test raw features. */
    private double[][] inputs(double[][] rows) {
        if (evaluation == Evaluation.RAW) {
            for (double[] row : rows) {
                checkRow(row);
            }
            return rows;
        }
        double[][] inputs = new double[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            inputs[i] = input(rows[i]);
        }
        return inputs;
    }

    @Override
    public int classes() {
        return forest.classes();
    }

    /** Raw features per row, as in {@code feature_names}. */
    @Override
    public int features() {
        return featureNames.size();
    }

    public List<String> featureNames() {
        return featureNames;
    }

    public int trees() {
        return forest.trees();
    }

    public Evaluation evaluation() {
        return evaluation;
    }

    private double[] input(double[] row) {
        checkRow(row);
        return evaluation == Evaluation.RAW ? row : transform(row);
    }

    private void checkRow(double[] row) {
        if (row == null || row.length != featureNames.size()) {
            throw new IllegalArgumentException("expected " + featureNames.size() + " values per row, got "
                    + (row == null ? 0 : row.length));
        }
    }

    /** z of the semantics, already cast through float32 as the trees' tests expect. */
    double[] transform(double[] row) {
        double[] z = new double[transformedWidth];
        int j = 0;
        for (int i = 0; i < ordinalFeatures.length; i++) {
            z[j++] = (float) ((row[ordinalFeatures[i]] - mean[i]) / scale[i]);
        }
        for (int i = 0; i < categoricalFeatures.length; i++) {
            double x = row[categoricalFeatures[i]];
            for (double category : categories[i]) {
                z[j++] = x == category ? 1.0 : 0.0; // an unknown category is an all-zero block
            }
        }
        return z;
    }

    /** The file's small fields. */
    private static final class Header {
        String format;
        int estimators = -1;
        int classes = -1;
        int declaredWidth = -1;
        List<String> featureNames;
        int[] ordinal;
        int[] categorical;
        double[] mean;
        double[] scale;
        double[][] categories;
        int transformedWidth;

        void check(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }

        /** Called when the trees start: everything needed to read them must be known by then. */
        void validate() {
            check(format != null, "format is missing (the header fields must come before \"trees\")");
            check(FORMAT.equals(format), "format is '" + format + "', expected '" + FORMAT + "'");
            check(classes >= 1, "classes are missing");
            check(estimators >= 1, "n_estimators is missing");
            check(featureNames != null && !featureNames.isEmpty(), "feature_names are missing");
            check(ordinal != null && categorical != null && mean != null && scale != null && categories != null,
                    "the transform (ordinal_features, categorical_features, scaler_mean, scaler_scale,"
                            + " onehot_categories) is incomplete");
            check(mean.length == ordinal.length && scale.length == ordinal.length,
                    "scaler_mean and scaler_scale need one value per ordinal feature");
            check(categories.length == categorical.length,
                    "onehot_categories needs one list per categorical feature");
            for (int f : ordinal) {
                check(f >= 0 && f < featureNames.size(), "ordinal feature " + f + " is not a feature index");
            }
            for (int f : categorical) {
                check(f >= 0 && f < featureNames.size(), "categorical feature " + f + " is not a feature index");
            }
            transformedWidth = ordinal.length;
            for (double[] c : categories) {
                transformedWidth += c.length;
            }
            check(declaredWidth < 0 || declaredWidth == transformedWidth, "n_features_transformed is "
                    + declaredWidth + " but the transform makes " + transformedWidth + " columns");
        }
    }

    /** Streams the file: small fields into the header, then each tree straight into the forest builder. */
    private static final class Reader {
        private final JsonParser p;
        private final Evaluation evaluation;
        private final Header h = new Header();
        private FlatForest.Builder builder;
        private int trees;

        Reader(JsonParser p, Evaluation evaluation) {
            this.p = p;
            this.evaluation = evaluation;
        }

        ReferenceForest read() throws IOException {
            expect(p.nextToken(), JsonToken.START_OBJECT, "the file");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (field.equals("trees")) {
                    readTrees();
                    continue;
                }
                JsonNode v = Json.MAPPER.readTree(p);
                switch (field) {
                    case "format" -> h.format = v.asText();
                    case "n_estimators" -> h.estimators = v.asInt(-1);
                    case "classes" -> h.classes = v.size();
                    case "n_features_transformed" -> h.declaredWidth = v.asInt(-1);
                    case "feature_names" -> {
                        h.featureNames = new ArrayList<>();
                        v.forEach(n -> h.featureNames.add(n.asText()));
                        h.featureNames = List.copyOf(h.featureNames);
                    }
                    case "ordinal_features" -> h.ordinal = ints(v, field);
                    case "categorical_features" -> h.categorical = ints(v, field);
                    case "scaler_mean" -> h.mean = doubles(v, field);
                    case "scaler_scale" -> h.scale = doubles(v, field);
                    case "onehot_categories" -> {
                        h.categories = new double[v.size()][];
                        for (int i = 0; i < v.size(); i++) {
                            h.categories[i] = doubles(v.get(i), field);
                        }
                    }
                    default -> {
                        // descriptive fields (semantics, transformed_feature_names, ...) are not needed
                    }
                }
            }
            if (builder == null) {
                throw new IllegalArgumentException("the file has no trees");
            }
            if (trees != h.estimators) {
                throw new IllegalArgumentException("n_estimators is " + h.estimators + " but the file has " + trees
                        + " trees");
            }
            return new ReferenceForest(builder.build(), evaluation, h);
        }

        private void readTrees() throws IOException {
            h.validate();
            builder = new FlatForest.Builder(h.classes,
                    evaluation == Evaluation.RAW ? h.featureNames.size() : h.transformedWidth);
            expect(p.currentToken(), JsonToken.START_ARRAY, "trees");
            while (p.nextToken() == JsonToken.START_OBJECT) {
                readTree();
                trees++;
            }
            expect(p.currentToken(), JsonToken.END_ARRAY, "trees");
        }

        private void readTree() throws IOException {
            String tree = "tree " + trees;
            int[] feature = null;
            int[] left = null;
            int[] right = null;
            int[] rawFeature = null;
            double[] threshold = null;
            double[] rawThreshold = null;
            double[] rawCode = null;
            String[] rawKind = null;
            double[][] value = null;
            int declared = -1;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "node_count" -> declared = p.getValueAsInt(-1);
                    case "feature" -> feature = toInts(numbers(tree, field, false), tree, field);
                    case "threshold" -> threshold = numbers(tree, field, false);
                    case "left" -> left = toInts(numbers(tree, field, false), tree, field);
                    case "right" -> right = toInts(numbers(tree, field, false), tree, field);
                    case "value" -> value = rows(tree, field);
                    case "raw_feature" -> rawFeature = toInts(numbers(tree, field, false), tree, field);
                    case "raw_threshold" -> rawThreshold = numbers(tree, field, true);
                    case "raw_code" -> rawCode = numbers(tree, field, true);
                    case "raw_kind" -> rawKind = strings(tree, field);
                    default -> p.skipChildren();
                }
            }
            boolean raw = evaluation == Evaluation.RAW;
            require(left != null && right != null && value != null
                            && (raw ? rawFeature != null && rawThreshold != null && rawCode != null && rawKind != null
                            : feature != null && threshold != null),
                    tree + " lacks node arrays needed for " + evaluation + " evaluation");
            int n = left.length;
            require(declared < 0 || declared == n, tree + " has node_count " + declared + " but " + n + " nodes");
            require(right.length == n && value.length == n && (raw
                            ? rawFeature.length == n && rawThreshold.length == n && rawCode.length == n && rawKind.length == n
                            : feature.length == n && threshold.length == n),
                    tree + " has node arrays of different lengths");
            int[] splitFeature = new int[n];
            double[] splitValue = new double[n];
            boolean[] equality = new boolean[n];
            double[][] proba = new double[n][];
            for (int i = 0; i < n; i++) {
                if (left[i] == -1) {
                    require(!raw || rawKind[i].equals("leaf"), tree + " node " + i + " is a leaf but raw_kind is "
                            + rawKind[i]);
                    proba[i] = normalise(value[i], tree, i);
                } else if (!raw) {
                    splitFeature[i] = feature[i];
                    splitValue[i] = threshold[i];
                } else if (rawKind[i].equals("num")) {
                    splitFeature[i] = rawFeature[i];
                    splitValue[i] = rawThreshold[i];
                } else if (rawKind[i].equals("cat_eq_goes_right")) {
                    splitFeature[i] = rawFeature[i];
                    splitValue[i] = rawCode[i];
                    equality[i] = true;
                } else {
                    throw new IllegalArgumentException(tree + " node " + i + " has raw_kind '" + rawKind[i]
                            + "' but children");
                }
            }
            builder.addTree(splitFeature, splitValue, equality, left, right, proba);
        }

        /** value / sum(value), or value itself when the sum is 0 (as scikit-learn does). */
        private double[] normalise(double[] value, String tree, int node) {
            require(value.length == h.classes, tree + " node " + node + " has " + value.length
                    + " class values, expected " + h.classes);
            double sum = 0;
            for (double v : value) {
                sum += v;
            }
            double[] p = value.clone();
            if (sum != 0) {
                for (int c = 0; c < p.length; c++) {
                    p[c] = value[c] / sum;
                }
            }
            return p;
        }

        /** An array of numbers; nulls become NaN where allowed. */
        private double[] numbers(String tree, String field, boolean nullable) throws IOException {
            expect(p.currentToken(), JsonToken.START_ARRAY, tree + " " + field);
            double[] out = new double[256];
            int n = 0;
            JsonToken t;
            while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                double v;
                if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
                    v = p.getDoubleValue();
                } else if (t == JsonToken.VALUE_NULL && nullable) {
                    v = Double.NaN;
                } else {
                    throw new IllegalArgumentException(tree + " " + field + " holds " + t + ", expected numbers");
                }
                if (n == out.length) {
                    out = Arrays.copyOf(out, n * 2);
                }
                out[n++] = v;
            }
            return Arrays.copyOf(out, n);
        }

        private String[] strings(String tree, String field) throws IOException {
            expect(p.currentToken(), JsonToken.START_ARRAY, tree + " " + field);
            List<String> out = new ArrayList<>();
            JsonToken t;
            while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                require(t == JsonToken.VALUE_STRING, tree + " " + field + " holds " + t + ", expected strings");
                out.add(p.getText().intern()); // three distinct values, thousands of times
            }
            return out.toArray(String[]::new);
        }

        private double[][] rows(String tree, String field) throws IOException {
            expect(p.currentToken(), JsonToken.START_ARRAY, tree + " " + field);
            List<double[]> out = new ArrayList<>();
            while (p.nextToken() == JsonToken.START_ARRAY) {
                out.add(numbers(tree, field, false));
            }
            expect(p.currentToken(), JsonToken.END_ARRAY, tree + " " + field);
            return out.toArray(double[][]::new);
        }

        private static int[] toInts(double[] values, String tree, String field) {
            int[] out = new int[values.length];
            for (int i = 0; i < values.length; i++) {
                require(values[i] == (int) values[i], tree + " " + field + " holds " + values[i]
                        + ", expected integers");
                out[i] = (int) values[i];
            }
            return out;
        }

        private static int[] ints(JsonNode v, String field) {
            return toInts(doubles(v, field), "field", field);
        }

        private static double[] doubles(JsonNode v, String field) {
            require(v.isArray(), field + " must be an array of numbers");
            double[] out = new double[v.size()];
            for (int i = 0; i < out.length; i++) {
                require(v.get(i).isNumber(), field + " must be an array of numbers");
                out[i] = v.get(i).doubleValue();
            }
            return out;
        }

        private static void expect(JsonToken actual, JsonToken expected, String what) {
            require(actual == expected, what + ": expected " + expected + ", found " + actual);
        }

        private static void require(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
