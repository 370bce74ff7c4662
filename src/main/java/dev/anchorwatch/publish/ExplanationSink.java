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

    /** Short name used in configuration and errors: kafka, postgres, http, log. */
    String name();

    /** Releases clients, threads and files. */
    @Override
    default void close() {
    }
}
