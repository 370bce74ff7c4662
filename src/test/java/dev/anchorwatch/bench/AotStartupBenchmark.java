package dev.anchorwatch.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import dev.anchorwatch.testsupport.LoopbackPostgres;

/**
 * Start-up time and idle RSS of the packaged app on JDK 25, plain JVM against the JDK 25 AOT cache (JEP 483/514/515:
 * {@code -XX:AOTCacheOutput} on a training run, then {@code -XX:AOTCache}), as the two container images would run it
 * (the image's JVM flags and environment: demo off, one ExplainerSpec). Runs alternate (plain, AOT, plain, AOT, ...).
 *
 * <ul>
 * <li>start-up: from process launch to the first 200 UP of {@code /q/health/ready}, polled every 10 ms;</li>
 * <li>idle RSS: {@code VmRSS} of the process 5 s after it is ready, with no traffic.</li>
 * </ul>
 * The training run starts the app, waits until ready, sends a few requests ({@code /q/metrics}, {@code /v1/models},
 * an event that is refused) and stops it with SIGTERM; the JVM writes the cache at exit.
 */
final class AotStartupBenchmark {
    private AotStartupBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path java = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");
        Path jar = Path.of("target/quarkus-app/quarkus-run.jar");
        int runs = 3;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--java" -> java = Path.of(args[++i]);
                case "--jar" -> jar = Path.of(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: run ./mvnw -ntp -DskipTests package first");
        }
        Path cache = Path.of("target", "anchorwatch.aot");
        Files.deleteIfExists(cache);
        long t0 = System.nanoTime();
        Run training = run(java, jar, List.of("-XX:AOTCacheOutput=" + cache), true);
        System.out.printf(Locale.ROOT, "training run: ready in %d ms; cache written in %.1f s total, %d MB%n",
                training.startMs, (System.nanoTime() - t0) / 1e9, Files.size(cache) >> 20);

        List<Run> plain = new ArrayList<>();
        List<Run> aot = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
            plain.add(run(java, jar, List.of(), false));
            aot.add(run(java, jar, List.of("-XX:AOTCache=" + cache, "-XX:AOTMode=on"), false));
            System.out.printf(Locale.ROOT, "run %d: plain %d ms %d MB | AOT %d ms %d MB%n", r + 1,
                    plain.get(r).startMs, plain.get(r).rssKb >> 10, aot.get(r).startMs, aot.get(r).rssKb >> 10);
        }
        System.out.printf(Locale.ROOT, "%s, %d alternating runs each, median: plain JVM ready in %d ms, idle RSS %d MB; "
                        + "AOT cache ready in %d ms, idle RSS %d MB%n", version(java), runs,
                median(plain.stream().mapToLong(x -> x.startMs).toArray()),
                median(plain.stream().mapToLong(x -> x.rssKb).toArray()) >> 10,
                median(aot.stream().mapToLong(x -> x.startMs).toArray()),
                median(aot.stream().mapToLong(x -> x.rssKb).toArray()) >> 10);
    }

    record Run(long startMs, long rssKb) {
    }

    /**
     * The image's JVM flags and environment (application.properties, quarkus.jib.*), as system properties, and one
     * ExplainerSpec (a product needs at least one to be ready): Adult, with the training data shipped in the jar and
     * a predictor that is not called.
     */
    static List<String> imageFlags() throws IOException {
        Path specs = Path.of("target", "aot-bench-specs");
        Files.createDirectories(specs);
        Files.writeString(specs.resolve("income.yaml"), String.join("\n", "name: income", "type: AnchorTabular",
                "predictor:", "  url: http://127.0.0.1:9", "data:", "  training: classpath:demo/adult/adult_train.csv",
                "  label_column: label", ""));
        return List.of("-XX:MaxRAMPercentage=60", "-XX:+ExitOnOutOfMemoryError", "-Danchorwatch.demo.enabled=false",
                "-Danchorwatch.specs=" + specs, "-Danchorwatch.sinks.log.file=target/aot-bench.jsonl",
                "-Danchorwatch.sinks.log.console=false");
    }

    static Run run(Path java, Path jar, List<String> extra, boolean train) throws Exception {
        int port = LoopbackPostgres.freeLoopbackPort();
        List<String> cmd = new ArrayList<>();
        cmd.add(java.toString());
        cmd.addAll(extra);
        cmd.addAll(imageFlags());
        cmd.add("-Dquarkus.http.host=127.0.0.1");
        cmd.add("-Dquarkus.http.port=" + port);
        cmd.add("-jar");
        cmd.add(jar.toString());
        Path log = Path.of("target", "aot-bench.log");
        long start = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
            URI ready = URI.create("http://127.0.0.1:" + port + "/q/health/ready");
            long deadline = start + TimeUnit.MINUTES.toNanos(3);
            while (true) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("the app did not become ready: see " + log);
                }
                try {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200) {
                        break;
                    }
                } catch (IOException e) {
                    // not listening yet
                }
                Thread.sleep(10);
            }
            long startMs = (System.nanoTime() - start) / 1_000_000;
            if (train) {
                for (String path : List.of("/q/metrics", "/v1/models", "/q/health/live")) {
                    http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                            HttpResponse.BodyHandlers.discarding());
                }
                http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                        .header("Ce-Specversion", "1.0").header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.discarding());
                return new Run(startMs, 0);
            }
            Thread.sleep(5000);
            return new Run(startMs, rssKb(p.pid()));
        } finally {
            p.destroy();
            if (!p.waitFor(2, TimeUnit.MINUTES)) {
                p.destroyForcibly().waitFor();
            }
        }
    }

    static long rssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS");
    }

    static long median(long[] v) {
        long[] s = v.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    static String version(Path java) throws Exception {
        Process p = new ProcessBuilder(java.toString(), "-version").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out.lines().skip(1).findFirst().orElse("JDK 25").trim();
    }
}
