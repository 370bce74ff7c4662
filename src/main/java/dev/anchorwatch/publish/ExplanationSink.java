package dev.anchorwatch.publish;

import java.util.concurrent.CompletionStage;

/**
 * Somewhere an explanation is handed on to: Kafka, PostgreSQL, an HTTP CloudEvents sink, a log.
 *
 * <p>{@link #publish} completes normally only once the record is durably handed on (broker ack, database
 * commit, 2xx reply, line written and flushed), so that the caller may then acknowledge the input event. It
 * completes exceptionally, preferably with a {@link PublishException}, when it was not; it must never lose a
 * record silently. Sinks are idempotent: publishing the same record twice leaves one copy (keyed by explanation
 * id or inference id).
 */
public interface ExplanationSink extends AutoCloseable {

    CompletionStage<Void> publish(ExplanationRecord record);

    /**
     * A served prediction that arrived after its explanation was published, or in another replica: a durable
     * store merges it into the explanation of that inference (now or when it is written); an event sink sends a
     * {@link ServedPrediction#TYPE} update. Completes once durably handed on; idempotent. By default nothing to do.
     */
    default CompletionStage<Void> served(ServedPrediction served) {
        return java.util.concurrent.CompletableFuture.completedFuture(null);
    }

    /** Short name used in configuration and errors: kafka, postgres, http, log. */
    String name();

    /** Releases clients, threads and files. */
    @Override
    default void close() {
    }
}
