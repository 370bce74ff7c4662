package dev.anchorwatch.publish;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.StringSerializer;

import io.cloudevents.CloudEvent;
import io.cloudevents.core.message.Encoding;
import io.cloudevents.kafka.CloudEventSerializer;

/**
 * Publishes each explanation to a Kafka topic as a CloudEvent in binary mode ({@code ce_*} headers, the
 * explanation JSON as the value), through the CloudEvents SDK's Kafka binding. The record key is the
 * {@code partitionkey} (the inference id), so all explanations of one inference land in one partition and a
 * compacted topic keeps the latest. The producer is idempotent with {@code acks=all}; {@link #publish}
 * completes when the broker has acknowledged the write.
 *
 * <p>{@code send} may block the calling thread for up to {@code max.block.ms} while topic metadata is fetched:
 * call it from a worker thread, not an event loop.
 */
public final class KafkaExplanationSink implements ExplanationSink {

    private final Producer<String, CloudEvent> producer;
    private final String topic;

    public KafkaExplanationSink(Producer<String, CloudEvent> producer, String topic) {
        this.producer = producer;
        this.topic = topic;
    }

    /**
     * A sink with its own producer. {@code overrides} may set any producer property; acks, idempotence and
     * the serializers are forced, as delivery depends on them.
     */
    public static KafkaExplanationSink create(String bootstrapServers, String topic, Map<String, ?> overrides) {
        Map<String, Object> props = durableProducer(bootstrapServers, "anchorwatch-explanations", overrides);
        CloudEventSerializer values = new CloudEventSerializer();
        values.configure(Map.of(CloudEventSerializer.ENCODING_CONFIG, Encoding.BINARY), false);
        return new KafkaExplanationSink(new KafkaProducer<>(props, new StringSerializer(), values), topic);
    }

    /**
     * Producer properties for records whose input is acknowledged only after the broker's ack: bounded waits,
     * and acks=all with idempotence forced whatever {@code overrides} say, as delivery depends on them.
     * No lingering: records come one at a time and each input waits for its ack.
     */
    public static Map<String, Object> durableProducer(String bootstrapServers, String clientId,
                                                      Map<String, ?> overrides) {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        props.putAll(overrides);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return props;
    }

    @Override
    public CompletionStage<Void> publish(ExplanationRecord r) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        CloudEvent event = ExplanationEvents.toCloudEvent(r);
        try {
            producer.send(new ProducerRecord<>(topic, r.inferenceId(), event), (metadata, error) -> {
                if (error == null) {
                    done.complete(null);
                } else {
                    done.completeExceptionally(failure(error));
                }
            });
        } catch (RuntimeException e) {
            done.completeExceptionally(failure(e));
        }
        return done;
    }

    /**
     * A {@value ServedPrediction#TYPE} event, keyed by the inference id like the explanation it completes, so both
     * land in one partition (see {@link ExplanationEvents#toServedEvent}).
     */
    @Override
    public CompletionStage<Void> served(ServedPrediction served) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            producer.send(new ProducerRecord<>(topic, served.inferenceId(), ExplanationEvents.toServedEvent(served)),
                    (metadata, error) -> {
                        if (error == null) {
                            done.complete(null);
                        } else {
                            done.completeExceptionally(failure(error));
                        }
                    });
        } catch (RuntimeException e) {
            done.completeExceptionally(failure(e));
        }
        return done;
    }

    private PublishException failure(Throwable e) {
        // Broker down, timeouts, leader changes: retry later. A record that can never be written: do not.
        boolean retryable = !(e instanceof RecordTooLargeException || e instanceof SerializationException
                || e instanceof AuthorizationException || e instanceof AuthenticationException
                || e instanceof InvalidTopicException);
        return new PublishException(name(), "topic " + topic + ": " + e, retryable, e);
    }

    @Override
    public String name() {
        return "kafka";
    }

    public String topic() {
        return topic;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
