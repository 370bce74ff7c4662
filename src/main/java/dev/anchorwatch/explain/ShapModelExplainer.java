package dev.anchorwatch.explain;

import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.anchorwatch.model.Instances;
import dev.anchorwatch.model.Predictor;
import dev.anchorwatch.shap.Background;
import dev.anchorwatch.shap.BarChart;
import dev.anchorwatch.shap.FeatureGroups;
import dev.anchorwatch.shap.KernelShap;
import dev.anchorwatch.shap.ShapResult;
import dev.anchorwatch.tabular.TabularData;

/**
 * KernelSHAP for one tabular model: parses instances as AnchorTabular does, asks the predictor for scores (class
 * probabilities, margins or a value), and writes the explanation in Alibi's KernelShap shape: {@code meta} and
 * {@code data {shap_values, expected_value, categorical_names, feature_names, raw {raw_prediction, prediction,
 * instances, importances, ...}}}, with the same honest counters as the Anchors explainers and a bar chart PNG.
 */
public final class ShapModelExplainer implements ModelExplainer {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    /** Bars in raw.plot_png; the smaller attributions are summed into one. */
    private static final int PLOT_BARS = 15;

    private final ExplainerSpec spec;
    private final ShapOptions options;
    private final TabularData features;
    private final Background background;
    private final FeatureGroups groups;
    private final Predictor predictor;
    private final int maxRowsPerRequest;

    ShapModelExplainer(ExplainerSpec spec, ShapOptions options, TabularData features, Background background,
                       FeatureGroups groups, Predictor predictor, int maxRowsPerRequest) {
        this.spec = spec;
        this.options = options;
        this.features = features;
        this.background = background;
        this.groups = groups;
        this.predictor = predictor;
        this.maxRowsPerRequest = maxRowsPerRequest;
    }

    @Override
    public ExplainerSpec spec() {
        return spec;
    }

    public Background background() {
        return background;
    }

    public FeatureGroups groups() {
        return groups;
    }

    @Override
    public Explained explain(JsonNode instanceNode, long seed, Cancellation cancel) {
        long start = System.nanoTime();
        double[] x = TabularModelExplainer.parseInstance(instanceNode, features, spec.name());
        BlackBox box = new BlackBox(spec.name(), predictor, maxRowsPerRequest, null, cancel);
        ShapResult r;
        try {
            r = KernelShap.explain(x, rows -> box.scores(new Instances.Rows(rows)), background, groups,
                    options.params(), new SplittableRandom(seed));
        } catch (ExplainException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            // the instance is checked above: what is left is an answer the regression cannot use
            throw new ExplainException(ExplainException.Kind.PREDICTOR_ERROR, "model '" + spec.name() + "': "
                    + e.getMessage(), e);
        } catch (Exception e) {
            throw box.translate(e);
        }
        long elapsed = (System.nanoTime() - start) / 1_000_000;
        int prediction = argmax(r.rawPrediction());
        ObjectNode json = json(x, r, prediction, seed, box.calls(), box.rows(), elapsed);
        return new Explained(json, prediction, List.of(), Double.NaN, Double.NaN, true, box.calls(), box.rows(),
                elapsed);
    }

