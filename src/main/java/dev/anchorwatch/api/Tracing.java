package dev.anchorwatch.api;

import java.util.concurrent.Executor;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import jakarta.inject.Singleton;

/**
 * Spans for the steps of an explanation: {@code decode}, {@code explain} (one per instance), {@code predict} (one
 * per batch sent to the model) and {@code publish} (one per sink). Their trace is the one of the incoming event:
 * Quarkus continues the {@code traceparent} header of an HTTP delivery (a Knative broker adds it); the Kafka ingress
 * continues a record's {@code traceparent} or {@code ce_traceparent} header, or the {@code traceparent} attribute of
 * a structured-mode event ({@link dev.anchorwatch.ingest.TraceParent}), through {@link #remote}. When the SDK is off
 * (the default) every call is a no-op.
 */
@Singleton
public class Tracing {
    private final Tracer tracer;

    Tracing(OpenTelemetry otel) {
        this.tracer = otel.getTracer("dev.anchorwatch");
    }

    /**
     * Makes a remote parent (a W3C {@code traceparent} and its {@code tracestate}, from a Kafka record) current on
     * this thread until the returned scope is closed, on the same thread: spans started meanwhile are its children.
     * A value the W3C propagator rejects leaves the current context as it is.
     */
    AutoCloseable remote(String traceparent, String tracestate) {
        java.util.Map<String, String> carrier = new java.util.HashMap<>();
        carrier.put("traceparent", traceparent);
        if (tracestate != null) {
            carrier.put("tracestate", tracestate);
        }
        Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), carrier, MAP);
        if (!Span.fromContext(parent).getSpanContext().isValid()) {
            return () -> { };
        }
        Scope scope = parent.makeCurrent();
        return scope::close;
    }

    private static final TextMapGetter<java.util.Map<String, String>> MAP = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(java.util.Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(java.util.Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    /** A span made current on this thread until the returned scope is closed (on the same thread). */
    AutoCloseable current(String name, String key, String value) {
        Span span = tracer.spanBuilder(name).setSpanKind(SpanKind.INTERNAL).setAttribute(key, value).startSpan();
        Scope scope = span.makeCurrent();
        return () -> {
            scope.close();
            span.end();
        };
    }

    /** Sets an attribute of the current span (none current: nothing happens). */
    void annotate(String key, long value) {
        Span.current().setAttribute(key, value);
    }

    /** A child of the current span, ended (possibly on another thread) when the returned handle is closed. */
    Span child(String name, SpanKind kind) {
        return tracer.spanBuilder(name).setSpanKind(kind).setParent(Context.current()).startSpan();
    }

    static AutoCloseable ending(Span span) {
        return span::end;
    }

    static void failed(Span span, Throwable error) {
        if (error != null) {
            span.setStatus(StatusCode.ERROR, String.valueOf(error.getMessage()));
        }
    }

    /** Runs tasks submitted from this thread with this thread's trace context. */
    Executor propagating(Executor executor) {
        return Context.current().wrap(executor);
    }
}
