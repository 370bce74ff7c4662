package dev.anchorwatch.ingest;

import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.KafkaConsumer;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;

/**
 * Logger events from a Kafka topic, as a Knative KafkaSink or KafkaSource carries them (binary mode, {@code ce_*}
 * headers), through SmallRye Reactive Messaging's Kafka connector (channel {@value #CHANNEL}).
 *
 * <ul>
 * <li>Off unless {@code anchorwatch.ingest.kafka.enabled=true}: the channel is then disabled and no consumer is
 * created.</li>
 * <li>Scale-out: replicas share the topic's partitions through the consumer group.</li>
 * <li>At least once: a record is acknowledged only when {@link KafkaIngressHandler} says so, that is after its
 * explanation was published to every sink (or it was written to the dead-letter topic). The connector's
 * {@code throttled} commit strategy commits, per partition, the highest offset below which every record is
 * acknowledged, so nothing after an unfinished record is committed. The handler ends every record within its
 * maximum age, so no record holds the committed offset for longer.</li>
 * <li>Bounded: {@code @Blocking(ordered = false)} on the worker pool {@value #POOL}, whose max-concurrency is
 * {@code anchorwatch.ingest.kafka.concurrency}, so at most that many records are in flight; the connector holds
 * a bounded queue of fetched records and pauses the partitions when it is full.</li>
 * <li>Visible: every {@code lag-interval} the ingress reads, on the consumer's polling thread, each assigned
 * partition's log-end offset (position + the consumer's cached lag, no network call) and subtracts the lowest
 * offset not yet finished: the records waiting. Metrics {@code anchorwatch.kafka.ingress.lag},
 * {@code anchorwatch.kafka.ingress.idle.seconds}, {@code anchorwatch.kafka.ingress.retries{reason}},
 * {@code anchorwatch.deadletters{source=kafka,reason}}, {@code anchorwatch.ingest.events{source=kafka,...}}; the
 * health check {@link KafkaIngressHealth} reads {@link #status()}.</li>
 * <li>Traced: a record's W3C trace context ({@link TraceParent}: {@code traceparent} or {@code ce_traceparent}
 * header, or the structured event's attribute) is current around its decoding and each attempt, so its
 * {@code decode}, {@code explain}, {@code predict} and {@code publish} spans continue the producer's trace.</li>
 * <li>Graceful: on SIGTERM {@link #beginDrain()} pauses the partitions and starts no record; records in flight
 * finish and are acknowledged ({@link #awaitDrained}); the rest stay unacknowledged, so the connector, which
 * commits acknowledged offsets when it closes, leaves them to the consumer group.</li>
 * </ul>
 */
@ApplicationScoped
public class KafkaIngress {

    static final String CHANNEL = "inference-events";
    static final String POOL = "anchorwatch-kafka-ingress";
    private static final Logger LOG = Logger.getLogger(KafkaIngress.class);

    @Inject
    InferenceEventDecoder decoder;

    @Inject
    EventIngress ingress;

    @Inject
    IngestConfig config;

    @Inject
    MeterRegistry registry;

    @Inject
    Instance<KafkaClientService> clients;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Inject
    IngressObserver observer;

    /** Shared with the HTTP paths: Kafka records are decoded within the same byte budget. */
    @Inject
    Admission admission;

    /** System.nanoTime() of the last record this ingress finished (acknowledged or dead-lettered); start-up before. */
    private KafkaIngressHandler handler;
    private KafkaDeadLetters deadLetters;
    private ScheduledExecutorService lagReader;
    /** Records waiting in assigned partitions (fetched or not) not yet finished; -1 until first read. */
    private final AtomicLong lag = new AtomicLong(-1);
    /** Acknowledgements handed to the connector and not yet done. */
    private final java.util.concurrent.atomic.AtomicInteger acking = new java.util.concurrent.atomic.AtomicInteger();
    /** System.nanoTime() when the drain began; 0 before. */
    private volatile long drainStart;
    private volatile int inFlightAtDrain;

