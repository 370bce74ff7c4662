package dev.anchorwatch.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.anchorwatch.explain.ExplainerFactory;
import dev.anchorwatch.explain.ExplainerSpec;
import dev.anchorwatch.explain.ImageModelExplainer;
import dev.anchorwatch.explain.ModelExplainer.Explained;
import dev.anchorwatch.explain.SpecLoader;
import dev.anchorwatch.image.FloatImage;
import dev.anchorwatch.image.TestImages;
import dev.anchorwatch.model.LinearClassifier;
import dev.anchorwatch.demo.ModelServer;

/**
 * An Open Inference V2 image request as KServe's logger publishes it: the event path hands each row of the input
 * tensor to the explainer as a flat list, which the spec's {@code image.shape} reads back as 28x28.
 */
class ImageEventTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void v2ImageTensorRowsAreExplainedLikeNestedInstances() throws Exception {
        LinearClassifier lr;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("demo/fashion/fmnist_lr.json")) {
            lr = LinearClassifier.fromJson(in);
        }
        List<FloatImage> images = TestImages.fashion().subList(0, 2);
        try (ModelServer server = ModelServer.builder().port(0).model("fashion", lr).start()) {
            ExplainerSpec spec = SpecLoader.loadResource("demo/fashion.yaml",
                    tree -> ((ObjectNode) tree.get("predictor")).put("url", server.baseUrl()).put("protocol", "v2"));
            try (ImageModelExplainer explainer = ExplainerFactory.image(spec, null)) {
                for (String shape : List.of("[2, 28, 28]", "[2, 28, 28, 1]", "[2, 784]")) {
                    ObjectNode payload = JSON.createObjectNode();
                    ObjectNode input = payload.putArray("inputs").addObject().put("name", "input-0")
                            .put("datatype", "FP32");
                    input.set("shape", JSON.readTree(shape));
                    ArrayNode data = input.putArray("data");
                    for (FloatImage image : images) {
                        for (float v : image.pixels()) {
                            data.add(v);
                        }
                    }
                    List<JsonNode> rows = ServiceEventExplainer.instances(payload);
                    assertEquals(2, rows.size());
                    assertEquals(784, rows.get(0).size());
                    Explained e = explainer.explain(rows.get(0), 42);
                    assertEquals(9, e.prediction(), shape + ": an ankle boot");
                    assertTrue(e.json().at("/data/raw/predictor_calls").asLong() > 0);
                    assertEquals(2, explainer.explain(rows.get(1), 42).prediction(),
                            shape + ": the second test image is a pullover");
                }
            }
        }
    }
}
