package dev.anchorwatch.testsupport;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.anchorwatch.publish.ExplanationRecord;
import dev.anchorwatch.publish.ExplanationSink;
import dev.anchorwatch.publish.PublishException;

/**
 * A sink named {@code capture} that keeps every record it is given in {@link #published()} and completes at
 * once; {@link #down} makes it fail each publication with the given exception until it is set back to null.
 */
public final class CapturingSink implements ExplanationSink {

    private final List<ExplanationRecord> published = new CopyOnWriteArrayList<>();
    private volatile PublishException down;

    /** The records published so far, in order; the live list (tests may clear it). */
    public List<ExplanationRecord> published() {
        return published;
    }

    /** Fails every publication with {@code failure} from now on; null takes records again. */
    public void down(PublishException failure) {
        this.down = failure;
    }

    @Override
    public CompletionStage<Void> publish(ExplanationRecord r) {
        PublishException failure = down;
        if (failure != null) {
            return CompletableFuture.failedFuture(failure);
        }
        published.add(r);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public String name() {
        return "capture";
    }
}
