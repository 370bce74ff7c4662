package dev.anchorwatch.explain;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.anchorwatch.shap.FeatureGroups;
import dev.anchorwatch.shap.L1Reg;
import dev.anchorwatch.shap.Link;
import dev.anchorwatch.shap.ShapParams;

/**
 * The {@code shap:} section of a KernelShap spec, validated with messages naming the file and the field.
 *
 * <pre>
 * shap:
 *   nsamples: auto              # coalitions per explanation: auto (2 * M + 2048) or an integer
 *   link: identity              # identity | logit (explain log-odds of probability outputs)
 *   l1_reg: auto                # auto | false | aic | bic | num_features(k) | k | a penalty in (0, 1)
 *   background: training        # training (data.training) or a CSV/.npy file, relative to the spec file
 *   summarise_background: auto  # auto (sample when larger than background_size) | none | sample | kmeans
 *   background_size: 100        # rows kept by sample / centres kept by kmeans
 *   groups:                     # optional: columns explained together; other columns stay on their own
 *     Capital: [Capital Gain, Capital Loss]
 *   max_rows: 0                 # cap on rows sent to the model per explanation; 0 = none
 *   time_budget: 0s             # cap on wall time per explanation; 0 = none
 *   rows_per_round: 65536       # rows handed to the predictor at once (whole coalitions)
 *   seed: 7                     # fixed seed; default: derived from the inference id or the instance
 *   plot: true                  # raw.plot_png: a bar chart of the predicted class's attributions
 * </pre>
 *
 * @param params        the algorithm's parameters
 * @param background    {@code training} or a resolved file location
 * @param summarise     none, sample or kmeans (auto resolved against the row count at load)
 * @param backgroundSize rows or centres kept by a summary
 * @param groupNames    group name to member columns (indices), in the order given; empty for no groups
 * @param plot          whether to draw {@code raw.plot_png}
 */
public record ShapOptions(ShapParams params, String background, String summarise, int backgroundSize,
                          Map<String, List<String>> groupNames, boolean plot) {

    public static final int DEFAULT_BACKGROUND_SIZE = 100;
    /** Background rows allowed after summarising: each coalition costs this many model rows. */
    public static final int MAX_BACKGROUND_ROWS = 10_000;
    static final Set<String> KEYS = Set.of("nsamples", "link", "l1_reg", "background", "summarise_background",
            "background_size", "groups", "max_rows", "time_budget", "rows_per_round", "seed", "plot");

    static ShapOptions parse(ExplainerSpec spec) {
        return parse(spec.typeOptions(), spec.origin());
    }

    static ShapOptions parse(ObjectNode node, String origin) {
        SpecFields f = new SpecFields(node, "shap", origin, KEYS);
        long nsamples = 0;
        if (f.has("nsamples") && !(f.raw("nsamples").isTextual() && f.raw("nsamples").asText().equalsIgnoreCase("auto"))) {
            nsamples = f.longValue("nsamples", 0);
            if (nsamples < 1) {
                throw f.error("nsamples", "must be auto or an integer >= 1, got " + nsamples);
            }
        }
        String linkText = f.text("link", "identity");
        Link link = Link.of(linkText).orElseThrow(() -> f.error("link", "must be identity or logit, got '" + linkText + "'"));
        L1Reg l1;
        try {
            l1 = L1Reg.parse(f.text("l1_reg", "auto"));
        } catch (IllegalArgumentException e) {
            throw f.error("l1_reg", e.getMessage());
        }
        long maxRows = f.longValue("max_rows", 0);
        Duration budget = f.duration("time_budget", Duration.ZERO);
        int perRound = f.intValue("rows_per_round", ShapParams.DEFAULT_ROWS_PER_ROUND, 1);
        ShapParams params;
        try {
            params = new ShapParams(nsamples, link, l1, maxRows, budget, perRound);
        } catch (IllegalArgumentException e) {
            throw new SpecException(origin, "shap", e.getMessage());
        }
        if (f.has("seed")) {
            SpecLoader.seed(f.raw("seed"), origin, "shap.seed");
        }
        String background = f.text("background", "training");
        if (!background.equals("training")) {
            background = ImageOptions.resolve(origin, background);
        }
        String summarise = f.text("summarise_background", "auto").toLowerCase(Locale.ROOT);
        if (!Set.of("auto", "none", "sample", "kmeans").contains(summarise)) {
            throw f.error("summarise_background", "must be auto, none, sample or kmeans, got '" + summarise + "'");
        }
        int size = f.intValue("background_size", DEFAULT_BACKGROUND_SIZE, 1);
        if (size > MAX_BACKGROUND_ROWS) {
            throw f.error("background_size", "must be at most " + MAX_BACKGROUND_ROWS + ", got " + size);
        }
        Map<String, List<String>> groups = new LinkedHashMap<>();
        if (f.has("groups")) {
            JsonNode g = f.raw("groups");
            if (!g.isObject() || g.isEmpty()) {
                throw f.error("groups", "must map group names to lists of feature names or indices");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = g.fields(); it.hasNext(); ) {
                var e = it.next();
                if (!e.getValue().isArray() || e.getValue().isEmpty()) {
                    throw f.error("groups." + e.getKey(), "must be a non-empty list of feature names or indices");
                }
                List<String> members = new ArrayList<>();
                e.getValue().forEach(v -> members.add(v.asText()));
                groups.put(e.getKey(), List.copyOf(members));
            }
        }
        return new ShapOptions(params, background, summarise, size, groups, f.bool("plot", true));
    }

    /** The groups over these feature names: the named ones, and every other column alone, in column order. */
    FeatureGroups groups(List<String> featureNames, String origin) {
        if (groupNames.isEmpty()) {
            return FeatureGroups.singletons(featureNames);
        }
        int d = featureNames.size();
        int[] owner = new int[d];
        java.util.Arrays.fill(owner, -1);
        List<String> names = new ArrayList<>(groupNames.keySet());
        for (int g = 0; g < names.size(); g++) {
            for (String member : groupNames.get(names.get(g))) {
                int col = featureNames.indexOf(member);
                if (col < 0 && member.matches("\\d+")) {
                    col = Integer.parseInt(member);
                }
                if (col < 0 || col >= d) {
                    throw new SpecException(origin, "shap.groups." + names.get(g), "'" + member
                            + "' is neither a feature name nor a column index 0.." + (d - 1));
                }
                if (owner[col] >= 0) {
                    throw new SpecException(origin, "shap.groups." + names.get(g), "feature '" + featureNames.get(col)
                            + "' is already in group '" + names.get(owner[col]) + "'");
                }
                owner[col] = g;
            }
        }
        List<String> outNames = new ArrayList<>();
        List<int[]> outCols = new ArrayList<>();
        Map<Integer, Integer> placed = new LinkedHashMap<>();
        for (int col = 0; col < d; col++) {
            if (owner[col] < 0) {
                outNames.add(featureNames.get(col));
                outCols.add(new int[] {col});
            } else if (!placed.containsKey(owner[col])) {
                placed.put(owner[col], outNames.size());
                outNames.add(names.get(owner[col]));
                int g = owner[col];
                outCols.add(java.util.stream.IntStream.range(0, d).filter(c -> owner[c] == g).toArray());
            }
        }
        if (new java.util.HashSet<>(outNames).size() != outNames.size()) {
            throw new SpecException(origin, "shap.groups", "a group name repeats a feature name: " + outNames);
        }
        return FeatureGroups.of(outNames, outCols, d);
    }
}
