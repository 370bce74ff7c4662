package dev.anchorwatch.explain;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Runs explanations on a bounded pool: at most {@code workers} at once and {@code queue} waiting. Beyond that
 * a request is refused with {@link ExplainException.Kind#BUSY} rather than queued without bound, so the
 * caller answers 429/503 and the broker or client backs off.
 */
public final class ExplanationService implements AutoCloseable {
    private final ExplainerRegistry registry;
    private final ThreadPoolExecutor pool;
    private final int maxInstances;
    private volatile Listener listener = (spec, result, failure, nanos) -> { };

    /** Told about every explanation as it ends (metrics and logs live in the wiring, not here). */
    @FunctionalInterface
    public interface Listener {
        /**
         * @param result  the explanation, or null when it failed
         * @param failure why it failed, or null
         */
        void explained(ExplainerSpec spec, ModelExplainer.Explained result, Throwable failure, long nanos);
    }

    public void setListener(Listener listener) {
        this.listener = listener == null ? (spec, result, failure, nanos) -> { } : listener;
    }

    /**
     * @param workers      explanations running at once (default: number of cores)
     * @param queue        explanations waiting for a worker
     * @param maxInstances instances accepted in one request or event
     */
    public ExplanationService(ExplainerRegistry registry, int workers, int queue, int maxInstances) {
        if (workers < 1 || queue < 0 || maxInstances < 1) {
            throw new IllegalArgumentException("workers >= 1, queue >= 0, max instances >= 1");
        }
        this.registry = registry;
        this.maxInstances = maxInstances;
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(workers, workers, 60, TimeUnit.SECONDS,
                queue == 0 ? new java.util.concurrent.SynchronousQueue<>() : new ArrayBlockingQueue<>(queue),
                r -> {
                    Thread t = new Thread(r, "anchorwatch-explain-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }

    public ExplainerRegistry registry() {
        return registry;
    }

    /**
     * Explains every instance of a request for a model; instances run in parallel on the pool.
     *
     * @param seedFor derives each instance's seed from its index
     */
    public CompletableFuture<List<ModelExplainer.Explained>> explainAll(String model, List<JsonNode> instances,
                                                                        java.util.function.IntToLongFunction seedFor) {
        return explainAll(registry.require(model), instances, seedFor);
    }

    /** Explains every instance of a request with one explainer; instances run in parallel on the pool. */
    public CompletableFuture<List<ModelExplainer.Explained>> explainAll(ModelExplainer explainer, List<JsonNode> instances,
                                                                        java.util.function.IntToLongFunction seedFor) {
        return explainEach(List.of(explainer), instances, (e, i) -> seedFor.applyAsLong(i))
                .thenApply(all -> all.get(0));
    }

    /** A seed for explainer {@code e} (its index in the list) and instance {@code i}. */
    @FunctionalInterface
    public interface SeedFor {
        long seed(int explainer, int instance);
    }

    /**
     * Explains every instance with each explainer (an event of a model with several explainers). All the work is
     * admitted together or refused together with {@link ExplainException.Kind#BUSY}: when the pool refuses one task,
     * those already submitted are cancelled.
     *
     * @return per explainer, in order, the explanations of the instances, in order
     */
    public CompletableFuture<List<List<ModelExplainer.Explained>>> explainEach(List<ModelExplainer> explainers,
                                                                             List<JsonNode> instances, SeedFor seedFor) {
        if (instances.isEmpty()) {
            throw new ExplainException(ExplainException.Kind.BAD_INPUT, "no instances to explain");
        }
        if (instances.size() > maxInstances) {
            throw new ExplainException(ExplainException.Kind.TOO_LARGE, instances.size()
                    + " instances in one request; at most " + maxInstances + " are accepted");
        }
        List<CompletableFuture<ModelExplainer.Explained>> futures = new ArrayList<>();
        try {
            for (int e = 0; e < explainers.size(); e++) {
                ModelExplainer explainer = explainers.get(e);
                for (int i = 0; i < instances.size(); i++) {
                    JsonNode instance = instances.get(i);
                    long seed = seedFor.seed(e, i);
                    futures.add(CompletableFuture.supplyAsync(() -> observed(explainer, instance, seed), pool));
                }
            }
        } catch (RejectedExecutionException e) {
            futures.forEach(f -> f.cancel(false));
            throw new ExplainException(ExplainException.Kind.BUSY,
                    "all explanation workers are busy; retry later");
        }
        int n = instances.size();
        return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
                .thenApply(v -> {
                    List<List<ModelExplainer.Explained>> out = new ArrayList<>();
                    for (int e = 0; e < explainers.size(); e++) {
                        out.add(futures.subList(e * n, (e + 1) * n).stream().map(CompletableFuture::join).toList());
                    }
                    return out;
                });
    }

    private ModelExplainer.Explained observed(ModelExplainer explainer, JsonNode instance, long seed) {
        long start = System.nanoTime();
        ModelExplainer.Explained result;
        try {
            result = explainer.explain(instance, seed);
        } catch (RuntimeException | Error e) {
            tell(explainer, null, e, System.nanoTime() - start);
            throw e;
        }
        tell(explainer, result, null, System.nanoTime() - start);
        return result;
    }

    private void tell(ModelExplainer explainer, ModelExplainer.Explained result, Throwable failure, long nanos) {
        try {
            listener.explained(explainer.spec(), result, failure, nanos);
        } catch (RuntimeException ignored) {
            // observing must never change an explanation's outcome
        }
    }

    /** Unwraps the exception a future failed with, so callers see the ExplainException itself. */
    public static Throwable cause(Throwable t) {
        while ((t instanceof CompletionException || t instanceof java.util.concurrent.ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** Free places (workers plus queue) right now; for health and back-pressure decisions. */
    public int freeCapacity() {
        return pool.getMaximumPoolSize() - pool.getActiveCount() + pool.getQueue().remainingCapacity();
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
