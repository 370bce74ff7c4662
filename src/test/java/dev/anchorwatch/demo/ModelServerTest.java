package dev.anchorwatch.demo;

import dev.anchorwatch.model.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anchorwatch.model.PredictorConfig.Protocol;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import dev.anchorwatch.testsupport.Http;

/**
 * The model server over real HTTP on loopback, and the V1 and V2 clients against it: labels must equal the
 * in-process classifier's exactly.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ModelServerTest {
    static LabeledData test;
    static RandomForest forest;
    static int[] expected;
    static ModelServer server;

    @BeforeAll
    static void start() throws IOException {
        LabeledData train = dev.anchorwatch.model.RandomForestTest.adult("adult_train.csv");
        test = dev.anchorwatch.model.RandomForestTest.adult("adult_test.csv");
        forest = RandomForest.train(train, RandomForest.Params.DEFAULTS.withTrees(10).withSeed(3), null);
        expected = forest.predictAll(test.x());
        server = ModelServer.builder().model("adult", forest)
                .model("adult-proba", forest, ModelServer.Output.PROBABILITIES)
                .maxBodyBytes(2 << 20).start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static PredictorConfig config(String model, Protocol protocol) {
        return PredictorConfig.of(server.baseUrl(), model, protocol);
    }

    @Test
    void bindsLoopbackOnAnEphemeralPort() {
        assertEquals("127.0.0.1", server.host());
        assertTrue(server.port() > 0);
        assertEquals("http://127.0.0.1:" + server.port(), server.baseUrl());
    }

    @Test
    void v1RoundTripGivesTheInProcessLabels() {
        long before = server.requests();
        try (HttpPredictor predictor = Predictors.http(config("adult", Protocol.V1))) {
            assertArrayEquals(expected, predictor.predict(new Instances.Rows(test.x())).join());
            assertEquals(6, predictor.requests(), "2,560 rows in requests of 500");
            assertEquals(test.size(), predictor.rowsSent());
        }
        assertTrue(server.requests() - before >= 6);
    }

    @Test
    void v1ProbabilityVectorsAreReadAsArgmax() {
        try (HttpPredictor predictor = Predictors.http(config("adult-proba", Protocol.V1).withMaxRowsPerRequest(1000))) {
            assertArrayEquals(expected, predictor.predict(new Instances.Rows(test.x())).join());
            assertEquals(3, predictor.requests());
        }
    }

    @Test
    void v2RoundTripGivesTheInProcessLabels() {
        try (HttpPredictor predictor = Predictors.http(config("adult", Protocol.V2))) {
            assertInstanceOf(OpenInferenceV2Predictor.class, predictor);
            assertArrayEquals(expected, predictor.predict(new Instances.Rows(test.x())).join());
        }
        try (HttpPredictor predictor = Predictors.http(config("adult-proba", Protocol.V2))) {
            assertArrayEquals(expected, predictor.predict(new Instances.Rows(test.x())).join());
        }
    }

    @Test
    void theServersErrorsReachTheClientAsPermanentFailures() {
        try (HttpPredictor predictor = Predictors.http(config("adult", Protocol.V1))) {
            CompletionException e = assertThrows(CompletionException.class,
                    () -> predictor.predict(new Instances.Rows(new double[][]{{1, 2, 3}})).join());
            PredictorException p = assertInstanceOf(PredictorException.class, e.getCause());
            assertFalse(p.isTransient());
            assertTrue(p.getMessage().endsWith("HTTP 400: instance 0 has 3 values, model 'adult' expects 12"
                    + " (not retried)"), p.getMessage());
            assertEquals(1, predictor.requests());
        }
        try (HttpPredictor predictor = Predictors.http(config("nope", Protocol.V2))) {
            CompletionException e = assertThrows(CompletionException.class,
                    () -> predictor.predict(new Instances.Rows(test.x())).join());
            PredictorException p = assertInstanceOf(PredictorException.class, e.getCause());
            assertTrue(p.getMessage().contains("HTTP 404: model 'nope' is not served here"), p.getMessage());
        }
    }

    static HttpResponse<String> call(String method, String path, String body) throws Exception {
        return Http.call(method, URI.create(server.baseUrl() + path), body);
    }

    static JsonNode json(HttpResponse<String> response) throws IOException {
        assertEquals("application/json", response.headers().firstValue("Content-Type").orElse(""));
        return dev.anchorwatch.model.Json.MAPPER.readTree(response.body());
    }

    @Test
    void readinessAndMetadata() throws Exception {
        JsonNode ready = json(call("GET", "/v1/models/adult", null));
        assertEquals("adult", ready.get("name").asText());
        assertEquals(true, ready.get("ready").asBoolean());
        assertEquals(2, ready.size());
        assertEquals(200, call("GET", "/v2/health/ready", null).statusCode());
        assertEquals(200, call("GET", "/v2/health/live", null).statusCode());
        assertEquals(200, call("GET", "/v2/models/adult/ready", null).statusCode());
        JsonNode meta = json(call("GET", "/v2/models/adult", null));
        assertEquals("[-1,12]", meta.at("/inputs/0/shape").toString());
        assertEquals("INT64", meta.at("/outputs/0/datatype").asText());
        assertEquals("[\"adult\",\"adult-proba\"]", json(call("GET", "/v1/models", null)).get("models").toString());
    }

    @Test
    void v2AcceptsNestedDataAndEchoesTheId() throws Exception {
        double[] a = test.x()[0];
        double[] b = test.x()[1];
        String body = "{\"id\":\"req-7\",\"inputs\":[{\"name\":\"x\",\"shape\":[2,12],\"datatype\":\"FP32\",\"data\":["
                + Arrays.toString(a) + "," + Arrays.toString(b) + "]}]}";
        HttpResponse<String> response = call("POST", "/v2/models/adult/infer", body);
        assertEquals(200, response.statusCode(), response.body());
        JsonNode out = json(response);
        assertEquals("req-7", out.get("id").asText());
        assertEquals("adult", out.get("model_name").asText());
        assertEquals("[2]", out.at("/outputs/0/shape").toString());
        assertEquals("[" + expected[0] + "," + expected[1] + "]", out.at("/outputs/0/data").toString());
    }

    @Test
    void clearJsonErrors() throws Exception {
        String row = Arrays.toString(test.x()[0]);
        Object[][] cases = {
                {"POST", "/v1/models/missing:predict", "{\"instances\":[]}", 404, "model 'missing' is not served here"},
                {"POST", "/v1/models/adult:predict", "{\"instances\": [", 400, "body is not valid JSON"},
                {"POST", "/v1/models/adult:predict", "[1, 2]", 400, "body must be a JSON object"},
                {"POST", "/v1/models/adult:predict", "{\"rows\":[]}", 400, "body needs an \"instances\" array"},
                {"POST", "/v1/models/adult:predict", "{\"instances\":[[1,2]]}", 400,
                        "instance 0 has 2 values, model 'adult' expects 12"},
                {"POST", "/v1/models/adult:predict", "{\"instances\":[" + row + ",\"text\"]}", 400,
                        "instance 1 is a string, expected an array of numbers"},
                {"POST", "/v2/models/adult/infer",
                        "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,3],\"datatype\":\"FP64\",\"data\":[1,2,3]}]}", 400,
                        "input has 3 features per row, model 'adult' expects 12"},
                {"POST", "/v2/models/adult/infer",
                        "{\"inputs\":[{\"name\":\"x\",\"shape\":[2,12],\"datatype\":\"FP64\",\"data\":" + row + "}]}",
                        400, "input shape [2, 12] needs 24 values, data has 12"},
                {"POST", "/v2/models/adult/infer",
                        "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"a\"]}]}", 400,
                        "input datatype must be numeric"},
                {"GET", "/v1/models/adult:predict", null, 405, "use POST, not GET"},
                {"GET", "/v3/anything", null, 404, "no route for GET /v3/anything"},
        };
        for (Object[] c : cases) {
            HttpResponse<String> response = call((String) c[0], (String) c[1], (String) c[2]);
            assertEquals(c[3], response.statusCode(), c[1] + " " + response.body());
            assertTrue(json(response).get("error").asText().contains((String) c[4]), response.body());
        }
    }

    @Test
    void refusesBodiesOverTheLimit() throws Exception {
        try (ModelServer small = ModelServer.builder().model("adult", forest).maxBodyBytes(1_000).start()) {
            String body = "{\"instances\":[" + (Arrays.toString(test.x()[0]) + ",").repeat(40) + Arrays.toString(
                    test.x()[0]) + "]}";
            assertTrue(body.length() > 1_000);
            HttpResponse<String> response = Http.call("POST", URI.create(small.baseUrl() + "/v1/models/adult:predict"),
                    body);
            assertEquals(413, response.statusCode());
            assertTrue(response.body().contains("body is larger than 1000 bytes"), response.body());
            assertEquals(0, small.requests());
        }
    }
}
