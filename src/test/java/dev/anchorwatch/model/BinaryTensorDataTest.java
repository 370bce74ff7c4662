package dev.anchorwatch.model;

import dev.anchorwatch.demo.ModelServer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import dev.anchorwatch.model.OpenInferenceV2Predictor.TensorEncoding;

/** The Open Inference binary tensor data extension, client and server, and AUTO's reading of server metadata. */
class BinaryTensorDataTest {

    /** Label 1 iff the first value is above the last: tells row order and value decoding apart. */
    private static final Classifier FIRST_ABOVE_LAST = new Classifier() {
        @Override
        public double[] probabilities(double[] row) {
            return row[0] > row[row.length - 1] ? new double[] {0, 1} : new double[] {1, 0};
        }

        @Override
        public int classes() {
            return 2;
        }
    };

    /** Five 8x8 images of pixel-like values (k/255); the even ones start brighter than they end. */
    private static Instances.Tensors images() {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(1);
        float[][] data = new float[5][64];
        for (int i = 0; i < data.length; i++) {
            for (int j = 0; j < 64; j++) {
                data[i][j] = rng.nextInt(1, 255) / 255f;
            }
            data[i][0] = i % 2 == 0 ? 1f : 0f;
            data[i][63] = 0.5f;
        }
        return new Instances.Tensors(data, new int[] {8, 8, 1});
    }

    @Test
    void binaryTensorsReachTheModelServerIntactAndAreSmaller() throws Exception {
        try (ModelServer server = ModelServer.builder().port(0).model("m", FIRST_ABOVE_LAST).start()) {
            PredictorConfig config = PredictorConfig.of(server.baseUrl(), "m", PredictorConfig.Protocol.V2)
                    .withMaxRowsPerRequest(2);
            long before = server.bytesReceived();
            try (OpenInferenceV2Predictor json = new OpenInferenceV2Predictor(config, null, TensorEncoding.JSON)) {
                assertArrayEquals(new int[] {1, 0, 1, 0, 1}, json.predict(images()).join());
            }
            long jsonBytes = server.bytesReceived() - before;
            before = server.bytesReceived();
            try (OpenInferenceV2Predictor binary = new OpenInferenceV2Predictor(config, null, TensorEncoding.BINARY)) {
                assertArrayEquals(new int[] {1, 0, 1, 0, 1}, binary.predict(images()).join());
                assertEquals(3, binary.requests(), "split by max rows per request as JSON is");
            }
            long binaryBytes = server.bytesReceived() - before;
            assertTrue(binaryBytes < jsonBytes, binaryBytes + " binary bytes vs " + jsonBytes + " JSON");
            assertEquals(10, server.rows(), "both clients were served");
        }
    }

    @Test
    void autoUsesBinaryOnlyWhereTheServerListsTheExtension() throws Exception {
        try (ModelServer server = ModelServer.builder().port(0).model("m", FIRST_ABOVE_LAST).start();
             OpenInferenceV2Predictor auto = new OpenInferenceV2Predictor(
                     PredictorConfig.of(server.baseUrl(), "m", PredictorConfig.Protocol.V2), null, TensorEncoding.AUTO)) {
            assertArrayEquals(new int[] {1, 0, 1, 0, 1}, auto.predict(images()).join());
            assertTrue(auto.sendsBinaryTensors());
        }
        // a server whose metadata does not list it (here: GET /v2 is a 404) gets JSON
        try (StubServer stub = new StubServer((call, request) -> request == null || request.isMissingNode()
                ? StubServer.Reply.json(404, "{\"error\":\"no route\"}")
                : StubServer.Reply.json(200, "{\"outputs\":[{\"name\":\"o\",\"datatype\":\"INT64\",\"shape\":["
                + StubServer.instances(request) + "],\"data\":[" + String.join(",",
                Collections.nCopies(StubServer.instances(request), "1")) + "]}]}"));
             OpenInferenceV2Predictor auto = new OpenInferenceV2Predictor(
                     PredictorConfig.of(stub.baseUrl(), "m", PredictorConfig.Protocol.V2), null, TensorEncoding.AUTO)) {
            assertArrayEquals(new int[] {1, 1, 1, 1, 1}, auto.predict(images()).join());
            assertFalse(auto.sendsBinaryTensors());
            assertTrue(stub.received.stream().anyMatch(r -> r.body() != null && r.body().has("inputs")
                    && r.body().at("/inputs/0/data").isArray()), "sent as JSON numbers");
        }
    }

    /** A V2 server that answers every call with this JSON header and these tensor bytes (binary framing). */
    private static HttpServer binaryAnswer(String json, byte[] tensors, AtomicReference<String> requestHeader)
            throws java.io.IOException {
        byte[] head = json.getBytes(StandardCharsets.UTF_8);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        server.createContext("/", ex -> {
            try (ex) {
                requestHeader.set(ex.getRequestHeaders().getFirst("Inference-Header-Content-Length"));
                ex.getRequestBody().readAllBytes();
                ex.getResponseHeaders().set("Inference-Header-Content-Length", Integer.toString(head.length));
                ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
                ex.sendResponseHeaders(200, head.length + tensors.length);
                ex.getResponseBody().write(head);
                ex.getResponseBody().write(tensors);
            }
        });
        server.start();
        return server;
    }

    private static OpenInferenceV2Predictor binaryClient(HttpServer server) {
        return new OpenInferenceV2Predictor(PredictorConfig.of("http://127.0.0.1:" + server.getAddress().getPort(), "m",
                PredictorConfig.Protocol.V2), null, TensorEncoding.BINARY);
    }

    @Test
    void readsLabelsSentBackAsBinaryOutput() throws Exception {
        AtomicReference<String> header = new AtomicReference<>();
        ByteBuffer labels = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
        for (long label : new long[] {0, 1, 1, 0, 1}) {
            labels.putLong(label);
        }
        HttpServer server = binaryAnswer("{\"outputs\":[{\"name\":\"o\",\"datatype\":\"INT64\",\"shape\":[5],"
                + "\"parameters\":{\"binary_data_size\":40}}]}", labels.array(), header);
        try (OpenInferenceV2Predictor binary = binaryClient(server)) {
            assertArrayEquals(new int[] {0, 1, 1, 0, 1}, binary.predict(images()).join());
            assertTrue(Integer.parseInt(header.get()) > 0, "the request carried its JSON header length");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aBinaryOutputThatDoesNotMatchItsDeclaredSizeFailsTheCallSayingWhy() throws Exception {
        // 40 bytes declared, 36 sent: the same check, and the same words, as a logged V2 body gets at the ingress
        HttpServer server = binaryAnswer("{\"outputs\":[{\"name\":\"o\",\"datatype\":\"INT64\",\"shape\":[5],"
                + "\"parameters\":{\"binary_data_size\":40}}]}", new byte[36], new AtomicReference<>());
        try (OpenInferenceV2Predictor binary = binaryClient(server)) {
            java.util.concurrent.CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(
                    java.util.concurrent.CompletionException.class, () -> binary.predict(images()).join());
            assertTrue(e.getCause() instanceof PredictorException, String.valueOf(e.getCause()));
            assertTrue(e.getCause().getMessage().contains("binary output: the tensors declare 40 bytes of binary data "
                    + "(binary_data_size), but 36 bytes follow the"), e.getCause().getMessage());
            assertEquals(1, binary.requests(), "a malformed answer is not retried");
        } finally {
            server.stop(0);
        }
    }
}
