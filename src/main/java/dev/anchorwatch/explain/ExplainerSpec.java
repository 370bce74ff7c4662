package dev.anchorwatch.explain;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.anchorwatch.anchor.AnchorParams;
import dev.anchorwatch.model.PredictorConfig;

/**
 * How one model is explained: configuration as data, loaded from a YAML or JSON file (see
 * docs/configuration.md for the format). The predictor URL comes only from here, never from event content.
 *
 * @param name        the explainer's name, unique in a deployment ({@code /v1/models/{name}:explain}); by default also
 *                    the model it explains
 * @param type        which explainer
 * @param predictor   where and how to call the model
 * @param data        feature names, category map and training data
 * @param params      search parameters
 * @param seed        a fixed seed; empty means derive it from the inference id or the instance
 * @param percentiles discretizer percentiles for numeric features (default 25, 50, 75)
 * @param typeOptions the explainer type's own section ({@code text:}, {@code image:} or {@code shap:}), parsed and
 *                    validated by that explainer; empty for AnchorTabular
 * @param origin      the file the spec came from, for messages
 * @param model       the model (the logger's inferenceservicename) whose events this spec explains; the same as
 *                    {@code name} unless the spec says {@code model:}, so several specs can explain one model
 */
public record ExplainerSpec(String name, ExplainerType type, PredictorConfig predictor, DataSpec data,
                            AnchorParams params, Optional<Long> seed, double[] percentiles,
                            com.fasterxml.jackson.databind.node.ObjectNode typeOptions, String origin, String model) {

    /** A spec that explains the model of its own name. */
    public ExplainerSpec(String name, ExplainerType type, PredictorConfig predictor, DataSpec data,
                         AnchorParams params, Optional<Long> seed, double[] percentiles,
                         com.fasterxml.jackson.databind.node.ObjectNode typeOptions, String origin) {
        this(name, type, predictor, data, params, seed, percentiles, typeOptions, origin, name);
    }

    public enum ExplainerType {
        ANCHOR_TABULAR("AnchorTabular"), ANCHOR_TEXT("AnchorText"), ANCHOR_IMAGE("AnchorImage"),
        KERNEL_SHAP("KernelShap");

        private final String label;

        ExplainerType(String label) {
            this.label = label;
        }

        /** The name Alibi uses in {@code meta.name}. */
        public String label() {
            return label;
        }

        public static Optional<ExplainerType> of(String s) {
            for (ExplainerType t : values()) {
                if (t.label.equalsIgnoreCase(s) || t.name().equalsIgnoreCase(s)
                        || t.name().replace("_", "").equalsIgnoreCase(s)) {
                    return Optional.of(t);
                }
            }
            return Optional.empty();
        }
    }

    /**
     * @param featureNames  one per column of an instance
     * @param categoryMap   categorical feature index → category names (code = position)
     * @param training      resolved training data location ({@code classpath:} or a file path)
     * @param labelColumn   a CSV column to drop from the training data, if any
     */
    public record DataSpec(List<String> featureNames, Map<Integer, List<String>> categoryMap, String training,
                           Optional<String> labelColumn) {
    }
}
