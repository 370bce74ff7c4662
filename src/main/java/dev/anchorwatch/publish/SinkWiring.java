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

import io.agroal.api.AgroalDataSource;
import io.quarkus.arc.InactiveBeanException;
import io.quarkus.runtime.Startup;
import io.quarkus.runtime.configuration.ConfigurationException;

/** Builds the {@link ExplanationPublisher} from {@link SinksConfig}: only the enabled sinks are created. */
@ApplicationScoped
public class SinkWiring {

    private static final Logger LOG = Logger.getLogger(SinkWiring.class);
    static final Set<String> KNOWN = Set.of("kafka", "postgres", "http", "log");

    private ExecutorService jdbcExecutor;

    @Produces
    @Singleton
    @Startup
    ExplanationPublisher publisher(SinksConfig config, Config raw, Instance<AgroalDataSource> dataSource,
                                   Instance<ExtraSinks> extra, SinkObserver observer) {
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
                    case "postgres" -> postgres(config, dataSource);
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
        return new ExplanationPublisher(sinks, config.timeout(), observer);
    }

    private ExplanationSink postgres(SinksConfig config, Instance<AgroalDataSource> dataSource) {
        AgroalDataSource ds;
        try {
            ds = dataSource.get();
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
        return new PostgresExplanationSink(ds, jdbcExecutor);
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
    }
}
