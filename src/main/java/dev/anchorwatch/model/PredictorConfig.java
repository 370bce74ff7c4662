package dev.anchorwatch.model;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Where and how to call a remote model. Immutable; build with {@link #of(String, String, Protocol)} and the
 * {@code with...} methods, which keep every other value.
 *
 * @param baseUrl               scheme, host and port of the model server, e.g. {@code http://127.0.0.1:8081}
 *                              (a path prefix is kept, a trailing slash is dropped)
 * @param modelName             the model's name in the URL path
 * @param protocol              KServe V1 ({@code :predict}) or Open Inference V2 ({@code /infer})
 * @param requestTimeout        time allowed for one HTTP attempt, connect included (default 30 s)
 * @param maxAttempts           HTTP attempts per request, first one included (default 3)
 * @param initialBackoff        wait before the first retry, doubled before each next one, with jitter (default 100 ms)
 * @param maxBackoff            cap on any wait between attempts, including a server's Retry-After (default 5 s)
 * @param maxConcurrentRequests requests in flight at once, per client across all its callers (default 4)
 * @param maxRowsPerRequest     instances per HTTP request; larger batches are split (default 500)
 * @param classNames            class names in index order, to map string predictions to indices (default none)
 */
public record PredictorConfig(
        URI baseUrl,
        String modelName,
        Protocol protocol,
        Duration requestTimeout,
        int maxAttempts,
        Duration initialBackoff,
        Duration maxBackoff,
        int maxConcurrentRequests,
        int maxRowsPerRequest,
        List<String> classNames) {

    /** The wire protocol of the model server. */
    public enum Protocol {
        /** KServe V1: {@code POST /v1/models/{name}:predict} with {@code {"instances": [...]}}. */
        V1,
        /** Open Inference Protocol (KServe V2): {@code POST /v2/models/{name}/infer} with {@code {"inputs": [...]}}. */
        V2
    }

    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_MAX_ATTEMPTS = 3;
    public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(100);
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(5);
    public static final int DEFAULT_MAX_CONCURRENT_REQUESTS = 4;
    public static final int DEFAULT_MAX_ROWS_PER_REQUEST = 500;

    // Model names end up in a URL path: keep them to characters that need no escaping and cannot change the path.
    public static final Pattern MODEL_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,252}");

    public PredictorConfig {
        require(baseUrl != null, "predictor base URL is required");
        baseUrl = normalise(baseUrl);
        require(modelName != null && MODEL_NAME.matcher(modelName).matches(),
                "predictor model name must be 1-253 characters of letters, digits, '.', '_' or '-' starting with a"
                        + " letter or digit, got " + (modelName == null ? "none" : "'" + modelName + "'"));
        require(protocol != null, "predictor protocol is required (V1 or V2)");
        require(requestTimeout != null && requestTimeout.compareTo(Duration.ZERO) > 0,
                "predictor request timeout must be > 0, got " + requestTimeout);
        require(maxAttempts >= 1, "predictor max attempts must be >= 1, got " + maxAttempts);
        require(initialBackoff != null && !initialBackoff.isNegative(),
                "predictor initial backoff must be >= 0, got " + initialBackoff);
        require(maxBackoff != null && maxBackoff.compareTo(initialBackoff) >= 0,
                "predictor max backoff must be >= initial backoff (" + initialBackoff + "), got " + maxBackoff);
        require(maxConcurrentRequests >= 1,
                "predictor max concurrent requests must be >= 1, got " + maxConcurrentRequests);
        require(maxRowsPerRequest >= 1, "predictor max rows per request must be >= 1, got " + maxRowsPerRequest);
        require(classNames != null, "predictor class names must be a list (empty for none)");
        classNames = List.copyOf(classNames); // also rejects null elements
        require(new HashSet<>(classNames).size() == classNames.size(),
                "predictor class names must be distinct, got " + classNames);
    }

    /** A configuration with every optional value at its default. */
    public static PredictorConfig of(String baseUrl, String modelName, Protocol protocol) {
        return new PredictorConfig(parse(baseUrl), modelName, protocol, DEFAULT_REQUEST_TIMEOUT, DEFAULT_MAX_ATTEMPTS,
                DEFAULT_INITIAL_BACKOFF, DEFAULT_MAX_BACKOFF, DEFAULT_MAX_CONCURRENT_REQUESTS,
                DEFAULT_MAX_ROWS_PER_REQUEST, List.of());
    }

    /** The URL this configuration posts to. */
    public URI endpoint() {
        String base = baseUrl.toString();
        return URI.create(switch (protocol) {
            case V1 -> base + "/v1/models/" + modelName + ":predict";
            case V2 -> base + "/v2/models/" + modelName + "/infer";
        });
    }

    public PredictorConfig withRequestTimeout(Duration v) {
        return new PredictorConfig(baseUrl, modelName, protocol, v, maxAttempts, initialBackoff, maxBackoff,
                maxConcurrentRequests, maxRowsPerRequest, classNames);
    }

    public PredictorConfig withMaxAttempts(int v) {
        return new PredictorConfig(baseUrl, modelName, protocol, requestTimeout, v, initialBackoff, maxBackoff,
                maxConcurrentRequests, maxRowsPerRequest, classNames);
    }

    public PredictorConfig withInitialBackoff(Duration v) {
        return new PredictorConfig(baseUrl, modelName, protocol, requestTimeout, maxAttempts, v, maxBackoff,
                maxConcurrentRequests, maxRowsPerRequest, classNames);
    }

    public PredictorConfig withMaxBackoff(Duration v) {
        return new PredictorConfig(baseUrl, modelName, protocol, requestTimeout, maxAttempts, initialBackoff, v,
                maxConcurrentRequests, maxRowsPerRequest, classNames);
    }

    public PredictorConfig withMaxConcurrentRequests(int v) {
        return new PredictorConfig(baseUrl, modelName, protocol, requestTimeout, maxAttempts, initialBackoff,
                maxBackoff, v, maxRowsPerRequest, classNames);
    }

    public PredictorConfig withMaxRowsPerRequest(int v) {
        return new PredictorConfig(baseUrl, modelName, protocol, requestTimeout, maxAttempts, initialBackoff,
                maxBackoff, maxConcurrentRequests, v, classNames);
    }

    public PredictorConfig withClassNames(List<String> v) {
        return new PredictorConfig(baseUrl, modelName, protocol, requestTimeout, maxAttempts, initialBackoff,
                maxBackoff, maxConcurrentRequests, maxRowsPerRequest, v);
    }

    private static URI parse(String baseUrl) {
        require(baseUrl != null && !baseUrl.isBlank(), "predictor base URL is required");
        try {
            return new URI(baseUrl.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("predictor base URL is not a valid URL: '" + baseUrl + "'");
        }
    }

    private static URI normalise(URI uri) {
        String scheme = uri.getScheme();
        require(scheme != null && (scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https")),
                "predictor base URL must start with http:// or https://, got '" + uri + "'");
        require(uri.getHost() != null, "predictor base URL must name a host, got '" + uri + "'");
        require(uri.getRawQuery() == null && uri.getRawFragment() == null && uri.getRawUserInfo() == null,
                "predictor base URL must not carry a query, fragment or user info, got '" + uri + "'");
        String text = uri.toString();
        while (text.endsWith("/")) {
            text = text.substring(0, text.length() - 1);
        }
        return URI.create(text);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    @Override
    public String toString() {
        return "PredictorConfig[" + protocol + " " + endpoint() + ", timeout=" + requestTimeout + ", attempts="
                + maxAttempts + ", backoff=" + initialBackoff + ".." + maxBackoff + ", concurrency="
                + maxConcurrentRequests + ", rowsPerRequest=" + maxRowsPerRequest
                + (classNames.isEmpty() ? "" : ", classes=" + classNames) + "]";
    }
}
