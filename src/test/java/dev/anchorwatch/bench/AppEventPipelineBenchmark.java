package dev.anchorwatch.bench;

import static dev.anchorwatch.bench.EventPipelineBenchmark.gzip;
import static dev.anchorwatch.bench.EventPipelineBenchmark.post;
import static dev.anchorwatch.bench.Stats.quantile;
import static dev.anchorwatch.bench.EventPipelineBenchmark.request;
import static dev.anchorwatch.bench.EventPipelineBenchmark.response;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.anchorwatch.bench.EventPipelineBenchmark.Result;
import dev.anchorwatch.ingest.InferenceEvent;
import dev.anchorwatch.publish.ExplanationRecord;
import dev.anchorwatch.testsupport.InJvmKafka;
import dev.anchorwatch.testsupport.KafkaLoggerEvents;
import dev.anchorwatch.testsupport.LoopbackPostgres;
import dev.anchorwatch.testsupport.PackagedApp;

/**
 * The event pipeline end to end through the packaged application ({@code target/quarkus-app/quarkus-run.jar}),
 * with no stand-ins: Quarkus REST on the HTTP ingress, the SmallRye Kafka connector on the Kafka ingress, the
 * demo model served by the app itself. This process starts the in-JVM Kafka broker and the embedded PostgreSQL,
 * then runs the app as a child JVM, once per scenario:
 * <ul>
 * <li>(a) HTTP ingress -> Kafka sink: KServe logger events POSTed to the app's {@code /} (binary mode, {@code Ce-}
 * headers, form-urlencoded, gzip); latency from sending the request event to the explanation record's arrival at
 * a consumer of the output topic in this process;</li>
 * <li>(b) Kafka ingress -> PostgreSQL sink: the same events as {@code ce_} records on the ingress topic; latency
 * from producing the request event to its row being visible in PostgreSQL (polled by inference id).</li>
 * </ul>
 * Explanation time is the explainer's own {@code data.raw.elapsed_ms} in the published explanation (the Anchors
 * search with its predictor calls). Inference ids and rows are those of {@link EventPipelineBenchmark}, so both
 * benchmarks explain the same rows with the same seeds. Peak RSS is the app's {@code VmHWM}, read before it is
 * stopped.
 */
public final class AppEventPipelineBenchmark {

    static final String OUT_TOPIC = "bench.explanations";
    static final String IN_TOPIC = "bench.inference-events";
    private static final ObjectMapper JSON = new ObjectMapper();

    private AppEventPipelineBenchmark() {
    }

    /**
     * One inference's figures, in ms; NaN where the scenario has none.
     *
     * @param latencyMs       request event sent -> explanation seen in the sink
     * @param explainMs       the explainer's own {@code data.raw.elapsed_ms}
     * @param responseReplyMs (a) round trip of the response event (decoded and paired, nothing explained)
     * @param requestReplyMs  (a) request event sent -> the app's 202
     * @param pollWindowMs    (b) from the start of the last poll that missed the row to the end of the one that found it
     * @param callMs          (b) the row's {@code timings.explain}: the event explainer's call, dispatch included
     */
    record Sample(double latencyMs, double explainMs, double responseReplyMs, double requestReplyMs, double pollWindowMs,
            double callMs) {
    }

    interface Inference {
        Sample run(String id, int[] row) throws Exception;
    }

    /** A scenario's figures, its measured samples, and the app's peak RSS. */
    record Run(Result result, Sample[] samples, long appPeakRssKb) {
        double[] each(java.util.function.ToDoubleFunction<Sample> f) {
            return Arrays.stream(samples).mapToDouble(f).toArray();
        }
    }

