package dev.anchorwatch.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.anchorwatch.anchor.AnchorParams;
import dev.anchorwatch.anchor.Draw;
import dev.anchorwatch.anchor.Oracle;
import dev.anchorwatch.model.LabeledData;
import dev.anchorwatch.model.RandomForest;
import dev.anchorwatch.tabular.AnchorTabular;
import dev.anchorwatch.tabular.TabularData;
import dev.anchorwatch.tabular.TabularExplanation;
import dev.anchorwatch.tabular.TabularPredicate;
import dev.anchorwatch.tabular.TabularSampler;

/**
 * Issue 10, item 2: with a small training set (800 Adult rows) the search over-claimed: anchors reported as
 * successes that are less precise than the threshold when measured afresh. Each claimed success is re-measured
 * on 2,000 fresh samples of the anchor (another seed) and on the training rows it selects.
 */
class TrustedSuccessTest {
    private static RandomForest forest;
    private static AnchorTabular small;
    private static double[][] test;

    @BeforeAll
    static void setUp() throws Exception {
        LabeledData train = read("demo/adult/adult_train.csv");
        forest = RandomForest.train(train, RandomForest.Params.DEFAULTS.withTrees(20).withSeed(0), null);
        TabularData full = loadTabular();
        double[][] rows = new double[800][];
        for (int r = 0; r < rows.length; r++) {
            rows[r] = full.row(r);
        }
        small = new AnchorTabular(TabularData.of(full.featureNames(), rows, full.categoryMap()), null);
        test = read("demo/adult/adult_test.csv").x();
    }

    record Outcome(int claimed, int overClaimed, int zeroCoverageSuccesses, List<String> lines) {
    }

    static Outcome run(AnchorParams params, int instances) throws Exception {
        int claimed = 0;
        int over = 0;
        int zero = 0;
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < instances; i++) {
            double[] x = test[i];
            int label = forest.predict(x);
            Oracle<double[]> oracle = samples -> same(forest.predictAll(samples.toArray(double[][]::new)), label);
            TabularExplanation te = small.explain(x, label, oracle, params, new SplittableRandom(i));
            if (!te.result().success()) {
                lines.add(i + " not found " + te.result().stopReason() + " " + te.names());
                continue;
            }
            claimed++;
            TabularSampler sampler = new TabularSampler(small.training(), small.predicates(x));
            Draw<double[]> fresh = sampler.draw(te.result().predicates(), 2000, new SplittableRandom(50_000 + i));
            boolean[] s = oracle.sameLabel(fresh.samples());
            double p = count(s) / (double) s.length;
            if (p < 0.9) {
                over++;
            }
            if (params.validationSamples() > 0) {
                assertTrue(te.result().validation().confirmed() && te.result().validation().precision() >= 0.9);
            }
            if (te.result().coverage() == 0) {
                zero++;
            }
            lines.add(i + " " + te.names() + " claimed " + te.result().precision() + " fresh " + p
                    + " cov " + te.result().coverage() + " " + te.result().validation());
        }
        return new Outcome(claimed, over, zero, lines);
    }

    @Test
    void validationOnFreshSamplesStopsOverClaims() throws Exception {
        AnchorParams on = AnchorParams.DEFAULTS;
        AnchorParams off = on.withValidationSamples(0);
        Outcome before = run(off, 40);
        Outcome after = run(on, 40);
        // seeds are fixed, so these counts are exact for this data and model: without the check, 3 of 29
        // claimed anchors keep the label on fewer than 90% of fresh samples; with it, 1 of 24 (anchors at
        // 0.87-0.90 cannot be told from 0.91 on 100 fresh samples; validation_samples buys more power). With
        // the reference's two arms per KL-LUCB iteration it was 5 of 29 and 2 of 24: the extra challenger
        // (AnchorTabular.EXTRA_CHALLENGERS) samples the runners-up more, so fewer over-claims reach the check
        assertTrue(before.overClaimed() >= 3, before.lines().toString());
        assertTrue(after.overClaimed() * 2 <= before.overClaimed(), after.lines().toString());
        assertTrue(after.claimed() >= before.claimed() * 3 / 4, "most successes survive: " + after.lines());
        assertEquals(0, after.zeroCoverageSuccesses());
    }

    private static boolean[] same(int[] labels, int label) {
        boolean[] s = new boolean[labels.length];
        for (int j = 0; j < labels.length; j++) {
            s[j] = labels[j] == label;
        }
        return s;
    }

    private static int count(boolean[] s) {
        int c = 0;
        for (boolean b : s) {
            c += b ? 1 : 0;
        }
        return c;
    }

    private static TabularData loadTabular() throws Exception {
        JsonNode meta;
        try (InputStream in = resource("demo/adult/adult_meta.json")) {
            meta = new ObjectMapper().readTree(in);
        }
        Map<Integer, List<String>> categories = new HashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = meta.get("category_map").fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            List<String> names = new ArrayList<>();
            e.getValue().forEach(n -> names.add(n.asText()));
            categories.put(Integer.parseInt(e.getKey()), names);
        }
        try (InputStream in = resource("demo/adult/adult_train.csv")) {
            return TabularData.fromCsv(in, categories, "label");
        }
    }

    private static LabeledData read(String name) throws Exception {
        try (InputStream in = resource(name)) {
            return LabeledData.readCsv(new InputStreamReader(in, StandardCharsets.UTF_8), "label");
        }
    }

    private static InputStream resource(String name) {
        return TrustedSuccessTest.class.getClassLoader().getResourceAsStream(name);
    }
}
