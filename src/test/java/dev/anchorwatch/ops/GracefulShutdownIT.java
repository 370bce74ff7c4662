package dev.anchorwatch.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.anchorwatch.testsupport.Http;
import dev.anchorwatch.testsupport.PackagedApp;

/**
 * SIGTERM to the packaged app while it explains a logger event: the app stops taking new events (503), finishes
 * the explanation, publishes it (the JSON-lines sink file), answers the delivery 202, and only then exits.
 * The explanation is made slow on purpose: one worker, eight instances in one event.
 */
class GracefulShutdownIT {

    static final String ROWS = "[52, 4, 0, 2, 8, 4, 2, 0, 0, 0, 60, 9], [21, 4, 4, 1, 2, 3, 4, 1, 0, 0, 20, 9], "
            + "[38, 4, 1, 0, 8, 0, 4, 1, 0, 0, 50, 9], [45, 6, 5, 0, 5, 0, 4, 1, 0, 0, 45, 9], "
            + "[29, 4, 6, 1, 1, 1, 4, 0, 0, 0, 40, 9], [61, 5, 3, 0, 3, 0, 4, 1, 0, 0, 35, 9], "
            + "[33, 4, 2, 3, 7, 4, 2, 0, 0, 0, 40, 9], [24, 4, 4, 1, 6, 3, 4, 1, 0, 0, 38, 6]";

    static HttpRequest event(PackagedApp app, String id) {
        return Http.loggerEvent(HttpRequest.newBuilder(app.uri("/")).timeout(Duration.ofMinutes(5)),
                        "http://adult-predictor/", id, "org.kubeflow.serving.inference.request", "adult", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"instances\": [" + ROWS + "]}")).build();
    }

    @Test
    void sigtermMidExplanationPublishesItThenExits() throws Exception {
        Path sink = Path.of("target", "graceful-shutdown-it.jsonl");
        Files.deleteIfExists(sink);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try (PackagedApp app = PackagedApp.start(PackagedApp.JAR, "graceful-shutdown-it", List.of("-Xmx512m"), Map.of(
                "anchorwatch.demo.port", "0",
                "anchorwatch.explain.workers", "1",
                "anchorwatch.sinks.enabled", "log",
                "anchorwatch.sinks.log.file", sink.toString(),
                "anchorwatch.sinks.log.console", "false",
                "anchorwatch.shutdown.drain", "120s",
                // the demo's KernelSHAP explainer answers to its own name only: one explanation per Adult event
                "anchorwatch.demo.shap-model", "adult-shap"))) {
            CompletableFuture<HttpResponse<String>> delivery = http.sendAsync(event(app, "shutdown-1"),
                    HttpResponse.BodyHandlers.ofString());
            awaitBusy(http, app);
            // the log file keeps earlier runs (PackagedApp appends): look only at what this run writes from now on
            long logOffset = Files.size(app.log());
            long termAt = System.nanoTime();
            app.sigterm();

            // new work is refused while the admitted explanation finishes (once the shutdown hook has run)
            long hookDeadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (!Files.readString(app.log()).substring((int) logOffset).contains("stopping: new events are refused")
                    && System.nanoTime() < hookDeadline) {
                Thread.sleep(20);
            }
            HttpResponse<String> late = http.send(event(app, "shutdown-2"), HttpResponse.BodyHandlers.ofString());
            assertEquals(503, late.statusCode(), late.body());

            HttpResponse<String> answered = delivery.get(3, TimeUnit.MINUTES);
            assertEquals(202, answered.statusCode(), answered.body());
            assertTrue(app.process().waitFor(3, TimeUnit.MINUTES), "the app exits after draining");
            double exitSeconds = (System.nanoTime() - termAt) / 1e9;

            List<String> lines = Files.readAllLines(sink);
            assertEquals(1, lines.size(), "exactly the admitted explanation was published: " + lines);
            assertTrue(lines.get(0).contains("shutdown-1") && lines.get(0).contains("dev.anchorwatch.explanation"), lines.get(0));
            String log = Files.readString(app.log());
            assertTrue(log.contains("drained in"), "the drain is logged: see " + app.log());
            assertTrue(log.contains("explanation model=adult inference=shutdown-1 outcome=explained"),
                    "one INFO line for the explanation: see " + app.log());
            System.out.printf("SIGTERM to exit: %.1f s, explanation published before exit%n", exitSeconds);
        }
    }

    /** Waits until the explanation runs (workers busy >= 1 on /q/metrics), so SIGTERM lands mid-explanation. */
    static void awaitBusy(HttpClient http, PackagedApp app) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (System.nanoTime() < deadline) {
            String metrics = http.send(HttpRequest.newBuilder(app.uri("/q/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            for (String line : metrics.split("\n")) {
                if (line.startsWith("anchorwatch_workers_busy") && Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)) >= 1) {
                    return;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the explanation never started");
    }
}
