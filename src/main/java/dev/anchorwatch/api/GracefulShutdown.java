package dev.anchorwatch.api;

import java.time.Duration;

import org.jboss.logging.Logger;

import dev.anchorwatch.explain.ExplanationService;
import dev.anchorwatch.ingest.EventIngress;
import dev.anchorwatch.ingest.KafkaIngress;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

/**
 * SIGTERM (Kubernetes stopping the pod): stop taking new work, let what was admitted finish and be published,
 * then let the process exit, with status 0. New events are answered 503 (the broker redelivers them elsewhere), the
 * Kafka ingress pauses its partitions and starts no record (those not started, or waiting for a retry, stay
 * unacknowledged and go back to the consumer group; those being explained finish, are acknowledged, and the
 * connector commits their offsets as it closes), new explanations are refused (429), and Quarkus' own graceful
 * shutdown ({@code quarkus.shutdown.timeout}) waits for in-flight HTTP requests to complete. The wait here runs
 * after that, before the beans (publisher, sinks, Kafka clients) are destroyed, so in-flight work can still be published and
 * acknowledged. Whatever is not done within {@code anchorwatch.shutdown.drain} is dropped unacknowledged, so it is
 * redelivered: nothing is lost, some work may be done twice (sinks are idempotent).
 */
@Singleton
public class GracefulShutdown {
    private static final Logger LOG = Logger.getLogger(GracefulShutdown.class);

    private volatile Thread stopAdmitting;

    /**
     * Stops taking new work the moment SIGTERM arrives: a JVM shutdown hook, because Quarkus' own shutdown first
     * waits for in-flight HTTP requests (while still accepting new ones) and fires ShutdownEvent only after that.
     */
    void onStart(@Observes StartupEvent ev, EventIngress ingress, ExplanationService service, KafkaIngress kafka) {
        Thread hook = new Thread(() -> {
            ingress.beginDrain();
            service.stopAdmitting();
            LOG.info("stopping: new events are refused (503); admitted work goes on");
            try {
                kafka.beginDrain();
            } catch (RuntimeException e) { // the container is already stopping: onShutdown drains it
                LOG.debugf("Kafka ingress drain not begun from the hook: %s", e.toString());
            }
        }, "anchorwatch-stop-admitting");
        Runtime.getRuntime().addShutdownHook(hook);
        stopAdmitting = hook;
        if (LaunchMode.current() == LaunchMode.NORMAL) {
            exitZeroOnSigterm();
        }
    }

    /**
     * The JVM answers SIGTERM with exit status 143 (128 + 15), which Kubernetes reports as an error. A stop that
     * Kubernetes asked for is the normal end of a replica: this handler starts the same shutdown (every shutdown
     * hook, so the drain below, runs as before) with status 0. Skipped when Quarkus' own
     * {@code DISABLE_SIGNAL_HANDLERS} is set, or where the platform has no SIGTERM.
     */
    private static void exitZeroOnSigterm() {
        if (System.getenv("DISABLE_SIGNAL_HANDLERS") != null || System.getProperty("DISABLE_SIGNAL_HANDLERS") != null) {
            return;
        }
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("TERM"), signal -> System.exit(0));
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            LOG.debugf("SIGTERM handler not installed: %s", e.toString());
        }
    }

    /** Waits, before the beans are destroyed, for what was admitted (the Kafka ingress' records included). */
    void onShutdown(@Observes @Priority(1) ShutdownEvent ev, EventIngress ingress, ExplanationService service,
                    KafkaIngress kafka, AnchorwatchConfig config) {
        Thread hook = stopAdmitting;
        if (hook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook); // a stop without SIGTERM (tests, dev mode)
            } catch (IllegalStateException e) {
                // the JVM is exiting: the hook has run, or runs now
            }
        }
        Duration drain = config.shutdown().drain();
        long start = System.nanoTime();
        int events = ingress.inFlight();
        int explanations = service.busy() + service.queued();
        LOG.infof("shutting down: no new work; draining %d event(s) and %d explanation(s) in flight (at most %s)",
                events, explanations, drain);
        ingress.beginDrain();
        service.stopAdmitting();
        kafka.beginDrain();
        boolean done;
        try {
            done = service.awaitIdle(drain)
                    && ingress.awaitIdle(drain.minusNanos(System.nanoTime() - start));
            // Kafka records: explained (above) and now acknowledged, so the connector commits them when it closes
            done = kafka.awaitDrained(drain.minusNanos(System.nanoTime() - start)) && done;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            done = false;
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        if (done) {
            LOG.infof("drained in %d ms: every admitted explanation finished and was published", ms);
        } else {
            LOG.warnf("drain time %s over after %d ms: %d event(s) still in flight are left unacknowledged, to be "
                    + "redelivered", drain, ms, ingress.inFlight());
        }
    }
}
