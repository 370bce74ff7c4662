package dev.anchorwatch.publish;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Publishes each explanation to every enabled sink at once and completes only when all of them have taken it,
 * so the caller can acknowledge the input event then, and only then. If any sink fails, the returned stage
 * fails with a {@link PublishException} naming the failed sinks; it is retryable when any of those failures is
 * (sinks are idempotent, so redelivering to the sinks that already succeeded is harmless). The whole publication
 * is bounded by a timeout.
 */
public final class ExplanationPublisher implements AutoCloseable {

    private final List<ExplanationSink> sinks;
    private final Duration timeout;
    private final SinkObserver observer;

    public ExplanationPublisher(List<ExplanationSink> sinks, Duration timeout) {
        this(sinks, timeout, SinkObserver.NONE);
    }

    /** @param observer told about every hand-over to every sink (metrics, tracing) */
    public ExplanationPublisher(List<ExplanationSink> sinks, Duration timeout, SinkObserver observer) {
        if (sinks.isEmpty()) {
            throw new IllegalArgumentException("at least one explanation sink must be enabled");
        }
        this.sinks = List.copyOf(sinks);
        this.timeout = timeout;
        this.observer = observer;
    }

    public CompletionStage<Void> publish(ExplanationRecord record) {
        List<CompletableFuture<Void>> all = new ArrayList<>(sinks.size());
        for (ExplanationSink sink : sinks) {
            long start = System.nanoTime();
            AutoCloseable scope = observer.started(sink.name(), record);
            CompletableFuture<Void> one;
            try {
                one = sink.publish(record).toCompletableFuture();
            } catch (RuntimeException e) {
                one = CompletableFuture.failedFuture(e);
            }
            all.add(one.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).whenComplete((ignored, error) -> {
                observer.published(sink.name(), System.nanoTime() - start, error);
                try {
                    scope.close();
                } catch (Exception e) {
                    // a scope that cannot close must not fail the publication
                }
            }));
        }
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
                .handle((ignored, error) -> {
                    if (error == null) {
                        return null;
                    }
                    throw summarize(record, all);
                });
    }

    private PublishException summarize(ExplanationRecord record, List<CompletableFuture<Void>> all) {
        List<String> failed = new ArrayList<>();
        boolean retryable = false;
        Throwable first = null;
        for (int i = 0; i < all.size(); i++) {
            CompletableFuture<Void> f = all.get(i);
            if (!f.isCompletedExceptionally()) {
                continue;
            }
            Throwable e = cause(f);
            first = first == null ? e : first;
            String sink = sinks.get(i).name();
            if (e instanceof PublishException p) {
                retryable |= p.retryable();
                failed.add(p.getMessage());
            } else {
                retryable = true; // timeouts and unexpected errors: do not give the input up
                failed.add(sink + ": " + (e instanceof TimeoutException ? "no answer within " + timeout : e));
            }
        }
        PublishException summary = new PublishException(String.join(",", failedNames(all)),
                "explanation " + record.explanationId() + " not published: " + String.join("; ", failed), retryable, first);
        return summary;
    }

    private List<String> failedNames(List<CompletableFuture<Void>> all) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).isCompletedExceptionally()) {
                names.add(sinks.get(i).name());
            }
        }
        return names;
    }

    private static Throwable cause(CompletableFuture<Void> f) {
        try {
            f.join();
            return null;
        } catch (CompletionException e) {
            return e.getCause() == null ? e : e.getCause();
        } catch (RuntimeException e) {
            return e;
        }
    }

    public List<String> sinkNames() {
        return sinks.stream().map(ExplanationSink::name).toList();
    }

    @Override
    public void close() {
        for (ExplanationSink sink : sinks) {
            sink.close();
        }
    }
}
