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
    private final ExplanationObserver observer;

    /**
     * @param workers      explanations running at once (default: number of cores)
     * @param queue        explanations waiting for a worker
     * @param maxInstances instances accepted in one request or event
     */
    public ExplanationService(ExplainerRegistry registry, int workers, int queue, int maxInstances) {
        this(registry, workers, queue, maxInstances, ExplanationObserver.NONE);
    }

    /**
     * @param observer told about every explanation's outcome and duration (metrics)
     */
    public ExplanationService(ExplainerRegistry registry, int workers, int queue, int maxInstances,
                              ExplanationObserver observer) {
        if (workers < 1 || queue < 0 || maxInstances < 1) {
            throw new IllegalArgumentException("workers >= 1, queue >= 0, max instances >= 1");
        }
        this.registry = registry;
        this.maxInstances = maxInstances;
        this.observer = observer;
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
        ModelExplainer explainer = registry.require(model);
        if (instances.isEmpty()) {
            throw new ExplainException(ExplainException.Kind.BAD_INPUT, "no instances to explain");
        }
        if (instances.size() > maxInstances) {
            throw new ExplainException(ExplainException.Kind.TOO_LARGE, instances.size()
                    + " instances in one request; at most " + maxInstances + " are accepted");
        }
        List<CompletableFuture<ModelExplainer.Explained>> futures = new ArrayList<>();
        java.util.concurrent.Executor executor = observer.executor(pool);
        try {
            for (int i = 0; i < instances.size(); i++) {
                JsonNode instance = instances.get(i);
                long seed = seedFor.applyAsLong(i);
                futures.add(CompletableFuture.supplyAsync(() -> observed(explainer, instance, seed), executor));
            }
        } catch (RejectedExecutionException e) {
            futures.forEach(f -> f.cancel(false));
            throw new ExplainException(ExplainException.Kind.BUSY,
                    "all explanation workers are busy; retry later");
        }
        return CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
                .thenApply(v -> futures.stream().map(CompletableFuture::join).toList());
    }

    private ModelExplainer.Explained observed(ModelExplainer explainer, JsonNode instance, long seed) {
        long start = System.nanoTime();
        String model = explainer.spec().name();
        String type = explainer.spec().type().label();
        AutoCloseable span = observer.started(model, type);
        try {
            ModelExplainer.Explained explained = explainer.explain(instance, seed);
            observer.explained(model, type, explained.success() ? ExplanationObserver.Outcome.FOUND
                    : ExplanationObserver.Outcome.NOT_FOUND, System.nanoTime() - start);
            return explained;
        } catch (RuntimeException | Error e) {
            observer.explained(model, type, ExplanationObserver.Outcome.FAILED, System.nanoTime() - start);
            throw e;
        } finally {
            try {
                span.close();
            } catch (Exception e) {
                // a span that cannot end must not fail the explanation
            }
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

    /** Explanations running now. */
    public int busy() {
        return pool.getActiveCount();
    }

    /** Explanations admitted and waiting for a worker. */
    public int queued() {
        return pool.getQueue().size();
    }

    /** Workers: explanations that can run at once. */
    public int workers() {
        return pool.getMaximumPoolSize();
    }

    /**
     * Graceful shutdown, step one: explanations already admitted (running or queued) go on; new ones are refused
     * with {@link ExplainException.Kind#BUSY}.
     */
    public void stopAdmitting() {
        pool.shutdown();
    }

    /** Waits until every admitted explanation has ended, at most {@code max}; true when they all did. */
    public boolean awaitIdle(java.time.Duration max) throws InterruptedException {
        return pool.awaitTermination(Math.max(0, max.toMillis()), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
