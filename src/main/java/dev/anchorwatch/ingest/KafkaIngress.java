package dev.anchorwatch.ingest;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import io.smallrye.reactive.messaging.annotations.Blocking;
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
 * acknowledged, so nothing after an unfinished record is committed.</li>
 * <li>Bounded: {@code @Blocking(ordered = false)} on the worker pool {@value #POOL}, whose max-concurrency is
 * {@code anchorwatch.ingest.kafka.concurrency}, so at most that many records are in flight; the connector holds
 * a bounded queue of fetched records and pauses the partitions when it is full.</li>
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

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Inject
    IngressObserver observer;

    /** System.nanoTime() of the last record this ingress finished (acknowledged or dead-lettered); start-up before. */
    private volatile long lastProgress = System.nanoTime();

    private KafkaIngressHandler handler;
    private KafkaDeadLetters deadLetters;

    @Incoming(CHANNEL)
    @Blocking(value = POOL, ordered = false)
    public CompletionStage<Void> consume(Message<byte[]> record) {
        IncomingKafkaRecordMetadata<?, ?> meta = record.getMetadata(IncomingKafkaRecordMetadata.class)
                .orElseThrow(() -> new IllegalStateException("channel " + CHANNEL + " must use the smallrye-kafka connector"));
        KafkaIngressHandler.Delivery delivery = new KafkaIngressHandler.Delivery(meta.getTopic(), meta.getPartition(),
                meta.getOffset(), meta.getKey() instanceof byte[] key ? key : null, meta.getHeaders(), record.getPayload());
        return handler().process(delivery).thenCompose(outcome -> outcome == KafkaIngressHandler.Outcome.ABANDONED
                ? CompletableFuture.<Void>completedFuture(null)
                : record.ack().thenRun(() -> lastProgress = System.nanoTime()));
    }

    /** Seconds since this ingress last finished a record (or started); the idle gauge shows it while records wait. */
    public double secondsSinceProgress() {
        return (System.nanoTime() - lastProgress) / 1e9;
    }

    /** Created at the first record, so that a disabled ingress creates nothing. */
    synchronized KafkaIngressHandler handler() {
        if (handler == null) {
            IngestConfig.Kafka kafka = config.kafka();
            deadLetters = new KafkaDeadLetters(bootstrapServers, kafka.deadLetterTopic(), kafka.deadLetterProducer());
            KafkaDeadLetters dlq = deadLetters;
            KafkaIngressHandler.DeadLetters counted = (delivery, status, reason) -> dlq.send(delivery, status, reason)
                    .thenRun(() -> observer.event(IngressObserver.KAFKA, type(delivery), "dead_lettered",
                            EventIngress.reason(status)));
            handler = new KafkaIngressHandler(decoder, ingress, counted,
                    new KafkaIngressHandler.Backoff(kafka.initialBackoff(), kafka.maxBackoff()));
            LOG.infof("Kafka ingress: topic %s, group %s, %d in flight, dead letters to %s", kafka.topic(), kafka.groupId(),
                    kafka.concurrency(), kafka.deadLetterTopic());
        }
        return handler;
    }

    /** request, response or other, from the record's ce_type header (the record may be undecodable). */
    static String type(KafkaIngressHandler.Delivery delivery) {
        org.apache.kafka.common.header.Header h = delivery.headers() == null ? null : delivery.headers().lastHeader("ce_type");
        String type = h == null || h.value() == null ? "" : new String(h.value(), java.nio.charset.StandardCharsets.UTF_8);
        return type.endsWith(".request") ? "request" : type.endsWith(".response") ? "response" : "other";
    }

    @PreDestroy
    synchronized void close() {
        if (handler != null) {
            handler.close();
        }
        if (deadLetters != null) {
            deadLetters.close();
        }
    }
}
