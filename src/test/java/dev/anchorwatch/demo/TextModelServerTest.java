package dev.anchorwatch.demo;

import dev.anchorwatch.model.*;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.anchorwatch.model.PredictorConfig.Protocol;
import dev.anchorwatch.testsupport.Http;

/**
 * The movie bag-of-words model: its decisions equal scikit-learn's (values computed in Python from the same JSON
 * with the vectorizer's regular expression), and the model server serves it as a text model over V1 and V2.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TextModelServerTest {
    static BagOfWordsClassifier movie;
    static ModelServer server;

    /** Sentences written for this test and sklearn's decision_function for each. */
    static final List<String> SENTENCES = List.of(
            "Don't miss it: it's the year's BEST film, a na\u00efve caf\u00e9 drama from 2002!",
            "UNK UNK flashy but UNK opaque and emotionally vapid exercise .",
            "\u00dcberraschend gut \u2014 a_b c d ee 48 hours of pure adrenalin",
            "a beautifully acted but dull film",
            "a dull, plodding movie that never finds its footing.");
    static final double[] DECISIONS = {1.1130430028060698, -2.3279420265694015, 1.070061035138654,
            -0.5575004682076353, -3.502169798326512};

    static BagOfWordsClassifier loadMovie() throws IOException {
        try (InputStream in = TextModelServerTest.class.getClassLoader().getResourceAsStream("demo/text/movie_lr.json")) {
            return BagOfWordsClassifier.load(in);
        }
    }

    @BeforeAll
    static void start() throws IOException {
        movie = loadMovie();
        server = ModelServer.builder().textModel("movie", movie).start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void decisionsEqualScikitLearns() {
        assertEquals(15171, movie.vocabularySize());
        assertEquals(List.of("negative", "positive"), movie.classNames());
        for (int i = 0; i < SENTENCES.size(); i++) {
            assertEquals(DECISIONS[i], movie.decision(SENTENCES.get(i)), 1e-12, SENTENCES.get(i));
        }
        assertArrayEquals(new int[] {1, 0, 1, 0, 0}, movie.predictAll(SENTENCES));
        assertEquals(movie.decision(""), movie.decision("UNK UNK ."), "UNK is not a term: only the intercept");
    }

    @Test
    void servedOverV1AndV2ExactlyAsInProcess() {
        int[] expected = movie.predictAll(SENTENCES);
        for (Protocol protocol : Protocol.values()) {
            try (HttpPredictor client = Predictors.http(PredictorConfig.of(server.baseUrl(), "movie", protocol)
                    .withMaxRowsPerRequest(2))) {
                assertArrayEquals(expected, client.predict(new Instances.Texts(SENTENCES)).join(), protocol.name());
            }
        }
        assertArrayEquals(expected, Predictors.inProcess(movie).predict(new Instances.Texts(SENTENCES)).join());
        assertTrue(server.rows() >= 2L * SENTENCES.size());
    }

    @Test
    void wrongShapesAreClearErrors() throws Exception {
        assertEquals(400, post("/v1/models/movie:predict", "{\"instances\": [[1, 2]]}").statusCode());
        assertTrue(post("/v1/models/movie:predict", "{\"instances\": [[1, 2]]}").body()
                .contains("instance 0 is an array, expected a string"));
        HttpResponse<String> r = post("/v2/models/movie/infer",
                "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\", \"shape\": [1, 2], \"data\": [1, 2]}]}");
        assertEquals(400, r.statusCode());
        assertTrue(r.body().contains("input datatype must be BYTES"), r.body());
        r = post("/v2/models/movie/infer",
                "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"BYTES\", \"shape\": [2], \"data\": [\"a\"]}]}");
        assertEquals(400, r.statusCode());
        assertTrue(r.body().contains("needs 2 texts, data has 1"), r.body());
        r = post("/v2/models/movie/infer",
                "{\"id\": \"q\", \"inputs\": [{\"name\": \"x\", \"datatype\": \"BYTES\", \"shape\": [1, 1], \"data\": [[\"a dull film\"]]}]}");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("{\"model_name\":\"movie\",\"id\":\"q\",\"outputs\":[{\"name\":\"output-0\",\"datatype\":\"INT64\","
                + "\"shape\":[1],\"data\":[0]}]}", r.body());
        assertEquals(200, get("/v1/models/movie").statusCode());
        assertTrue(get("/v1/models").body().contains("movie"));
        assertTrue(get("/v2/models/movie").body().contains("BYTES"));
        assertEquals(200, get("/v2/models/movie/ready").statusCode());

        // a text model does not take rows
        try (HttpPredictor client = Predictors.http(PredictorConfig.of(server.baseUrl(), "movie", Protocol.V1))) {
            CompletionException e = assertThrows(CompletionException.class,
                    () -> client.predict(new Instances.Rows(new double[][] {{1, 2}})).join());
            assertInstanceOf(PredictorException.class, e.getCause());
        }
        assertThrows(IllegalArgumentException.class, () -> ModelServer.builder().textModel("movie", movie)
                .textModel("movie", movie));
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return Http.postJson(URI.create(server.baseUrl() + path), body);
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return Http.get(URI.create(server.baseUrl() + path));
    }
}
