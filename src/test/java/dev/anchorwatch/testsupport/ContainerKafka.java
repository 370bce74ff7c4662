package dev.anchorwatch.testsupport;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;

/**
 * Kafka in a container (apache/kafka, same version as our kafka-clients), for machines with a Docker engine.
 * The mapped port is published on 127.0.0.1 only.
 */
final class ContainerKafka implements AutoCloseable {

    static final String IMAGE = "apache/kafka:4.1.2";

    private final KafkaContainer container;

    private ContainerKafka(KafkaContainer container) {
        this.container = container;
    }

    static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable t) {
            return false;
        }
    }

    @SuppressWarnings("resource")
    static ContainerKafka start() {
        if (!dockerAvailable()) {
            throw new IllegalStateException("-D" + KafkaTestResource.MODE_PROPERTY
                    + "=testcontainers needs a Docker engine, and none answers here");
        }
        KafkaContainer container = new KafkaContainer(IMAGE)
                .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withPortBindings(
                        new PortBinding(Ports.Binding.bindIp("127.0.0.1"), ExposedPort.tcp(9092))));
        container.start();
        return new ContainerKafka(container);
    }

    String bootstrapServers() {
        return container.getBootstrapServers();
    }

    @Override
    public void close() {
        container.stop();
    }
}
