package dev.anchorwatch.publish;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Where explanations go. Several sinks may be enabled at once; a publication completes when all took it. */
@ConfigMapping(prefix = "anchorwatch.sinks")
public interface SinksConfig {

    /** Enabled sinks, any of: kafka, postgres, http, log. */
    @WithDefault("log")
    List<String> enabled();

    /** Longest wait for all sinks to take one explanation; beyond it the publication fails (retryable). */
    @WithDefault("60s")
    Duration timeout();

    /**
     * Bytes of explanations remembered while some sink has not acknowledged them, so that a retry republishes the
     * identical event only to the sinks that miss it; the oldest are forgotten beyond it.
     */
    @WithDefault("16777216")
    long ledgerBytes();

    Kafka kafka();

    Postgres postgres();

    Http http();

    Log log();

    interface Kafka {
        @WithDefault("anchorwatch.explanations")
        String topic();

        @WithDefault("${kafka.bootstrap.servers}")
        String bootstrapServers();

        /** Extra producer properties, e.g. {@code anchorwatch.sinks.kafka.producer."compression.type"=zstd}. */
        Map<String, String> producer();
    }

    interface Postgres {
        /** Threads running JDBC upserts; keep at most the datasource's max pool size. */
        @WithDefault("4")
        int threads();

        /** First wait before trying the schema migration again when the database is not reachable. */
        @WithDefault("1s")
        Duration migrateInitialBackoff();

        /** Longest wait between two migration attempts (the wait grows by half each time). */
        @WithDefault("30s")
        Duration migrateMaxBackoff();
    }

    interface Http {
        /** The sink URL; when absent, the {@code K_SINK} that a Knative SinkBinding injects. */
        Optional<String> url();

        @WithDefault("5")
        int maxAttempts();

        @WithDefault("200ms")
        Duration initialBackoff();

        @WithDefault("10s")
        Duration maxBackoff();

        @WithDefault("10s")
        Duration requestTimeout();
    }

    interface Log {
        /** JSON-lines file to append to; none when absent. */
        Optional<Path> file();

        /** Also log each line at INFO (logger {@code dev.anchorwatch.explanations}). */
        @WithDefault("true")
        boolean console();

        /** fsync the file after each line. */
        @WithDefault("false")
        boolean fsync();
    }
}
