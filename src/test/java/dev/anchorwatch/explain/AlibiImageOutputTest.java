package dev.anchorwatch.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.anchorwatch.demo.ModelServer;
import dev.anchorwatch.image.FloatImage;
import dev.anchorwatch.image.TestImages;
import dev.anchorwatch.model.LinearClassifier;
import dev.anchorwatch.model.Predictors;

/**
 * {@code image.output: alibi}: for clients of KServe's former explainer, {@code data.anchor} is the image with
 * every superpixel outside the anchor zeroed (H x W x C nested lists) and {@code data.segments} the segment map,
 * exactly as Alibi answered; the default stays picture-first (segment ids, overlay PNG).
 */
class AlibiImageOutputTest {
    static ModelServer server;

    @BeforeAll
    static void serve() throws Exception {
        LinearClassifier model;
        try (InputStream in = AlibiImageOutputTest.class.getClassLoader().getResourceAsStream("demo/fashion/fmnist_lr.json")) {
            model = LinearClassifier.fromJson(in);
        }
        server = ModelServer.builder().host("127.0.0.1").port(0).model("fashion", model).start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static ImageModelExplainer explainer(String output) {
        ExplainerSpec spec = SpecLoader.loadResource("demo/fashion.yaml", tree -> {
            ((ObjectNode) tree.get("predictor")).put("url", server.baseUrl()).put("max_rows_per_request", 50);
            if (output != null) {
                ((ObjectNode) tree.get("image")).put("output", output);
            }
        });
        return ExplainerFactory.image(spec, Predictors.http(spec.predictor()));
    }

    static ArrayNode nested(FloatImage image) {
        ArrayNode rows = JsonNodeFactory.instance.arrayNode();
        for (int y = 0; y < image.height(); y++) {
            ArrayNode row = rows.addArray();
            for (int x = 0; x < image.width(); x++) {
                row.add(image.get(y, x, 0));
            }
        }
        return rows;
    }

    @Test
    void alibiShapeIsTheMaskedImageAndTheSegmentMap() {
        FloatImage image = TestImages.fashion().get(0);
        JsonNode picture = explainer(null).explain(nested(image), 7).json().get("data");
        JsonNode alibi = explainer("alibi").explain(nested(image), 7).json().get("data");

        // the same search (same seed): the same anchor, precision and coverage
        assertEquals(picture.get("precision"), alibi.get("precision"));
        assertEquals(picture.get("coverage"), alibi.get("coverage"));
        assertEquals(picture.at("/raw/names"), alibi.at("/raw/names"));

        JsonNode segments = alibi.get("segments");
        assertEquals(picture.at("/raw/segments"), segments, "data.segments is the segment map");
        assertTrue(alibi.at("/raw/segments").isMissingNode(), "not repeated under raw");
        Set<Integer> kept = new HashSet<>();
        picture.get("anchor").forEach(s -> kept.add(s.asInt()));
        assertFalse(kept.isEmpty());

        JsonNode masked = alibi.get("anchor");
        assertEquals(28, masked.size());
        int nonZeroKept = 0;
        for (int y = 0; y < 28; y++) {
            assertEquals(28, masked.get(y).size());
            for (int x = 0; x < 28; x++) {
                JsonNode px = masked.get(y).get(x);
                assertEquals(1, px.size(), "H x W x C, C = 1 for grayscale");
                boolean inAnchor = kept.contains(segments.get(y).get(x).asInt());
                float expected = inAnchor ? image.get(y, x, 0) : 0f;
                assertEquals(expected, px.get(0).floatValue(), 0f, "pixel " + y + "," + x);
                if (inAnchor && expected != 0) {
                    nonZeroKept++;
                }
            }
        }
        assertTrue(nonZeroKept > 0, "the anchor keeps some of the garment");
    }

    @Test
    void anUnknownOutputIsASpecError() {
        SpecException e = assertThrows(SpecException.class, () -> explainer("pdf"));
        assertTrue(e.getMessage().contains("image.output") && e.getMessage().contains("picture or alibi"), e.getMessage());
    }
}
