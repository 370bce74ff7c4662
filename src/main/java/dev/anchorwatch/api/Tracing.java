package dev.anchorwatch.api;

import java.util.concurrent.Executor;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import jakarta.inject.Singleton;

/**
 * Spans for the steps of an explanation: {@code decode}, {@code explain} (one per instance), {@code predict} (one
 * per batch sent to the model) and {@code publish} (one per sink). Their trace is the one of the incoming event:
 * Quarkus continues the {@code traceparent} header of an HTTP delivery (a Knative broker adds it), and the Kafka
 * connector the {@code traceparent} record header. When the SDK is off (the default) every call is a no-op.
 */
@Singleton
public class Tracing {
    private final Tracer tracer;

    Tracing(OpenTelemetry otel) {
        this.tracer = otel.getTracer("dev.anchorwatch");
    }

    /** A span made current on this thread until the returned scope is closed (on the same thread). */
    AutoCloseable current(String name, String key, String value) {
        Span span = tracer.spanBuilder(name).setSpanKind(SpanKind.INTERNAL).setAttribute(key, value).startSpan();
        Scope scope = span.makeCurrent();
        return () -> {
            scope.close();
            span.end();
        };
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
