package dev.anchorwatch.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.anchorwatch.demo.ModelServer;
import dev.anchorwatch.explain.ExplainerFactory;
import dev.anchorwatch.explain.ExplainerRegistry;
import dev.anchorwatch.explain.ExplanationService;
import dev.anchorwatch.explain.SpecLoader;
import dev.anchorwatch.model.RandomForest;
import dev.anchorwatch.publish.ExplanationEvents;
import dev.anchorwatch.publish.ExplanationIds;
import dev.anchorwatch.publish.ExplanationPublisher;
import dev.anchorwatch.publish.PostgresExplanationSink;
import dev.anchorwatch.testsupport.LoopbackPostgres;
import io.cloudevents.CloudEvent;

/**
 * A model with two explainer specs (AnchorTabular {@code adult} and KernelShap {@code adult-shap} with
 * {@code model: adult}): one logger event is explained by each, over real HTTP against a loopback model server, and
 * both explanations land in a real PostgreSQL, each row and event naming its explainer, with ids deterministic and
 * distinct per explainer.
 */
class SeveralExplainersEventTest {
    static ModelServer server;
    static LoopbackPostgres postgres;
    static ExecutorService sinkThreads;
    static ExplanationService service;
    static EventIngress ingress;

    @BeforeAll
    static void start() throws Exception {
        RandomForest forest = RandomForest.train(dev.anchorwatch.model.RandomForestTest.adult("adult_train.csv"),
                RandomForest.Params.DEFAULTS.withTrees(10).withSeed(3), null);
        server = ModelServer.builder().model("adult", forest)
                .model("adult-proba", forest, ModelServer.Output.PROBABILITIES).maxBodyBytes(8 << 20).start();
        ExplainerRegistry registry = new ExplainerRegistry();
        registry.register(ExplainerFactory.create(SpecLoader.loadResource("demo/adult.yaml",
                SpecLoader.predictorUrl(server.baseUrl()))));
        registry.register(ExplainerFactory.create(SpecLoader.loadResource("demo/adult-shap.yaml",
                SpecLoader.predictorUrl(server.baseUrl()).andThen(t -> ((ObjectNode) t.get("shap"))
                        .put("nsamples", 200).put("background_size", 20)))));
        service = new ExplanationService(registry, 2, 4, 10);
        postgres = LoopbackPostgres.start();
        Flyway.configure().dataSource(postgres.dataSource()).locations("classpath:db/migration").load().migrate();
        sinkThreads = Executors.newFixedThreadPool(2);
        ingress = new EventIngress(new InferenceEventDecoder(InferenceEventDecoder.Limits.DEFAULT),
                new Pairing(100, Duration.ofMinutes(10), Clock.systemUTC()), new ServiceEventExplainer(service),
                new ExplanationPublisher(List.of(new PostgresExplanationSink(postgres.dataSource(), sinkThreads)),
                        Duration.ofSeconds(30)), 2, Duration.ofSeconds(120), 3, Clock.systemUTC());
    }

    @AfterAll
    static void stop() throws Exception {
        service.close();
        service.registry().close();
        sinkThreads.shutdownNow();
        postgres.close();
        server.close();
    }

    static EventIngress.Reply post(Map<String, String> headers, String body) {
        Map<String, List<String>> multi = new HashMap<>();
        headers.forEach((k, v) -> multi.put(k, List.of(v)));
        multi.put("Ce-Inferenceservicename", List.of("adult"));
        return ingress.handleHttp(multi, KServeEvents.utf8(body)).toCompletableFuture().join();
    }

