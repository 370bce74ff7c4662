package dev.anchorwatch.explain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.awt.image.BufferedImage;
import java.util.Base64;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import dev.anchorwatch.demo.ModelServer;
import dev.anchorwatch.model.LabeledData;
import dev.anchorwatch.model.Predictors;
import dev.anchorwatch.model.RandomForest;
import dev.anchorwatch.shap.Background;

/**
 * KernelSHAP of the Adult demo forest's probabilities, over real loopback HTTP (KServe V1 against ModelServer) and
 * in-process: efficiency against E[f] over the background, Alibi's output shape, honest counters, determinism, and
 * bad specs refused with the file and the field.
 */
class ShapModelExplainerTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final double[] ROW0 = {52, 4, 0, 2, 8, 4, 2, 0, 0, 0, 60, 9};
    static RandomForest forest;
    static ModelServer server;
    static ShapModelExplainer overHttp;
    static ShapModelExplainer inProcess;

    @BeforeAll
    static void start() throws Exception {
        LabeledData train = dev.anchorwatch.model.RandomForestTest.adult("adult_train.csv");
        forest = RandomForest.train(train, RandomForest.Params.DEFAULTS.withTrees(10).withSeed(3), null);
        server = ModelServer.builder().model("adult-proba", forest, ModelServer.Output.PROBABILITIES)
                .maxBodyBytes(8 << 20).start();
        ExplainerSpec spec = SpecLoader.loadResource("demo/adult-shap.yaml", SpecLoader.predictorUrl(server.baseUrl()));
        overHttp = (ShapModelExplainer) ExplainerFactory.create(spec);
        inProcess = ExplainerFactory.shap(spec, Predictors.inProcess(forest), Integer.MAX_VALUE);
    }

    @AfterAll
    static void stop() {
        overHttp.close();
        server.close();
    }

    static ArrayNode row(double[] x) {
        ArrayNode a = JSON.createArrayNode();
        for (double v : x) {
            a.add(v);
        }
        return a;
    }

    static double[] values(JsonNode shapValues, int cls) {
        JsonNode v = shapValues.get(cls).get(0);
        double[] out = new double[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = v.get(i).asDouble();
        }
        return out;
    }

    @Test
    void efficiencyOnTheAdultForest() {
        ModelExplainer.Explained e = overHttp.explain(row(ROW0), 11);
        JsonNode data = e.json().get("data");
        double[] fx = forest.probabilities(ROW0);
        Background bg = overHttp.background();
        assertEquals(100, bg.size());
        for (int c = 0; c < 2; c++) {
            double ef = 0;
            for (int b = 0; b < bg.size(); b++) {
                ef += forest.probabilities(bg.row(b))[c];
            }
            ef /= bg.size();
            assertEquals(ef, data.get("expected_value").get(c).asDouble(), 1e-12, "E[f] over the background");
            double sum = 0;
            for (double v : values(data.get("shap_values"), c)) {
                sum += v;
            }
            assertEquals(fx[c] - ef, sum, 1e-9, "class " + c + ": SHAP values sum to f(x) - E[f]");
        }
        assertEquals(fx[1] > fx[0] ? 1 : 0, e.prediction());
    }

    @Test
    void alibiKernelShapShapeAndHonestCounters() throws Exception {
        JsonNode j = overHttp.explain(row(ROW0), 5).json();
        JsonNode meta = j.get("meta");
        assertEquals("KernelShap", meta.get("name").asText());
        assertEquals("[\"blackbox\"]", meta.get("type").toString());
        assertEquals("[\"local\",\"global\"]", meta.get("explanations").toString());
        assertEquals("identity", meta.get("params").get("link").asText());
        assertEquals(ExplanationJson.VERSION, meta.get("version").asText());
        JsonNode data = j.get("data");
        assertEquals(2, data.get("shap_values").size(), "one array per class");
        assertEquals(12, data.get("shap_values").get(1).get(0).size());
        assertEquals(2, data.get("expected_value").size());
        assertEquals("Age", data.get("feature_names").get(0).asText());
        JsonNode raw = data.get("raw");
        assertEquals(row(ROW0), raw.get("instances").get(0));
        assertEquals(forest.probabilities(ROW0)[1], raw.get("raw_prediction").get(0).get(1).asDouble(), 1e-15);
        for (String k : new String[] {"0", "1", "aggregated"}) {
            assertEquals(12, raw.get("importances").get(k).get("names").size(), k);
            JsonNode eff = raw.get("importances").get(k).get("ranked_effect");
            for (int i = 1; i < eff.size(); i++) {
                assertTrue(eff.get(i - 1).asDouble() >= eff.get(i).asDouble(), "ranked");
            }
        }
        long samples = raw.get("samples").asLong();
        assertEquals(2 * 12 + 2048, samples, "nsamples default 2M + 2048 (all 12 features vary)");
        assertEquals("completed", raw.get("stop_reason").asText());
        long rows = raw.get("predictor_rows").asLong();
        assertEquals(1 + 100 + samples * 100, rows, "instance, background, coalitions x background");
        long calls = raw.get("predictor_calls").asLong();
        long rounds = raw.get("rounds").asLong();
        assertTrue(calls >= (rows + 999) / 1000 && calls <= (rows + 999) / 1000 + rounds - 1,
                calls + " requests for " + rows + " rows in " + rounds + " rounds at 1000 rows per request");
        BufferedImage png = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(raw.get("plot_png").asText())));
        assertEquals(640, png.getWidth());
        assertTrue(png.getHeight() > 12 * 20, "a bar per feature");
    }

    @Test
    void overHttpAndInProcessAgreeAndSeedsDecide() {
        JsonNode a = overHttp.explain(row(ROW0), 21).json().get("data");
        JsonNode b = inProcess.explain(row(ROW0), 21).json().get("data");
        JsonNode c = inProcess.explain(row(ROW0), 22).json().get("data");
        for (int cls = 0; cls < 2; cls++) {
            assertArrayEquals(values(a.get("shap_values"), cls), values(b.get("shap_values"), cls), 1e-12);
        }
        assertNotEquals(a.get("shap_values"), c.get("shap_values"), "another seed samples other coalitions");
        JsonNode again = inProcess.explain(row(ROW0), 22).json().get("data");
        assertEquals(c.get("shap_values"), again.get("shap_values"));
        assertEquals(c.get("raw").get("plot_png"), again.get("raw").get("plot_png"));
    }

    @Test
    void badInstancesAreRefusedAsBadInput() {
        ExplainException e = assertThrows(ExplainException.class, () -> inProcess.explain(row(new double[] {1, 2}), 1));
        assertEquals(ExplainException.Kind.BAD_INPUT, e.kind());
    }

    static ObjectNode demoTree() throws Exception {
        try (var in = ShapModelExplainerTest.class.getClassLoader().getResourceAsStream("demo/adult-shap.yaml")) {
            return (ObjectNode) new ObjectMapper(new YAMLFactory()).readTree(in);
        }
    }

    static String refused(java.util.function.Consumer<ObjectNode> edit) throws Exception {
        ObjectNode tree = demoTree();
        edit.accept(tree);
        SpecException e = assertThrows(SpecException.class, () -> {
            ExplainerSpec spec = SpecLoader.parse(tree, "specs/adult-shap.yaml", l -> l);
            ExplainerFactory.shap(spec, Predictors.inProcess(forest), Integer.MAX_VALUE);
        });
        assertTrue(e.getMessage().startsWith("explainer spec specs/adult-shap.yaml: field '"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void badSpecsNameTheFileAndTheField() throws Exception {
        assertTrue(refused(t -> t.with("shap").put("nsamplez", 10)).contains("field 'shap.nsamplez': unknown field"));
        assertTrue(refused(t -> t.with("shap").put("link", "probit")).contains("field 'shap.link': must be identity or logit"));
        assertTrue(refused(t -> t.with("shap").put("l1_reg", "lots")).contains("field 'shap.l1_reg'"));
        assertTrue(refused(t -> t.with("shap").put("nsamples", 0)).contains("field 'shap.nsamples'"));
        assertTrue(refused(t -> t.with("shap").put("summarise_background", "median"))
                .contains("field 'shap.summarise_background'"));
        assertTrue(refused(t -> t.with("shap").put("background", "missing.csv")).contains("field 'shap.background': no such file"));
        assertTrue(refused(t -> t.with("shap").put("max_rows", 150)).contains("field 'shap.max_rows': must be at least 201"));
        assertTrue(refused(t -> t.with("shap").putObject("groups").putArray("Capital").add("Capital Gain").add("Wealth"))
                .contains("field 'shap.groups.Capital': 'Wealth' is neither a feature name"));
        assertTrue(refused(t -> t.putObject("parameters").put("threshold", 0.9)).contains("field 'parameters'"));
        assertTrue(refused(t -> t.put("type", "AnchorTabular")).contains("field 'shap': only allowed with type KernelShap"));
        assertTrue(refused(t -> t.put("model", "no spaces")).contains("field 'model'"));
        assertTrue(refused(t -> t.remove("data")).contains("field 'data': is required"));
    }

    /** Issue 9 item 6 holds for KernelSHAP too: a 64-bit seed travels as its exact decimal string, both ways. */
    @Test
    void seedsAreDecimalStringsInTheAnswerAndMayBeInTheSpec() throws Exception {
        long beyondDouble = 9_007_199_254_740_993L; // 2^53 + 1: a JavaScript number would read ...992
        JsonNode j = inProcess.explain(row(ROW0), beyondDouble).json();
        assertEquals(JSON.getNodeFactory().textNode("9007199254740993"), j.at("/meta/params/seed"));
        assertEquals(JSON.getNodeFactory().textNode("9007199254740993"), j.at("/data/raw/seed"));
        ObjectNode tree = demoTree();
        tree.with("shap").put("seed", "9007199254740993");
        assertEquals(beyondDouble, SpecLoader.parse(tree, "seeded.yaml", l -> l).seed().orElseThrow());
        tree.with("shap").put("seed", "seven");
        SpecException bad = assertThrows(SpecException.class, () -> SpecLoader.parse(tree, "seeded.yaml", l -> l));
        assertTrue(bad.getMessage().contains("shap.seed") && bad.getMessage().contains("decimal string"), bad.getMessage());
    }

    @Test
    void groupsGiveOneValuePerGroupAndKeepEfficiency() throws Exception {
        ObjectNode tree = demoTree();
        ArrayNode capital = tree.with("shap").putObject("groups").putArray("Capital");
        capital.add("Capital Gain").add("Capital Loss");
        tree.with("shap").put("link", "logit").put("seed", 3);
        ExplainerSpec spec = SpecLoader.parse(tree, "grouped.yaml", l -> l);
        assertEquals(3L, spec.seed().orElseThrow());
        ShapModelExplainer grouped = ExplainerFactory.shap(spec, Predictors.inProcess(forest), Integer.MAX_VALUE);
        JsonNode j = grouped.explain(row(ROW0), 3).json();
        JsonNode data = j.get("data");
        assertEquals(11, data.get("feature_names").size());
        assertEquals("Capital", data.get("feature_names").get(8).asText());
        assertEquals("[[0],[1],[2],[3],[4],[5],[6],[7],[8,9],[10],[11]]", j.get("meta").get("params").get("groups").toString());
        double[] fx = forest.probabilities(ROW0);
        double sum = 0;
        for (double v : values(data.get("shap_values"), 1)) {
            sum += v;
        }
        assertEquals(dev.anchorwatch.shap.Link.LOGIT.apply(fx[1]) - data.get("expected_value").get(1).asDouble(), sum, 1e-9);
    }
}
