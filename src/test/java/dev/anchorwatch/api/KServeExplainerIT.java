package dev.anchorwatch.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.anchorwatch.demo.DemoModels;
import dev.anchorwatch.testsupport.LoopbackPostgres;
import dev.anchorwatch.testsupport.PackagedApp;

/**
 * The packaged app started as KServe starts a custom explainer container: program arguments {@code --model_name
 * adult --predictor_host 127.0.0.1:PORT --http_port PORT} (no scheme, as KServe passes a service host), the spec
 * and training data in a directory standing for the storageUri volume, a real V1 predictor on loopback. Then the
 * request KServe's ingress routes to the explainer: {@code POST /v1/models/adult:explain}.
 */
class KServeExplainerIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String ROW0 = "[52, 4, 0, 2, 8, 4, 2, 0, 0, 0, 60, 9]";

    @TempDir
    static Path models;

    static DemoModels predictor;
    static PackagedApp app;
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        predictor = DemoModels.start("127.0.0.1", 0); // serves adult (and others) over KServe V1/V2 HTTP
        try (InputStream in = KServeExplainerIT.class.getClassLoader().getResourceAsStream("demo/adult/adult_train.csv")) {
            Files.copy(in, models.resolve("adult_train.csv"));
        }
        // the storageUri's spec: no name (it is --model_name's), no predictor URL (it is --predictor_host's)
        Files.writeString(models.resolve("explainer.yaml"), """
                type: AnchorTabular
                predictor:
                  protocol: v1
                  max_rows_per_request: 1000
                data:
                  feature_names: [Age, Workclass, Education, Marital Status, Occupation, Relationship, Race, Sex,
                                  Capital Gain, Capital Loss, Hours per week, Country]
                  category_map:
                    1: ["?", Federal-gov, Local-gov, Never-worked, Private, Self-emp-inc, Self-emp-not-inc, State-gov, Without-pay]
                    2: [Associates, Bachelors, Doctorate, Dropout, High School grad, Masters, Prof-School]
                    3: [Married, Never-Married, Separated, Widowed]
                    4: ["?", Admin, Blue-Collar, Military, Other, Professional, Sales, Service, White-Collar]
                    5: [Husband, Not-in-family, Other-relative, Own-child, Unmarried, Wife]
                    6: [Amer-Indian-Eskimo, Asian-Pac-Islander, Black, Other, White]
                    7: [Female, Male]
                    11: ["?", British-Commonwealth, China, Euro_1, Euro_2, Latin-America, Other, SE-Asia, South-America, United-States, Yugoslavia]
                  training: adult_train.csv
                  label_column: label
                """);
        String host = URI.create(predictor.predictorUrl()).getAuthority(); // 127.0.0.1:PORT
        int port = LoopbackPostgres.freeLoopbackPort();
        app = PackagedApp.start(PackagedApp.JAR, "kserve-explainer-it", List.of("-Xmx256m"),
                Map.of("anchorwatch.specs", models.toString()), port, true,
                List.of("--model_name", "adult", "--predictor_host", host, "--http_port", Integer.toString(port),
                        "--workers", "2"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (app != null) {
            app.close();
        }
        if (predictor != null) {
            predictor.close();
        }
    }

    static HttpResponse<String> send(HttpRequest.Builder r) throws Exception {
        return HTTP.send(r.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void explainsWhereKServeRoutesExplainCallingThePredictorItWasGiven() throws Exception {
        long before = predictor.predictorRequests();
        HttpResponse<String> r = send(HttpRequest.newBuilder(app.uri("/v1/models/adult:explain"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"instances\": [" + ROW0 + "]}")));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode e = JSON.readTree(r.body());
        assertEquals("AnchorTabular", e.at("/meta/name").asText());
        assertTrue(e.at("/data/raw/success").asBoolean());
        // the anchor the same forest gives in-process (ExplainResourceTest): this is the model at --predictor_host
        assertEquals("[\"Marital Status = Separated\",\"Relationship = Unmarried\",\"Sex = Female\"]",
                e.at("/data/anchor").toString());
        long calls = e.at("/data/raw/predictor_calls").asLong();
        assertTrue(calls > 0);
        assertTrue(predictor.predictorRequests() - before >= calls, "the explainer called the loopback predictor");
    }

    @Test
    void servesTheInferenceServicesModelOnlyWithoutTheDemo() throws Exception {
        HttpResponse<String> list = send(HttpRequest.newBuilder(app.uri("/v1/models")));
        assertEquals(200, list.statusCode());
        assertEquals("[\"adult\"]", JSON.readTree(list.body()).get("models").toString());
        HttpResponse<String> one = send(HttpRequest.newBuilder(app.uri("/v1/models/adult")));
        assertEquals(200, one.statusCode());
        assertTrue(JSON.readTree(one.body()).get("ready").asBoolean());
        HttpResponse<String> other = send(HttpRequest.newBuilder(app.uri("/v1/models/movie:explain"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"instances\": [\"a fine film\"]}")));
        assertEquals(404, other.statusCode(), other.body());
    }

    @Test
    void aBadCommandLineStopsAtOnceSayingWhy() throws Exception {
        Path log = Path.of("target", "kserve-explainer-bad-args.log");
        Files.deleteIfExists(log);
        Process p = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-jar",
                PackagedApp.JAR.toString(), "--model_name", "adult", "--http_port", "eighty")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue());
        String out = Files.readString(log);
        assertTrue(out.contains("--http_port must be an integer, got eighty"), out);
    }

    @Test
    void aMissingSpecStopsStartUpNamingWhereItLooked(@TempDir Path empty) throws Exception {
        Files.deleteIfExists(Path.of("target", "kserve-explainer-no-spec.log")); // the log of this run only
        int port = LoopbackPostgres.freeLoopbackPort();
        try (PackagedApp bad = PackagedApp.start(PackagedApp.JAR, "kserve-explainer-no-spec", List.of("-Xmx128m"),
                Map.of("anchorwatch.specs", empty.toString()), port, false,
                List.of("--model_name", "adult", "--predictor_host", "127.0.0.1:9", "--http_port",
                        Integer.toString(port)))) {
            assertTrue(bad.process().waitFor(120, TimeUnit.SECONDS), "start-up should fail");
            assertFalse(bad.process().exitValue() == 0);
            String out = Files.readString(bad.log());
            assertTrue(out.contains("holds no ExplainerSpec for model 'adult'"), out);
        }
    }

    @Test
    void aMissingPredictorHostStopsStartUpSayingSo() throws Exception {
        Files.deleteIfExists(Path.of("target", "kserve-explainer-no-host.log")); // the log of this run only
        int port = LoopbackPostgres.freeLoopbackPort();
        try (PackagedApp bad = PackagedApp.start(PackagedApp.JAR, "kserve-explainer-no-host", List.of("-Xmx128m"),
                Map.of("anchorwatch.specs", models.toString()), port, false,
                List.of("--model_name", "adult", "--http_port", Integer.toString(port)))) {
            assertTrue(bad.process().waitFor(120, TimeUnit.SECONDS), "start-up should fail");
            assertFalse(bad.process().exitValue() == 0);
            String out = Files.readString(bad.log());
            assertTrue(out.contains("needs the predictor's host: KServe passes --predictor_host"), out);
        }
    }

    /**
     * A loopback reverse proxy in front of the predictor that records each request's method and path, to see what the
     * explainer called and how.
     */
    static final class RecordingProxy implements AutoCloseable {
        final com.sun.net.httpserver.HttpServer server;
        final List<String> calls = new java.util.concurrent.CopyOnWriteArrayList<>();

        RecordingProxy(String target) throws Exception {
            server = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/", ex -> {
                try (ex) {
                    calls.add(ex.getRequestMethod() + " " + ex.getRequestURI().getPath());
                    byte[] body = ex.getRequestBody().readAllBytes();
                    HttpRequest.Builder forward = HttpRequest.newBuilder(URI.create(target + ex.getRequestURI()))
                            .method(ex.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                                    : HttpRequest.BodyPublishers.ofByteArray(body));
                    ex.getRequestHeaders().forEach((name, values) -> {
                        if (!java.util.Set.of("host", "content-length", "connection", "upgrade", "expect")
                                .contains(name.toLowerCase(java.util.Locale.ROOT))) {
                            values.forEach(v -> forward.header(name, v));
                        }
                    });
                    HttpResponse<byte[]> answer = HTTP.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
                    answer.headers().map().forEach((name, values) -> {
                        if (!java.util.Set.of("content-length", "transfer-encoding", "connection", ":status")
                                .contains(name.toLowerCase(java.util.Locale.ROOT))) {
                            ex.getResponseHeaders().put(name, values);
                        }
                    });
                    ex.sendResponseHeaders(answer.statusCode(), answer.body().length == 0 ? -1 : answer.body().length);
                    ex.getResponseBody().write(answer.body());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            server.start();
        }

        String host() {
            return "127.0.0.1:" + server.getAddress().getPort();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    /**
     * The same container configured by its environment instead of arguments (ANCHORWATCH_KSERVE_MODEL_NAME,
     * ANCHORWATCH_KSERVE_PREDICTOR_HOST, QUARKUS_HTTP_PORT), the spec one file mounted on its own (a ConfigMap key
     * with subPath) that names protocol v2: the explainer calls the Open Inference V2 endpoint of the host it was
     * given, and nothing else, and gives the same explanation as over V1 (same model, same seed).
     */
    @Test
    void environmentEquivalentsAndTheSpecsProtocol(@TempDir Path mounted) throws Exception {
        Files.copy(models.resolve("adult_train.csv"), mounted.resolve("adult_train.csv"));
        Path spec = mounted.resolve("income-spec.yaml");
        Files.writeString(spec, Files.readString(models.resolve("explainer.yaml")).replace("protocol: v1", "protocol: v2"));
        int port = LoopbackPostgres.freeLoopbackPort();
        try (RecordingProxy proxy = new RecordingProxy(predictor.predictorUrl());
                PackagedApp envApp = PackagedApp.start(PackagedApp.JAR, "kserve-explainer-env-it", List.of("-Xmx256m"),
                        Map.of(), port, true, List.of(), Map.of(
                                "ANCHORWATCH_KSERVE_MODEL_NAME", "adult",
                                "ANCHORWATCH_KSERVE_PREDICTOR_HOST", proxy.host(),
                                "QUARKUS_HTTP_PORT", Integer.toString(port),
                                "ANCHORWATCH_SPECS", spec.toString()))) {
            HttpResponse<String> list = send(HttpRequest.newBuilder(envApp.uri("/v1/models")));
            assertEquals("[\"adult\"]", JSON.readTree(list.body()).get("models").toString(), "explainer mode is on");
            HttpResponse<String> r = send(HttpRequest.newBuilder(envApp.uri("/v1/models/adult:explain"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"instances\": [" + ROW0 + "]}")));
            assertEquals(200, r.statusCode(), r.body());
            JsonNode e = JSON.readTree(r.body());
            assertEquals("[\"Marital Status = Separated\",\"Relationship = Unmarried\",\"Sex = Female\"]",
                    e.at("/data/anchor").toString(),
                    "the anchor the same forest gives over V1");
            List<String> infers = proxy.calls.stream().filter(c -> c.startsWith("POST ")).toList();
            assertTrue(!infers.isEmpty(), "the explainer called the host it was given");
            assertTrue(infers.stream().allMatch("POST /v2/models/adult/infer"::equals), infers.toString());
            assertTrue(proxy.calls.stream().noneMatch(c -> c.contains("/v1/")), proxy.calls.toString());
        }
    }
}
