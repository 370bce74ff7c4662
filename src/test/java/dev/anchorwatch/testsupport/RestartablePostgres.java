package dev.anchorwatch.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.sql.DataSource;

import org.postgresql.ds.PGSimpleDataSource;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A real PostgreSQL (as {@link LoopbackPostgres}) that can be stopped and started again on the same port with
 * the same data directory, so that everything committed before the stop is there after it: a database outage.
 */
public final class RestartablePostgres implements AutoCloseable {

    private final int port;
    private final Path dataDir;
    private EmbeddedPostgres postgres;

    private RestartablePostgres(int port, Path dataDir) {
        this.port = port;
        this.dataDir = dataDir;
    }

    public static RestartablePostgres start(Path dataDir) throws IOException {
        Files.createDirectories(dataDir);
        RestartablePostgres p = new RestartablePostgres(LoopbackPostgres.freeLoopbackPort(), dataDir);
        p.startAgain();
        return p;
    }

    /** Starts the server (again): same port, same data. */
    public synchronized void startAgain() {
        if (postgres != null) {
            return;
        }
        try {
            postgres = EmbeddedPostgres.builder()
                    .setPort(port)
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(false)
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("max_connections", "50")
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException("could not start embedded PostgreSQL in " + dataDir, e);
        }
    }

    /** Stops the server (fast shutdown: clients are disconnected); the data stays. */
    public synchronized void stop() throws IOException {
        if (postgres != null) {
            postgres.close();
            postgres = null;
        }
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    /** A data source that connects on each use (works across restarts). */
    public DataSource dataSource() {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(jdbcUrl());
        ds.setUser(LoopbackPostgres.USER);
        ds.setPassword(LoopbackPostgres.PASSWORD);
        ds.setConnectTimeout(5);
        return ds;
    }

    @Override
    public void close() throws IOException {
        stop();
    }
}
