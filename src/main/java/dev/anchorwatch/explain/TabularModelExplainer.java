package dev.anchorwatch.explain;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.anchorwatch.anchor.Oracle;
import dev.anchorwatch.anchor.SampleStreams;
import dev.anchorwatch.model.Instances;
import dev.anchorwatch.model.Predictor;
import dev.anchorwatch.tabular.AnchorTabular;
import dev.anchorwatch.tabular.TabularData;
import dev.anchorwatch.tabular.TabularExplanation;

/** AnchorTabular for one model: parses instances, calls the predictor as a black box, writes Alibi JSON. */
public final class TabularModelExplainer implements ModelExplainer {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final System.Logger LOG = System.getLogger(TabularModelExplainer.class.getName());

    private final ExplainerSpec spec;
    private final AnchorTabular anchors;
    private final Predictor predictor;
    private final int maxRowsPerRequest;
    private final TabularOptions options;
    private final PredictionCache cache; // null when off
    private final SampleStreams streams;
    private final Object trainingFetch = new Object();

    /**
     * @param maxRowsPerRequest how the predictor splits a batch, to count the requests an explanation costs
     *                          ({@link Integer#MAX_VALUE} for an in-process model)
     */
    public TabularModelExplainer(ExplainerSpec spec, AnchorTabular anchors, Predictor predictor,
                                 int maxRowsPerRequest) {
        this.spec = spec;
        this.anchors = anchors;
        this.predictor = predictor;
        this.maxRowsPerRequest = maxRowsPerRequest;
        this.options = TabularOptions.parse(spec);
        this.cache = options.predictionCacheBytes() == 0 ? null : new PredictionCache(options.predictionCacheBytes());
        this.streams = options.sharedSamples()
                ? SampleStreams.keyed(options.samplesSeed() != null ? options.samplesSeed()
                        : Seeds.derive("tabular.samples", spec.name()))
                : SampleStreams.RNG;
    }

    /** The model's labels shared by this explainer's explanations, or null when the spec turns the cache off. */
    public PredictionCache cache() {
        return cache;
    }

    /**
     * Before the first explanation (per explainer, i.e. per model version the spec names), fetches the model's
     * labels of every training row. Not counted in that explanation's cost, which must be the same on every
     * retry: logged instead, with its requests in the predictor's own metrics. Concurrent first explanations wait
     * for one fetch; a failed fetch fails that explanation (transient, retried) and is tried again by the next.
     */
    private int fetchTrainingLabels(BlackBox box) {
        if (cache == null || !options.trainingLabels() || cache.hasTraining()) {
            return 0;
        }
        TabularData training = anchors.training();
        if (!cache.fitsTraining(training.rowCount(), training.featureCount())) {
            return 0;
        }
        synchronized (trainingFetch) {
            if (cache.hasTraining()) {
                return 0;
            }
            double[][] rows = new double[training.rowCount()][];
            for (int r = 0; r < rows.length; r++) {
                rows[r] = training.row(r);
            }
            long t0 = System.nanoTime();
            int[] labels = box.predictUncached(new Instances.Rows(rows));
            cache.putTraining(rows, labels);
            LOG.log(System.Logger.Level.INFO, "model '" + spec.name() + "': fetched the labels of " + rows.length
                    + " training rows in " + (System.nanoTime() - t0) / 1_000_000 + " ms; cache holds "
                    + cache.bytes() + " of " + cache.maxBytes() + " bytes");
            return rows.length;
        }
    }

    @Override
    public ExplainerSpec spec() {
        return spec;
    }

    public AnchorTabular anchors() {
        return anchors;
    }

    @Override
    public Explained explain(JsonNode instanceNode, long seed, Cancellation cancel) {
        long start = System.nanoTime();
        double[] instance = parseInstance(instanceNode);
        if (cache != null) {
            fetchTrainingLabels(new BlackBox(spec.name(), predictor, maxRowsPerRequest, null, cancel));
        }
        BlackBox box = new BlackBox(spec.name(), predictor, maxRowsPerRequest,
                cache == null ? null : cache.forExplanation(), cancel);
        // the instance's own label travels with the search's first batch: one round trip fewer
        int[] labelOf = {-1};
        Oracle<double[]> oracle = new Oracle<>() {
            @Override
            public boolean[] sameLabel(List<double[]> samples) {
                if (labelOf[0] < 0) {
                    double[][] rows = new double[samples.size() + 1][];
                    rows[0] = instance;
                    for (int i = 0; i < samples.size(); i++) {
                        rows[i + 1] = samples.get(i);
                    }
                    int[] labels = box.predict(new Instances.Rows(rows));
                    labelOf[0] = labels[0];
                    return BlackBox.same(Arrays.copyOfRange(labels, 1, labels.length), labelOf[0]);
                }
                return BlackBox.same(box.predict(new Instances.Rows(samples.toArray(double[][]::new))), labelOf[0]);
            }

            // the training labels let the search plan its first request, which brings the instance's label
            @Override
            public int[] knownLabels(List<double[]> samples) {
                return box.trainingLabels(samples);
            }
        };
        TabularExplanation te;
        try {
            te = anchors.explain(instance, -1, oracle, spec.params(), new SplittableRandom(seed), streams);
        } catch (ExplainException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new ExplainException(ExplainException.Kind.BAD_INPUT, e.getMessage(), e);
        } catch (Exception e) {
            throw box.translate(e);
        }
        if (labelOf[0] < 0) { // the search always labels its first samples; this is only a safeguard
            labelOf[0] = box.predict(new Instances.Rows(new double[][] {instance}))[0];
        }
        int label = labelOf[0];
        long elapsed = (System.nanoTime() - start) / 1_000_000;
        ObjectNode params = ExplanationJson.params(spec.params(), seed);
        ArrayNode perc = F.arrayNode();
        for (double q : spec.percentiles()) {
            perc.add(q == Math.rint(q) ? F.numberNode((long) q) : F.numberNode(q));
        }
        params.set("disc_perc", perc);
        ObjectNode json = ExplanationJson.build(spec.type().label(), params, te.result(), te.names(),
                te.featureOfStep(), TabularModelExplainer::row, label, row(instance),
                new ExplanationJson.Cost(box.calls(), box.rows(), elapsed, seed));
        return new Explained(json, label, te.names(), te.result().precision(), te.result().coverage(),
                te.result().success(), box.calls(), box.rows(), elapsed, box.sentCalls(), box.sentRows());
    }

