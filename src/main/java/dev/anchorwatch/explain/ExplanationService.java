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
 * cancelled, and those running are stopped ({@link Cancellation}).
 *
 * <p><b>Giving up cancels.</b> A caller that completes the future of {@link #explainEach} itself (exceptionally:
 * {@code orTimeout}, {@code cancel}, {@code completeExceptionally}) cancels the request: instances not started
 * never run, running ones send no further predictor call, abandon the one they wait for, and stop at their next
 * round; each frees its worker and place as it stops.
 */
public final class ExplanationService implements AutoCloseable {
    private final ExplainerRegistry registry;
    private final ThreadPoolExecutor pool;
    private final int maxInstances;
    private final int places;
    private final Semaphore free;
    private final ExplanationObserver observer;

    /**
     * @param workers      explanations running at once (default: number of cores)
     * @param queue        explanations waiting for a worker; the places (running plus waiting) are
     *                     {@code max(workers + queue, maxInstances)}
     * @param maxInstances instances accepted in one request or event
     */
    public ExplanationService(ExplainerRegistry registry, int workers, int queue, int maxInstances) {
        this(registry, workers, queue, maxInstances, ExplanationObserver.NONE);
    }

    /**
     * @param observer told about every explanation's outcome and duration (metrics), and where it runs (traces)
     */
    public ExplanationService(ExplainerRegistry registry, int workers, int queue, int maxInstances,
                              ExplanationObserver observer) {
        if (workers < 1 || queue < 0 || maxInstances < 1) {
            throw new IllegalArgumentException("workers >= 1, queue >= 0, max instances >= 1");
        }
        this.registry = registry;
        this.maxInstances = maxInstances;
        this.observer = observer;
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
        int n = instances.size();
        int total = explainers.size() * n;
        long[] seeds = new long[total];
        for (int e = 0; e < explainers.size(); e++) {
            for (int i = 0; i < n; i++) {
                seeds[e * n + i] = seedFor.seed(e, i);
            }
        }
        // a request is one unit of admission; one larger than all places (several explainers) holds them all
        int held = Math.min(total, places);
        if (!free.tryAcquire(held)) {
            throw new ExplainException(ExplainException.Kind.BUSY, "all explanation places are taken ("
                    + places + " instances running or waiting); retry later");
        }
        // a place is freed as each task ends (or is cancelled before it starts), once fewer tasks remain than places
        // held: so a failed request frees the places of its cancelled instances at once
        AtomicInteger unfinished = new AtomicInteger(total);
        Runnable finished = () -> {
            if (unfinished.decrementAndGet() < held) {
                free.release();
            }
        };
        List<CompletableFuture<ModelExplainer.Explained>> futures = new ArrayList<>(total);
        Cancellation cancel = new Cancellation();
        java.util.concurrent.Executor executor = observer.executor(pool);
        for (int t = 0; t < total; t++) {
            ModelExplainer explainer = explainers.get(t / n);
            JsonNode instance = instances.get(t % n);
            long seed = seeds[t];
            CompletableFuture<ModelExplainer.Explained> f = new CompletableFuture<>();
            java.util.concurrent.atomic.AtomicBoolean claimed = new java.util.concurrent.atomic.AtomicBoolean();
            f.whenComplete((r, e) -> {
                if (claimed.compareAndSet(false, true)) {
                    finished.run();
                }
            });
            futures.add(f);
            try {
                executor.execute(() -> {
                    if (!claimed.compareAndSet(false, true)) {
                        return; // cancelled before it started; counted as finished already
                    }
                    try {
                        f.complete(observed(explainer, instance, seed, cancel));
                    } catch (Throwable e) {
                        f.completeExceptionally(e);
                    } finally {
                        finished.run();
                    }
                });
            } catch (RejectedExecutionException e) { // shut down
                f.completeExceptionally(new ExplainException(ExplainException.Kind.BUSY, "the service is stopping"));
            }
        }
        // one failure fails the request: its other instances need not run, nor go on running
        futures.forEach(f -> f.whenComplete((r, e) -> {
            if (e != null) {
                cancel.cancel("another instance of the request failed");
                futures.forEach(other -> other.cancel(false));
            }
        }));
        CompletableFuture<List<List<ModelExplainer.Explained>>> result = CompletableFuture
                .allOf(futures.toArray(CompletableFuture[]::new))
                .thenApply(v -> {
                    List<List<ModelExplainer.Explained>> out = new ArrayList<>();
                    for (int e = 0; e < explainers.size(); e++) {
                        out.add(futures.subList(e * n, (e + 1) * n).stream().map(CompletableFuture::join).toList());
                    }
                    return out;
                });
        // the caller gave up (a timeout): stop the request's work, so that it frees its workers and places
        result.whenComplete((r, e) -> {
            if (e != null) {
                cancel.cancel(e instanceof java.util.concurrent.TimeoutException ? "timed out"
                        : "the caller gave up: " + cause(e));
                futures.forEach(f -> f.cancel(false));
            }
        });
        return result;
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

    private ModelExplainer.Explained observed(ModelExplainer explainer, JsonNode instance, long seed,
                                              Cancellation cancel) {
        long start = System.nanoTime();
        String model = explainer.spec().model();
        String type = explainer.spec().type().label();
        AutoCloseable span = observer.started(model, type);
        try {
            ModelExplainer.Explained explained = explainer.explain(instance, seed, cancel);
            observer.explained(model, type, explained.success() ? ExplanationObserver.Outcome.FOUND
                    : ExplanationObserver.Outcome.NOT_FOUND, System.nanoTime() - start);
            observer.reused(model, explained.predictorRows() - explained.sentRows());
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

    /** Free places right now; for health and back-pressure decisions. */
    public int freeCapacity() {
        return free.availablePermits();
    }

    /** Explanations running now (busy workers). */
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
