package dev.anchorwatch.publish;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

import org.flywaydb.core.Flyway;

import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.arc.InactiveBeanException;
import io.quarkus.runtime.Startup;
import io.quarkus.runtime.configuration.ConfigurationException;

/** Builds the {@link ExplanationPublisher} from {@link SinksConfig}: only the enabled sinks are created. */
@ApplicationScoped
public class SinkWiring {

    private static final Logger LOG = Logger.getLogger(SinkWiring.class);
    static final Set<String> KNOWN = Set.of("kafka", "postgres", "http", "log");

    private ExecutorService jdbcExecutor;
    private ScheduledExecutorService migrationTimer;
    private volatile PostgresExplanationSink postgresSink;

    @Produces
    @Singleton
    @Startup
    ExplanationPublisher publisher(SinksConfig config, Config raw, Instance<AgroalDataSource> dataSource,
            Instance<Flyway> flyway, MeterRegistry registry, Instance<ExtraSinks> extra,
            Instance<SinkObserver> spans) {
        Set<String> enabled = new LinkedHashSet<>();
        for (String name : config.enabled()) {
            String n = name.trim().toLowerCase(Locale.ROOT);
            if (!KNOWN.contains(n)) {
                throw new ConfigurationException("anchorwatch.sinks.enabled: unknown sink '" + name + "', known: " + KNOWN);
            }
            enabled.add(n);
        }
        List<ExplanationSink> sinks = new ArrayList<>();
        try {
            for (String name : enabled) {
                sinks.add(switch (name) {
                    case "kafka" -> KafkaExplanationSink.create(config.kafka().bootstrapServers(), config.kafka().topic(),
                            config.kafka().producer());
                    case "postgres" -> postgres(config, dataSource, flyway);
                    case "http" -> http(config, raw);
                    case "log" -> new JsonLinesExplanationSink(config.log().file().orElse(null), config.log().console(),
                            config.log().fsync());
                    default -> throw new IllegalStateException(name);
                });
            }
            for (ExtraSinks more : extra) {
                sinks.addAll(more.sinks());
            }
        } catch (IOException e) {
            sinks.forEach(ExplanationSink::close);
            throw new ConfigurationException("cannot open the log sink's file: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            sinks.forEach(ExplanationSink::close);
            throw e;
        }
        LOG.infof("explanation sinks: %s", sinks.stream().map(ExplanationSink::name).toList());
        ExplanationPublisher publisher = new ExplanationPublisher(sinks, config.timeout(), config.ledgerBytes(), new ExplanationPublisher.Listener() {
            @Override
            public void published(String sink, boolean ok, long nanos) {
                Counter.builder("anchorwatch.sink.publish").tag("sink", sink).tag("outcome", ok ? "ok" : "error")
                        .description("Explanations (and served-prediction updates) handed to a sink").register(registry)
                        .increment();
                Timer.builder("anchorwatch.sink.duration").tag("sink", sink)
                        .description("Time for a sink to take one explanation").register(registry)
                        .record(nanos, TimeUnit.NANOSECONDS);
            }

            @Override
            public void ledgerEvicted() {
                Counter.builder("anchorwatch.sink.ledger.evictions")
                        .description("Unacknowledged explanations forgotten to stay within anchorwatch.sinks.ledger-bytes")
                        .register(registry).increment();
            }
        });
        return spans.isResolvable() ? publisher.tracedBy(spans.get()) : publisher;
    }

    /** The PostgreSQL sink, when enabled (for its health check). */
    public Optional<PostgresExplanationSink> postgresSink() {
        return Optional.ofNullable(postgresSink);
    }

    private ExplanationSink postgres(SinksConfig config, Instance<AgroalDataSource> dataSource, Instance<Flyway> flyway) {
        AgroalDataSource ds;
        Flyway migrations;
        try {
            ds = dataSource.get();
            migrations = flyway.get();
        } catch (InactiveBeanException e) {
            throw new ConfigurationException("the postgres sink is enabled but the datasource is not: set "
                    + "quarkus.datasource.jdbc.url, username, password and quarkus.datasource.active=true", e);
        }
        int threads = config.postgres().threads();
        AtomicInteger n = new AtomicInteger();
        // Bounded queue: when the database is slow, publications fail fast (retryable) instead of piling up.
        jdbcExecutor = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(threads * 64),
                r -> {
                    Thread t = new Thread(r, "anchorwatch-postgres-sink-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        // The schema is migrated in the background once the database answers: a database down at start must not
        // stop the service (and :explain with it).
        migrationTimer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "anchorwatch-postgres-migration");
            t.setDaemon(true);
            return t;
        });
        postgresSink = PostgresExplanationSink.start(ds, jdbcExecutor, migrations::migrate, migrationTimer,
                config.postgres().migrateInitialBackoff(), config.postgres().migrateMaxBackoff());
        return postgresSink;
    }

    private static ExplanationSink http(SinksConfig config, Config raw) {
        SinksConfig.Http http = config.http();
        Optional<String> url = http.url().or(() -> raw.getOptionalValue("K_SINK", String.class));
        if (url.isEmpty() || url.get().isBlank()) {
            throw new ConfigurationException("the http sink is enabled but neither anchorwatch.sinks.http.url nor K_SINK is set");
        }
        return HttpExplanationSink.create(URI.create(url.get()),
                new HttpExplanationSink.Retry(http.maxAttempts(), http.initialBackoff(), http.maxBackoff()),
                http.requestTimeout(),
                HttpExplanationSink.parseCeOverrides(raw.getOptionalValue("K_CE_OVERRIDES", String.class).orElse(null)));
    }

    void close(@Disposes ExplanationPublisher publisher) {
        publisher.close();
        if (jdbcExecutor != null) {
            jdbcExecutor.shutdown();
        }
        if (migrationTimer != null) {
            migrationTimer.shutdownNow();
        }
    }
}
