package dev.anchorwatch.testsupport;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * The HTTP client side of the tests: one JDK client (HTTP/1.1, as KServe's logger and a Knative broker speak it,
 * so no h2c upgrade headers reach the server) and the few requests the tests send. Bodies go as raw bytes with
 * exactly the headers given (RestAssured would form-encode a form-urlencoded body), and a {@code :} in a path
 * such as {@code /v1/models/adult:explain} reaches the server as it is.
 */
public final class Http {

    /**
     * Adds the headers of a KServe logger event in CloudEvents binary mode as the packaged-app tests and benchmarks
     * send it: spec version, id, source, type, the inference service's name, and the body's content type.
     */
    public static HttpRequest.Builder loggerEvent(HttpRequest.Builder request, String source, String id, String type,
            String model, String contentType) {
        return request.header("Ce-Specversion", "1.0").header("Ce-Id", id).header("Ce-Source", source)
                .header("Ce-Type", type).header("Ce-Inferenceservicename", model).header("Content-Type", contentType);
    }

    /** The shared client: loopback only, 10 s to connect; each request may set its own timeout. */
    public static final HttpClient CLIENT = newClient();

    private Http() {
    }

    /**
     * A client of its own, with no pooled connections: for a request that must start on a fresh connection
     * (a streamed body that is held open must not be written to a kept-alive one the server closed meanwhile).
     */
    public static HttpClient newClient() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** Sends {@code request}, reading the answer as text. */
    public static HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** {@code GET uri}. */
    public static HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri).GET().build());
    }

    /** {@code method uri} with a text body (none when {@code body} is null), and no other header. */
    public static HttpResponse<String> call(String method, URI uri, String body) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri).method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body)).build());
    }

    /** {@code POST uri} of a JSON text, {@code Content-Type: application/json}. */
    public static HttpResponse<String> postJson(URI uri, String json) throws IOException, InterruptedException {
        return post(uri, Map.of("Content-Type", "application/json"), json);
    }

    /** {@code POST uri} of a text (UTF-8) with exactly these headers. */
    public static HttpResponse<String> post(URI uri, Map<String, String> headers, String body)
            throws IOException, InterruptedException {
        return send(post(uri, headers, HttpRequest.BodyPublishers.ofString(body)).build());
    }

    /** {@code POST uri} of raw bytes with exactly these headers. */
    public static HttpResponse<String> post(URI uri, Map<String, String> headers, byte[] body)
            throws IOException, InterruptedException {
        return send(post(uri, headers, HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    /** A {@code POST uri} with exactly these headers, to add a timeout or other headers to before it is built. */
    public static HttpRequest.Builder post(URI uri, Map<String, String> headers, HttpRequest.BodyPublisher body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).POST(body);
        headers.forEach(b::header);
        return b;
    }
}
