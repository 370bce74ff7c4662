package dev.anchorwatch.viewer;

import java.util.List;
import java.util.Locale;

import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import dev.anchorwatch.publish.ExtraSinks;
import dev.anchorwatch.publish.SinksConfig;
import io.agroal.api.AgroalDataSource;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.arc.InactiveBeanException;
import io.quarkus.runtime.configuration.ConfigurationException;

/** Chooses the viewer's store and, for the in-memory one, feeds it from the publisher like a sink. */
@Singleton
public class ViewerWiring {
    private static final Logger LOG = Logger.getLogger(ViewerWiring.class);

    @Produces
    @Singleton
    ExplanationStore store(ViewerConfig config, SinksConfig sinks, Instance<AgroalDataSource> dataSource,
                           MeterRegistry meters) {
        config.limits(); // validates the bounds at start
        String mode = config.store().trim().toLowerCase(Locale.ROOT);
        boolean postgresSink = sinks.enabled().stream().anyMatch(s -> s.trim().equalsIgnoreCase("postgres"));
        boolean postgres = switch (mode) {
            case "auto" -> postgresSink;
            case "postgres" -> true;
            case "memory" -> false;
            default -> throw new ConfigurationException("anchorwatch.viewer.store: must be auto, memory or postgres, not '"
                    + config.store() + "'");
        };
        if (postgres) {
            AgroalDataSource ds;
            try {
                ds = dataSource.get();
            } catch (InactiveBeanException e) {
                throw new ConfigurationException("anchorwatch.viewer.store=postgres needs the datasource: set "
                        + "quarkus.datasource.jdbc.url, username, password and quarkus.datasource.active=true", e);
            }
            LOG.infof("explanation viewer: reading PostgreSQL (query timeout %s)", config.queryTimeout());
            return new PostgresExplanationStore(ds, config.queryTimeout());
        }
        long max = config.memory().maxBytes().asLongValue();
        MemoryExplanationStore store = new MemoryExplanationStore(max, (reason, n) ->
                Counter.builder("anchorwatch.viewer.store.evictions").tag("reason", reason)
                        .description("explanations the viewer's in-memory store dropped").register(meters).increment(n));
        // strong references: a weakly held store can be collected while the gauge stays registered (test apps
        // restarting in one JVM share Micrometer's global registry), and a gauge of a collected object disappears
        Gauge.builder("anchorwatch.viewer.store.bytes", store, MemoryExplanationStore::bytes).baseUnit("bytes")
                .strongReference(true)
                .description("estimated bytes held by the viewer's in-memory store").register(meters);
        Gauge.builder("anchorwatch.viewer.store.entries", store, MemoryExplanationStore::size).strongReference(true)
                .description("explanations held by the viewer's in-memory store").register(meters);
        LOG.infof("explanation viewer: recent explanations in memory (at most %d bytes)", max);
        return store;
    }

    @Produces
    @Singleton
    ExtraSinks viewerFeed(ExplanationStore store) {
        List<dev.anchorwatch.publish.ExplanationSink> feed = store instanceof MemoryExplanationStore m ? List.of(m) : List.of();
        return () -> feed;
    }
}
