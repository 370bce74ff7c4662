package dev.anchorwatch.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anchorwatch.model.PredictorConfig.Protocol;
import dev.anchorwatch.model.StubServer.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the V1 and V2 clients put on the wire and how they read every documented prediction shape. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WireFormatTest {

    static final Instances.Rows TWO_ROWS = new Instances.Rows(new double[][]{{1, 2.5}, {-3, 4e-7}});
    static final Instances.Tensors TWO_IMAGES = new Instances.Tensors(
            new float[][]{{1, 2, 3, 4, 5, 6}, {0.5f, 0, 0, 0, 0, 7}}, new int[]{2, 3, 1});
    static final Instances.Texts TWO_TEXTS = new Instances.Texts(List.of("good film", "bad \"film\""));

    /** Sends {@code batch} and returns the request body the server received. */
    static JsonNode sent(Protocol protocol, Instances batch) throws Exception {
        try (StubServer server = new StubServer((call, request) -> protocol == Protocol.V1
                ? StubServer.ones(request)
                : Reply.json(200, "{\"outputs\":[{\"name\":\"o\",\"datatype\":\"INT64\",\"shape\":[2],\"data\":[1,1]}]}"));
             HttpPredictor predictor = Predictors.http(PredictorConfig.of(server.baseUrl(), "m", protocol))) {
            assertArrayEquals(new int[]{1, 1}, predictor.predict(batch).join());
            assertEquals(protocol == Protocol.V1 ? "/v1/models/m:predict" : "/v2/models/m/infer",
                    server.received.get(0).path());
            return server.received.get(0).body();
        }
    }

    @Test
    void v1RequestBodies() throws Exception {
        assertEquals("{\"instances\":[[1,2.5],[-3,4.0E-7]]}", sent(Protocol.V1, TWO_ROWS).toString());
        assertEquals("{\"instances\":[[[[1],[2],[3]],[[4],[5],[6]]],[[[0.5],[0],[0]],[[0],[0],[7]]]]}",
                sent(Protocol.V1, TWO_IMAGES).toString());
        assertEquals("{\"instances\":[\"good film\",\"bad \\\"film\\\"\"]}", sent(Protocol.V1, TWO_TEXTS).toString());
    }

    @Test
    void v2RequestBodies() throws Exception {
        assertEquals("{\"inputs\":[{\"name\":\"input-0\",\"shape\":[2,2],\"datatype\":\"FP64\","
                + "\"data\":[1.0,2.5,-3.0,4.0E-7]}]}", sent(Protocol.V2, TWO_ROWS).toString());
        assertEquals("{\"inputs\":[{\"name\":\"input-0\",\"shape\":[2,2,3,1],\"datatype\":\"FP32\","
                + "\"data\":[1.0,2.0,3.0,4.0,5.0,6.0,0.5,0.0,0.0,0.0,0.0,7.0]}]}", sent(Protocol.V2, TWO_IMAGES).toString());
        assertEquals("{\"inputs\":[{\"name\":\"input-0\",\"shape\":[2],\"datatype\":\"BYTES\","
                + "\"data\":[\"good film\",\"bad \\\"film\\\"\"]}]}", sent(Protocol.V2, TWO_TEXTS).toString());
    }

    static int[] read(Protocol protocol, String response, List<String> classNames, int n) throws Exception {
        try (StubServer server = new StubServer((call, request) -> Reply.json(200, response));
             HttpPredictor predictor = Predictors.http(PredictorConfig.of(server.baseUrl(), "m", protocol)
                     .withClassNames(classNames))) {
            double[][] rows = new double[n][];
            for (int i = 0; i < n; i++) {
                rows[i] = new double[]{i};
            }
            return predictor.predict(new Instances.Rows(rows)).join();
        }
    }

    static String readFailure(Protocol protocol, String response, List<String> classNames, int n) {
        CompletionException e = assertThrows(CompletionException.class,
                () -> read(protocol, response, classNames, n));
        PredictorException p = assertInstanceOf(PredictorException.class, e.getCause());
        assertFalse(p.isTransient(), p.getMessage());
        return p.getMessage();
    }

    @Test
    void v1PredictionShapes() throws Exception {
        List<String> none = List.of();
        assertArrayEquals(new int[]{2, 0, 1}, read(Protocol.V1, "{\"predictions\":[2, 0, 1]}", none, 3));
        assertArrayEquals(new int[]{2, 0, 1}, read(Protocol.V1, "{\"predictions\":[2.0, 0.0, 1.0]}", none, 3));
        assertArrayEquals(new int[]{1, 0}, read(Protocol.V1, "{\"predictions\":[true, false]}", none, 2));
        assertArrayEquals(new int[]{1, 0}, read(Protocol.V1, "{\"predictions\":[[1], [0]]}", none, 2), "[n, 1] labels");
        // Score vectors: argmax, the first index on ties.
        assertArrayEquals(new int[]{1, 0, 2}, read(Protocol.V1,
                "{\"predictions\":[[0.1, 0.7, 0.2], [0.4, 0.2, 0.4], [0, 0.5, 0.5000001]]}", none, 3));
        assertArrayEquals(new int[]{0, 1}, read(Protocol.V1, "{\"predictions\":[[0.5, 0.5], [-2, 3]]}", none, 2));
        List<String> income = List.of("<=50K", ">50K");
        assertArrayEquals(new int[]{1, 0}, read(Protocol.V1, "{\"predictions\":[\">50K\", \"<=50K\"]}", income, 2));
        assertArrayEquals(new int[]{1, 0}, read(Protocol.V1, "{\"predictions\":[\"1\", \"0\"]}", none, 2));
        assertTrue(readFailure(Protocol.V1, "{\"predictions\":[\"maybe\"]}", income, 1)
                .contains("prediction 0 is class 'maybe', not one of [<=50K, >50K]"));
        assertTrue(readFailure(Protocol.V1, "{\"predictions\":[2]}", income, 1)
                .contains("prediction 0 is class 2 but only 2 class names are configured"));
        assertTrue(readFailure(Protocol.V1, "{\"predictions\":[[0.2, 0.3, 0.5]]}", income, 1)
                .contains("has 3 scores but 2 class names"));
        assertTrue(readFailure(Protocol.V1, "{\"predictions\":[[]]}", none, 1).contains("empty score vector"));
        assertTrue(readFailure(Protocol.V1, "{\"predictions\":[null]}", none, 1).contains("prediction 0 is null"));
    }

    static String v2(String datatype, String shape, String data) {
        return "{\"model_name\":\"m\",\"outputs\":[{\"name\":\"predict\",\"datatype\":\"" + datatype + "\",\"shape\":"
                + shape + ",\"data\":" + data + "}]}";
    }

    @Test
    void v2OutputShapes() throws Exception {
        List<String> none = List.of();
        assertArrayEquals(new int[]{1, 0, 2}, read(Protocol.V2, v2("INT64", "[3]", "[1, 0, 2]"), none, 3));
        assertArrayEquals(new int[]{1, 0, 2}, read(Protocol.V2, v2("INT32", "[3, 1]", "[[1], [0], [2]]"), none, 3));
        assertArrayEquals(new int[]{1, 0}, read(Protocol.V2, v2("BOOL", "[2]", "[true, false]"), none, 2));
        assertArrayEquals(new int[]{1, 0}, read(Protocol.V2, v2("FP64", "[2]", "[1.0, 0.0]"), none, 2));
        assertArrayEquals(new int[]{2, 0}, read(Protocol.V2, v2("FP32", "[2, 3]", "[0.1, 0.2, 0.7, 0.4, 0.4, 0.2]"),
                none, 2), "argmax per row, first on ties");
        assertArrayEquals(new int[]{2, 0}, read(Protocol.V2, v2("FP32", "[2, 3]", "[[0.1, 0.2, 0.7], [0.4, 0.4, 0.2]]"),
                none, 2), "nested data");
        assertArrayEquals(new int[]{1, 0}, read(Protocol.V2, v2("BYTES", "[2]", "[\"yes\", \"no\"]"),
                List.of("no", "yes"), 2));

        assertTrue(readFailure(Protocol.V2, v2("INT64", "[2]", "[1, 0]"), none, 3)
                .contains("response has 2 predictions for 3 instances"));
        assertTrue(readFailure(Protocol.V2, v2("INT64", "[3]", "[1, 0]"), none, 3)
                .contains("output shape [3] needs 3 values, data has 2"));
        assertTrue(readFailure(Protocol.V2, v2("INT64", "[1]", "[\"1\"]"), none, 1)
                .contains("output of datatype INT64 has a string at position 0"));
        assertTrue(readFailure(Protocol.V2, v2("BYTES", "[1, 2]", "[\"a\", \"b\"]"), none, 1)
                .contains("cannot hold scores"));
        assertTrue(readFailure(Protocol.V2, v2("COMPLEX", "[1]", "[1]"), none, 1)
                .contains("output datatype 'COMPLEX' is not a label or score type"));
        assertTrue(readFailure(Protocol.V2, v2("FP32", "[1]", "[0.3]"), none, 1)
                .contains("prediction 0 is 0.3, neither a class index nor a score vector"));
        assertTrue(readFailure(Protocol.V2, "{\"model_name\":\"m\"}", none, 1)
                .contains("response has no \"outputs\" tensor"));
    }
}
