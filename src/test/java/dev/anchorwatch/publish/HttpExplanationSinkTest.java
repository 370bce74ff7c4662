package dev.anchorwatch.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

import dev.anchorwatch.testsupport.LoopbackPostgres;
import io.cloudevents.CloudEvent;
import io.cloudevents.http.HttpMessageFactory;

/** The K_SINK sink against a real HTTP server on loopback. */
class HttpExplanationSinkTest {

    static final HttpExplanationSink.Retry FAST = new HttpExplanationSink.Retry(3, Duration.ofMillis(20), Duration.ofMillis(100));

    HttpServer server;
    final List<Map<String, List<String>>> headers = new CopyOnWriteArrayList<>();
    final List<byte[]> bodies = new CopyOnWriteArrayList<>();

    /** A server answering the given statuses in turn, then the last one forever. */
    URI serve(int... statuses) throws IOException {
        AtomicInteger calls = new AtomicInteger();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            headers.add(Map.copyOf(exchange.getRequestHeaders()));
            bodies.add(exchange.getRequestBody().readAllBytes());
            int i = Math.min(calls.getAndIncrement(), statuses.length - 1);
            exchange.sendResponseHeaders(statuses[i], -1);
            exchange.close();
        });
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/sink");
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void retriesTwo503sThenDelivers() throws Exception {
        URI target = serve(503, 503, 202);
        ExplanationRecord r = Samples.explanation("inf-http-1");
        HttpExplanationSink sink = HttpExplanationSink.create(target, FAST, Duration.ofSeconds(5),
                HttpExplanationSink.parseCeOverrides("{\"extensions\": {\"cluster\": \"east\"}}"));
        sink.publish(r).toCompletableFuture().get(30, TimeUnit.SECONDS);

        assertEquals(3, bodies.size());
        Map<String, List<String>> h = headers.get(2);
        assertEquals(List.of(r.explanationId()), h.get("Ce-id"));
        assertEquals(List.of("dev.anchorwatch.explanation"), h.get("Ce-type"));
        assertEquals(List.of("inf-http-1"), h.get("Ce-subject"));
        assertEquals(List.of("inf-http-1"), h.get("Ce-partitionkey"));
        assertEquals(List.of("east"), h.get("Ce-cluster"));
        assertEquals(List.of("application/json"), h.get("Content-type"));
        ObjectMapper json = new ObjectMapper();
        assertEquals(json.readTree(Samples.BODY), json.readTree(bodies.get(2)));

        // what the sink received is the event, read back in binary mode by the SDK
        Map<String, List<String>> lower = new java.util.HashMap<>();
        h.forEach((k, v) -> lower.put(k.toLowerCase(), v));
        CloudEvent back = HttpMessageFactory.createReaderFromMultimap(lower, bodies.get(2)).toEvent();
        assertEquals(r.explanationId(), back.getId());
        assertEquals("east", back.getExtension("cluster"));
    }

    @Test
    void gives4xxUpWithoutRetrying() throws Exception {
        URI target = serve(400);
        HttpExplanationSink sink = HttpExplanationSink.create(target, FAST, Duration.ofSeconds(5), Map.of());
        CompletionException e = assertThrows(CompletionException.class,
                () -> sink.publish(Samples.explanation("inf-http-2")).toCompletableFuture().join());
        PublishException p = assertInstanceOf(PublishException.class, e.getCause());
        assertFalse(p.retryable());
        assertEquals(1, bodies.size());
    }

    @Test
    void sinkDownFailsRetryablyAfterAllAttempts() throws Exception {
        URI nobody = URI.create("http://127.0.0.1:" + LoopbackPostgres.freeLoopbackPort() + "/");
        HttpExplanationSink sink = HttpExplanationSink.create(nobody, FAST, Duration.ofSeconds(2), Map.of());
        CompletionException e = assertThrows(CompletionException.class,
                () -> sink.publish(Samples.explanation("inf-http-3")).toCompletableFuture().join());
        PublishException p = assertInstanceOf(PublishException.class, e.getCause());
        assertTrue(p.retryable());
        assertTrue(p.getMessage().contains("attempt 3"), p.getMessage());
    }

    @Test
    void backoffDoublesUpToTheCap() {
        HttpExplanationSink.Retry retry = new HttpExplanationSink.Retry(10, Duration.ofMillis(100), Duration.ofMillis(500));
        assertEquals(Duration.ofMillis(100), retry.backoff(1));
        assertEquals(Duration.ofMillis(200), retry.backoff(2));
        assertEquals(Duration.ofMillis(400), retry.backoff(3));
        assertEquals(Duration.ofMillis(500), retry.backoff(4));
    }

    /** A served prediction that arrives after its explanation went out must reach the HTTP sink too (it was dropped). */
    @Test
    void postsTheServedPredictionUpdateRetryingLikeAnExplanation() throws Exception {
        URI target = serve(503, 202);
        ExplanationRecord r = Samples.explanation("inf-http-4");
        ServedPrediction served = new ServedPrediction("resp-inf-http-4", "inf-http-4", r.explanationId(), "adult",
                "default", "[0.2, 0.8]", java.time.Instant.parse("2026-11-25T12:00:01Z"));
        HttpExplanationSink sink = HttpExplanationSink.create(target, FAST, Duration.ofSeconds(5),
                HttpExplanationSink.parseCeOverrides("{\"extensions\": {\"cluster\": \"east\"}}"));
        sink.served(served).toCompletableFuture().get(30, TimeUnit.SECONDS);

        assertEquals(2, bodies.size(), "one 503, then delivered");
        Map<String, List<String>> lower = new java.util.HashMap<>();
        headers.get(1).forEach((k, v) -> lower.put(k.toLowerCase(), v));
        CloudEvent back = HttpMessageFactory.createReaderFromMultimap(lower, bodies.get(1)).toEvent();
        assertEquals(ServedPrediction.TYPE, back.getType());
        assertEquals("resp-inf-http-4", back.getId());
        assertEquals("inf-http-4", back.getSubject());
        assertEquals("inf-http-4", back.getExtension("partitionkey"));
        assertEquals(r.explanationId(), back.getExtension("explanationid"));
        assertEquals("adult", back.getExtension("inferenceservicename"));
        assertEquals("east", back.getExtension("cluster"));
        ObjectMapper json = new ObjectMapper();
        assertEquals(json.readTree("{\"inference_id\": \"inf-http-4\", \"explanation_id\": \"" + r.explanationId()
                + "\", \"served_prediction\": [0.2, 0.8]}"), json.readTree(back.getData().toBytes()));
    }

    @Test
    void aRefusedServedUpdateFailsForGood() throws Exception {
        URI target = serve(400);
        HttpExplanationSink sink = HttpExplanationSink.create(target, FAST, Duration.ofSeconds(5), Map.of());
        ServedPrediction served = new ServedPrediction("resp-x", "inf-http-5", "expl-x", "adult", null, "1",
                java.time.Instant.parse("2026-11-25T12:00:01Z"));
        CompletionException e = assertThrows(CompletionException.class,
                () -> sink.served(served).toCompletableFuture().join());
        assertFalse(assertInstanceOf(PublishException.class, e.getCause()).retryable());
        assertEquals(1, bodies.size());
    }
}
