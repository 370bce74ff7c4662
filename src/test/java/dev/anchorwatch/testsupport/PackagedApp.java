package dev.anchorwatch.testsupport;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged application ({@code target/quarkus-app/quarkus-run.jar}) as a child JVM on loopback, for tests and
 * benchmarks where process death, signals or a small heap matter. Configured with system properties; its output
 * goes to {@code target/NAME.log}. Closing it (or this JVM exiting) stops it.
 */
public final class PackagedApp implements AutoCloseable {
    /** Where {@code ./mvnw package} leaves the runnable layout; integration tests ({@code *IT}) run after it. */
    public static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");

    private final Process process;
    private final Thread killer;
    private final int port;
    private final Path log;

    private PackagedApp(Process process, Thread killer, int port, Path log) {
        this.process = process;
        this.killer = killer;
        this.port = port;
        this.log = log;
    }

    /**
     * Settings for the app as a Kafka pipeline: the demo explainers (one Anchors explanation per Adult event: the
     * KernelSHAP explainer answers to its own name only), the Kafka ingress reading {@code in} as {@code group} with
     * dead letters to {@code dlq}, and the Kafka sink's topic {@code out}. A mutable, ordered map: callers add the
     * enabled sinks, concurrency and timings of their own.
     */
    public static Map<String, String> kafkaPipelineConfig(String bootstrap, String in, String dlq, String group,
            String out) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("anchorwatch.demo.enabled", "true");
        c.put("anchorwatch.demo.port", "0");
        c.put("anchorwatch.demo.shap-model", "adult-shap");
        c.put("kafka.bootstrap.servers", bootstrap);
        c.put("anchorwatch.sinks.kafka.topic", out);
        c.put("anchorwatch.ingest.kafka.enabled", "true");
        c.put("anchorwatch.ingest.kafka.topic", in);
        c.put("anchorwatch.ingest.kafka.dead-letter-topic", dlq);
        c.put("anchorwatch.ingest.kafka.group-id", group);
        return c;
    }

    /** Starts the app on a free loopback port and waits (up to 3 minutes) until {@code /q/health/ready} is UP. */
    public static PackagedApp start(Path jar, String name, List<String> jvmOptions, Map<String, String> config)
            throws Exception {
        return start(jar, name, jvmOptions, config, LoopbackPostgres.freeLoopbackPort(), true);
    }

    /**
     * Starts the app on the given port (e.g. the port of a killed instance, to restart it in place); waits for
     * readiness only when asked, since a test may want to watch an app that never becomes ready.
     */
    public static PackagedApp start(Path jar, String name, List<String> jvmOptions, Map<String, String> config,
                                    int port, boolean awaitReady) throws Exception {
        return start(jar, name, jvmOptions, config, port, awaitReady, List.of());
    }

    /**
     * As {@link #start(Path, String, List, Map, int, boolean)}, with program arguments after the jar (as KServe starts
     * an explainer container: {@code --model_name m --predictor_host h --http_port p}). When they contain
     * {@code --http_port}, the port comes from them alone (no {@code -Dquarkus.http.port}): the app is then reachable
     * on {@code port} only if it honoured the argument.
     */
    public static PackagedApp start(Path jar, String name, List<String> jvmOptions, Map<String, String> config,
                                    int port, boolean awaitReady, List<String> programArgs) throws Exception {
        return start(jar, name, jvmOptions, config, port, awaitReady, programArgs, Map.of());
    }

    /**
     * As {@link #start(Path, String, List, Map, int, boolean, List)}, with extra environment variables for the child
     * (settings given as a container's {@code env}). When they contain {@code QUARKUS_HTTP_PORT}, the port comes from
     * it alone, as with {@code --http_port}.
     */
    public static PackagedApp start(Path jar, String name, List<String> jvmOptions, Map<String, String> config,
                                    int port, boolean awaitReady, List<String> programArgs, Map<String, String> environment)
            throws Exception {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: run ./mvnw -ntp package (integration tests run after it)");
        }
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(jvmOptions);
        command.add("-Dquarkus.http.host=127.0.0.1");
        if (programArgs.stream().noneMatch(a -> a.startsWith("--http_port")) && !environment.containsKey("QUARKUS_HTTP_PORT")) {
            command.add("-Dquarkus.http.port=" + port);
        }
        config.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.add("-jar");
        command.add(jar.toString());
        command.addAll(programArgs);
        Path log = Path.of("target", name + ".log");
        Files.createDirectories(log.getParent());
        Files.writeString(log, "# " + String.join(" ", command) + "\n",
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        long t0 = System.nanoTime();
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(environment);
        Process process = builder.start();
        Thread killer = new Thread(process::destroyForcibly, "packaged-app-killer");
        Runtime.getRuntime().addShutdownHook(killer);
        PackagedApp app = new PackagedApp(process, killer, port, log);
        if (awaitReady) {
            try {
                app.awaitReady(Duration.ofMinutes(3));
            } catch (Exception e) {
                app.close();
                throw e;
            }
            System.out.printf(Locale.ROOT, "app (%s) pid %d ready on 127.0.0.1:%d in %.1f s, output in %s%n", name,
                    process.pid(), port, (System.nanoTime() - t0) / 1e9, log);
        }
        return app;
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    public int port() {
        return port;
    }

    public Path log() {
        return log;
    }

    public Process process() {
        return process;
    }

    /** Polls {@code /q/health/ready} until it answers 200 with UP. */
    public void awaitReady(Duration max) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest ready = HttpRequest.newBuilder(uri("/q/health/ready")).timeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the app exited with " + process.exitValue() + ": see " + log);
            }
            try {
                HttpResponse<String> r = client.send(ready, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("\"UP\"")) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the app was not ready within " + max + ": see " + log);
    }

    /** SIGTERM, as Kubernetes sends it; returns without waiting. */
    public void sigterm() {
        process.destroy();
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed. Waits until the process is gone. */
    public void sigkill() throws InterruptedException {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }

    /** VmHWM (peak resident set) of the app process, in kB. */
    public long peakRssKb() throws IOException {
        return procStatusKb("VmHWM:");
    }

    /** VmRSS (current resident set) of the app process, in kB. */
    public long rssKb() throws IOException {
        return procStatusKb("VmRSS:");
    }

    private long procStatusKb(String key) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
            if (line.startsWith(key)) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no " + key + " for pid " + process.pid());
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        try {
            Runtime.getRuntime().removeShutdownHook(killer);
        } catch (IllegalStateException e) {
            // already shutting down: the hook runs anyway, harmlessly
        }
    }
}
