package dev.anchorwatch.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import org.junit.jupiter.api.Test;

import dev.anchorwatch.testsupport.Http;
import dev.anchorwatch.testsupport.PackagedApp;

/**
 * Issue 7's memory test: the packaged app with a 256 MiB heap under, at once, gzip bombs (20 KB that inflate to
 * tens of MB), a flood of response events with unique ids and large bodies, bodies of the largest accepted size,
 * and requests of the largest accepted number of instances. Only 2xx, 413 and 429 may come back; no
 * OutOfMemoryError; liveness answers during the flood; afterwards the app is alive and a normal explanation works.
 */
class MemoryIT {

    static final String SOURCE = "http://memory-it/";

    static HttpRequest event(PackagedApp app, String id, String type, byte[] body) {
        return Http.loggerEvent(HttpRequest.newBuilder(app.uri("/")).timeout(Duration.ofMinutes(2)),
                        SOURCE, id, type, "adult", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    }

    /** Valid JSON of about {@code bytes} bytes: one V1 instance padded with a long string feature. */
    static byte[] bigRequest(int bytes) {
        StringBuilder b = new StringBuilder(bytes + 64).append("{\"instances\": [[");
        while (b.length() < bytes) {
            b.append("1,");
        }
        return b.append("1]]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aSmallHeapSurvivesBombsFloodsAndMaximumRequests() throws Exception {
        byte[] bomb = SoakGzip.gzip(bigRequest(40 << 20)); // 40 MB of JSON numbers, past the 20 MiB inflated cap
        byte[] underCap = SoakGzip.gzip(bigRequest(18 << 20)); // inflates under the cap; its parse would not fit
        byte[] maxBody = bigRequest((10 << 20) - 64); // the largest accepted body, as sent
        StringBuilder predictions = new StringBuilder("{\"predictions\": [");
        for (int i = 0; i < 20_000; i++) {
            predictions.append(i == 0 ? "" : ",").append("[0.25, 0.75]");
        }
        byte[] response = predictions.append("]}").toString().getBytes(StandardCharsets.UTF_8); // ~260 KB
        StringBuilder rows = new StringBuilder("{\"instances\": [");
        for (int i = 0; i < 32; i++) {
            rows.append(i == 0 ? "" : ",").append("[").append(20 + i).append(", 4, 0, 2, 8, 4, 2, 0, 0, 0, 40, 9]");
        }
        byte[] maxInstances = rows.append("]}").toString().getBytes(StandardCharsets.UTF_8);
        System.out.printf(Locale.ROOT, "bomb %d bytes, under-cap gzip %d bytes, max body %d bytes, response %d bytes%n",
                bomb.length, underCap.length, maxBody.length, response.length);

        try (PackagedApp app = PackagedApp.start(PackagedApp.JAR, "memory-it", List.of("-Xmx256m"), Map.of(
                "anchorwatch.demo.port", "0",
                "anchorwatch.sinks.enabled", "log",
                "anchorwatch.sinks.log.file", "target/memory-it-explanations.jsonl",
                "anchorwatch.sinks.log.console", "false"))) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(10)).build();
            Map<String, Map<Integer, LongAdder>> statuses = new ConcurrentHashMap<>();
            AtomicInteger ids = new AtomicInteger();
            long end = System.nanoTime() + Duration.ofSeconds(40).toNanos();
            ExecutorService pool = Executors.newFixedThreadPool(14);
            List<Future<?>> clients = new ArrayList<>();
            record Kind(String name, int clients, String type, byte[] body) {
            }
            for (Kind k : List.of(new Kind("bomb", 4, InferenceEvent.REQUEST_TYPE, bomb),
                    new Kind("under-cap", 2, InferenceEvent.REQUEST_TYPE, underCap),
                    new Kind("max-body", 2, InferenceEvent.REQUEST_TYPE, maxBody),
                    new Kind("responses", 4, InferenceEvent.RESPONSE_TYPE, response),
                    new Kind("32-instances", 2, InferenceEvent.REQUEST_TYPE, maxInstances))) {
                for (int c = 0; c < k.clients(); c++) {
                    clients.add(pool.submit(() -> {
                        while (System.nanoTime() < end) {
                            int status;
                            try {
                                status = http.send(event(app, k.name() + "-" + ids.incrementAndGet(), k.type(), k.body()),
                                        HttpResponse.BodyHandlers.discarding()).statusCode();
                            } catch (java.io.IOException e) {
                                status = -1; // the server closed a refused upload early
                            }
                            statuses.computeIfAbsent(k.name(), x -> new ConcurrentHashMap<>())
                                    .computeIfAbsent(status, x -> new LongAdder()).increment();
                        }
                        return null;
                    }));
                }
            }
            // liveness while the floods run
            List<Long> liveMs = new ArrayList<>();
            while (System.nanoTime() < end) {
                long t0 = System.nanoTime();
                HttpResponse<String> live = http.send(HttpRequest.newBuilder(app.uri("/q/health/live"))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, live.statusCode(), live.body());
                liveMs.add((System.nanoTime() - t0) / 1_000_000);
                Thread.sleep(1000);
            }
            for (Future<?> f : clients) {
                f.get(3, TimeUnit.MINUTES);
            }
            pool.shutdown();
            Map<String, Map<Integer, Long>> seen = new TreeMap<>();
            statuses.forEach((k, v) -> {
                Map<Integer, Long> m = new TreeMap<>();
                v.forEach((s, n) -> m.put(s, n.sum()));
                seen.put(k, m);
            });
            liveMs.sort(null);
            System.out.printf(Locale.ROOT, "statuses by kind: %s%nliveness during the floods: %d probes, median %d ms, max %d ms%n",
                    seen, liveMs.size(), liveMs.get(liveMs.size() / 2), liveMs.get(liveMs.size() - 1));
            System.out.printf(Locale.ROOT, "peak RSS %d MB%n", app.peakRssKb() / 1024);

            seen.forEach((kind, m) -> m.keySet().forEach(status -> assertTrue(
                    status / 100 == 2 || status == 413 || status == 429 || status == -1, kind + " got " + status + ": " + seen)));
            assertTrue(seen.get("bomb").keySet().stream().allMatch(s -> s == 413 || s == 429 || s == -1), seen.toString());
            assertTrue(seen.get("max-body").keySet().stream().allMatch(s -> s == 413 || s == 429 || s == -1), seen.toString());
            assertTrue(seen.get("responses").getOrDefault(202, 0L) > 0, seen.toString());

            assertTrue(app.process().isAlive());
            assertEquals(200, http.send(HttpRequest.newBuilder(app.uri("/q/health/live")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
            HttpResponse<String> normal = http.send(HttpRequest.newBuilder(app.uri("/v1/models/adult:explain"))
                    .timeout(Duration.ofMinutes(2)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"instances\": [[52, 4, 0, 2, 8, 4, 2, 0, 0, 0, 60, 9]]}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, normal.statusCode(), normal.body());
            assertTrue(normal.body().contains("\"anchor\""), normal.body());
            String log = Files.readString(app.log());
            assertFalse(log.contains("OutOfMemoryError"), "the app ran out of memory: see " + app.log());
        }
    }

    /** gzip, for the test's bodies. */
    static final class SoakGzip {
        static byte[] gzip(byte[] b) throws java.io.IOException {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(out)) {
                gz.write(b);
            }
            return out.toByteArray();
        }
    }
}
