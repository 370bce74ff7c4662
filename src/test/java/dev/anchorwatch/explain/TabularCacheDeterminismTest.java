package dev.anchorwatch.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.anchorwatch.model.LabeledData;
import dev.anchorwatch.model.Predictor;
import dev.anchorwatch.model.Predictors;
import dev.anchorwatch.model.RandomForest;

/**
 * The prediction cache (training labels and samples shared by the model's explanations) saves calls without making
 * an explanation depend on anything but its event and the spec: a cached label is the label a call would return, so
 * no sample tier changes an explanation, and the counters it reports are its own cost whatever the shared tier
 * holds; the training labels also let the search plan its first request (AnchorSearch
 * planAhead), so with them on the same instance and seed give an explanation of their own, identical on every
 * redelivery and whatever other explanations ran before, counters included.
 */
class TabularCacheDeterminismTest {
    private static RandomForest forest;
    private static double[][] test;

    @BeforeAll
    static void setUp() throws Exception {
        try (InputStream in = resource("demo/adult/adult_train.csv")) {
            forest = RandomForest.train(LabeledData.readCsv(new InputStreamReader(in, StandardCharsets.UTF_8), "label"),
                    RandomForest.Params.DEFAULTS.withTrees(10).withSeed(0), null);
        }
        try (InputStream in = resource("demo/adult/adult_test.csv")) {
            test = LabeledData.readCsv(new InputStreamReader(in, StandardCharsets.UTF_8), "label").x();
        }
    }

    private static TabularModelExplainer explainer(long cacheBytes, boolean trainingLabels) {
        return explainer(cacheBytes, trainingLabels, true, null);
    }

    private static TabularModelExplainer explainer(long cacheBytes, boolean trainingLabels, boolean sharedSamples,
                                                   Long samplesSeed) {
        ExplainerSpec spec = SpecLoader.loadResource("demo/adult.yaml", tree -> {
            SpecLoader.predictorUrl("http://127.0.0.1:1").accept(tree);
            ObjectNode tabular = ((ObjectNode) tree).putObject("tabular").put("prediction_cache_bytes", cacheBytes)
                    .put("training_labels", trainingLabels).put("shared_samples", sharedSamples);
            if (samplesSeed != null) {
                tabular.put("samples_seed", samplesSeed);
            }
        });
        Predictor p = Predictors.inProcess(forest);
        return ExplainerFactory.tabular(spec, p, 1000);
    }

    private static ArrayNode instance(int row) {
        ArrayNode a = new ObjectMapper().createArrayNode();
        Arrays.stream(test[row]).forEach(a::add);
        return a;
    }

    /** The explanation without its cost counters and timing. */
    private static JsonNode content(ModelExplainer.Explained e) {
        ObjectNode data = e.json().get("data").deepCopy();
        ObjectNode raw = (ObjectNode) data.get("raw");
        raw.remove(java.util.List.of("predictor_calls", "predictor_rows", "search_rounds", "elapsed_ms"));
        return data;
    }

    @Test
    void sameEventSameExplanationWhateverTheCacheHolds() {
        TabularModelExplainer off = explainer(0, false);
        TabularModelExplainer samplesOnly = explainer(TabularOptions.DEFAULT_CACHE_BYTES, false);
        TabularModelExplainer on = explainer(TabularOptions.DEFAULT_CACHE_BYTES, true);
        long offRows = 0;
        long onRows = 0;
        long onSent = 0;
        for (int row = 0; row < 6; row++) {
            ModelExplainer.Explained a = off.explain(instance(row), row);
            ModelExplainer.Explained s = samplesOnly.explain(instance(row), row);
            assertEquals(content(a), content(s), "row " + row);
            assertTrue(s.predictorRows() <= a.predictorRows(), "row " + row);
            ModelExplainer.Explained b = on.explain(instance(row), row);
            offRows += a.predictorRows();
            onRows += b.predictorRows();
            onSent += b.sentRows();
            assertTrue(b.sentRows() <= b.predictorRows(), "row " + row);
            // a redelivered event: the identical explanation, counters included (only elapsed_ms may differ),
            // though this time every row it needs is labelled already
            ModelExplainer.Explained again = on.explain(instance(row), row);
            assertEquals(withoutTime(b), withoutTime(again), "row " + row);
            assertEquals(0, again.sentRows(), "row " + row);
            // and on another replica that explained nothing before it
            TabularModelExplainer fresh = explainer(TabularOptions.DEFAULT_CACHE_BYTES, true);
            assertEquals(withoutTime(b), withoutTime(fresh.explain(instance(row), row)), "row " + row);
        }
        // training labels and duplicate samples within an explanation need no call
        assertTrue(onRows < offRows, onRows + " rows with the cache, " + offRows + " without");
        // explanations of one model test the same anchors' samples: the shared tier answers many of them
        assertTrue(onSent < 0.85 * onRows, onSent + " rows sent of the " + onRows + " the explanations cost alone");
        // which it cannot when every explanation draws its own samples
        TabularModelExplainer own = explainer(TabularOptions.DEFAULT_CACHE_BYTES, true, false, null);
        long ownSent = 0;
        long ownRows = 0;
        for (int row = 0; row < 6; row++) {
            ModelExplainer.Explained e = own.explain(instance(row), row);
            ownSent += e.sentRows();
            ownRows += e.predictorRows();
        }
        assertTrue(ownSent > 0.95 * ownRows, ownSent + " rows sent of " + ownRows);
        assertTrue(on.cache().entries() > 23_984, "the distinct training rows' labels and the samples sent: "
                + on.cache().entries());
        assertTrue(on.cache().bytes() <= on.cache().maxBytes());
    }

    @Test
    void theSamplesSeedChoosesTheSamplesOnlyWhenSamplesAreShared() {
        JsonNode one = content(explainer(TabularOptions.DEFAULT_CACHE_BYTES, true, true, 1L).explain(instance(0), 0));
        JsonNode two = content(explainer(TabularOptions.DEFAULT_CACHE_BYTES, true, true, 2L).explain(instance(0), 0));
        assertNotEquals(one.at("/raw/examples"), two.at("/raw/examples"), "other streams, other samples");
        // per-explanation draws come from the explanation's seed alone
        JsonNode own1 = content(explainer(TabularOptions.DEFAULT_CACHE_BYTES, true, false, 1L).explain(instance(0), 0));
        JsonNode own2 = content(explainer(TabularOptions.DEFAULT_CACHE_BYTES, true, false, 2L).explain(instance(0), 0));
        assertEquals(own1, own2);
        assertNotEquals(one.at("/raw/examples"), own1.at("/raw/examples"));
    }

    private static ObjectNode withoutTime(ModelExplainer.Explained e) {
        ObjectNode x = e.json().deepCopy();
        ((ObjectNode) x.at("/data/raw")).remove("elapsed_ms");
        return x;
    }

    private static InputStream resource(String name) {
        return TabularCacheDeterminismTest.class.getClassLoader().getResourceAsStream(name);
    }
}
