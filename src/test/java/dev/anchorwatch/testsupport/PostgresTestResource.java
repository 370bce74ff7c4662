package dev.anchorwatch.testsupport;

import java.io.IOException;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Starts a real PostgreSQL ({@link LoopbackPostgres}, on 127.0.0.1) for a {@code @QuarkusTest} and points the
 * default datasource at it, activating it (it is inactive by default).
 */
public class PostgresTestResource implements QuarkusTestResourceLifecycleManager {

    private LoopbackPostgres postgres;

    @Override
    public Map<String, String> start() {
        postgres = LoopbackPostgres.start();
        return Map.of(
                "quarkus.datasource.jdbc.url", postgres.jdbcUrl(),
                "quarkus.datasource.username", LoopbackPostgres.USER,
                "quarkus.datasource.password", LoopbackPostgres.PASSWORD,
                "quarkus.datasource.active", "true");
    }

    @Override
    public void stop() {
        if (postgres != null) {
            try {
                postgres.close();
            } catch (IOException e) {
                throw new IllegalStateException("could not stop embedded PostgreSQL", e);
            } finally {
                postgres = null;
            }
        }
    }
}
