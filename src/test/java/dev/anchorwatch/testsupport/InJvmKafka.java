package dev.anchorwatch.testsupport;

import java.io.IOException;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A real Kafka broker (KRaft, one combined broker+controller node) running inside the test JVM, built on
 * Kafka's own {@link KafkaClusterTestKit}. Both listeners are bound to 127.0.0.1 only.
 *
 * <p>The test kit pre-binds one server socket per listener on the wildcard address before the servers start.
 * To keep every test server on loopback, we hand it sockets already bound to 127.0.0.1 instead: its
 * {@code PreboundSocketFactoryManager} reuses a socket it finds registered for a (node, listener) pair. That
 * registry is private, so it is filled by reflection; if a Kafka upgrade renames it, {@link #start()} fails
 * loudly rather than silently binding to all interfaces.
 */
public final class InJvmKafka implements AutoCloseable {

    private final KafkaClusterTestKit cluster;
    private final String bootstrapServers;

    private InJvmKafka(KafkaClusterTestKit cluster, String bootstrapServers) {
        this.cluster = cluster;
        this.bootstrapServers = bootstrapServers;
    }

    public static InJvmKafka start() throws Exception {
        TestKitNodes nodes = new TestKitNodes.Builder()
                .setCombined(true)
                .setNumBrokerNodes(1)
                .setNumControllerNodes(1)
                .build();
        String broker = nodes.brokerListenerName().value();
        String controller = nodes.controllerListenerName().value();
        KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(nodes)
                .setConfigProp("listeners", broker + "://127.0.0.1:0," + controller + "://127.0.0.1:0")
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setConfigProp("num.partitions", "1")
                .setConfigProp("auto.create.topics.enable", "true");
        int brokerPort = prebindOnLoopback(builder, nodes, broker, controller);
        KafkaClusterTestKit cluster = builder.build();
        try {
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
        return new InJvmKafka(cluster, "127.0.0.1:" + brokerPort);
    }

    /** "127.0.0.1:port" of the broker listener (the test kit's own answer says "localhost"). */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /**
     * Stops the broker (the combined node's controller keeps running): clients see the broker gone, as in an
     * outage. {@link #startBroker()} brings it back on the same port with the same logs.
     */
    public void stopBroker() {
        cluster.brokers().values().forEach(b -> {
            b.shutdown();
            b.awaitShutdown();
        });
    }

    /** Starts the broker stopped by {@link #stopBroker()} again and waits until it serves. */
    public void startBroker() throws Exception {
        cluster.brokers().values().forEach(b -> b.startup());
        cluster.waitForReadyBrokers();
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }

    @SuppressWarnings("unchecked")
    private static int prebindOnLoopback(KafkaClusterTestKit.Builder builder, TestKitNodes nodes,
            String brokerListener, String controllerListener) throws Exception {
        Object manager = field(builder.getClass(), "socketFactoryManager").get(builder);
        Map<Integer, Map<String, ServerSocketChannel>> sockets =
                (Map<Integer, Map<String, ServerSocketChannel>>) field(manager.getClass(), "sockets").get(manager);
        for (int id : nodes.controllerNodes().keySet()) {
            sockets.computeIfAbsent(id, k -> new HashMap<>()).put(controllerListener, loopbackSocket());
        }
        int brokerPort = -1;
        for (int id : nodes.brokerNodes().keySet()) {
            ServerSocketChannel socket = loopbackSocket();
            sockets.computeIfAbsent(id, k -> new HashMap<>()).put(brokerListener, socket);
            brokerPort = ((InetSocketAddress) socket.getLocalAddress()).getPort();
        }
        return brokerPort;
    }

    private static Field field(Class<?> type, String name) {
        try {
            Field f = type.getDeclaredField(name);
            f.setAccessible(true);
            return f;
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException("KafkaClusterTestKit internals changed (" + type.getName() + "." + name
                    + " is gone): update InJvmKafka for this Kafka version", e);
        }
    }

    private static ServerSocketChannel loopbackSocket() throws IOException {
        // as Kafka's own ServerSocketFactory does: the acceptor selects on a non-blocking channel
        ServerSocketChannel channel = ServerSocketChannel.open();
        channel.configureBlocking(false);
        channel.socket().setReuseAddress(true);
        channel.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return channel;
    }
}
