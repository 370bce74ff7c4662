package dev.anchorwatch.bench;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import dev.anchorwatch.testsupport.Http;
import dev.anchorwatch.testsupport.PackagedApp;

/**
 * Soak: the packaged app at saturation on loopback for a fixed time (default 10 minutes), fed KServe logger events
 * over HTTP by more clients than it has explanation places: each client posts a response event then its request
 * event (unique ids), and every tenth request is gzipped. Bounded in time and count: it stops at
 * {@code --duration} or {@code --max-events}, whichever comes first. Prints, per sampling interval: events answered,
 * 2xx/s, share of 429, heap used (from /q/metrics) and RSS (from /proc); and at the end: throughput, p50/p99 of
 * the 2xx requests, the 429 rate and every status seen.
 *
 * <pre>
 * ./mvnw -ntp -q -DskipTests package
 * ./mvnw -ntp -q -Pbench test-compile exec:java -Dbench=soak -Dbench.args="--duration 10m --clients 8"
 * </pre>
 */
public final class SoakBenchmark {

    private SoakBenchmark() {
    }

    static final String REQUEST = "{\"instances\": [[%d, 4, 0, 2, 8, 4, 2, 0, 0, 0, %d, 9]]}";

    public static void main(String[] args) throws Exception {
        Duration duration = Duration.ofMinutes(10);
        Duration every = Duration.ofSeconds(30);
        int clients = 8;
        long maxEvents = 2_000_000;
        String heap = "512m";
        Path jar = PackagedApp.JAR;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--duration" -> duration = parse(args[++i]);
                case "--every" -> every = parse(args[++i]);
                case "--clients" -> clients = Integer.parseInt(args[++i]);
                case "--max-events" -> maxEvents = Long.parseLong(args[++i]);
                case "--heap" -> heap = args[++i];
                case "--jar" -> jar = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Map<String, String> config = new HashMap<>();
        config.put("anchorwatch.demo.port", "0");
        // Anchors only, as the figures in docs/reliability.md: the demo's default also explains every Adult event
        // with KernelSHAP (207,301 model rows each), which is another workload
        config.put("anchorwatch.demo.shap-model", "adult-shap");
        config.put("anchorwatch.sinks.enabled", "log");
        config.put("anchorwatch.sinks.log.file", "target/soak-explanations.jsonl");
        config.put("anchorwatch.sinks.log.console", "false");
        config.put("quarkus.log.category.\"dev.anchorwatch\".level", "WARN");
        try (PackagedApp app = PackagedApp.start(jar, "bench-soak", List.of("-Xmx" + heap), config)) {
            run(app, duration, every, clients, maxEvents, heap);
        }
    }

    static Duration parse(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        if (t.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
        }
        long n = Long.parseLong(t.substring(0, t.length() - 1));
        return switch (t.charAt(t.length() - 1)) {
            case 's' -> Duration.ofSeconds(n);
            case 'm' -> Duration.ofMinutes(n);
            case 'h' -> Duration.ofHours(n);
            default -> throw new IllegalArgumentException("duration like 90s, 10m: " + s);
        };
    }

