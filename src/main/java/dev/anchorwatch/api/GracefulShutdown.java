package dev.anchorwatch.api;

import java.time.Duration;

import org.jboss.logging.Logger;

import dev.anchorwatch.explain.ExplanationService;
import dev.anchorwatch.ingest.EventIngress;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

/**
 * SIGTERM (Kubernetes stopping the pod): stop taking new work, let what was admitted finish and be published,
 * then let the process exit. New events are answered 503 (the broker redelivers them elsewhere; a Kafka record is
 * left unacknowledged and goes back to the consumer group), new explanations are refused (429), and Quarkus' own graceful
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
    void onStart(@Observes StartupEvent ev, EventIngress ingress, ExplanationService service) {
        Thread hook = new Thread(() -> {
            ingress.beginDrain();
            service.stopAdmitting();
            LOG.info("stopping: new events are refused (503); admitted work goes on");
        }, "anchorwatch-stop-admitting");
        Runtime.getRuntime().addShutdownHook(hook);
        stopAdmitting = hook;
    }

    /** Waits, before the beans are destroyed, for what was admitted (the Kafka ingress' records included). */
    void onShutdown(@Observes @Priority(1) ShutdownEvent ev, EventIngress ingress, ExplanationService service,
                    AnchorwatchConfig config) {
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
        boolean done;
        try {
            done = service.awaitIdle(drain)
                    && ingress.awaitIdle(drain.minusNanos(System.nanoTime() - start));
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
