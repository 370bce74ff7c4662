package dev.anchorwatch.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/**
 * A request is one unit of admission (issue 7, item 3): on the smallest supported pod (2 workers, the default
 * queue of 16: 18 places) a request of the largest accepted size (32 instances) is admitted whole by an idle
 * service; a request that does not fit is refused before any of its instances starts; a failed instance cancels
 * the request's instances that have not started.
 */
class RequestAdmissionTest {

    /** Counts starts; instances wait for {@link #gate}; instance value -1 fails. */
    static final class Counting implements ModelExplainer {
        final ExplainerSpec spec = SpecLoader.loadResource("demo/adult.yaml", SpecLoader.predictorUrl("http://127.0.0.1:9"));
        final AtomicInteger started = new AtomicInteger();
        final CompletableFuture<Void> gate = new CompletableFuture<>();
        final CountDownLatch twoRunning = new CountDownLatch(2);

        @Override
        public ExplainerSpec spec() {
            return spec;
        }

        @Override
        public Explained explain(JsonNode instance, long seed, Cancellation cancel) {
            cancel.check(); // as the real explainers do before their first predictor call
            started.incrementAndGet();
            twoRunning.countDown();
            if (instance.asInt() == -1) {
                throw new ExplainException(ExplainException.Kind.BAD_INPUT, "instance -1 is bad");
            }
            gate.join();
            return new Explained(JsonNodeFactory.instance.objectNode(), 0, List.of(), 1, 1, true, 0, 0, 0);
        }
    }

    static List<JsonNode> instances(int n) {
        List<JsonNode> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(IntNode.valueOf(i));
        }
        return out;
    }

    @Test
    void theLargestRequestIsAdmittedWholeOnTwoCoresAndOthersAreRefusedBeforeStarting() throws Exception {
        Counting model = new Counting();
        ExplainerRegistry registry = new ExplainerRegistry();
        registry.register(model);
        try (ExplanationService service = new ExplanationService(registry, 2, 16, 32)) {
            assertEquals(32, service.places(), "places never below the largest accepted request");
            CompletableFuture<List<ModelExplainer.Explained>> big = service.explainAll(model.spec().name(), instances(32), i -> i);
            assertTrue(model.twoRunning.await(10, TimeUnit.SECONDS));
            assertEquals(32, service.admitted());

            ExplainException busy = assertThrows(ExplainException.class,
                    () -> service.explainAll(model.spec().name(), instances(1), i -> i));
            assertEquals(ExplainException.Kind.BUSY, busy.kind());
            ExplainException tooMany = assertThrows(ExplainException.class,
                    () -> service.explainAll(model.spec().name(), instances(33), i -> i));
            assertEquals(ExplainException.Kind.TOO_LARGE, tooMany.kind());

            model.gate.complete(null);
            assertEquals(32, big.get(30, TimeUnit.SECONDS).size());
            assertEquals(32, model.started.get(), "nothing of the refused requests ever ran");
            waitUntil(() -> service.admitted() == 0);
            assertEquals(32, service.freeCapacity());
        }
    }

    @Test
    void aFailedInstanceCancelsTheInstancesThatHaveNotStarted() throws Exception {
        Counting model = new Counting();
        ExplainerRegistry registry = new ExplainerRegistry();
        registry.register(model);
        try (ExplanationService service = new ExplanationService(registry, 1, 16, 32)) {
            List<JsonNode> list = new ArrayList<>();
            list.add(IntNode.valueOf(-1));
            list.addAll(instances(20));
            CompletableFuture<List<ModelExplainer.Explained>> request = service.explainAll(model.spec().name(), list, i -> i);
            Exception failure = assertThrows(Exception.class, () -> request.get(10, TimeUnit.SECONDS));
            assertEquals(ExplainException.Kind.BAD_INPUT, ((ExplainException) ExplanationService.cause(failure)).kind());
            // the place of an instance that already runs is freed when it ends, the others' at once
            waitUntil(() -> service.admitted() <= 1);
            assertTrue(model.started.get() <= 2, "at most the failing instance and the one next in line ran: "
                    + model.started.get());
            model.gate.complete(null);
            waitUntil(() -> service.admitted() == 0);
            assertTrue(model.started.get() <= 2, "cancelled instances never start: " + model.started.get());
        }
    }

    static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 500 && !condition.getAsBoolean(); i++) {
            Thread.sleep(10);
        }
        assertTrue(condition.getAsBoolean());
    }
}