    /** What the health check and the idle gauge show. */
    public record Status(boolean started, long lag, int inFlight, double idleSeconds, long handled, long deadLettered,
            long retries) {
        /** Records wait (or are held) and none was finished for {@code idleSeconds}. */
        public boolean waiting() {
            return lag > 0 || inFlight > 0;
        }
    }

    @Incoming(CHANNEL)
    @Blocking(value = POOL, ordered = false)
    public CompletionStage<Void> consume(Message<byte[]> record) {
        IncomingKafkaRecordMetadata<?, ?> meta = record.getMetadata(IncomingKafkaRecordMetadata.class)
                .orElseThrow(() -> new IllegalStateException("channel " + CHANNEL + " must use the smallrye-kafka connector"));
        KafkaIngressHandler.Delivery delivery = new KafkaIngressHandler.Delivery(meta.getTopic(), meta.getPartition(),
                meta.getOffset(), meta.getKey() instanceof byte[] key ? key : null, meta.getHeaders(), record.getPayload(),
                timestampMillis(meta));
        return handler().process(delivery).thenCompose(outcome -> {
            if (outcome == KafkaIngressHandler.Outcome.ABANDONED) {
                return CompletableFuture.<Void>completedFuture(null);
            }
            acking.incrementAndGet();
            return record.ack().whenComplete((v, e) -> acking.decrementAndGet());
        });
    }

    /**
     * Graceful shutdown, step one (SIGTERM): pause every assigned partition (no more fetching) and stop starting
     * records: those the connector still hands over, and those waiting for a retry, are left unacknowledged, so
     * their offsets are not committed and the consumer group redelivers them to the replicas that stay. Records
     * being explained or published go on. Nothing happens when the ingress is off.
     */
    public void beginDrain() {
        int inFlight;
        synchronized (this) {
            if (handler == null || drainStart != 0) {
                return;
            }
            drainStart = System.nanoTime();
            inFlight = handler.drain();
            inFlightAtDrain = inFlight;
        }
        LOG.infof("Kafka ingress stopping: no new record is started, its partitions are paused; %d record(s) in "
                + "flight finish",
                inFlight);
        pause();
    }

    /**
     * Graceful shutdown, step two: waits, at most {@code max}, until no record is in flight and every finished one
     * is acknowledged (the connector then commits their offsets when it closes), and logs how many in-flight records
     * finished and how many were handed back. Re-pauses the partitions as it waits (a rebalance may assign new ones).
     *
     * @return true when nothing was left in flight
     */
    public boolean awaitDrained(Duration max) throws InterruptedException {
        KafkaIngressHandler h;
        synchronized (this) {
            h = handler;
        }
        if (h == null) {
            return true;
        }
        beginDrain();
        long deadline = System.nanoTime() + Math.max(0, max.toNanos());
        long nextPause = System.nanoTime() + 500_000_000L;
        while ((h.inFlight() > 0 || acking.get() > 0) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            if (System.nanoTime() > nextPause) {
                pause();
                nextPause = System.nanoTime() + 500_000_000L;
            }
        }
        boolean done = h.inFlight() == 0 && acking.get() == 0;
        long ms = (System.nanoTime() - drainStart) / 1_000_000;
        if (done) {
            LOG.infof("Kafka ingress drained in %d ms: %d of %d in-flight record(s) finished and were acknowledged; "
                    + "%d record(s) handed back unacknowledged, for the consumer group to redeliver", ms,
                    h.finishedWhileDraining(), inFlightAtDrain, h.handedBack());
        } else {
            LOG.warnf("Kafka ingress not drained after %d ms: %d of %d in-flight record(s) finished and were "
                    + "acknowledged; %d still in flight and %d handed back stay unacknowledged, for the consumer group "
                    + "to redeliver", ms, h.finishedWhileDraining(), inFlightAtDrain, h.inFlight(), h.handedBack());
        }
        return done;
    }