    /**
     * An instance as numbers, or with categories given by name (a kindness to users); or a V1 record
     * ({@code {"Age": 52, "Sex": "Female", ...}}, which KServe turns into a DataFrame row) mapped by feature name.
     */
    double[] parseInstance(JsonNode node) {
        return parseInstance(node, anchors.training(), spec.name());
    }

    /** An instance of a model with these features, as numbers; categories may be given by name. */
    static double[] parseInstance(JsonNode node, TabularData training, String modelName) {
        int d = training.featureCount();
        if (node != null && node.isObject()) {
            node = fromRecord(node, training, modelName);
        }
        if (node == null || !node.isArray()) {
            throw new ExplainException(ExplainException.Kind.BAD_INPUT,
                    "an instance of model '" + modelName + "' must be a list of " + d + " feature values");
        }
        if (node.size() != d) {
            throw new ExplainException(ExplainException.Kind.BAD_INPUT, "instance has " + node.size()
                    + " features; model '" + modelName + "' expects " + d + " (" + String.join(", ",
                    training.featureNames()) + ")");
        }
        double[] x = new double[d];
        for (int f = 0; f < d; f++) {
            JsonNode v = node.get(f);
            String feature = training.featureName(f);
            if (v.isNumber()) {
                x[f] = v.asDouble();
            } else if (v.isTextual() && training.isCategorical(f)) {
                List<String> categories = training.categories(f);
                int code = categories.indexOf(v.asText());
                if (code < 0) {
                    throw new ExplainException(ExplainException.Kind.BAD_INPUT, "feature '" + feature
                            + "': unknown category '" + v.asText() + "' (known: " + String.join(", ", categories) + ")");
                }
                x[f] = code;
            } else if (v.isTextual()) {
                try {
                    x[f] = Double.parseDouble(v.asText().trim());
                } catch (NumberFormatException e) {
                    throw new ExplainException(ExplainException.Kind.BAD_INPUT,
                            "feature '" + feature + "': not a number: '" + v.asText() + "'");
                }
            } else {
                throw new ExplainException(ExplainException.Kind.BAD_INPUT,
                        "feature '" + feature + "': expected a number, got " + v);
            }
            if (!Double.isFinite(x[f])) {
                throw new ExplainException(ExplainException.Kind.BAD_INPUT, "feature '" + feature + "' is not finite");
            }
            if (training.isCategorical(f) && (x[f] != Math.rint(x[f]) || x[f] < 0)) {
                throw new ExplainException(ExplainException.Kind.BAD_INPUT,
                        "feature '" + feature + "' is categorical: expected a category code or name, got " + v);
            }
        }
        return x;
    }

    /** A record's values in the spec's column order; every column present, no other key. */
    private static ArrayNode fromRecord(JsonNode record, TabularData training, String modelName) {
        List<String> names = training.featureNames();
        List<String> unknown = new java.util.ArrayList<>();
        record.fieldNames().forEachRemaining(k -> {
            if (!names.contains(k)) {
                unknown.add(k);
            }
        });
        List<String> missing = names.stream().filter(n -> !record.has(n)).toList();
        if (!unknown.isEmpty() || !missing.isEmpty()) {
            StringBuilder m = new StringBuilder("record for model '").append(modelName).append("'");
            if (!missing.isEmpty()) {
                m.append(" lacks column").append(missing.size() > 1 ? "s " : " ").append(quoted(missing));
            }
            if (!unknown.isEmpty()) {
                m.append(missing.isEmpty() ? " has " : "; has ").append("unknown column")
                        .append(unknown.size() > 1 ? "s " : " ").append(quoted(unknown));
            }
            m.append(" (columns: ").append(String.join(", ", names)).append(")");
            throw new ExplainException(ExplainException.Kind.BAD_INPUT, m.toString());
        }
        ArrayNode row = F.arrayNode(names.size());
        names.forEach(n -> row.add(record.get(n)));
        return row;
    }

    private static String quoted(List<String> names) {
        return names.stream().limit(10).map(n -> "'" + (n.length() > 60 ? n.substring(0, 60) + "..." : n) + "'")
                .collect(java.util.stream.Collectors.joining(", ")) + (names.size() > 10 ? ", ..." : "");
    }

    private static JsonNode row(double[] r) {
        ArrayNode a = F.arrayNode(r.length);
        for (double v : r) {
            a.add(v);
        }
        return a;
    }

    @Override
    public void close() {
        predictor.close();
    }
}