    private ObjectNode json(double[] x, ShapResult r, int prediction, long seed, long calls, long rows, long elapsed) {
        int outputs = r.rawPrediction().length;
        ObjectNode root = F.objectNode();
        ObjectNode meta = root.putObject("meta");
        meta.put("name", spec.type().label());
        meta.putArray("type").add("blackbox");
        meta.put("task", outputs == 1 ? "regression" : "classification");
        meta.putArray("explanations").add("local").add("global");
        ObjectNode params = meta.putObject("params");
        params.put("link", options.params().link().label());
        boolean grouped = !groups.trivial();
        if (grouped) {
            ArrayNode gn = params.putArray("group_names");
            groups.names().forEach(gn::add);
            ArrayNode gs = params.putArray("groups");
            for (int g = 0; g < groups.size(); g++) {
                ArrayNode cols = gs.addArray();
                for (int c : groups.columns(g)) {
                    cols.add(c);
                }
            }
        } else {
            params.putNull("group_names");
            params.putNull("groups");
        }
        params.put("grouped", grouped);
        params.putNull("weights");
        params.put("summarise_background", !background.summary().equals("none"));
        params.put("background_summary", background.summary());
        params.put("background_rows", background.size());
        params.put("summarise_result", false);
        params.put("transpose", false);
        params.put("nsamples", options.params().nsamples() == 0 ? F.textNode("auto") : F.numberNode(options.params().nsamples()));
        params.put("l1_reg", options.params().l1Reg().label());
        params.put("seed", Long.toString(seed)); // a decimal string: JavaScript numbers keep 53 of its 64 bits
        params.put("max_rows", options.params().maxRows());
        params.put("time_budget_ms", options.params().timeBudget().toMillis());
        params.put("rows_per_round", options.params().rowsPerRound());
        params.putObject("kwargs");
        meta.put("version", ExplanationJson.VERSION);

        ObjectNode data = root.putObject("data");
        ArrayNode shap = data.putArray("shap_values");
        for (int d = 0; d < outputs; d++) {
            ArrayNode perInstance = shap.addArray().addArray();
            for (double v : r.shapValues()[d]) {
                perInstance.add(v);
            }
        }
        ArrayNode expected = data.putArray("expected_value");
        for (double v : r.expectedValue()) {
            expected.add(v);
        }
        ObjectNode categorical = data.putObject("categorical_names");
        features.categoryMap().forEach((f, names) -> {
            ArrayNode a = categorical.putArray(Integer.toString(f));
            names.forEach(a::add);
        });
        ArrayNode featureNames = data.putArray("feature_names");
        groups.names().forEach(featureNames::add);

        ObjectNode raw = data.putObject("raw");
        ArrayNode rawPrediction = raw.putArray("raw_prediction").addArray();
        for (double v : r.rawPrediction()) {
            rawPrediction.add(v);
        }
        raw.putArray("prediction").add(prediction);
        ArrayNode instance = raw.putArray("instances").addArray();
        for (double v : x) {
            instance.add(v);
        }
        raw.set("importances", importances(r.shapValues()));
        if (options.plot()) {
            int cls = outputs == 1 ? 0 : prediction;
            String title = String.format(Locale.ROOT, "%s%s: E[f] %.4f, f(x) %.4f (%s link)", spec.model(),
                    outputs == 1 ? "" : " class " + className(cls), r.expectedValue()[cls], r.reconstructed(cls),
                    options.params().link().label());
            raw.put("plot_png", Base64.getEncoder().encodeToString(
                    BarChart.png(title, groups.names(), r.shapValues()[cls], PLOT_BARS)));
        }
        raw.put("predictor_calls", calls);
        raw.put("predictor_rows", rows);
        raw.put("samples", r.coalitions());
        raw.put("nsamples", r.nsamples());
        raw.put("varying_features", r.varyingGroups());
        raw.put("rounds", r.rounds());
        raw.put("regularised", r.regularised());
        raw.put("stop_reason", r.stopReason());
        raw.put("seed", Long.toString(seed));
        raw.put("elapsed_ms", elapsed);
        return root;
    }

    private String className(int c) {
        List<String> names = spec.predictor().classNames();
        return c < names.size() ? names.get(c) : Integer.toString(c);
    }

    /** Alibi's importances: per class and aggregated over classes, features ranked by mean |SHAP value|. */
    private ObjectNode importances(double[][] values) {
        ObjectNode out = F.objectNode();
        double[] aggregated = new double[groups.size()];
        for (int d = 0; d < values.length; d++) {
            double[] abs = new double[groups.size()];
            for (int g = 0; g < abs.length; g++) {
                abs[g] = Math.abs(values[d][g]);
                aggregated[g] += abs[g];
            }
            out.set(Integer.toString(d), ranked(abs));
        }
        out.set("aggregated", ranked(aggregated));
        return out;
    }

    private ObjectNode ranked(double[] effect) {
        List<Integer> order = new ArrayList<>(IntStream.range(0, effect.length).boxed().toList());
        order.sort(Comparator.comparingDouble((Integer g) -> -effect[g]).thenComparingInt(g -> g));
        ObjectNode o = F.objectNode();
        ArrayNode e = o.putArray("ranked_effect");
        ArrayNode n = o.putArray("names");
        for (int g : order) {
            e.add(effect[g]);
            n.add(groups.names().get(g));
        }
        return o;
    }

    private static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    @Override
    public void close() {
        predictor.close();
    }
}
