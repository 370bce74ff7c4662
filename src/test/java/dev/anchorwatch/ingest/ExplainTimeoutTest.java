package dev.anchorwatch.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;

import dev.anchorwatch.explain.ExplainerFactory;
import dev.anchorwatch.explain.ExplainerRegistry;
import dev.anchorwatch.explain.ExplainerSpec;
import dev.anchorwatch.explain.ExplanationService;
import dev.anchorwatch.explain.SpecLoader;
import dev.anchorwatch.publish.ExplanationPublisher;
import dev.anchorwatch.publish.ExplanationRecord;
import dev.anchorwatch.testsupport.CapturingSink;

/**
 * The explain timeout cancels the explanation: with a real HTTP predictor on loopback that answers slowly and with
 * labels the Anchors search cannot settle on (so it would go on sampling for its whole time budget), an event
 * whose explanation times out is answered 503, and then its worker and place are freed and no further predictor
 * call is made for it.
 */
class ExplainTimeoutTest {

    static final ObjectMapper JSON = new ObjectMapper();

    HttpServer server;
    final AtomicInteger calls = new AtomicInteger();
    /** While true, the predictor answers at once and labels every row 0 (a search that ends at once: a warm-up). */
    volatile boolean warmUp = true;
    ExplanationService service;

    /**
     * A V1 predictor taking 150 ms per batch, labelling each row by a hash of its values (half 0, half 1); during the
     * warm-up, at once and all 0.
     */
    String slowPredictor() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/", exchange -> {
            boolean warm = warmUp;
            if (!warm) {
                calls.incrementAndGet();
            }
            JsonNode body = JSON.readTree(exchange.getRequestBody());
            if (!warm) {
                try {
                    Thread.sleep(150);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            ArrayNode predictions = JSON.createArrayNode();
            for (JsonNode row : body.path("instances")) {
                predictions.add(warm ? 0 : Math.floorMod(row.toString().hashCode(), 2));
            }
            byte[] out = JSON.writeValueAsBytes(JSON.createObjectNode().set("predictions", predictions));
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, out.length);
            exchange.getResponseBody().write(out);
            exchange.close();
        });
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        if (service != null) {
            service.close();
        }
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void aTimedOutExplanationFreesItsWorkerAndMakesNoMorePredictorCalls() throws Exception {
        String url = slowPredictor();
        ExplainerSpec spec = SpecLoader.loadResource("demo/adult.yaml", tree -> {
            SpecLoader.predictorUrl(url).accept(tree);
            // the warm-up explains the same row: with shared samples the timed one would find them all labelled
            ((ObjectNode) tree).putObject("tabular").put("training_labels", false).put("shared_samples", false);
        });
        ExplainerRegistry registry = new ExplainerRegistry();
        registry.register(ExplainerFactory.create(spec));
        service = new ExplanationService(registry, 1, 0, 1); // one worker, one place
        CapturingSink capture = new CapturingSink();
        List<ExplanationRecord> published = capture.published();
        InferenceEventDecoder decoder = new InferenceEventDecoder(InferenceEventDecoder.Limits.DEFAULT);
        EventIngress ingress = new EventIngress(decoder, new Pairing(100, Duration.ofMinutes(10), Clock.systemUTC()),
                new ServiceEventExplainer(service), new ExplanationPublisher(List.of(capture), Duration.ofSeconds(5)), 4,
                Duration.ofMillis(1000), 1, Clock.systemUTC());
        // class loading, the discretizer and the HTTP connection: warmed up, so that the timed explanation is
        // calling the predictor when its time is up
        Map<String, List<String>> warm = new java.util.HashMap<>();
        KServeEvents.request("warm-up").forEach((k, v) -> warm.put(k, List.of(v)));
        ingress.handleHttp(warm, KServeEvents.V1_REQUEST.getBytes(StandardCharsets.UTF_8)).toCompletableFuture()
                .get(60, TimeUnit.SECONDS); // 202, or 503 on a very slow machine: warm either way
        long warmDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (service.admitted() > 0 && System.nanoTime() < warmDeadline) {
            Thread.sleep(10);
        }
        published.clear();
        warmUp = false;

        Map<String, List<String>> headers = new java.util.HashMap<>();
        KServeEvents.request("timeout-1").forEach((k, v) -> headers.put(k, List.of(v)));
        EventIngress.Reply reply = ingress.handleHttp(headers, KServeEvents.V1_REQUEST.getBytes(StandardCharsets.UTF_8))
                .toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertEquals(503, reply.status(), reply.message());
        assertTrue(reply.message().contains("no explanation within PT1S"), reply.message());
        assertTrue(calls.get() >= 1, "the explanation had started calling the predictor");

        // the worker stops at its next check: its place is free again
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while ((service.admitted() > 0 || service.busy() > 0) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, service.admitted(), "the timed-out explanation still holds its place");
        assertEquals(0, service.busy(), "the timed-out explanation still holds its worker");
        int after = calls.get();
        Thread.sleep(1500); // ten predictor round trips, had the search gone on
        assertEquals(after, calls.get(), "no predictor call after the explanation was cancelled");
        assertTrue(published.isEmpty());
        assertEquals(1, service.freeCapacity(), "the next request is admitted");
    }
}