    static void run(PackagedApp app, Duration duration, Duration every, int clients, long maxEvents, String heap)
            throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
        LongAdder answered = new LongAdder();
        LongAdder busy = new LongAdder();
        LongAdder ok = new LongAdder();
        AtomicLong ids = new AtomicLong();
        // requests sent and not yet answered: id and type -> when sent (to name any that outlive the run)
        Map<String, Long> open = new ConcurrentHashMap<>();
        Map<String, LongAdder> errors = new ConcurrentHashMap<>();
        // 2xx request latencies (ms), bounded: at most one per event, and the count is bounded by maxEvents
        List<long[]> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
        long end = System.nanoTime() + duration.toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        for (int c = 0; c < clients; c++) {
            pool.submit(() -> {
                long[] mine = new long[1 << 16];
                int n = 0;
                while (System.nanoTime() < end && ids.get() < maxEvents) {
                    long id = ids.incrementAndGet();
                    String inference = "soak-" + id;
                    try {
                        send(http, app, inference, "org.kubeflow.serving.inference.response", "{\"predictions\": [0]}"
                                .getBytes(), statuses, answered, busy, ok, open);
                        byte[] body = String.format(Locale.ROOT, REQUEST, 20 + id % 50, 20 + id % 40).getBytes();
                        boolean gz = id % 10 == 0;
                        long t0 = System.nanoTime();
                        int status = send(http, app, inference, "org.kubeflow.serving.inference.request",
                                gz ? gzip(body) : body, statuses, answered, busy, ok, open);
                        if (status / 100 == 2) {
                            if (n == mine.length) {
                                latencies.add(mine);
                                mine = new long[mine.length];
                                n = 0;
                            }
                            mine[n++] = (System.nanoTime() - t0) / 1_000_000;
                        } else if (status == 429) {
                            Thread.sleep(50); // a broker would back off too (Retry-After), but less politely
                        }
                    } catch (Exception e) {
                        statuses.computeIfAbsent(-1, k -> new LongAdder()).increment();
                        errors.computeIfAbsent(e.getClass().getSimpleName(), k -> new LongAdder()).increment();
                    }
                }
                latencies.add(java.util.Arrays.copyOf(mine, n));
                return null;
            });
        }
        // no more tasks: the pool terminates as soon as every client has had its last answer (without this,
        // awaitTermination below waited for the grace period's shutdownNow, which looked like unanswered requests)
        pool.shutdown();
        long t0 = System.nanoTime();
        System.out.printf(Locale.ROOT, "soak: %d clients, %s, heap -Xmx%s, app pid %d%n", clients, duration, heap,
                app.process().pid());
        System.out.println("   t(s)  answered   2xx/s   429%  heap(MB)  RSS(MB)");
        long lastAnswered = 0;
        long lastOk = 0;
        long lastBusy = 0;
        List<double[]> samples = new ArrayList<>();
        boolean dumped = false;
        while (!pool.awaitTermination(every.toMillis(), TimeUnit.MILLISECONDS)) {
            if (!dumped && System.nanoTime() > end + Duration.ofSeconds(30).toNanos()) {
                dumped = true;
                reportOpen(app, open);
            }
            samples.add(sample(app, http, t0, every, answered, ok, busy, lastAnswered, lastOk, lastBusy));
            lastAnswered = answered.sum();
            lastOk = ok.sum();
            lastBusy = busy.sum();
            if (System.nanoTime() > end + Duration.ofMinutes(2).toNanos()) {
                pool.shutdownNow();
            }
        }
        samples.add(sample(app, http, t0, every, answered, ok, busy, lastAnswered, lastOk, lastBusy));
        double seconds = (System.nanoTime() - t0) / 1e9;
        int total = latencies.stream().mapToInt(a -> a.length).sum();
        double[] all = new double[total];
        int at = 0;
        for (long[] a : latencies) {
            for (long v : a) {
                all[at++] = v;
            }
        }
        java.util.Arrays.sort(all);
        System.out.printf(Locale.ROOT, "requests explained (2xx): %d in %.0f s = %.2f/s; p50 %.0f ms, p99 %.0f ms%n", total,
                seconds, total / seconds, Stats.quantile(all, 0.5), Stats.quantile(all, 0.99));
        System.out.printf(Locale.ROOT, "events answered: %d (%.1f/s), 429: %.1f%%, statuses %s%s%n", answered.sum(),
                answered.sum() / seconds, 100.0 * busy.sum() / Math.max(1, answered.sum()), new java.util.TreeMap<>(statuses),
                errors.isEmpty() ? "" : " (-1: no answer: " + new java.util.TreeMap<>(errors) + ")");
        System.out.printf(Locale.ROOT, "heap used MB first/last/max %.0f/%.0f/%.0f; RSS MB first/last/max %.0f/%.0f/%.0f; peak RSS %d MB%n",
                samples.get(0)[0], samples.get(samples.size() - 1)[0], samples.stream().mapToDouble(s -> s[0]).max().orElse(0),
                samples.get(0)[1], samples.get(samples.size() - 1)[1], samples.stream().mapToDouble(s -> s[1]).max().orElse(0),
                app.peakRssKb() / 1024);
        HttpResponse<String> live = http.send(HttpRequest.newBuilder(app.uri("/q/health/live")).build(),
                HttpResponse.BodyHandlers.ofString());
        System.out.println("liveness afterwards: " + live.statusCode());
    }

    private static double[] sample(PackagedApp app, HttpClient http, long t0, Duration every, LongAdder answered,
                                   LongAdder ok, LongAdder busy, long lastAnswered, long lastOk, long lastBusy) {
        double heapMb = -1;
        double rssMb = -1;
        try {
            String metrics = http.send(HttpRequest.newBuilder(app.uri("/q/metrics")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            double heap = 0;
            for (String line : metrics.split("\n")) {
                if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                    heap += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            heapMb = heap / (1 << 20);
            rssMb = app.rssKb() / 1024.0;
        } catch (Exception e) {
            // printed as -1
        }
        long a = answered.sum() - lastAnswered;
        double okPerS = (ok.sum() - lastOk) / (double) every.toSeconds();
        double busyShare = a == 0 ? 0 : 100.0 * (busy.sum() - lastBusy) / a;
        System.out.printf(Locale.ROOT, "%7.0f %9d %7.2f %6.1f %9.0f %8.0f%n", (System.nanoTime() - t0) / 1e9, answered.sum(),
                okPerS, busyShare, heapMb, rssMb);
        return new double[] { heapMb, rssMb };
    }

    /**
     * Requests still unanswered 30 s after the run's end: each with its age, and thread dumps of the app (jcmd) and of
     * the clients, saved under target/, so that a stall can be told from a slow answer and placed.
     */
    static void reportOpen(PackagedApp app, Map<String, Long> open) {
        long now = System.nanoTime();
        System.out.printf(Locale.ROOT, "still unanswered 30 s after the end: %d request(s)%n", open.size());
        open.forEach((what, since) -> System.out.printf(Locale.ROOT, "  %s sent %.0f s ago%n", what, (now - since) / 1e9));
        try {
            Path appDump = Path.of("target", "soak-threads-app.txt");
            new ProcessBuilder("jcmd", Long.toString(app.process().pid()), "Thread.print").redirectErrorStream(true)
                    .redirectOutput(appDump.toFile()).start().waitFor(30, TimeUnit.SECONDS);
            StringBuilder mine = new StringBuilder();
            Thread.getAllStackTraces().forEach((t, stack) -> {
                mine.append('"').append(t.getName()).append("\" ").append(t.getState()).append('\n');
                for (StackTraceElement e : stack) {
                    mine.append("    at ").append(e).append('\n');
                }
            });
            Path clientDump = Path.of("target", "soak-threads-clients.txt");
            java.nio.file.Files.writeString(clientDump, mine);
            System.out.println("  thread dumps: " + appDump + ", " + clientDump);
        } catch (Exception e) {
            System.out.println("  thread dumps failed: " + e);
        }
    }

    static int send(HttpClient http, PackagedApp app, String id, String type, byte[] body, Map<Integer, LongAdder> statuses,
                    LongAdder answered, LongAdder busy, LongAdder ok, Map<String, Long> open) throws Exception {
        HttpRequest request = Http.loggerEvent(HttpRequest.newBuilder(app.uri("/")).timeout(Duration.ofMinutes(3)),
                        "http://soak/", id, type, "adult", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        String key = id + " " + type.substring(type.lastIndexOf('.') + 1);
        open.put(key, System.nanoTime());
        int status;
        try {
            status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } finally {
            open.remove(key);
        }
        statuses.computeIfAbsent(status, k -> new LongAdder()).increment();
        answered.increment();
        if (status == 429) {
            busy.increment();
        }
        if (status / 100 == 2 && type.endsWith("request")) {
            ok.increment();
        }
        return status;
    }

    static byte[] gzip(byte[] b) throws java.io.IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(out)) {
            gz.write(b);
        }
        return out.toByteArray();
    }
}