    @Test
    void eachExplainerOfTheModelExplainsTheEventAndEveryRowSaysWhich() throws Exception {
        String body = "{\"instances\": [[52, 4, 0, 2, 8, 4, 2, 0, 0, 0, 60, 9]]}";
        EventIngress.Reply first = post(KServeEvents.request("multi-1"), body);
        assertEquals(202, first.status(), first.message());
        String anchorsId = ExplanationIds.explanationId(KServeEvents.SOURCE, "multi-1", InferenceEvent.REQUEST_TYPE);
        String shapId = ExplanationIds.explanationId(KServeEvents.SOURCE, "multi-1", InferenceEvent.REQUEST_TYPE,
                "adult-shap", "adult");
        assertNotEquals(anchorsId, shapId);
        assertTrue(first.message().contains(anchorsId) && first.message().contains(shapId), first.message());
        assertEquals(anchorsId, first.explanation().explanationId(), "the model's own explainer is the reply");
        CloudEvent event = ExplanationEvents.toCloudEvent(first.explanation());
        assertEquals("AnchorTabular", event.getExtension(ExplanationEvents.EXT_EXPLAINER));

        try (Connection c = postgres.dataSource().getConnection(); Statement s = c.createStatement()) {
            ResultSet rs = s.executeQuery("select id, explainer, model, precision, anchor, body->'meta'->>'name',"
                    + " jsonb_array_length(body->'data'->'shap_values'), (timings->>'explain')::bigint,"
                    + " (body->'data'->'raw'->>'elapsed_ms')::bigint, (timings->>'event')::bigint from explanation"
                    + " where inference_id = 'multi-1' order by explainer");
            assertTrue(rs.next());
            assertEquals(anchorsId, rs.getString(1));
            assertEquals("AnchorTabular", rs.getString(2));
            assertEquals("adult", rs.getString(3));
            assertTrue(rs.getDouble(4) > 0);
            // each explainer's own time, not the event's (which waited for the slower one too)
            assertEquals(rs.getLong(9), rs.getLong(8), "timings.explain is the Anchors search's own elapsed_ms");
            assertTrue(rs.getLong(10) >= rs.getLong(8), "timings.event covers both");
            assertTrue(rs.next());
            assertEquals(shapId, rs.getString(1));
            assertEquals("KernelShap", rs.getString(2));
            assertEquals("adult", rs.getString(3));
            assertNull(rs.getObject(4), "no precision: not an anchor");
            assertEquals(0, ((String[]) rs.getArray(5).getArray()).length);
            assertEquals("KernelShap", rs.getString(6));
            assertEquals(2, rs.getInt(7), "one array per class");
            assertEquals(rs.getLong(9), rs.getLong(8), "timings.explain is KernelSHAP's own elapsed_ms");
            assertTrue(rs.getLong(10) >= rs.getLong(8));
            assertTrue(!rs.next());
        }

        // a redelivery of the same event (a new ingress window: the broker retried after we lost it) upserts the same rows
        EventIngress again = new EventIngress(new InferenceEventDecoder(InferenceEventDecoder.Limits.DEFAULT),
                new Pairing(100, Duration.ofMinutes(10), Clock.systemUTC()), new ServiceEventExplainer(service),
                new ExplanationPublisher(List.of(new PostgresExplanationSink(postgres.dataSource(), sinkThreads)),
                        Duration.ofSeconds(30)), 2, Duration.ofSeconds(120), 3, Clock.systemUTC());
        Map<String, List<String>> multi = new HashMap<>();
        KServeEvents.request("multi-1").forEach((k, v) -> multi.put(k, List.of(v)));
        multi.put("Ce-Inferenceservicename", List.of("adult"));
        assertEquals(202, again.handleHttp(multi, KServeEvents.utf8(body)).toCompletableFuture().join().status());
        try (Connection c = postgres.dataSource().getConnection(); Statement s = c.createStatement()) {
            ResultSet rs = s.executeQuery("select count(*), count(distinct body::text) from explanation"
                    + " where inference_id = 'multi-1'");
            rs.next();
            assertEquals(2, rs.getInt(1), "still one row per explainer");
        }
    }

    @Test
    void explainPicksAmongTheModelsExplainers() {
        ExplainerRegistry r = service.registry();
        assertEquals("adult", r.require("adult").spec().name());
        assertEquals("adult-shap", r.require("adult", "KernelShap").spec().name());
        assertEquals("adult-shap", r.require("adult", "adult-shap").spec().name());
        assertEquals("adult-shap", r.require("adult-shap").spec().name());
        assertEquals(List.of("adult", "adult-shap"), r.forModel("adult").stream().map(e -> e.spec().name()).toList());
        var e = org.junit.jupiter.api.Assertions.assertThrows(dev.anchorwatch.explain.ExplainException.class,
                () -> r.require("adult", "AnchorText"));
        assertEquals(dev.anchorwatch.explain.ExplainException.Kind.UNKNOWN_MODEL, e.kind());
        assertTrue(e.getMessage().contains("adult-shap (KernelShap)"), e.getMessage());
    }
}
