package dev.anchorwatch.explain;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Runs explanations on a bounded pool: at most {@code workers} at once, and at most {@code places} instances
 * admitted (running or waiting) in all. A request is one unit of admission: all its instances take their places
 * together, before any of them starts, or the request is refused with {@link ExplainException.Kind#BUSY} and
 * nothing of it runs; so the caller answers 429 and the broker or client backs off. {@code places} is at least
 * {@code maxInstances}, so a request of the largest accepted size is always admitted by an idle service,
 * whatever the number of cores. When one instance fails, the request's instances that have not started are
 * cancelled.
 */
public final class ExplanationService implements AutoCloseable {
    private final ExplainerRegistry registry;
    private final ThreadPoolExecutor pool;
    private final int maxInstances;
    private final int places;
    private final Semaphore free;

    /**
     * @param workers      explanations running at once (default: number of cores)
     * @param queue        explanations waiting for a worker; the places (running plus waiting) are
     *                     {@code max(workers + queue, maxInstances)}
     * @param maxInstances instances accepted in one request or event
     */
    public ExplanationService(ExplainerRegistry registry, int workers, int queue, int maxInstances) {
        if (workers < 1 || queue < 0 || maxInstances < 1) {
            throw new IllegalArgumentException("workers >= 1, queue >= 0, max instances >= 1");
        }
        this.registry = registry;
        this.maxInstances = maxInstances;
        this.places = Math.max(workers + queue, maxInstances);
        this.free = new Semaphore(places);
        AtomicInteger n = new AtomicInteger();
        // unbounded queue, bounded by the places: a task is queued only once its whole request holds its places
        this.pool = new ThreadPoolExecutor(workers, workers, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
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
        long[] seeds = new long[instances.size()];
        for (int i = 0; i < seeds.length; i++) {
            seeds[i] = seedFor.applyAsLong(i);
        }
        if (!free.tryAcquire(instances.size())) {
            throw new ExplainException(ExplainException.Kind.BUSY, "all explanation places are taken ("
                    + places + " instances running or waiting); retry later");
        }
        List<CompletableFuture<ModelExplainer.Explained>> futures = new ArrayList<>(instances.size());
        for (int i = 0; i < instances.size(); i++) {
            JsonNode instance = instances.get(i);
            long seed = seeds[i];
            CompletableFuture<ModelExplainer.Explained> f = new CompletableFuture<>();
            // the place is freed exactly once: by the task when it ends, or here if it never starts (cancelled)
            java.util.concurrent.atomic.AtomicBoolean claimed = new java.util.concurrent.atomic.AtomicBoolean();
            f.whenComplete((r, e) -> {
                if (claimed.compareAndSet(false, true)) {
                    free.release();
                }
            });
            futures.add(f);
            try {
                pool.execute(() -> {
                    if (!claimed.compareAndSet(false, true)) {
                        return; // cancelled before it started; its place is already free
                    }
                    try {
                        f.complete(explainer.explain(instance, seed));
                    } catch (Throwable t) {
                        f.completeExceptionally(t);
                    } finally {
                        free.release();
                    }
                });
            } catch (RejectedExecutionException e) { // shut down
                f.completeExceptionally(new ExplainException(ExplainException.Kind.BUSY, "the service is stopping"));
            }
        }
        CompletableFuture<List<ModelExplainer.Explained>> all = CompletableFuture
                .allOf(futures.toArray(CompletableFuture[]::new))
                .thenApply(v -> futures.stream().map(CompletableFuture::join).toList());
        // one failure fails the request: its other instances need not run
        futures.forEach(f -> f.whenComplete((r, e) -> {
            if (e != null) {
                futures.forEach(other -> other.cancel(false));
            }
        }));
        all.whenComplete((r, e) -> {
            if (e != null) {
                futures.forEach(other -> other.cancel(false));
            }
        });
        return all;
    }

    /** Instances that may be admitted at once (running plus waiting); never less than the largest request. */
    public int places() {
        return places;
    }

    /** Instances admitted now (running or waiting). */
    public int admitted() {
        return places - free.availablePermits();
    }

    /** Explanations running now. */
    public int running() {
        return pool.getActiveCount();
    }

    /** Unwraps the exception a future failed with, so callers see the ExplainException itself. */
    public static Throwable cause(Throwable t) {
        while ((t instanceof CompletionException || t instanceof java.util.concurrent.ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** Free places right now; for health and back-pressure decisions. */
    public int freeCapacity() {
        return free.availablePermits();
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
