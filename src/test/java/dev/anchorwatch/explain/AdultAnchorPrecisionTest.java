package dev.anchorwatch.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.anchorwatch.anchor.Draw;
import dev.anchorwatch.model.LabeledData;
import dev.anchorwatch.model.Predictors;
import dev.anchorwatch.model.RandomForest;
import dev.anchorwatch.tabular.AnchorTabular;
import dev.anchorwatch.tabular.TabularExplanation;
import dev.anchorwatch.tabular.TabularSampler;

/**
 * Anchors found for a real model on Adult must be what they claim: re-measured on fresh samples drawn under
 * the anchor (never seen by the search), the model keeps its prediction at least 95% of the time.
 */
class AdultAnchorPrecisionTest {
    private static RandomForest forest;
    private static TabularModelExplainer explainer;
    private static double[][] test;

    @BeforeAll
    static void setUp() throws Exception {
        forest = RandomForest.train(read("demo/adult/adult_train.csv"), RandomForest.Params.DEFAULTS.withSeed(0), null);
        explainer = ExplainerFactory.tabular(demoSpec(), Predictors.inProcess(forest), Integer.MAX_VALUE);
        test = read("demo/adult/adult_test.csv").x();
    }

    static ExplainerSpec demoSpec() {
        return SpecLoader.loadResource("demo/adult.yaml", SpecLoader.predictorUrl("http://127.0.0.1:1"));
    }

    @Test
    void anchorsKeepTheirPrecisionOnFreshSamples() throws Exception {
        AnchorTabular anchors = explainer.anchors();
        List<Double> remeasured = new ArrayList<>();
        int found = 0;
        int rows = 12;
        for (int i = 0; i < rows; i++) {
            double[] x = test[i];
            int label = forest.predict(x);
            TabularExplanation te = anchors.explain(x, label, samples -> {
                int[] labels = forest.predictAll(samples.toArray(double[][]::new));
                boolean[] same = new boolean[labels.length];
                for (int j = 0; j < labels.length; j++) {
                    same[j] = labels[j] == label;
                }
                return same;
            }, explainer.spec().params(), new SplittableRandom(i));
            if (!te.result().success()) {
                continue;
            }
            found++;
            TabularSampler sampler = new TabularSampler(anchors.training(), anchors.predicates(x));
            Draw<double[]> fresh = sampler.draw(te.result().predicates(), 4000, new SplittableRandom(10_000 + i));
            int[] labels = forest.predictAll(fresh.samples().toArray(double[][]::new));
            double precision = Arrays.stream(labels).filter(l -> l == label).count() / (double) labels.length;
            // the search accepts an anchor when its lower confidence bound clears threshold - 0.05
            assertTrue(precision >= 0.90, "row " + i + " anchor " + te.names() + " re-measured " + precision);
            remeasured.add(precision);
        }
        assertTrue(found >= rows * 2 / 3, "anchors found for " + found + " of " + rows + " rows");
        double[] p = remeasured.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double median = p[p.length / 2];
        assertTrue(median >= 0.95, "median re-measured precision " + median + " of " + remeasured);
    }

    @Test
    void explanationThroughTheExplainerNamesTheAnchorAndCountsItsCost() {
        var instance = new ObjectMapper().createArrayNode();
        Arrays.stream(test[0]).forEach(instance::add);
        // the cache off, so that every sample is a row sent (TabularCacheDeterminismTest covers the cache)
        ExplainerSpec noCache = SpecLoader.loadResource("demo/adult.yaml", tree -> {
            SpecLoader.predictorUrl("http://127.0.0.1:1").accept(tree);
            ((com.fasterxml.jackson.databind.node.ObjectNode) tree).putObject("tabular").put("prediction_cache_bytes", 0);
        });
        ModelExplainer.Explained e = ExplainerFactory.tabular(noCache, Predictors.inProcess(forest), Integer.MAX_VALUE)
                .explain(instance, 1);
        assertEquals(forest.predict(test[0]), e.prediction());
        assertTrue(e.success());
        assertTrue(e.precision() >= 0.95);
        JsonNode raw = e.json().get("data").get("raw");
        assertEquals(e.anchor().size(), raw.get("names").size());
        assertEquals(raw.get("feature").size(), raw.get("precision").size());
        // every labelled sample went to the predictor, plus the validation samples and the instance itself
        assertEquals(100, raw.get("validation").get("samples").asLong());
        assertTrue(raw.get("validation").get("confirmed").asBoolean());
        assertTrue(raw.get("precision_lower_bound").asDouble() > 0.9
                && raw.get("precision_lower_bound").asDouble() < e.precision(), raw.toString());
        assertEquals(raw.get("samples").asLong() + 100 + 1, raw.get("predictor_rows").asLong());
        // the instance's label travels with the first batch: one call per search round (validation included)
        assertEquals(raw.get("search_rounds").asLong(), raw.get("predictor_calls").asLong());
    }

    private static LabeledData read(String name) throws Exception {
        try (InputStream in = resource(name)) {
            return LabeledData.readCsv(new InputStreamReader(in, StandardCharsets.UTF_8), "label");
        }
    }

    private static InputStream resource(String name) {
        return AdultAnchorPrecisionTest.class.getClassLoader().getResourceAsStream(name);
    }
}
