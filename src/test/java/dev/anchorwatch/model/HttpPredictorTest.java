package dev.anchorwatch.model;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anchorwatch.model.PredictorConfig.Protocol;
import dev.anchorwatch.model.StubServer.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Splitting, bounds, retries and error classification, against scripted servers on loopback. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpPredictorTest {

    static PredictorConfig v1(StubServer server) {
        return PredictorConfig.of(server.baseUrl(), "m", Protocol.V1).withInitialBackoff(Duration.ofMillis(10))
                .withMaxBackoff(Duration.ofMillis(200));
    }

    /** Row i carries i in its first column; the echo script answers that value as the label. */
    static Instances.Rows indexedRows(int n) {
        double[][] rows = new double[n][];
        for (int i = 0; i < n; i++) {
            rows[i] = new double[]{i, 0.5};
        }
        return new Instances.Rows(rows);
    }

    static Reply echo(JsonNode request) {
        StringBuilder out = new StringBuilder("{\"predictions\":[");
        JsonNode instances = request.get("instances");
        for (int i = 0; i < instances.size(); i++) {
            out.append(i == 0 ? "" : ",").append(instances.get(i).get(0).asInt());
        }
        return Reply.json(200, out.append("]}").toString());
    }

    static PredictorException failure(CompletableFuture<int[]> future) {
        CompletionException e = assertThrows(CompletionException.class, future::join);
        PredictorException p = assertInstanceOf(PredictorException.class, e.getCause());
        assertFalse(p.getMessage().contains("\tat ") || p.getMessage().contains("Exception"),
                "no stack traces or exception names for people: " + p.getMessage());
        return p;
    }

    @Test
    void splitsIntoRowLimitedRequestsAndKeepsOrder() throws Exception {
        try (StubServer server = new StubServer((call, request) -> echo(request));
             HttpPredictor predictor = Predictors.http(v1(server).withMaxRowsPerRequest(500))) {
            int[] labels = predictor.predict(indexedRows(1_234)).join();
            for (int i = 0; i < labels.length; i++) {
                assertEquals(i, labels[i]);
            }
            assertEquals(3, server.calls());
            assertEquals(3, predictor.requests());
            assertEquals(1_234, predictor.rowsSent());
            assertEquals(List.of(234, 500, 500), server.received.stream()
                    .map(r -> r.body().get("instances").size()).sorted().toList());
        }
    }

    @Test
    void neverExceedsTheConcurrencyBoundAcrossCallers() throws Exception {
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger maxInFlight = new AtomicInteger();
        int bound = 3;
        try (StubServer server = new StubServer((call, request) -> {
            int now = inFlight.incrementAndGet();
            maxInFlight.accumulateAndGet(now, Math::max);
            try {
                // Hold the request until the bound is reached (or a while passed), so an excess would show.
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
                while (inFlight.get() < bound && System.nanoTime() < until) {
                    Thread.sleep(5);
                }
                Thread.sleep(20);
                return echo(request);
            } finally {
                inFlight.decrementAndGet();
            }
        });
             HttpPredictor predictor = Predictors.http(v1(server).withMaxRowsPerRequest(10)
                     .withMaxConcurrentRequests(bound))) {
            List<CompletableFuture<int[]>> callers = List.of(predictor.predict(indexedRows(100)),
                    predictor.predict(indexedRows(100)), predictor.predict(indexedRows(55)));
            for (CompletableFuture<int[]> caller : callers) {
                int[] labels = caller.join();
                for (int i = 0; i < labels.length; i++) {
                    assertEquals(i, labels[i]);
                }
            }
            assertEquals(26, server.calls());
            assertTrue(maxInFlight.get() <= bound, "max in flight " + maxInFlight.get());
            assertTrue(maxInFlight.get() >= 2, "requests should overlap up to the bound: " + maxInFlight.get());
        }
    }

    @Test
    void retries503ThenSucceeds() throws Exception {
        try (StubServer server = new StubServer((call, request) -> call <= 2
                ? Reply.json(503, "{\"error\":\"warming up\"}") : StubServer.ones(request));
             HttpPredictor predictor = Predictors.http(v1(server), new SplittableRandom(1))) {
            assertArrayEquals(new int[]{1, 1}, predictor.predict(indexedRows(2)).join());
            assertEquals(3, server.calls());
            assertEquals(3, predictor.requests());
            assertEquals(2, predictor.retries());
            assertEquals(6, predictor.rowsSent(), "each attempt carries the rows again");
        }
    }

    @Test
    void persistent5xxIsTransientAfterTheConfiguredAttempts() throws Exception {
        try (StubServer server = new StubServer((call, request) -> Reply.json(500, "{\"error\":\"model crashed\"}"));
             HttpPredictor predictor = Predictors.http(v1(server).withMaxAttempts(4))) {
            PredictorException e = failure(predictor.predict(indexedRows(3)));
            assertTrue(e.isTransient());
            assertEquals(4, server.calls());
            String url = server.baseUrl() + "/v1/models/m:predict";
            assertEquals("model 'm' at " + url + ": HTTP 500: model crashed (4 attempts)", e.getMessage());
        }
    }

    @Test
    void honoursRetryAfterOn429() throws Exception {
        try (StubServer server = new StubServer((call, request) -> call == 1
                ? Reply.json(429, "{\"error\":\"busy\"}", "Retry-After", "1") : StubServer.ones(request));
             HttpPredictor predictor = Predictors.http(v1(server).withMaxBackoff(Duration.ofSeconds(5)))) {
            assertArrayEquals(new int[]{1}, predictor.predict(indexedRows(1)).join());
            long gap = server.received.get(1).nanos() - server.received.get(0).nanos();
            assertTrue(gap >= TimeUnit.MILLISECONDS.toNanos(900), "waited only " + gap / 1_000_000 + " ms");
        }
    }

    @Test
    void capsAServersRetryAfterAtTheMaxBackoff() throws Exception {
        try (StubServer server = new StubServer((call, request) -> call == 1
                ? Reply.json(429, "{}", "Retry-After", "3600") : StubServer.ones(request));
             HttpPredictor predictor = Predictors.http(v1(server).withMaxBackoff(Duration.ofMillis(300)))) {
            assertArrayEquals(new int[]{1}, predictor.predict(indexedRows(1)).join());
            long gap = server.received.get(1).nanos() - server.received.get(0).nanos();
            assertTrue(gap >= TimeUnit.MILLISECONDS.toNanos(250), "waited only " + gap / 1_000_000 + " ms");
        }
    }

    @Test
    void clientErrorsAreNotRetriedAndPermanent() throws Exception {
        for (int status : new int[]{400, 404, 422}) {
            try (StubServer server = new StubServer((call, request) ->
                    Reply.json(status, "{\"error\":\"expected 12 features\"}"));
                 HttpPredictor predictor = Predictors.http(v1(server))) {
                PredictorException e = failure(predictor.predict(indexedRows(3)));
                assertFalse(e.isTransient());
                assertEquals(1, server.calls());
                assertTrue(e.getMessage().contains("HTTP " + status + ": expected 12 features (not retried)"),
                        e.getMessage());
                assertTrue(e.getMessage().startsWith("model 'm' at " + server.baseUrl()), e.getMessage());
            }
        }
    }

    @Test
    void aFailedBatchSendsNoMoreOfItsRequests() throws Exception {
        try (StubServer server = new StubServer((call, request) -> Reply.json(400, "{\"error\":\"no\"}"));
             HttpPredictor predictor = Predictors.http(v1(server).withMaxRowsPerRequest(1)
                     .withMaxConcurrentRequests(1))) {
            assertFalse(failure(predictor.predict(indexedRows(5))).isTransient());
            assertEquals(1, server.calls());
        }
    }

    @Test
    void connectionRefusedIsTransientAfterTheConfiguredAttempts() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        PredictorConfig config = PredictorConfig.of("http://127.0.0.1:" + port, "adult", Protocol.V2)
                .withMaxAttempts(2).withInitialBackoff(Duration.ofMillis(10));
        try (HttpPredictor predictor = Predictors.http(config)) {
            PredictorException e = failure(predictor.predict(indexedRows(2)));
            assertTrue(e.isTransient());
            assertEquals(2, predictor.requests());
            assertEquals("model 'adult' at http://127.0.0.1:" + port + "/v2/models/adult/infer: connection refused"
                    + " (2 attempts)", e.getMessage());
        }
    }

    @Test
    void timeoutsAreTransient() throws Exception {
        try (StubServer server = new StubServer((call, request) -> {
            Thread.sleep(2_000);
            return StubServer.ones(request);
        });
             HttpPredictor predictor = Predictors.http(v1(server).withRequestTimeout(Duration.ofMillis(200))
                     .withMaxAttempts(2))) {
            PredictorException e = failure(predictor.predict(indexedRows(1)));
            assertTrue(e.isTransient());
            assertTrue(e.getMessage().endsWith("no response within 200 ms (2 attempts)"), e.getMessage());
            assertEquals(2, predictor.requests());
        }
    }

    @Test
    void aWrongNumberOfPredictionsIsPermanent() throws Exception {
        try (StubServer server = new StubServer((call, request) -> Reply.json(200, "{\"predictions\":[0,1]}"));
             HttpPredictor predictor = Predictors.http(v1(server))) {
            PredictorException e = failure(predictor.predict(indexedRows(3)));
            assertFalse(e.isTransient());
            assertEquals(1, server.calls());
            assertEquals("model 'm' at " + server.baseUrl() + "/v1/models/m:predict: response has 2 predictions for"
                    + " 3 instances", e.getMessage());
        }
    }

    @Test
    void unreadableResponsesArePermanent() throws Exception {
        String[][] cases = {
                {"not json at all", "response is not valid JSON"},
                {"[1, 2]", "response is not a JSON object"},
                {"{\"outputs\":[]}", "response has no \"predictions\" array"},
                {"{\"predictions\":[1, {\"label\": 0}]}", "prediction 1 is an object"},
                {"{\"predictions\":[1, 0.7]}", "prediction 1 is 0.7, neither a class index nor a score vector"},
                {"{\"predictions\":[1, -1]}", "prediction 1 is -1, not a class index"},
                {"{\"predictions\":[1, \"yes\"]}", "no class names are configured"},
                {"{\"predictions\":[[0.1, \"x\"], 0]}", "prediction 0 has a score that is a string"},
        };
        for (String[] c : cases) {
            try (StubServer server = new StubServer((call, request) -> Reply.json(200, c[0]));
                 HttpPredictor predictor = Predictors.http(v1(server))) {
                PredictorException e = failure(predictor.predict(indexedRows(2)));
                assertFalse(e.isTransient());
                assertTrue(e.getMessage().contains(c[1]), c[0] + " -> " + e.getMessage());
                assertEquals(1, server.calls());
            }
        }
    }

    @Test
    void rejectsBatchesNoModelCouldTakeWithoutSendingThem() throws Exception {
        try (StubServer server = new StubServer((call, request) -> StubServer.ones(request));
             HttpPredictor predictor = Predictors.http(v1(server))) {
            PredictorException nan = failure(predictor.predict(new Instances.Rows(new double[][]{{1, Double.NaN}})));
            assertTrue(nan.getMessage().contains("NaN, which JSON cannot carry"), nan.getMessage());
            PredictorException ragged = failure(predictor.predict(new Instances.Rows(new double[][]{{1, 2}, {3}})));
            assertTrue(ragged.getMessage().contains("row 1 has 1 values but row 0 has 2"), ragged.getMessage());
            PredictorException shape = failure(predictor.predict(
                    new Instances.Tensors(new float[][]{{1, 2, 3}}, new int[]{2, 2})));
            assertTrue(shape.getMessage().contains("needs 4"), shape.getMessage());
            assertEquals(0, server.calls());
            assertArrayEquals(new int[0], predictor.predict(new Instances.Rows(new double[0][])).join());
            assertEquals(0, predictor.requests());
        }
    }

    @Test
    void aClosedClientRefusesWork() throws Exception {
        try (StubServer server = new StubServer((call, request) -> StubServer.ones(request))) {
            HttpPredictor predictor = Predictors.http(v1(server));
            predictor.close();
            PredictorException e = failure(predictor.predict(indexedRows(1)));
            assertFalse(e.isTransient());
            assertTrue(e.getMessage().endsWith("client is closed"), e.getMessage());
            assertEquals(0, server.calls());
        }
    }
}
