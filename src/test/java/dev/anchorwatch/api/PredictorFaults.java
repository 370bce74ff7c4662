package dev.anchorwatch.api;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import com.sun.net.httpserver.HttpServer;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Real predictors that misbehave, for the :explain error paths: one that answers with the wrong number of
 * predictions (a permanent fault, 502) and one that is down (a closed loopback port, 503). Writes specs for
 * both into a directory and points {@code anchorwatch.specs} at it.
 */
public class PredictorFaults implements QuarkusTestResourceLifecycleManager {
    private HttpServer server;
    private Path dir;

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/v1/models/broken:predict", exchange -> {
                exchange.getRequestBody().readAllBytes();
                byte[] body = "{\"predictions\": [0, 1, 0]}".getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.start();
            int closedPort;
            try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                closedPort = s.getLocalPort();
            }
            dir = Files.createTempDirectory("anchorwatch-specs");
            Files.writeString(dir.resolve("broken.yaml"), spec("broken", "http://127.0.0.1:" + server.getAddress().getPort()));
            Files.writeString(dir.resolve("down.yaml"), spec("down", "http://127.0.0.1:" + closedPort));
            return Map.of("anchorwatch.specs", dir.toString(), "anchorwatch.explain.max-instances", "3");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String spec(String name, String url) {
        return """
                name: %s
                type: AnchorTabular
                predictor:
                  url: %s
                  max_attempts: 2
                  timeout: 2s
                data:
                  training: classpath:demo/adult/adult_train.csv
                  label_column: label
                """.formatted(name, url);
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }
}
