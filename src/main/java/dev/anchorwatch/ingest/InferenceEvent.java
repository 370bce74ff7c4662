package dev.anchorwatch.ingest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * One decoded KServe inference logger event: a request or a response, with the CloudEvents attributes and
 * extensions that KServe sets and the body as JSON bytes (already gunzipped). Immutable.
 *
 * @param source               the {@code ce-source}: the logging component's URL
 * @param id                   the {@code ce-id}, shared by the request and its response: the inference id
 * @param type                 {@link #REQUEST_TYPE} or {@link #RESPONSE_TYPE}
 * @param kind                 request or response, from the type
 * @param protocol             the body's protocol: KServe V1 ({@code instances}/{@code predictions}) or Open
 *                             Inference V2 ({@code inputs}/{@code outputs})
 * @param inferenceServiceName extension {@code inferenceservicename}, or null
 * @param namespace            extension {@code namespace}, or null
 * @param component            extension {@code component} (predictor, transformer...), or null
 * @param endpoint             extension {@code endpoint} (default or canary), or null
 * @param metadata             extension {@code metadata}: JSON of selected request headers, or null
 * @param time                 {@code ce-time}, or null
 * @param contentType          {@code datacontenttype} as sent; KServe copies the client's, so it says little
 * @param body                 the JSON body, inflated when it came gzipped
 */
public record InferenceEvent(
        String source,
        String id,
        String type,
        Kind kind,
        Protocol protocol,
        String inferenceServiceName,
        String namespace,
        String component,
        String endpoint,
        String metadata,
        Instant time,
        String contentType,
        byte[] body) {

    public static final String REQUEST_TYPE = "org.kubeflow.serving.inference.request";
    public static final String RESPONSE_TYPE = "org.kubeflow.serving.inference.response";

    private static final ObjectMapper JSON = new ObjectMapper();

    public enum Kind { REQUEST, RESPONSE }

    public enum Protocol { V1, V2 }

    /** Request and response of one inference share this key. */
    public record PairKey(String source, String id) {
    }

    /** Duplicates share this key: contract 1 deduplicates on (source, id, type). */
    public record DedupKey(String source, String id, String type) {
    }

    public InferenceEvent {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(body, "body");
        body = body.clone();
    }

    public boolean isRequest() {
        return kind == Kind.REQUEST;
    }

    public PairKey pairKey() {
        return new PairKey(source, id);
    }

    public DedupKey dedupKey() {
        return new DedupKey(source, id, type);
    }

    /** Bytes of the JSON body (what this event holds in memory, besides its few attributes). */
    public int bodySize() {
        return body.length;
    }

    /** A copy of the JSON body. */
    @Override
    public byte[] body() {
        return body.clone();
    }

    /** The body, parsed afresh (the caller may change it). */
    public JsonNode payload() {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException("decoded bodies are JSON", e);
        }
    }

    public String bodyAsString() {
        return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InferenceEvent e && source.equals(e.source) && id.equals(e.id) && type.equals(e.type)
                && kind == e.kind && protocol == e.protocol
                && Objects.equals(inferenceServiceName, e.inferenceServiceName)
                && Objects.equals(namespace, e.namespace) && Objects.equals(component, e.component)
                && Objects.equals(endpoint, e.endpoint) && Objects.equals(metadata, e.metadata)
                && Objects.equals(time, e.time) && Objects.equals(contentType, e.contentType)
                && Arrays.equals(body, e.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(source, id, type) * 31 + Arrays.hashCode(body);
    }

    @Override
    public String toString() {
        return "InferenceEvent[" + kind + " " + protocol + " id=" + id + " source=" + source + " isvc=" + namespace + "/"
                + inferenceServiceName + " body=" + body.length + " bytes]";
    }
}
