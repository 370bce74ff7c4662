package dev.anchorwatch.publish;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.http.HttpMessageFactory;

/**
 * POSTs each explanation as a CloudEvent in HTTP binary mode to a sink URL: in Knative, the {@code K_SINK}
 * that a SinkBinding (or a ContainerSource) injects, with the extensions of {@code K_CE_OVERRIDES} added.
 *
 * <p>A 2xx reply means the sink took the event. 5xx, 429, 408 and connection errors are retried with
 * exponential backoff up to {@code maxAttempts}; then, or on any other status, {@link #publish} fails.
 */
public final class HttpExplanationSink implements ExplanationSink {

    /** Headers the JDK client sets itself and refuses from callers. */
    private static final Set<String> RESTRICTED = Set.of("content-length", "host", "connection", "expect", "upgrade");

    private final URI target;
    private final HttpClient client;
    private final Retry retry;
    private final Duration requestTimeout;
    private final Map<String, String> extensionOverrides;

    /**
     * @param maxAttempts    attempts in all, at least 1
     * @param initialBackoff wait after the first failure; doubled after each further one, up to maxBackoff
     */
    public record Retry(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
        public Retry {
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1");
            }
        }

        Duration backoff(int failedAttempts) {
            long ms = initialBackoff.toMillis() << Math.min(20, failedAttempts - 1);
            return Duration.ofMillis(Math.min(ms, maxBackoff.toMillis()));
        }
    }

    public HttpExplanationSink(URI target, HttpClient client, Retry retry, Duration requestTimeout,
            Map<String, String> extensionOverrides) {
        this.target = target;
        this.client = client;
        this.retry = retry;
        this.requestTimeout = requestTimeout;
        this.extensionOverrides = Map.copyOf(extensionOverrides);
    }

    public static HttpExplanationSink create(URI target, Retry retry, Duration requestTimeout,
            Map<String, String> extensionOverrides) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(requestTimeout).build();
        return new HttpExplanationSink(target, client, retry, requestTimeout, extensionOverrides);
    }

    /**
     * The extensions of a {@code K_CE_OVERRIDES} value, {@code {"extensions": {"name": "value", ...}}}; empty for
     * null or blank.
     */
    public static Map<String, String> parseCeOverrides(String json) {
        if (json == null || json.isBlank()) {
            return Map.of();
        }
        try {
            JsonNode extensions = new ObjectMapper().readTree(json).path("extensions");
            Map<String, String> out = new LinkedHashMap<>();
            extensions.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
            return out;
        } catch (IOException e) {
            throw new IllegalArgumentException("K_CE_OVERRIDES is not JSON: " + e.getMessage(), e);
        }
    }

    @Override
    public CompletionStage<Void> publish(ExplanationRecord r) {
        HttpRequest request;
        try {
            request = request(event(r));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(new PublishException(name(), "cannot encode event: " + e, false, e));
        }
        return attempt(request, 1);
    }

    /**
     * POSTs the {@value ServedPrediction#TYPE} update event (see {@link ExplanationEvents#toServedEvent}), with the
     * {@code K_CE_OVERRIDES} extensions, retried like an explanation.
     */
    @Override
    public CompletionStage<Void> served(ServedPrediction served) {
        HttpRequest request;
        try {
            request = request(withOverrides(ExplanationEvents.toServedEvent(served)));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(new PublishException(name(), "cannot encode event: " + e, false, e));
        }
        return attempt(request, 1);
    }

    private CloudEvent event(ExplanationRecord r) {
        return withOverrides(ExplanationEvents.toCloudEvent(r));
    }

    private CloudEvent withOverrides(CloudEvent event) {
        if (extensionOverrides.isEmpty()) {
            return event;
        }
        CloudEventBuilder b = CloudEventBuilder.v1(event);
        extensionOverrides.forEach(b::withExtension);
        return b.build();
    }

    private HttpRequest request(CloudEvent event) {
        HttpRequest.Builder b = HttpRequest.newBuilder(target).timeout(requestTimeout);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        HttpMessageFactory.createWriter((name, value) -> {
            if (!RESTRICTED.contains(name.toLowerCase(Locale.ROOT))) {
                b.header(name, value);
            }
        }, bytes -> {
            if (bytes != null) {
                body.writeBytes(bytes);
            }
        }).writeBinary(event);
        return b.POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build();
    }

    private CompletableFuture<Void> attempt(HttpRequest request, int attempt) {
        return client.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                .handle((response, error) -> outcome(response, error, attempt))
                .thenCompose(outcome -> {
                    if (outcome == null) {
                        return CompletableFuture.<Void>completedFuture(null);
                    }
                    if (!outcome.retryable() || attempt >= retry.maxAttempts()) {
                        return CompletableFuture.<Void>failedFuture(outcome);
                    }
                    Duration wait = retry.backoff(attempt);
                    return CompletableFuture.supplyAsync(() -> null,
                            CompletableFuture.delayedExecutor(wait.toMillis(), TimeUnit.MILLISECONDS))
                            .thenCompose(ignored -> attempt(request, attempt + 1));
                });
    }

    /** null when delivered, else the failure of this attempt. */
    private PublishException outcome(HttpResponse<Void> response, Throwable error, int attempt) {
        if (error != null) {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            return new PublishException(name(), target + " attempt " + attempt + ": " + cause, true, cause);
        }
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            return null;
        }
        boolean retryable = status >= 500 || status == 429 || status == 408;
        return new PublishException(name(), target + " attempt " + attempt + " answered " + status, retryable);
    }

    @Override
    public String name() {
        return "http";
    }

    public URI target() {
        return target;
    }
}