    public static void main(String[] args) throws Exception {
        int events = 60;
        int warmup = 10;
        int concurrency = 2;
        Path jar = Path.of("target", "quarkus-app", "quarkus-run.jar");
        String scenario = "both";
        Map<String, String> extra = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--events" -> events = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--concurrency" -> concurrency = Integer.parseInt(args[++i]);
                case "--jar" -> jar = Path.of(args[++i]);
                case "--scenario" -> scenario = args[++i];
                case "--set" -> {
                    String[] kv = args[++i].split("=", 2);
                    extra.put(kv[0], kv[1]);
                }
                default -> throw new IllegalArgumentException("usage: events-app [--events N] [--warmup N] "
                        + "[--concurrency N] [--jar PATH] [--scenario both|http|kafka] [--set APP_PROPERTY=VALUE]...");
            }
        }
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " not found: package the app first (./mvnw -Pbench -DskipTests package)");
        }
        EventPipelineBenchmark.quietLogs();
        System.out.printf(Locale.ROOT, "Event pipeline benchmark, packaged app: %d events (+%d warm-up) per scenario, "
                + "%d in flight, %d cores, Java %s, load average %s%n", events, warmup, concurrency,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), loadAverage());

        List<int[]> rows = EventPipelineBenchmark.adultRows(events + warmup);
        Map<String, Run> runs = new LinkedHashMap<>();
        try (InJvmKafka kafka = InJvmKafka.start(); LoopbackPostgres postgres = LoopbackPostgres.start()) {
            String bootstrap = kafka.bootstrapServers();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                admin.createTopics(List.of(new NewTopic(OUT_TOPIC, 1, (short) 1), new NewTopic(IN_TOPIC, 1, (short) 1)))
                        .all().get(30, TimeUnit.SECONDS);
            }
            Map<String, String> common = new LinkedHashMap<>();
            common.put("quarkus.http.host", "127.0.0.1");
            common.put("anchorwatch.demo.host", "127.0.0.1");
            common.put("anchorwatch.demo.port", "0");
            common.put("kafka.bootstrap.servers", bootstrap);
            common.put("anchorwatch.sinks.kafka.topic", OUT_TOPIC);
            common.put("anchorwatch.ingest.kafka.topic", IN_TOPIC);
            common.put("anchorwatch.ingest.kafka.group-id", "anchorwatch-bench");
            common.put("anchorwatch.ingest.kafka.concurrency", Integer.toString(concurrency));
            common.put("quarkus.console.color", "false");
            // Anchors only, the workload of its figures: the demo's default also explains every Adult event with
            // KernelSHAP (seconds each), and each inference id would then have two rows
            common.put("anchorwatch.demo.shap-model", "adult-shap");
            common.putAll(extra);

            if (!scenario.equals("kafka")) {
                Map<String, String> config = new LinkedHashMap<>(common);
                config.putIfAbsent("anchorwatch.sinks.enabled", "kafka");
                config.putIfAbsent("anchorwatch.ingest.kafka.enabled", "false");
                try (PackagedApp app = PackagedApp.start(jar, "bench-events-app-http", List.of(), config)) {
                    runs.put("HTTP ingress -> Kafka sink",
                            httpToKafka(app, rows, warmup, concurrency, bootstrap));
                }
            }
            if (!scenario.equals("http")) {
                Map<String, String> config = new LinkedHashMap<>(common);
                config.putIfAbsent("anchorwatch.sinks.enabled", "postgres");
                config.putIfAbsent("anchorwatch.ingest.kafka.enabled", "true");
                config.put("quarkus.datasource.jdbc.url", postgres.jdbcUrl());
                config.put("quarkus.datasource.username", LoopbackPostgres.USER);
                config.put("quarkus.datasource.password", LoopbackPostgres.PASSWORD);
                config.put("quarkus.datasource.active", "true");
                try (PackagedApp app = PackagedApp.start(jar, "bench-events-app-kafka", List.of(), config)) {
                    runs.put("Kafka ingress -> PostgreSQL sink",
                            kafkaToPostgres(app, rows, warmup, concurrency, bootstrap, postgres));
                }
            }
        }

        System.out.println();
        System.out.println("| scenario | explanations/s | p50 latency | p99 latency | p50 explanation | plumbing overhead | app peak RSS |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|");
        runs.forEach((name, run) -> {
            Result r = run.result();
            System.out.printf(Locale.ROOT, "| %s | %.2f | %.0f ms | %.0f ms | %.0f ms | %.1f%% | %d MB |%n", name,
                    r.perSecond(), quantile(r.e2eMs(), 0.5), quantile(r.e2eMs(), 0.99), quantile(r.explainMs(), 0.5),
                    100 * r.overhead(), run.appPeakRssKb() / 1024);
        });
        System.out.println();
        runs.forEach((name, run) -> {
            double[] plumbing = run.each(x -> x.latencyMs() - x.explainMs());
            System.out.printf(Locale.ROOT, "%s: plumbing (latency - explanation) per event p50 %.1f ms, mean %.1f ms, "
                    + "p99 %.1f ms%n", name, quantile(plumbing, 0.5), Arrays.stream(plumbing).average().orElse(0),
                    quantile(plumbing, 0.99));
        });
        Run http = runs.get("HTTP ingress -> Kafka sink");
        if (http != null) {
            System.out.printf(Locale.ROOT, "(a) response event (decoded and paired, nothing explained) answered p50 %.1f ms "
                    + "after sending; request event answered 202 (after the Kafka ack) p50 %.1f ms after sending, and "
                    + "this process's consumer got the explanation p50 %+.1f ms after that answer%n",
                    quantile(http.each(Sample::responseReplyMs), 0.5), quantile(http.each(Sample::requestReplyMs), 0.5),
                    quantile(http.each(x -> x.latencyMs() - x.requestReplyMs()), 0.5));
        }
        Run kafka = runs.get("Kafka ingress -> PostgreSQL sink");
        if (kafka != null) {
            System.out.printf(Locale.ROOT, "(b) latency ends when a poll (every 5 ms) finds the row; it was committed between "
                    + "the start of the last empty poll and then, a window of %.1f ms on average, so latencies overstate "
                    + "by about half of that%n", Arrays.stream(kafka.each(Sample::pollWindowMs)).average().orElse(0));
            Result r = kafka.result();
            double[] call = kafka.each(Sample::callMs);
            Result byCall = new Result(r.name(), r.events(), r.seconds(), r.e2eMs(), call);
            System.out.printf(Locale.ROOT, "(b) the row's timings.explain (the explainer call, dispatch included): p50 %.0f ms; "
                    + "taken as the explanation time, the plumbing overhead is %.1f%%%n", quantile(call, 0.5),
                    100 * byCall.overhead());
        }
    }

    // ------------------------------------------------------------------ (a) HTTP ingress -> Kafka sink

    static Run httpToKafka(PackagedApp app, List<int[]> rows, int warmup, int concurrency, String bootstrap) throws Exception {
        URI uri = app.uri("/");
        // HTTP/1.1 as KServe's logger (Go) posts over http://, without the JDK client's h2c upgrade attempt
        ExecutorService clientThreads = Executors.newFixedThreadPool(concurrency);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(clientThreads).build();
        try (OutputTopic out = new OutputTopic(bootstrap, OUT_TOPIC)) {
            Result[] result = new Result[1];
            Sample[] samples = closedLoop("HTTP ingress -> Kafka sink", rows, warmup, concurrency, "h", result, (id, row) -> {
                CompletableFuture<OutputTopic.Arrival> arrival = out.expect(id);
                byte[] responseBody = gzip(response(row));
                long responseSent = System.nanoTime();
                post(client, uri, id, InferenceEvent.RESPONSE_TYPE, responseBody);
                double responseReply = (System.nanoTime() - responseSent) / 1e6;
                byte[] body = gzip(request(row));
                long sent = System.nanoTime();
                post(client, uri, id, InferenceEvent.REQUEST_TYPE, body);
                long answered = System.nanoTime();
                OutputTopic.Arrival a = arrival.get(120, TimeUnit.SECONDS);
                if (!ExplanationRecord.TYPE_EXPLANATION.equals(a.type())) {
                    throw new IllegalStateException(id + ": " + a.type() + " " + new String(a.body(), StandardCharsets.UTF_8));
                }
                double elapsed = JSON.readTree(a.body()).at("/data/raw/elapsed_ms").asDouble(Double.NaN);
                return new Sample((a.nanos() - sent) / 1e6, elapsed, responseReply, (answered - sent) / 1e6, Double.NaN,
                        Double.NaN);
            });
            return new Run(result[0], samples, app.peakRssKb());
        } finally {
            clientThreads.shutdown();
        }
    }

    /** A consumer of the explanation topic in this process: when each inference's explanation arrived. */
    static final class OutputTopic implements AutoCloseable {
        record Arrival(long nanos, String type, byte[] body) {
        }

        private final KafkaConsumer<byte[], byte[]> consumer;
        private final Map<String, CompletableFuture<Arrival>> arrivals = new ConcurrentHashMap<>();
        private final Thread thread;
        private volatile boolean running = true;

        OutputTopic(String bootstrap, String topic) {
            consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap, "enable.auto.commit", "false",
                    "group.id", "bench-reader"), new ByteArrayDeserializer(), new ByteArrayDeserializer());
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            thread = new Thread(this::poll, "bench-output-topic");
            thread.start();
        }

        CompletableFuture<Arrival> expect(String inferenceId) {
            return arrivals.computeIfAbsent(inferenceId, k -> new CompletableFuture<>());
        }

        private void poll() {
            try {
                while (running) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofSeconds(1))) {
                        long now = System.nanoTime();
                        String subject = KafkaLoggerEvents.header(r, "ce_subject");
                        expect(subject).complete(new Arrival(now, KafkaLoggerEvents.header(r, "ce_type"), r.value()));
                    }
                }
            } catch (WakeupException e) {
                // closing
            } finally {
                consumer.close(Duration.ofSeconds(5));
            }
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            consumer.wakeup();
            thread.join(10_000);
        }
    }

    // ------------------------------------------------------------------ (b) Kafka ingress -> PostgreSQL sink

    static Run kafkaToPostgres(PackagedApp app, List<int[]> rows, int warmup, int concurrency, String bootstrap,
            LoopbackPostgres postgres) throws Exception {
        BlockingQueue<Connection> connections = new ArrayBlockingQueue<>(concurrency);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap,
                "acks", "all", "linger.ms", 0), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < concurrency; i++) {
                connections.add(postgres.dataSource().getConnection());
            }
            Result[] result = new Result[1];
            Sample[] samples = closedLoop("Kafka ingress -> PostgreSQL sink", rows, warmup, concurrency, "k", result, (id, row) -> {
                Connection c = connections.take();
                try (PreparedStatement q = c.prepareStatement("SELECT type, (body #>> '{data,raw,elapsed_ms}')::float8, "
                        + "(timings ->> 'explain')::float8 FROM explanation WHERE inference_id = ?")) {
                    q.setString(1, id);
                    EventPipelineBenchmark.send(producer, IN_TOPIC, id, InferenceEvent.RESPONSE_TYPE, gzip(response(row)));
                    byte[] body = gzip(request(row));
                    long sent = System.nanoTime();
                    EventPipelineBenchmark.send(producer, IN_TOPIC, id, InferenceEvent.REQUEST_TYPE, body);
                    long lastMiss = sent;
                    long deadline = sent + TimeUnit.SECONDS.toNanos(120);
                    while (true) {
                        long start = System.nanoTime();
                        try (ResultSet rs = q.executeQuery()) {
                            long end = System.nanoTime();
                            if (rs.next()) {
                                if (!ExplanationRecord.TYPE_EXPLANATION.equals(rs.getString(1))) {
                                    throw new IllegalStateException(id + ": " + rs.getString(1));
                                }
                                return new Sample((end - sent) / 1e6, rs.getDouble(2), Double.NaN, Double.NaN,
                                        (end - lastMiss) / 1e6, rs.getDouble(3));
                            }
                        }
                        if (start > deadline) {
                            throw new IllegalStateException(id + ": no row after 120 s");
                        }
                        lastMiss = start;
                        Thread.sleep(5);
                    }
                } finally {
                    connections.add(c);
                }
            });
            return new Run(result[0], samples, app.peakRssKb());
        } finally {
            for (Connection c : connections) {
                c.close();
            }
        }
    }

    // ------------------------------------------------------------------ common

    /**
     * Closed loop: {@code concurrency} workers, each running one inference at a time, rows in order; the first
     * {@code warmup} are not measured. Returns the measured inferences' samples; the figures go to {@code result[0]}.
     */
    static Sample[] closedLoop(String name, List<int[]> rows, int warmup, int concurrency, String prefix, Result[] result,
            Inference inference) throws Exception {
        ExecutorService workers = Executors.newFixedThreadPool(concurrency);
        AtomicInteger next = new AtomicInteger();
        Sample[] samples = new Sample[rows.size()];
        long[] measuredStart = new long[1];
        List<CompletableFuture<Void>> running = new ArrayList<>();
        for (int w = 0; w < concurrency; w++) {
            running.add(CompletableFuture.runAsync(() -> {
                for (int i = next.getAndIncrement(); i < rows.size(); i = next.getAndIncrement()) {
                    if (i == warmup) {
                        measuredStart[0] = System.nanoTime();
                    }
                    String id = prefix + "-" + i;
                    try {
                        samples[i] = inference.run(id, rows.get(i));
                    } catch (Exception e) {
                        throw new IllegalStateException(id, e);
                    }
                }
            }, workers));
        }
        try {
            CompletableFuture.allOf(running.toArray(CompletableFuture[]::new)).get(30, TimeUnit.MINUTES);
        } finally {
            workers.shutdownNow();
        }
        long end = System.nanoTime();
        Sample[] measured = Arrays.copyOfRange(samples, warmup, samples.length);
        result[0] = new Result(name, measured.length, (end - measuredStart[0]) / 1e9,
                Arrays.stream(measured).mapToDouble(Sample::latencyMs).toArray(),
                Arrays.stream(measured).mapToDouble(Sample::explainMs).toArray());
        System.out.printf(Locale.ROOT, "%s: %d explanations in %.1f s%n", name, measured.length, result[0].seconds());
        return measured;
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "unknown";
        }
    }
}
