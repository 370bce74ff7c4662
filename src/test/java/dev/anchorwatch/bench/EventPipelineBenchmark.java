package dev.anchorwatch.bench;

import static dev.anchorwatch.bench.Stats.quantile;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.stream.Collectors;
import java.util.zip.GZIPOutputStream;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.flywaydb.core.Flyway;

import com.sun.net.httpserver.HttpServer;

import dev.anchorwatch.explain.ExplainerFactory;
import dev.anchorwatch.explain.ExplainerRegistry;
import dev.anchorwatch.explain.ExplainerSpec;
import dev.anchorwatch.explain.ExplanationService;
import dev.anchorwatch.explain.SpecLoader;
import dev.anchorwatch.ingest.EventExplainer;
import dev.anchorwatch.ingest.EventIngress;
import dev.anchorwatch.ingest.InferenceEvent;
import dev.anchorwatch.ingest.InferenceEventDecoder;
import dev.anchorwatch.ingest.KafkaIngressHandler;
import dev.anchorwatch.ingest.Pairing;
import dev.anchorwatch.ingest.ServiceEventExplainer;
import dev.anchorwatch.model.LabeledData;
import dev.anchorwatch.demo.ModelServer;
import dev.anchorwatch.model.RandomForest;
import dev.anchorwatch.publish.ExplanationPublisher;
import dev.anchorwatch.publish.ExplanationRecord;
import dev.anchorwatch.publish.ExplanationSink;
import dev.anchorwatch.publish.KafkaExplanationSink;
import dev.anchorwatch.publish.PostgresExplanationSink;
import dev.anchorwatch.testsupport.InJvmKafka;
import dev.anchorwatch.testsupport.KafkaLoggerEvents;
import dev.anchorwatch.testsupport.LoopbackPostgres;
import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.security.NamePrincipal;
import io.agroal.api.security.SimplePassword;

/**
 * The event pipeline end to end, with the demo model: (a) KServe logger events over HTTP into the ingress, out to
 * a Kafka topic; (b) logger events from a Kafka topic through the Kafka ingress, out to PostgreSQL.
 *
 * <p>It drives the plain classes that the Quarkus beans wire ({@link EventIngress}, {@link InferenceEventDecoder},
 * {@link Pairing}, {@link ServiceEventExplainer}, {@link ExplanationPublisher}, the Kafka and PostgreSQL sinks,
 * {@link KafkaIngressHandler}), not a started Quarkus application: the HTTP front is the JDK's HttpServer instead
 * of Vert.x/Quarkus REST, and the Kafka front a plain KafkaConsumer loop (bounded in flight, offsets committed
 * once acknowledged) instead of the SmallRye connector. The model is the demo's: a random forest trained on the
 * vendored Adult data and served over loopback HTTP (KServe V1); Kafka is the in-JVM KRaft broker and PostgreSQL
 * the embedded server.
 *
 * <p>Load is closed-loop: {@code --concurrency} inferences in flight (default: one per core, the explainer's
 * worker count, so nothing waits in a queue and latency is the pipeline's own). Each inference sends its response
 * event, then its request event. Latency runs from sending the request event to the sink's acknowledgement of the
 * explanation (Kafka acks=all; PostgreSQL commit). Explanation time runs from the explainer's start to its result.
 * Plumbing overhead = (sum of end-to-end latencies - sum of explanation times) / sum of explanation times.
 */
public final class EventPipelineBenchmark {

    private static final String SOURCE = "http://adult-predictor.bench.svc.cluster.local/";

    private EventPipelineBenchmark() {
    }

    /** Figures of one scenario. */
    record Result(String name, int events, double seconds, double[] e2eMs, double[] explainMs) {
        double perSecond() {
            return events / seconds;
        }

        double overhead() {
            double e2e = Arrays.stream(e2eMs).sum();
            double explain = Arrays.stream(explainMs).sum();
            return (e2e - explain) / explain;
        }
    }

