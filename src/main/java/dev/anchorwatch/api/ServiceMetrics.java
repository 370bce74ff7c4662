package dev.anchorwatch.api;

import java.time.Duration;
import java.util.Locale;

import dev.anchorwatch.explain.ExplanationObserver;
import dev.anchorwatch.ingest.IngressObserver;
import dev.anchorwatch.model.PredictorObserver;
import dev.anchorwatch.publish.SinkObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;

/**
 * The service's Micrometer meters (Prometheus on {@code /q/metrics}), named {@code anchorwatch.<area>.<what>} with
 * low-cardinality tags (see docs/operations.md, "Metrics"). One bean observes every path through the small
 * observer interfaces the framework-free packages define, so those packages never see Micrometer. Registering the
 * same name and tags twice returns the same meter, so other wiring may register these names too.
 */
@Singleton
public class ServiceMetrics implements PredictorObserver, ExplanationObserver, SinkObserver, IngressObserver {

    public static final String EXPLANATIONS = "anchorwatch.explanations";
    public static final String EXPLANATION_DURATION = "anchorwatch.explanation.duration";
    public static final String PREDICTOR_REQUESTS = "anchorwatch.predictor.requests";
    public static final String PREDICTOR_ROWS = "anchorwatch.predictor.rows";
    public static final String SHARED_HITS = "anchorwatch.prediction.cache.shared.hits";
    public static final String PREDICTOR_DURATION = "anchorwatch.predictor.duration";
    public static final String WORKERS_BUSY = "anchorwatch.workers.busy";
    public static final String WORKERS_QUEUED = "anchorwatch.workers.queued";
    public static final String ADMISSION_REJECTED = "anchorwatch.admission.rejected";
    public static final String INGEST_EVENTS = "anchorwatch.ingest.events";
    public static final String DEADLETTERS = "anchorwatch.deadletters";
    public static final String PAIRING_ENTRIES = "anchorwatch.pairing.entries";
    public static final String PAIRING_BYTES = "anchorwatch.pairing.bytes";
    public static final String PAIRING_EVICTIONS = "anchorwatch.pairing.evictions";
    public static final String KAFKA_RETRIES = "anchorwatch.kafka.ingress.retries";
    public static final String SINK_PUBLISH = "anchorwatch.sink.publish";
    public static final String SINK_DURATION = "anchorwatch.sink.duration";

    private final MeterRegistry registry;
    private final Tracing tracing;

    ServiceMetrics(MeterRegistry registry, Tracing tracing) {
        this.registry = registry;
        this.tracing = tracing;
    }

    // ---- tracing: the observers' start hooks open the spans (see Tracing)

    @Override
    public java.util.concurrent.Executor executor(java.util.concurrent.Executor pool) {
        return tracing.propagating(pool);
    }

    @Override
    public AutoCloseable started(String model, String explainer) {
        return tracing.current("explain", "anchorwatch.model", model);
    }

    @Override
    public AutoCloseable decoding(String source) {
        return tracing.current("decode", "anchorwatch.source", source);
    }

    @Override
    public AutoCloseable continuing(dev.anchorwatch.ingest.TraceParent parent) {
        return tracing.remote(parent.traceparent(), parent.tracestate());
    }

    @Override
    public AutoCloseable started(String model, int rows) {
        io.opentelemetry.api.trace.Span span = tracing.child("predict", io.opentelemetry.api.trace.SpanKind.CLIENT);
        span.setAttribute("anchorwatch.model", model);
        span.setAttribute("anchorwatch.rows", rows);
        return span::end;
    }

    @Override
    public AutoCloseable started(String sink, dev.anchorwatch.publish.ExplanationRecord record) {
        io.opentelemetry.api.trace.Span span = tracing.child("publish", io.opentelemetry.api.trace.SpanKind.PRODUCER);
        span.setAttribute("anchorwatch.sink", sink);
        span.setAttribute("anchorwatch.model", record.model());
        return span::end;
    }

    public MeterRegistry registry() {
        return registry;
    }

    // ---- explanations

    @Override
    public void explained(String model, String explainer, ExplanationObserver.Outcome outcome, long nanos) {
        explanations(model, explainer, outcome.tag()).increment();
        explanationTimer(model, explainer).record(Duration.ofNanos(nanos));
    }

    @Override
    public void reused(String model, long rows) {
        if (rows > 0) {
            sharedHits(model).increment(rows);
        }
        tracing.annotate("anchorwatch.rows_reused", rows); // on the explain span
    }

