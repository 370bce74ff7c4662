package dev.anchorwatch.api;

import dev.anchorwatch.demo.DemoModels;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.Base64;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.anchorwatch.image.FloatImage;
import dev.anchorwatch.image.ImageCodec;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import dev.anchorwatch.testsupport.Http;

/** The embedded image demo through KServe's {@code :explain}: nested lists, a base64 PNG, and the limits. */
@QuarkusTest
class FashionExplainResourceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String body(JsonNode instance) {
        ObjectNode body = JSON.createObjectNode();
        body.putArray("instances").add(instance);
        return body.toString();
    }

    private static ArrayNode nested(int h, int w, float value) {
        ArrayNode rows = JSON.createArrayNode();
        for (int y = 0; y < h; y++) {
            ArrayNode row = rows.addArray();
            for (int x = 0; x < w; x++) {
                row.add(value);
            }
        }
        return rows;
    }

    @TestHTTPResource("/v1/models/fashion:explain")
    URI explainUrl;

    /** POSTs with the JDK client: the ':' of {@code :explain} must reach the server as it is. */
    private JsonNode explain(String body, int status) throws Exception {
        HttpResponse<String> r = Http.postJson(explainUrl, body);
        assertEquals(status, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    @Test
    void explainsTheDemoImageGivenAsNestedListsOrABase64Png() throws Exception {
        given().when().get("/v1/models").then().statusCode(200).body("models", hasItem("fashion"));
        given().when().get("/v1/models/fashion").then().statusCode(200).body("explainer", containsString("AnchorImage"));

        JsonNode nestedBody = JSON.readTree(java.nio.file.Files.readString(DemoModels.writeFashionExample()));
        JsonNode e = explain(nestedBody.toString(), 200);
        assertEquals("AnchorImage", e.at("/meta/name").asText());
        assertEquals(9, e.at("/data/raw/prediction/0").asInt(), "an ankle boot");
        assertTrue(e.at("/data/anchor").isArray());
        e.at("/data/anchor").forEach(id -> assertTrue(id.isInt() && id.asInt() >= 0 && id.asInt() < 49));
        assertEquals(28, e.at("/data/raw/segments").size());
        assertTrue(e.at("/data/raw/predictor_calls").asLong() > 0);
        byte[] png = Base64.getDecoder().decode(e.at("/data/raw/overlay_png").asText());
        assertEquals(2 * 8 + 2 * 224 + 8, ImageIO.read(new ByteArrayInputStream(png)).getWidth(), "anchor beside image");
        assertTrue(e.toString().length() < 60_000, "compact: " + e.toString().length() + " characters");

        ObjectNode b64 = JSON.createObjectNode().put("b64", DemoModels.fashionExampleB64());
        JsonNode fromPng = explain(body(b64), 200);
        assertEquals(9, fromPng.at("/data/raw/prediction/0").asInt());
        assertEquals("grid", fromPng.at("/meta/params/segmentation_fn").asText());
    }

    @Test
    void oversizedAndMisshapenImagesAreRefusedClearly() throws Exception {
        JsonNode big = explain(body(nested(300, 300, 0f)), 413);
        assertTrue(big.get("error").asText().contains("90000 pixels, more than the 65536 allowed"), big.toString());

        float[] px = new float[400 * 400];
        ObjectNode bigPng = JSON.createObjectNode().put("b64",
                Base64.getEncoder().encodeToString(ImageCodec.png(new FloatImage(400, 400, 1, px))));
        explain(body(bigPng), 413);

        JsonNode small = explain(body(nested(20, 20, 0.5f)), 400);
        assertTrue(small.get("error").asText().contains("takes 28x28x1"), small.toString());
        JsonNode notAnImage = explain(body(JSON.createObjectNode().put("b64", "bm90IGFuIGltYWdl")), 400);
        assertTrue(notAnImage.get("error").asText().contains("b64"), notAnImage.toString());
    }
}
