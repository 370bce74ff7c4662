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
 * <p>The producer's {@code send} may block for up to {@code max.block.ms} while topic metadata is fetched (the
 * broker is down, or the topic new): so {@link #publish} never calls it on the caller's thread (an explanation
 * worker, an HTTP worker) but hands the record to the sink's own sender thread and returns at once. At most
 * {@code maxWaiting} records wait for that thread; beyond it, and while the broker is known to be unreachable
 * (the last send timed out and nothing succeeded since) with a record already waiting, {@link #publish} fails at
 * once with a retryable {@link PublishException}: the input is answered 503 (or retried) without holding a
 * worker for {@code max.block.ms}.
 */
public final class KafkaExplanationSink implements ExplanationSink {

    /** Records waiting for the sender thread, by default. */
    public static final int DEFAULT_MAX_WAITING = 64;

    private final Producer<String, CloudEvent> producer;
    private final String topic;
    private final java.util.concurrent.ThreadPoolExecutor sender;
    private final int maxWaiting;
    /** The last send failed for want of the broker, and none succeeded since. */
    private volatile boolean brokerUnreachable;

    public KafkaExplanationSink(Producer<String, CloudEvent> producer, String topic) {
        this(producer, topic, DEFAULT_MAX_WAITING);
    }

    public KafkaExplanationSink(Producer<String, CloudEvent> producer, String topic, int maxWaiting) {
        if (maxWaiting < 1) {
            throw new IllegalArgumentException("maxWaiting must be at least 1");
        }
        this.producer = producer;
        this.topic = topic;
        this.maxWaiting = maxWaiting;
        this.sender = new java.util.concurrent.ThreadPoolExecutor(1, 1, 0, java.util.concurrent.TimeUnit.SECONDS,
                new java.util.concurrent.ArrayBlockingQueue<>(maxWaiting), r -> {
                    Thread t = new Thread(r, "anchorwatch-kafka-sink-" + topic);
                    t.setDaemon(true);
                    return t;
                });
    }

    /**
     * A sink with its own producer. {@code overrides} may set any producer property; acks, idempotence and
     * the serializers are forced, as delivery depends on them.
     */
    public static KafkaExplanationSink create(String bootstrapServers, String topic, Map<String, ?> overrides) {
        return create(bootstrapServers, topic, overrides, DEFAULT_MAX_WAITING);
    }

    /** As {@link #create(String, String, Map)}, with at most {@code maxWaiting} records waiting for the sender. */
    public static KafkaExplanationSink create(String bootstrapServers, String topic, Map<String, ?> overrides,
                                              int maxWaiting) {
        Map<String, Object> props = durableProducer(bootstrapServers, "anchorwatch-explanations", overrides);
        CloudEventSerializer values = new CloudEventSerializer();
        values.configure(Map.of(CloudEventSerializer.ENCODING_CONFIG, Encoding.BINARY), false);
        return new KafkaExplanationSink(new KafkaProducer<>(props, new StringSerializer(), values), topic, maxWaiting);
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

    /** Hands the record to the sender thread and returns at once; the stage completes on the broker's ack. */
    @Override
    public CompletionStage<Void> publish(ExplanationRecord r) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (brokerUnreachable && waiting() > 0) {
            done.completeExceptionally(new PublishException(name(), "topic " + topic
                    + ": the broker is unreachable (the last send timed out); not waiting for it", true, null));
            return done;
        }
        CloudEvent event = ExplanationEvents.toCloudEvent(r);
        try {
            sender.execute(() -> send(r, event, done));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            done.completeExceptionally(new PublishException(name(), "topic " + topic + ": " + maxWaiting
                    + " records already wait for the producer (broker slow or unreachable)", true, e));
        }
        return done;
    }

    /** Records handed over and not yet sent (blocked behind a send that waits for metadata, typically). */
    public int waiting() {
        return sender.getQueue().size() + sender.getActiveCount();
    }

    private void send(ExplanationRecord r, CloudEvent event, CompletableFuture<Void> done) {
        try {
            producer.send(new ProducerRecord<>(topic, r.inferenceId(), event), (metadata, error) -> {
                if (error == null) {
                    brokerUnreachable = false;
                    done.complete(null);
                } else {
                    noteFailure(error);
                    done.completeExceptionally(failure(error));
                }
            });
        } catch (RuntimeException e) {
            noteFailure(e);
            done.completeExceptionally(failure(e));
        }
    }

    private void noteFailure(Throwable e) {
        if (e instanceof org.apache.kafka.common.errors.TimeoutException) {
            brokerUnreachable = true;
        }
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
        sender.shutdown();
        try {
            sender.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(Duration.ofSeconds(10));
    }
}
