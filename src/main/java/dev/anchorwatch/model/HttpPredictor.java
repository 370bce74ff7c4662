package dev.anchorwatch.model;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * What the V1 and V2 clients share: splitting a batch into row-limited requests, the per-client bound on
 * requests in flight, retries with jittered exponential backoff, error classification and counters. Subclasses
 * only write request bodies and read response bodies.
 *
 * <p>Retried: connection errors, timeouts, 5xx and 429 (waiting for Retry-After seconds when given, capped by
 * {@link PredictorConfig#maxBackoff()}). Not retried: other 4xx and 2xx responses we cannot read. Failures are
 * {@link PredictorException}s whose message names the model and URL; transient ones once the attempts run out.
 *
 * <p>Nothing blocks a caller's thread: requests beyond the bound wait in a queue of this client and start when
 * an earlier one finishes.
 */
public abstract sealed class HttpPredictor implements Predictor, PredictorStats
        permits KServeV1Predictor, OpenInferenceV2Predictor {

    private final PredictorConfig config;
    private final URI endpoint;
    private final String where;
    private final ExecutorService executor;
    private final HttpClient http;
    private final Limiter limiter;
    private final RandomGenerator jitter;
    private final LongAdder requests = new LongAdder();
    private final LongAdder rowsSent = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private volatile boolean closed;

    /**
     * @param config the endpoint, limits and retry policy
     * @param jitter source of backoff jitter, used under this client's lock; null for a fresh per-client one
     */
    HttpPredictor(PredictorConfig config, RandomGenerator jitter) {
        this.config = Objects.requireNonNull(config, "config");
        this.endpoint = config.endpoint();
        this.where = "model '" + config.modelName() + "' at " + endpoint;
        this.jitter = jitter != null ? jitter : new SplittableRandom();
        this.executor = Executors.newCachedThreadPool(daemonThreads("anchorwatch-predictor-" + config.modelName()));
        this.http = HttpClient.newBuilder()
                // KServe and Open Inference servers speak HTTP/1.1; skipping the h2c upgrade keeps requests plain.
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(config.requestTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(executor)
                .build();
        this.limiter = new Limiter(config.maxConcurrentRequests(), executor);
    }

    /** Writes the request body for instances {@code [from, to)} of a batch that passed {@link #validate}. */
    abstract void writeBody(JsonGenerator json, Instances batch, int from, int to) throws IOException;

    /** Reads exactly {@code expected} class indices from a 2xx body, or throws {@link MalformedResponseException}. */
    abstract int[] readLabels(JsonNode body, int expected, Labels labels);

    /**
     * Reads exactly {@code expected} score vectors (class probabilities, margins, or one value per instance) from a
     * 2xx body, or throws {@link MalformedResponseException}.
     */
    abstract double[][] readScores(JsonNode body, int expected);

    /** How one chunk's response body becomes its part of the answer. */
    @FunctionalInterface
    private interface Reader {
        Object read(JsonNode body, int expected);
    }

    public PredictorConfig config() {
        return config;
    }

    @Override
    public long requests() {
        return requests.sum();
    }

    @Override
    public long rowsSent() {
        return rowsSent.sum();
    }

    /** Attempts that were a retry of an earlier failed one. */
    public long retries() {
        return retries.sum();
    }

    @Override
    public CompletableFuture<int[]> predict(Instances batch) {
        return run(batch, (body, rows) -> readLabels(body, rows, new Labels(config.classNames())), int[]::new);
    }

    /** Scores of every instance, split and retried as {@link #predict} is. */
    @Override
    public CompletableFuture<double[][]> predictScores(Instances batch) {
        return run(batch, this::readScores, double[][]::new);
    }

    /** Splits the batch into row-limited requests and joins their parts (arrays) in order. */
    @SuppressWarnings("unchecked")
    private <A> CompletableFuture<A> run(Instances batch, Reader reader, java.util.function.IntFunction<A> newArray) {
        Objects.requireNonNull(batch, "batch");
        if (closed) {
            return CompletableFuture.failedFuture(new PredictorException(where + ": client is closed", false));
        }
        try {
            validate(batch);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(new PredictorException(where + ": " + e.getMessage(), false));
        }
        int n = batch.size();
        if (n == 0) {
            return CompletableFuture.completedFuture(newArray.apply(0));
        }
        A labels = newArray.apply(n);
        CompletableFuture<A> result = new CompletableFuture<>();
        int step = config.maxRowsPerRequest();
        AtomicInteger pending = new AtomicInteger((n + step - 1) / step);
        for (int from = 0; from < n; from += step) {
            int start = from;
            int end = Math.min(n, from + step);
            limiter.submit(() -> startChunk(batch, start, end, result, reader))
                    .whenComplete((part, error) -> {
                        if (error != null) {
                            result.completeExceptionally(asPredictorException(error));
                        } else {
                            System.arraycopy(part, 0, labels, start, java.lang.reflect.Array.getLength(part));
                            if (pending.decrementAndGet() == 0) {
                                result.complete(labels);
                            }
                        }
                    });
        }
        return result;
    }

    private CompletableFuture<Object> startChunk(Instances batch, int from, int to, CompletableFuture<?> result,
                                                 Reader reader) {
        if (closed) {
            return CompletableFuture.failedFuture(new PredictorException(where + ": client is closed", false));
        }
        if (result.isDone()) {
            // Another chunk failed or the caller cancelled: do not send the rest.
            return CompletableFuture.failedFuture(new PredictorException(where + ": batch abandoned", false));
        }
        return send(encode(batch, from, to), to - from, 1, result, reader);
    }

    /** Rejects batches no model could accept, before anything is sent. */
    void validate(Instances batch) {
        if (batch instanceof Instances.Rows r) {
            double[][] rows = r.rows();
            if (rows == null) {
                throw new IllegalArgumentException("rows are missing");
            }
            for (int i = 0; i < rows.length; i++) {
                if (rows[i] == null || rows[i].length == 0) {
                    throw new IllegalArgumentException("row " + i + " is empty");
                }
                if (rows[i].length != rows[0].length) {
                    throw new IllegalArgumentException("row " + i + " has " + rows[i].length
                            + " values but row 0 has " + rows[0].length);
                }
            }
        } else if (batch instanceof Instances.Tensors t) {
            int[] shape = t.shape();
            if (t.data() == null || shape == null || shape.length == 0) {
                throw new IllegalArgumentException("tensors need data and a per-instance shape");
            }
            long size = 1;
            for (int dim : shape) {
                if (dim < 1) {
                    throw new IllegalArgumentException("tensor shape must have positive dimensions, got "
                            + Arrays.toString(shape));
                }
                size *= dim;
            }
            for (int i = 0; i < t.data().length; i++) {
                if (t.data()[i] == null || t.data()[i].length != size) {
                    throw new IllegalArgumentException("tensor " + i + " has "
                            + (t.data()[i] == null ? 0 : t.data()[i].length) + " values but shape "
                            + Arrays.toString(shape) + " needs " + size);
                }
            }
        }
    }

    /** A request body, its Content-Type and any extra headers. */
    record Encoded(byte[] body, String contentType, java.util.Map<String, String> headers) {
    }

    /** The request for instances {@code [from, to)}: JSON from {@link #writeBody} unless a subclass encodes otherwise. */
    Encoded encode(Instances batch, int from, int to) {
        return new Encoded(body(batch, from, to), "application/json", java.util.Map.of());
    }

    /** The JSON of a 2xx response; a subclass may read other framings (e.g. binary tensor data). */
    JsonNode parseResponse(HttpResponse<byte[]> response) throws IOException {
        return Json.MAPPER.readTree(response.body());
    }

    /** The HTTP client, for a subclass's own side requests (e.g. reading server metadata). */
    HttpClient httpClient() {
        return http;
    }

    byte[] body(Instances batch, int from, int to) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64 + (to - from) * 64);
        try (JsonGenerator json = Json.FACTORY.createGenerator(out)) {
            writeBody(json, batch, from, to);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write a request body in memory", e);
        }
        return out.toByteArray();
    }

    /** One attempt; on a retryable failure, waits and makes the next one (holding the concurrency slot). */
    private CompletableFuture<Object> send(Encoded body, int rows, int attempt, CompletableFuture<?> batch,
                                           Reader reader) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(endpoint)
                .timeout(config.requestTimeout())
                .header("Content-Type", body.contentType())
                .header("Accept", "application/json");
        body.headers().forEach(builder::header);
        HttpRequest request = builder.POST(HttpRequest.BodyPublishers.ofByteArray(body.body())).build();
        requests.increment();
        rowsSent.add(rows);
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
                .handle((response, error) -> outcome(response, error, rows, reader))
                .thenCompose(outcome -> {
                    if (outcome.labels != null) {
                        return CompletableFuture.completedFuture(outcome.labels);
                    }
                    if (!outcome.retryable) {
                        return CompletableFuture.failedFuture(
                                new PredictorException(where + ": " + outcome.problem, false));
                    }
                    if (attempt >= config.maxAttempts() || batch.isDone() || closed) {
                        return CompletableFuture.failedFuture(new PredictorException(where + ": " + outcome.problem
                                + " (" + attempt + (attempt == 1 ? " attempt)" : " attempts)"), true));
                    }
                    retries.increment();
                    Executor later = CompletableFuture.delayedExecutor(
                            backoffMillis(attempt, outcome.retryAfterMillis), TimeUnit.MILLISECONDS, executor);
                    return CompletableFuture.supplyAsync(() -> attempt + 1, later)
                            .thenCompose(next -> send(body, rows, next, batch, reader));
                });
    }

    /** What one attempt came to: labels (or scores), or a problem and whether trying again may help. */
    private record Outcome(Object labels, String problem, boolean retryable, long retryAfterMillis) {
        static Outcome ok(Object labels) {
            return new Outcome(labels, null, false, -1);
        }

        static Outcome retry(String problem, long retryAfterMillis) {
            return new Outcome(null, problem, true, retryAfterMillis);
        }

        static Outcome fail(String problem) {
            return new Outcome(null, problem, false, -1);
        }
    }

    private Outcome outcome(HttpResponse<byte[]> response, Throwable error, int rows, Reader reader) {
        if (error != null) {
            Throwable cause = unwrap(error);
            return cause instanceof IOException io ? Outcome.retry(describe(io), -1)
                    : Outcome.fail("request failed: " + cause.getClass().getSimpleName()
                            + (cause.getMessage() == null ? "" : ": " + Labels.shorten(cause.getMessage())));
        }
        int status = response.statusCode();
        if (status == 429 || status >= 500) {
            return Outcome.retry("HTTP " + status + errorDetail(response.body()), retryAfterMillis(response));
        }
        if (status < 200 || status >= 300) {
            return Outcome.fail("HTTP " + status + errorDetail(response.body()) + " (not retried)");
        }
        try {
            JsonNode json = parseResponse(response);
            if (json == null || !json.isObject()) {
                return Outcome.fail("response is not a JSON object");
            }
            return Outcome.ok(reader.read(json, rows));
        } catch (IOException e) {
            return Outcome.fail("response is not valid JSON");
        } catch (MalformedResponseException e) {
            return Outcome.fail(e.getMessage());
        }
    }

    private String describe(IOException e) {
        if (e instanceof HttpConnectTimeoutException) {
            return "no connection within " + config.requestTimeout().toMillis() + " ms";
        }
        if (e instanceof HttpTimeoutException) {
            return "no response within " + config.requestTimeout().toMillis() + " ms";
        }
        if (e instanceof ConnectException) {
            return "connection refused";
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + Labels.shorten(e.getMessage()));
    }

    /** The server's own error message when it sent one ({"error": "..."} in both protocols), else the body's start. */
    private static String errorDetail(byte[] body) {
        if (body == null || body.length == 0) {
            return "";
        }
        try {
            JsonNode json = Json.MAPPER.readTree(body);
            if (json != null && json.path("error").isTextual()) {
                return ": " + Labels.shorten(json.path("error").textValue());
            }
        } catch (IOException notJson) {
            // fall through to the raw text
        }
        return ": " + Labels.shorten(new String(body, 0, Math.min(body.length, 400), StandardCharsets.UTF_8));
    }

    private long retryAfterMillis(HttpResponse<?> response) {
        Optional<String> header = response.headers().firstValue("Retry-After");
        if (header.isEmpty()) {
            return -1;
        }
        try {
            long seconds = Long.parseLong(header.get().strip());
            return seconds < 0 ? -1 : Math.min(seconds, config.maxBackoff().toSeconds() + 1) * 1000;
        } catch (NumberFormatException httpDate) {
            return -1; // an HTTP date: fall back to our own backoff
        }
    }

    /** Retry-After when the server gave one, else initial * 2^(attempt-1) with equal jitter; both capped. */
    private long backoffMillis(int attempt, long retryAfterMillis) {
        long cap = config.maxBackoff().toMillis();
        if (retryAfterMillis >= 0) {
            return Math.min(retryAfterMillis, cap);
        }
        long base = Math.min(cap, config.initialBackoff().toMillis() << Math.min(attempt - 1, 30));
        long half = base / 2;
        synchronized (jitter) {
            return base - half + (half > 0 ? jitter.nextLong(half + 1) : 0);
        }
    }

    private PredictorException asPredictorException(Throwable error) {
        Throwable cause = unwrap(error);
        if (cause instanceof PredictorException p) {
            return p;
        }
        if (cause instanceof IllegalArgumentException) {
            return new PredictorException(where + ": " + cause.getMessage(), false);
        }
        if (cause instanceof RejectedExecutionException) {
            return new PredictorException(where + ": client is closed", false);
        }
        return new PredictorException(where + ": " + cause.getClass().getSimpleName()
                + (cause.getMessage() == null ? "" : ": " + Labels.shorten(cause.getMessage())), false, cause);
    }

    private static Throwable unwrap(Throwable error) {
        Throwable t = error;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** Stops accepting batches; requests in flight may fail. */
    @Override
    public void close() {
        closed = true;
        executor.shutdown();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + where + "]";
    }

    // ---- helpers for the subclasses' bodies

    /** Writes a finite double; integral values without a fraction (smaller bodies, same value). */
    static void writeCompact(JsonGenerator json, double v) throws IOException {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            json.writeNumber((long) v);
        } else {
            json.writeNumber(requireFinite(v));
        }
    }

    static double requireFinite(double v) {
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException("instances contain " + v + ", which JSON cannot carry");
        }
        return v;
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * A non-blocking semaphore: runs at most {@code max} tasks at a time, queues the rest in arrival order. A task
     * holds its slot until its future completes.
     */
    static final class Limiter {
        private final int max;
        private final Executor executor;
        private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
        private int running;

        Limiter(int max, Executor executor) {
            this.max = max;
            this.executor = executor;
        }

        <T> CompletableFuture<T> submit(Supplier<CompletableFuture<T>> task) {
            CompletableFuture<T> result = new CompletableFuture<>();
            Runnable start = () -> {
                CompletableFuture<T> f;
                try {
                    f = task.get();
                } catch (RuntimeException e) {
                    f = CompletableFuture.failedFuture(e);
                }
                f.whenComplete((v, e) -> {
                    // Complete before releasing the slot: a batch that just failed is marked failed before its
                    // next queued request can start, so that request is reliably skipped.
                    if (e != null) {
                        result.completeExceptionally(e);
                    } else {
                        result.complete(v);
                    }
                    release();
                });
            };
            boolean now;
            synchronized (this) {
                now = running < max;
                if (now) {
                    running++;
                } else {
                    waiting.add(start);
                }
            }
            if (now) {
                start.run();
            }
            return result;
        }

        private void release() {
            Runnable next;
            synchronized (this) {
                next = waiting.poll();
                if (next == null) {
                    running--;
                }
            }
            if (next != null) {
                try {
                    // On the executor, not here: a chain of tasks that fail at once would otherwise recurse.
                    executor.execute(next);
                } catch (RejectedExecutionException closed) {
                    next.run(); // closed client: let the task fail fast on this thread
                }
            }
        }
    }
}
