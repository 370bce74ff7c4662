package dev.anchorwatch.explain;

import java.util.List;
import java.util.SplittableRandom;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.anchorwatch.anchor.Oracle;
import dev.anchorwatch.model.Instances;
import dev.anchorwatch.model.Predictor;
import dev.anchorwatch.tabular.AnchorTabular;
import dev.anchorwatch.tabular.TabularData;
import dev.anchorwatch.tabular.TabularExplanation;

/** AnchorTabular for one model: parses instances, calls the predictor as a black box, writes Alibi JSON. */
public final class TabularModelExplainer implements ModelExplainer {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private final ExplainerSpec spec;
    private final AnchorTabular anchors;
    private final Predictor predictor;
    private final int maxRowsPerRequest;

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
    }

    @Override
    public ExplainerSpec spec() {
        return spec;
    }

    public AnchorTabular anchors() {
        return anchors;
    }

    @Override
    public Explained explain(JsonNode instanceNode, long seed) {
        long start = System.nanoTime();
        double[] instance = parseInstance(instanceNode);
        BlackBox box = new BlackBox(spec.name(), predictor, maxRowsPerRequest);
        int label = box.predict(new Instances.Rows(new double[][] {instance}))[0];
        Oracle<double[]> oracle = samples ->
                BlackBox.same(box.predict(new Instances.Rows(samples.toArray(double[][]::new))), label);
        TabularExplanation te;
        try {
            te = anchors.explain(instance, label, oracle, spec.params(), new SplittableRandom(seed));
        } catch (ExplainException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new ExplainException(ExplainException.Kind.BAD_INPUT, e.getMessage(), e);
        } catch (Exception e) {
            throw box.translate(e);
        }
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
                te.result().success(), box.calls(), box.rows(), elapsed);
    }

    /** An instance as numbers, or with categories given by name (a kindness to users). */
    double[] parseInstance(JsonNode node) {
        return parseInstance(node, anchors.training(), spec.name());
    }

    /** An instance of a model with these features, as numbers; categories may be given by name. */
    static double[] parseInstance(JsonNode node, TabularData training, String modelName) {
        int d = training.featureCount();
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