    public static void main(String[] args) throws Exception {
        int events = 60;
        int warmup = 10;
        int concurrency = Runtime.getRuntime().availableProcessors();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--events" -> events = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--concurrency" -> concurrency = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("usage: events [--events N] [--warmup N] [--concurrency N]");
            }
        }
        quietLogs();
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.printf(Locale.ROOT, "Event pipeline benchmark: %d events (+%d warm-up) per scenario, %d in flight, "
                + "%d cores, Java %s%n", events, warmup, concurrency, cores, System.getProperty("java.version"));

        List<int[]> rows = adultRows(events + warmup);
        long t0 = System.nanoTime();
        RandomForest forest;
        try (InputStream in = resource("demo/adult/adult_train.csv")) {
            forest = RandomForest.train(LabeledData.readCsv(new InputStreamReader(in, StandardCharsets.UTF_8), "label"),
                    RandomForest.Params.DEFAULTS.withSeed(0), ForkJoinPool.commonPool());
        }
        System.out.printf(Locale.ROOT, "demo model trained in %d ms%n", (System.nanoTime() - t0) / 1_000_000);

        List<Result> results = new ArrayList<>();
        try (ModelServer model = ModelServer.builder().host("127.0.0.1").port(0).model("adult", forest).start();
                InJvmKafka kafka = InJvmKafka.start();
                LoopbackPostgres postgres = LoopbackPostgres.start()) {
            ExplainerRegistry registry = new ExplainerRegistry();
            registry.register(ExplainerFactory.create(spec(model.baseUrl())));
            try (ExplanationService service = new ExplanationService(registry, cores, 16, 32)) {
                Timings timings = new Timings(new ServiceEventExplainer(service));
                results.add(httpToKafka(rows, warmup, concurrency, timings, kafka.bootstrapServers()));
                results.add(kafkaToPostgres(rows, warmup, concurrency, timings, kafka.bootstrapServers(), postgres));
            }
        }
        long hwmKb = peakRssKb();
        System.out.println();
        System.out.println("| scenario | explanations/s | p50 latency | p99 latency | p50 explanation | plumbing overhead |");
        System.out.println("|---|---:|---:|---:|---:|---:|");
        for (Result r : results) {
            System.out.printf(Locale.ROOT, "| %s | %.2f | %.0f ms | %.0f ms | %.0f ms | %.1f%% |%n", r.name(), r.perSecond(),
                    quantile(r.e2eMs(), 0.5), quantile(r.e2eMs(), 0.99), quantile(r.explainMs(), 0.5), 100 * r.overhead());
        }
        System.out.printf(Locale.ROOT, "%npeak RSS (VmHWM) of the benchmark JVM: %d MB (it also hosts the Kafka broker and "
                + "the model server; PostgreSQL is a separate process)%n", hwmKb / 1024);
    }

    // ------------------------------------------------------------------ (a) HTTP ingress -> Kafka sink

    static Result httpToKafka(List<int[]> rows, int warmup, int concurrency, Timings timings, String bootstrap)
            throws Exception {
        Acks acks = new Acks();
        ExplanationSink kafkaSink = KafkaExplanationSink.create(bootstrap, "bench.explanations", Map.of());
        try (ExplanationPublisher publisher = new ExplanationPublisher(List.of(acks.wrap(kafkaSink)), Duration.ofSeconds(60))) {
            EventIngress ingress = ingress(timings, publisher, concurrency);
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
            ExecutorService httpThreads = Executors.newFixedThreadPool(concurrency * 2 + 2);
            server.setExecutor(httpThreads);
            server.createContext("/", exchange -> {
                byte[] body = exchange.getRequestBody().readAllBytes();
                EventIngress.Reply reply = ingress.handleHttp(exchange.getRequestHeaders(), body).toCompletableFuture().join();
                byte[] out = reply.status() >= 400 ? reply.message().getBytes(StandardCharsets.UTF_8) : new byte[0];
                exchange.sendResponseHeaders(reply.status(), out.length == 0 ? -1 : out.length);
                try (OutputStream o = exchange.getResponseBody()) {
                    o.write(out);
                }
            });
            server.start();
            URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
            HttpClient client = HttpClient.newBuilder().executor(Executors.newFixedThreadPool(concurrency)).build();
            try {
                Load load = new Load(concurrency);
                return load.run("HTTP ingress -> Kafka sink", rows, warmup, "h", timings, acks, (id, row) -> {
                    post(client, uri, id, InferenceEvent.RESPONSE_TYPE, gzip(response(row)));
                    long sent = System.nanoTime();
                    post(client, uri, id, InferenceEvent.REQUEST_TYPE, gzip(request(row)));
                    return sent;
                });
            } finally {
                server.stop(0);
                httpThreads.shutdown();
            }
        }
    }

    static void post(HttpClient client, URI uri, String id, String type, byte[] body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(120))
                .header("Ce-Specversion", "1.0").header("Ce-Id", id).header("Ce-Source", SOURCE).header("Ce-Type", type)
                .header("Ce-Inferenceservicename", "adult").header("Ce-Namespace", "bench")
                .header("Ce-Component", "predictor").header("Ce-Endpoint", "default")
                .header("Content-Type", "application/x-www-form-urlencoded");
        HttpResponse<String> r;
        try {
            r = client.send(b.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        if (r.statusCode() != 202) {
            throw new IllegalStateException(id + " " + type + ": " + r.statusCode() + " " + r.body());
        }
    }

    // ------------------------------------------------------------------ (b) Kafka ingress -> PostgreSQL sink

    static Result kafkaToPostgres(List<int[]> rows, int warmup, int concurrency, Timings timings, String bootstrap,
            LoopbackPostgres postgres) throws Exception {
        String topic = "bench.inference-events";
        try (AgroalDataSource ds = pool(postgres, 4)) {
            migrate(ds);
            ExecutorService jdbc = Executors.newFixedThreadPool(4);
            Acks acks = new Acks();
            try (ExplanationPublisher publisher = new ExplanationPublisher(
                    List.of(acks.wrap(new PostgresExplanationSink(ds, jdbc))), Duration.ofSeconds(60));
                    KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap,
                            "acks", "all", "linger.ms", 0), new ByteArraySerializer(), new ByteArraySerializer())) {
                EventIngress ingress = ingress(timings, publisher, concurrency);
                KafkaIngressHandler handler = new KafkaIngressHandler(
                        new InferenceEventDecoder(InferenceEventDecoder.Limits.DEFAULT), ingress,
                        (d, status, category, reason) -> CompletableFuture.failedFuture(
                                new IllegalStateException("no poison expected: " + status + " " + reason)),
                        new KafkaIngressHandler.Backoff(Duration.ofMillis(100), Duration.ofSeconds(2)));
                ConsumerLoop consumer = new ConsumerLoop(bootstrap, topic, handler, concurrency);
                Thread loop = new Thread(consumer, "bench-kafka-ingress");
                loop.start();
                try {
                    Load load = new Load(concurrency);
                    return load.run("Kafka ingress -> PostgreSQL sink", rows, warmup, "k", timings, acks, (id, row) -> {
                        send(producer, topic, id, InferenceEvent.RESPONSE_TYPE, gzip(response(row)));
                        long sent = System.nanoTime();
                        send(producer, topic, id, InferenceEvent.REQUEST_TYPE, gzip(request(row)));
                        return sent;
                    });
                } finally {
                    consumer.stop();
                    loop.join(10_000);
                    handler.close();
                    jdbc.shutdown();
                }
            }
        }
    }

    static void send(KafkaProducer<byte[], byte[]> producer, String topic, String id, String type, byte[] body) {
        RecordHeaders h = KafkaLoggerEvents.headers(SOURCE, id, type, "adult", "application/x-www-form-urlencoded");
        try {
            producer.send(new ProducerRecord<>(topic, null, id.getBytes(StandardCharsets.UTF_8), body, h)).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * What the SmallRye connector does for the Kafka ingress, reduced to the essentials: poll, hand each record to
     * the handler with at most {@code inFlight} outstanding (the poll loop waits for a place), and commit, per
     * partition, the offset below which every record is acknowledged.
     */
    static final class ConsumerLoop implements Runnable {
        private final KafkaConsumer<byte[], byte[]> consumer;
        private final String topic;
        private final KafkaIngressHandler handler;
        private final Semaphore places;
        private final Map<TopicPartition, java.util.TreeMap<Long, Boolean>> pending = new ConcurrentHashMap<>();
        private volatile boolean running = true;

        ConsumerLoop(String bootstrap, String topic, KafkaIngressHandler handler, int inFlight) {
            this.consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap, "group.id", "bench",
                    "auto.offset.reset", "earliest", "enable.auto.commit", "false", "max.poll.records", 100),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer());
            this.topic = topic;
            this.handler = handler;
            this.places = new Semaphore(inFlight);
        }

        @Override
        public void run() {
            consumer.subscribe(List.of(topic));
            try {
                while (running) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(20))) {
                        places.acquireUninterruptibly();
                        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                        java.util.TreeMap<Long, Boolean> offsets = pending.computeIfAbsent(tp, k -> new java.util.TreeMap<>());
                        synchronized (offsets) {
                            offsets.put(r.offset(), false);
                        }
                        handler.process(new KafkaIngressHandler.Delivery(r.topic(), r.partition(), r.offset(), r.key(),
                                r.headers(), r.value())).whenComplete((outcome, error) -> {
                                    synchronized (offsets) {
                                        offsets.put(r.offset(), true);
                                    }
                                    places.release();
                                });
                    }
                    commitAcknowledged();
                }
            } finally {
                consumer.close(Duration.ofSeconds(5));
            }
        }

        private void commitAcknowledged() {
            Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
            pending.forEach((tp, offsets) -> {
                synchronized (offsets) {
                    Long next = null;
                    while (!offsets.isEmpty() && offsets.firstEntry().getValue()) {
                        next = offsets.pollFirstEntry().getKey() + 1;
                    }
                    if (next != null) {
                        commit.put(tp, new OffsetAndMetadata(next));
                    }
                }
            });
            if (!commit.isEmpty()) {
                consumer.commitAsync(commit, null);
            }
        }

        void stop() {
            running = false;
        }
    }

    // ------------------------------------------------------------------ common

    static EventIngress ingress(EventExplainer explainer, ExplanationPublisher publisher, int concurrency) {
        return new EventIngress(new InferenceEventDecoder(InferenceEventDecoder.Limits.DEFAULT),
                new Pairing(10_000, Duration.ofMinutes(10), Clock.systemUTC()), explainer, publisher, concurrency,
                Duration.ofSeconds(120), 1, Clock.systemUTC());
    }

    /** Sends one inference (response, then request) and returns when the request was sent, in System.nanoTime. */
    interface Sender {
        long send(String id, int[] row) throws Exception;
    }

    /** Closed-loop load: {@code concurrency} inferences in flight, each waiting for its explanation's ack. */
    static final class Load {
        private final int concurrency;

        Load(int concurrency) {
            this.concurrency = concurrency;
        }

        Result run(String name, List<int[]> rows, int warmup, String prefix, Timings timings, Acks acks, Sender sender)
                throws Exception {
            ExecutorService clients = Executors.newFixedThreadPool(concurrency);
            AtomicInteger next = new AtomicInteger();
            Map<String, Long> sentAt = new ConcurrentHashMap<>();
            long[] measuredStart = new long[1];
            List<CompletableFuture<Void>> workers = new ArrayList<>();
            for (int w = 0; w < concurrency; w++) {
                workers.add(CompletableFuture.runAsync(() -> {
                    for (int i = next.getAndIncrement(); i < rows.size(); i = next.getAndIncrement()) {
                        if (i == warmup) {
                            measuredStart[0] = System.nanoTime();
                        }
                        String id = prefix + "-" + i;
                        CompletableFuture<Long> acked = acks.expect(id);
                        try {
                            sentAt.put(id, sender.send(id, rows.get(i)));
                            acked.get(120, TimeUnit.SECONDS);
                        } catch (Exception e) {
                            throw new IllegalStateException(id, e);
                        }
                    }
                }, clients));
            }
            CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).get(30, TimeUnit.MINUTES);
            long end = System.nanoTime();
            clients.shutdown();
            List<Double> e2e = new ArrayList<>();
            List<Double> explain = new ArrayList<>();
            for (int i = warmup; i < rows.size(); i++) {
                String id = prefix + "-" + i;
                e2e.add((acks.ackedAt(id) - sentAt.get(id)) / 1e6);
                explain.add(timings.millis(id));
            }
            int n = rows.size() - warmup;
            Result r = new Result(name, n, (end - measuredStart[0]) / 1e9, e2e.stream().mapToDouble(d -> d).toArray(),
                    explain.stream().mapToDouble(d -> d).toArray());
            System.out.printf(Locale.ROOT, "%s: %d explanations in %.1f s%n", name, n, r.seconds());
            return r;
        }
    }

    /** The explainer, timed per inference: from the call to the explanation's completion. */
    static final class Timings implements EventExplainer {
        private final EventExplainer delegate;
        private final Map<String, Double> millis = new ConcurrentHashMap<>();

        Timings(EventExplainer delegate) {
            this.delegate = delegate;
        }

        @Override
        public CompletionStage<ExplanationRecord> explain(InferenceEvent request) {
            long start = System.nanoTime();
            return delegate.explain(request).whenComplete((r, e) -> millis.put(request.id(), (System.nanoTime() - start) / 1e6));
        }

        double millis(String id) {
            return millis.get(id);
        }
    }

    /** When each explanation was acknowledged by the sink, by inference id. */
    static final class Acks {
        private final Map<String, CompletableFuture<Long>> acked = new ConcurrentHashMap<>();

        CompletableFuture<Long> expect(String id) {
            return acked.computeIfAbsent(id, k -> new CompletableFuture<>());
        }

        long ackedAt(String id) {
            return acked.get(id).join();
        }

        ExplanationSink wrap(ExplanationSink sink) {
            return new ExplanationSink() {
                @Override
                public CompletionStage<Void> publish(ExplanationRecord r) {
                    return sink.publish(r).whenComplete((ok, e) -> {
                        if (e == null) {
                            expect(r.inferenceId()).complete(System.nanoTime());
                        }
                    });
                }

                @Override
                public String name() {
                    return sink.name();
                }

                @Override
                public void close() {
                    sink.close();
                }
            };
        }
    }

    static AgroalDataSource pool(LoopbackPostgres postgres, int size) throws Exception {
        return AgroalDataSource.from(new AgroalDataSourceConfigurationSupplier().connectionPoolConfiguration(p -> p
                .maxSize(size).connectionFactoryConfiguration(f -> f.jdbcUrl(postgres.jdbcUrl())
                        .principal(new NamePrincipal(LoopbackPostgres.USER))
                        .credential(new SimplePassword(LoopbackPostgres.PASSWORD)))));
    }

    /** The app's own schema: every Flyway migration, as the app applies them at start. */
    static void migrate(AgroalDataSource ds) {
        Flyway.configure(EventPipelineBenchmark.class.getClassLoader()).dataSource(ds)
                .locations("classpath:db/migration").load().migrate();
    }

    static ExplainerSpec spec(String predictorUrl) {
        return SpecLoader.loadResource("demo/adult.yaml", SpecLoader.predictorUrl(predictorUrl));
    }

    /** Rows of the Adult test set, cycled when more are asked for: 12 features and the label. */
    static List<int[]> adultRows(int n) throws Exception {
        List<int[]> all = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(resource("demo/adult/adult_test.csv"),
                StandardCharsets.UTF_8))) {
            r.readLine();
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                all.add(Arrays.stream(line.split(",")).mapToInt(Integer::parseInt).toArray());
            }
        }
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(all.get(i % all.size()));
        }
        return out;
    }

    static String request(int[] row) {
        return Arrays.stream(row, 0, 12).mapToObj(Integer::toString).collect(Collectors.joining(", ", "{\"instances\": [[", "]]}"));
    }

    static String response(int[] row) {
        return "{\"predictions\": [" + row[12] + "]}";
    }

    static byte[] gzip(String s) {
        try {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
                gz.write(s.getBytes(StandardCharsets.UTF_8));
            }
            return out.toByteArray();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static InputStream resource(String name) {
        InputStream in = EventPipelineBenchmark.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IllegalStateException("classpath resource " + name + " not found");
        }
        return in;
    }


    /** Peak resident set size of this process, from /proc/self/status (VmHWM), in kB; -1 where there is none. */
    static long peakRssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (Exception e) {
            // not Linux
        }
        return -1;
    }

    /** The in-JVM broker and the clients log a lot at INFO. */
    static void quietLogs() {
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        root.setLevel(Level.WARNING);
        for (java.util.logging.Handler h : root.getHandlers()) {
            h.setLevel(Level.WARNING);
        }
    }
}