    /** Pauses every partition assigned to the ingress's consumer (no-op if there is none). */
    private void pause() {
        try {
            if (!clients.isResolvable()) {
                return;
            }
            KafkaConsumer<Object, Object> consumer = clients.get().getConsumer(CHANNEL);
            if (consumer != null) {
                consumer.pause().await().atMost(Duration.ofSeconds(5));
            }
        } catch (RuntimeException e) {
            // the consumer is closing or the broker is gone: no record is started anyway (the handler refuses them)
            LOG.debugf("Kafka ingress partitions not paused: %s", e.toString());
        }
    }

    /** The record's Kafka timestamp (CreateTime or LogAppendTime), or -1 when it has none. */
    static long timestampMillis(IncomingKafkaRecordMetadata<?, ?> meta) {
        if (meta.getTimestampType() == null
                || meta.getTimestampType() == org.apache.kafka.common.record.TimestampType.NO_TIMESTAMP_TYPE
                || meta.getTimestamp() == null) {
            return -1;
        }
        long millis = meta.getTimestamp().toEpochMilli();
        return millis < 0 ? -1 : millis;
    }

    /**
     * The lag and idle gauges exist from the start (0 while the ingress is off or has seen nothing), so that alerts
     * and dashboards find them; when enabled, the handler is made now too.
     */
    void onStart(@Observes StartupEvent event) {
        Gauge.builder("anchorwatch.kafka.ingress.lag", this, k -> k.status().lag()).strongReference(true)
                .description("Records waiting in the Kafka ingress's assigned partitions, not yet finished (0 when off)")
                .register(registry);
        Gauge.builder("anchorwatch.kafka.ingress.idle.seconds", this, k -> k.status().idleSeconds()).strongReference(true)
                .description("Seconds since the Kafka ingress last finished a record while records were waiting")
                .baseUnit("seconds").register(registry);
        if (config.kafka().enabled()) {
            handler();
        }
    }