    private Counter sharedHits(String model) {
        return Counter.builder(SHARED_HITS)
                .description("Rows an explanation needed that another explanation of the model had already labelled")
                .tags("model", model).register(registry);
    }

    private Counter explanations(String model, String explainer, String outcome) {
        return Counter.builder(EXPLANATIONS).description("Explanations of one instance, by how they ended")
                .tags("model", model, "explainer", explainer, "outcome", outcome).register(registry);
    }

    private Timer explanationTimer(String model, String explainer) {
        return Timer.builder(EXPLANATION_DURATION).description("Time to explain one instance (search and predictor calls)")
                .tags("model", model, "explainer", explainer).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(5)).maximumExpectedValue(Duration.ofMinutes(5))
                .register(registry);
    }

    // ---- predictor

    @Override
    public void completed(String model, int rows, long nanos, Throwable error) {
        predictorRequests(model, error == null ? "ok" : "error").increment();
        predictorRows(model).increment(rows);
        predictorTimer(model).record(Duration.ofNanos(nanos));
    }

    private Counter predictorRequests(String model, String outcome) {
        return Counter.builder(PREDICTOR_REQUESTS).description("Batches sent to the model's predictor, by outcome")
                .tags("model", model, "outcome", outcome).register(registry);
    }

    private Counter predictorRows(String model) {
        return Counter.builder(PREDICTOR_ROWS).description("Instances sent to the model's predictor")
                .tags("model", model).register(registry);
    }

    private Timer predictorTimer(String model) {
        return Timer.builder(PREDICTOR_DURATION).description("Time for the predictor to answer one batch")
                .tags("model", model).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(1))
                .register(registry);
    }

    /** Registers a model's meters at zero, so dashboards and alerts see the series before the first explanation. */
    public void registerModel(String model, String explainer) {
        for (ExplanationObserver.Outcome o : ExplanationObserver.Outcome.values()) {
            explanations(model, explainer, o.tag());
        }
        explanationTimer(model, explainer);
        predictorRequests(model, "ok");
        predictorRequests(model, "error");
        predictorRows(model);
        predictorTimer(model);
        sharedHits(model);
    }

    // ---- admission

    /** A request refused before any work (429 or 413) on {@code path} (explain, ingest, kafka). */
    public void rejected(String path, String reason) {
        rejectedCounter(path, reason).increment();
    }

    Counter rejectedCounter(String path, String reason) {
        return Counter.builder(ADMISSION_REJECTED).description("Requests refused at admission (429, 413)")
                .tags("path", path, "reason", reason).register(registry);
    }

    // ---- ingress

    @Override
    public void event(String source, String type, String outcome, String reason) {
        // Counted once, where every answer is known: IngestMetrics counts each reply on / (admission refusals
        // included), the Kafka ingress's listener each record's end. Counting here as well would count twice.
    }

    Counter ingestEvents(String source, String type, String outcome) {
        return Counter.builder(INGEST_EVENTS).description("Inference events received, by type and outcome")
                .tags("source", source, "type", type, "outcome", outcome).register(registry);
    }

    Counter deadLetters(String source, String reason) {
        return Counter.builder(DEADLETTERS)
                .description("Events given up for good: refused over HTTP (the broker dead-letters them) or written to the DLQ topic")
                .tags("source", source, "reason", reason == null ? "unknown" : reason.toLowerCase(Locale.ROOT))
                .register(registry);
    }

    Counter kafkaRetries(String reason) {
        return Counter.builder(KAFKA_RETRIES).description("Kafka ingress records handled again after a transient failure")
                .tags("reason", reason == null ? "unknown" : reason).register(registry);
    }

    // ---- sinks

    @Override
    public void published(String sink, long nanos, Throwable error) {
        sinkPublish(sink, error == null ? "ok" : "error").increment();
        sinkTimer(sink).record(Duration.ofNanos(nanos));
    }

    Counter sinkPublish(String sink, String outcome) {
        return Counter.builder(SINK_PUBLISH).description("Explanations handed to a sink, by outcome")
                .tags("sink", sink, "outcome", outcome).register(registry);
    }

    Timer sinkTimer(String sink) {
        return Timer.builder(SINK_DURATION).description("Time for a sink to acknowledge an explanation")
                .tags("sink", sink).register(registry);
    }

    /** Registers a sink's meters at zero. */
    public void registerSink(String sink) {
        sinkPublish(sink, "ok");
        sinkPublish(sink, "error");
        sinkTimer(sink);
    }
}
