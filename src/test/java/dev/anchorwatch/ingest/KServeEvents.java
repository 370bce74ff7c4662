package dev.anchorwatch.ingest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/**
 * Events as KServe's inference logger sends them: CloudEvents 1.0 in HTTP binary mode from the Go SDK, the
 * client's Content-Type copied (curl -d sends application/x-www-form-urlencoded), extensions
 * inferenceservicename, namespace, component, endpoint and metadata, and request and response sharing ce-id.
 */
final class KServeEvents {

    static final String SOURCE = "http://localhost:9081/";

    private KServeEvents() {
    }

    static Map<String, String> headers(String id, String type) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Ce-Specversion", "1.0");
        h.put("Ce-Id", id);
        h.put("Ce-Source", SOURCE);
        h.put("Ce-Type", type);
        h.put("Ce-Time", "2026-11-25T10:15:30.123456789Z");
        h.put("Ce-Inferenceservicename", "adult");
        h.put("Ce-Namespace", "default");
        h.put("Ce-Component", "predictor");
        h.put("Ce-Endpoint", "default");
        h.put("Ce-Metadata", "{\"X-B3-Traceid\":[\"abc\"]}");
        h.put("Content-Type", "application/x-www-form-urlencoded");
        return h;
    }

    static Map<String, String> request(String id) {
        return headers(id, "org.kubeflow.serving.inference.request");
    }

    static Map<String, String> response(String id) {
        return headers(id, "org.kubeflow.serving.inference.response");
    }

    static final String V1_REQUEST = "{\"instances\": [[39, 7, 1, 1, 1, 1, 4, 1, 2174, 0, 40, 9]]}";
    static final String V1_RESPONSE = "{\"predictions\": [0]}";
    static final String V2_REQUEST = """
            {"inputs": [{"name": "input-0", "shape": [2, 3], "datatype": "FP32", "data": [1, 2, 3, 4, 5, 6]}]}""";
    static final String V2_RESPONSE = """
            {"model_name": "adult", "id": "x", "outputs": [
              {"name": "output-0", "shape": [2, 2], "datatype": "FP32", "data": [0.9, 0.1, 0.2, 0.8]}]}""";

    static byte[] gzip(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(s.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