    /** Created at start when enabled (or at the first record), so that a disabled ingress creates nothing. */
    synchronized KafkaIngressHandler handler() {
        if (handler == null) {
            IngestConfig.Kafka kafka = config.kafka();
            deadLetters = new KafkaDeadLetters(bootstrapServers, kafka.deadLetterTopic(), kafka.deadLetterMaxBytes(),
                    kafka.deadLetterProducer());
            handler = new KafkaIngressHandler(decoder, admission, ingress, deadLetters,
                    new KafkaIngressHandler.Backoff(kafka.initialBackoff(), kafka.backoffFactor(), kafka.maxBackoff()),
                    kafka.maxAge(), new Metrics(registry, observer), System::nanoTime, System::currentTimeMillis);
            lagReader = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "anchorwatch-kafka-ingress-lag");
                t.setDaemon(true);
                return t;
            });
            long every = Math.max(100, kafka.lagInterval().toMillis());
            lagReader.scheduleWithFixedDelay(this::readLag, 0, every, TimeUnit.MILLISECONDS);
            LOG.infof("Kafka ingress: topic %s, group %s, %d in flight, dead letters to %s, backoff %s x%.1f up to %s, "
                    + "max age %s", kafka.topic(), kafka.groupId(), kafka.concurrency(), kafka.deadLetterTopic(),
                    kafka.initialBackoff(), kafka.backoffFactor(), kafka.maxBackoff(), kafka.maxAge());
        }
        return handler;
    }

    private void readLag() {
        try {
            KafkaIngressHandler h = handler;
            if (h == null || !clients.isResolvable()) {
                return;
            }
            KafkaConsumer<Object, Object> consumer = clients.get().getConsumer(CHANNEL);
            if (consumer == null) {
                return;
            }
            Map<TopicPartition, long[]> ends = consumer.runOnPollingThread(c -> {
                Map<TopicPartition, long[]> m = new java.util.HashMap<>();
                Set<TopicPartition> assigned = c.assignment();
                for (TopicPartition tp : assigned) {
                    OptionalLong behind = c.currentLag(tp);
                    long position = c.position(tp, Duration.ZERO);
                    m.put(tp, new long[] { position, behind.orElse(-1) });
                }
                return m;
            }).await().atMost(Duration.ofSeconds(5));
            long total = 0;
            for (Map.Entry<TopicPartition, long[]> e : ends.entrySet()) {
                long position = e.getValue()[0];
                long behind = e.getValue()[1];
                if (behind < 0) {
                    return; // not known yet (no fetch answered since the assignment): keep the last figure
                }
                long end = position + behind;
                long from = h.lowestPending(e.getKey()).orElse(position);
                total += Math.max(0, end - Math.min(from, position));
            }
            lag.set(total);
        } catch (RuntimeException e) {
            // broker unreachable, rebalance in progress: keep the last figure, say why at DEBUG only
            LOG.debugf("Kafka ingress lag not read: %s", e.toString());
        }
    }

    /** The ingress's progress, for the health check and the idle gauge. */
    public Status status() {
        KafkaIngressHandler h;
        synchronized (this) {
            h = handler;
        }
        if (h == null) {
            return new Status(false, Math.max(0, lag.get()), 0, 0, 0, 0, 0);
        }
        long waiting = Math.max(0, lag.get());
        int inFlight = h.inFlight();
        double idle = waiting > 0 || inFlight > 0 ? (System.nanoTime() - h.lastProgressNanos()) / 1e9 : 0;
        return new Status(true, waiting, inFlight, idle, h.handled(), h.deadLettered(), h.retries());
    }

    public Duration stallAfter() {
        return config.kafka().stallAfter();
    }

    public boolean enabled() {
        return config.kafka().enabled();
    }

    /** Micrometer meters under the team's canonical names, and the record's trace (spans through the observer). */
    private static final class Metrics implements KafkaIngressHandler.Listener {
        private final MeterRegistry registry;
        private final IngressObserver observer;

        Metrics(MeterRegistry registry, IngressObserver observer) {
            this.registry = registry;
            this.observer = observer;
        }

        @Override
        public void retried(String reason, Duration delay) {
            Counter.builder("anchorwatch.kafka.ingress.retries").tag("reason", reason)
                    .description("Kafka ingress records scheduled for another attempt").register(registry).increment();
            event("other", "retried");
        }

        @Override
        public void deadLettered(String reason) {
            Counter.builder("anchorwatch.deadletters").tag("source", "kafka").tag("reason", reason)
                    .description("Inputs written to a dead-letter path").register(registry).increment();
            event("other", "dead_lettered");
        }

        @Override
        public void handled(String type, String outcome) {
            event(type, outcome);
        }

        @Override
        public void refused(String reason) {
            // Kafka: a record made to wait for a retry, or dead-lettered when it could never fit
            registry.counter("anchorwatch.admission.rejected", "path", "kafka", "reason", reason).increment();
        }

        @Override
        public AutoCloseable traced(TraceParent parent) {
            return parent == null ? () -> { } : observer.continuing(parent);
        }

        @Override
        public AutoCloseable decoding() {
            return observer.decoding(IngressObserver.KAFKA);
        }

        private void event(String type, String outcome) {
            Counter.builder("anchorwatch.ingest.events").tag("source", "kafka").tag("type", type).tag("outcome", outcome)
                    .description("Input events by source, type and outcome").register(registry).increment();
        }
    }

    @PreDestroy
    synchronized void close() {
        if (lagReader != null) {
            lagReader.shutdownNow();
        }
        if (handler != null) {
            handler.close();
        }
        if (deadLetters != null) {
            deadLetters.close();
        }
    }
}
