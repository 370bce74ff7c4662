package dev.anchorwatch.explain;

import java.util.List;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.anchorwatch.anchor.AnchorParams;
import dev.anchorwatch.anchor.AnchorResult;
import dev.anchorwatch.anchor.AnchorStep;

/**
 * Explanation JSON in Alibi's shape, key for key, so existing consumers keep working:
 * {@code meta {name, type, explanations, params, version}} and
 * {@code data {anchor, precision, coverage, raw {...}}}. Beside Alibi's keys, {@code raw} carries honest
 * counters: predictor calls and rows, samples, search rounds, why the search stopped, the seed, the time.
 */
public final class ExplanationJson {
    public static final String VERSION = "anchorwatch-0.1.0";
    /** Alibi reports an internal buffer size under this key, not a count; kept for compatibility. */
    private static final int ALIBI_NUM_PREDS = 1_000_000;
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private ExplanationJson() {
    }

    /** Counters measured around one explanation. */
    public record Cost(long predictorCalls, long predictorRows, long elapsedMillis, long seed) {
    }

    /** The common {@code meta.params} of every Anchors explainer. */
    public static ObjectNode params(AnchorParams p, long seed) {
        ObjectNode o = F.objectNode();
        // a decimal string: seeds use all 64 bits, and JavaScript numbers keep only 53 (docs/api.md)
        o.put("seed", Long.toString(seed));
        o.put("threshold", p.threshold());
        o.put("delta", p.delta());
        o.put("tau", p.tau());
        o.put("batch_size", p.batchSize());
        o.put("coverage_samples", p.coverageSamples());
        o.put("beam_size", p.beamSize());
        o.put("stop_on_first", p.stopOnFirst());
        if (p.maxAnchorSize() == 0) {
            o.putNull("max_anchor_size");
        } else {
            o.put("max_anchor_size", p.maxAnchorSize());
        }
        o.put("min_samples_start", p.minSamplesStart());
        o.put("n_covered_ex", p.nCoveredExamples());
        o.put("max_samples", p.maxSamples());
        o.put("time_budget_ms", p.timeBudget().toMillis());
        o.put("validation_samples", p.validationSamples());
        // keys Alibi consumers may read; they describe Alibi's internals and have no effect here
        o.put("binary_cache_size", 10_000);
        o.put("cache_margin", 1_000);
        o.put("verbose", false);
        o.put("verbose_every", 1);
        o.putObject("kwargs");
        return o;
    }

    /**
     * Builds the explanation.
     *
     * @param explainer   Alibi's explainer name (AnchorTabular, AnchorText, AnchorImage)
     * @param params      {@code meta.params}
     * @param result      the search result
     * @param anchor      {@code data.anchor} (and {@code raw.names})
     * @param feature     {@code raw.feature}: one entry per step
     * @param example     one sample as JSON (a row, a string, a segment mask)
     * @param prediction  the model's label for the instance
     * @param instance    the instance as JSON, for {@code raw.instance} and {@code raw.instances}
     */
    public static <S> ObjectNode build(String explainer, ObjectNode params, AnchorResult<S> result,
                                       List<String> anchor, int[] feature, Function<S, JsonNode> example,
                                       int prediction, JsonNode instance, Cost cost) {
        ObjectNode root = F.objectNode();
        ObjectNode meta = root.putObject("meta");
        meta.put("name", explainer);
        meta.putArray("type").add("blackbox");
        meta.putArray("explanations").add("local");
        meta.set("params", params);
        meta.put("version", VERSION);

        ObjectNode data = root.putObject("data");
        ArrayNode anchorNode = data.putArray("anchor");
        anchor.forEach(anchorNode::add);
        data.put("precision", result.precision());
        data.put("coverage", result.coverage());

        ObjectNode raw = data.putObject("raw");
        ArrayNode features = raw.putArray("feature");
        ArrayNode means = raw.putArray("mean");
        ArrayNode precisions = raw.putArray("precision");
        ArrayNode coverages = raw.putArray("coverage");
        ArrayNode examples = raw.putArray("examples");
        for (int i = 0; i < result.steps().size(); i++) {
            AnchorStep<S> step = result.steps().get(i);
            features.add(feature[i]);
            means.add(step.precision());
            precisions.add(step.precision());
            coverages.add(step.coverage());
            ObjectNode ex = examples.addObject();
            ArrayNode coveredTrue = ex.putArray("covered_true");
            step.coveredTrue().forEach(s -> coveredTrue.add(example.apply(s)));
            ArrayNode coveredFalse = ex.putArray("covered_false");
            step.coveredFalse().forEach(s -> coveredFalse.add(example.apply(s)));
            ex.putArray("uncovered_true");
            ex.putArray("uncovered_false");
        }
        raw.put("all_precision", 0);
        raw.put("num_preds", ALIBI_NUM_PREDS);
        raw.put("success", result.success());
        ArrayNode names = raw.putArray("names");
        anchor.forEach(names::add);
        raw.putArray("prediction").add(prediction);
        raw.set("instance", instance);
        raw.putArray("instances").add(instance);

        raw.put("predictor_calls", cost.predictorCalls());
        raw.put("predictor_rows", cost.predictorRows());
        raw.put("samples", result.samples());
        raw.put("search_rounds", result.rounds());
        raw.put("stop_reason", result.stopReason());
        raw.put("precision_lower_bound", result.precisionLowerBound());
        if (result.validation() != null) {
            AnchorResult.Validation v = result.validation();
            ObjectNode validation = raw.putObject("validation");
            validation.put("samples", v.samples());
            validation.put("precision", v.precision());
            validation.put("precision_lower_bound", v.lowerBound());
            validation.put("precision_upper_bound", v.upperBound());
            validation.put("confirmed", v.confirmed());
        }
        ArrayNode warnings = raw.putArray("warnings");
        result.warnings().forEach(warnings::add);
        raw.put("elapsed_ms", cost.elapsedMillis());
        return root;
    }
}
