package dev.anchorwatch.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.empty;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;

/** The embedded text demo through the REST API: {@code POST /v1/models/movie:explain} as KServe clients call it. */
@QuarkusTest
class MovieExplainResourceTest {
    static final String SENTENCE = "a dull, plodding movie that never finds its footing.";

    @Test
    void explainsTheDemoTextModel() {
        JsonPath json = given().urlEncodingEnabled(false).contentType("application/json")
                .body("{\"instances\": [\"" + SENTENCE + "\"]}")
                .when().post("/v1/models/movie:explain")
                .then().statusCode(200)
                .body("meta.name", equalTo("AnchorText"))
                .body("meta.params.sample_proba", equalTo(0.5f))
                .body("data.raw.instance", equalTo(SENTENCE))
                .body("data.raw.prediction[0]", equalTo(0))
                .body("data.raw.success", equalTo(true))
                .body("data.anchor", not(empty()))
                .extract().jsonPath();
        List<String> anchor = json.getList("data.anchor", String.class);
        List<Integer> positions = json.getList("data.raw.positions", Integer.class);
        assertEquals(anchor.size(), positions.size());
        for (int i = 0; i < anchor.size(); i++) {
            String word = anchor.get(i);
            assertEquals(word, SENTENCE.substring(positions.get(i), positions.get(i) + word.length()));
        }
        assertTrue(json.getDouble("data.precision") >= 0.95, json.prettify());
        List<String> examples = json.getList("data.raw.examples[-1].covered_true", String.class);
        assertTrue(!examples.isEmpty() && examples.stream().allMatch(s -> anchor.stream().allMatch(s::contains)),
                examples.toString());

        // the same request gives the same explanation (the seed derives from model and instance)
        given().urlEncodingEnabled(false).contentType("application/json").body("{\"instances\": [\"" + SENTENCE + "\"]}")
                .when().post("/v1/models/movie:explain")
                .then().statusCode(200).body("data.anchor", equalTo(anchor))
                .body("data.raw.positions", equalTo(positions));
    }

    @Test
    void badTextsAre400WithAMessage() {
        given().urlEncodingEnabled(false).contentType("application/json").body("{\"instances\": [[1, 2, 3]]}")
                .when().post("/v1/models/movie:explain")
                .then().statusCode(400)
                .body("error", containsString("must be a string"));
        given().urlEncodingEnabled(false).contentType("application/json").body("{\"instances\": [\"" + "word ".repeat(600) + "\"]}")
                .when().post("/v1/models/movie:explain")
                .then().statusCode(400)
                .body("error", equalTo("model 'movie': text has 600 tokens; at most 512 are accepted (max_tokens)"));
    }

    @Test
    void theDemoListsTheTextModel() {
        given().when().get("/v1/models").then().statusCode(200).body("models", hasItem("movie"));
        given().when().get("/v1/models/movie").then().statusCode(200).body("explainer", equalTo("AnchorText"));
    }
}
