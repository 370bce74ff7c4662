package dev.anchorwatch.viewer;

import java.time.Duration;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The explanation viewer ({@code anchorwatch.viewer.*}); see docs/configuration.md. */
@ConfigMapping(prefix = "anchorwatch.viewer")
public interface ViewerConfig {

    /**
     * Where the viewer reads explanations: {@code auto} (PostgreSQL when the postgres sink is enabled, else
     * memory), {@code memory} or {@code postgres}.
     */
    @WithDefault("auto")
    String store();

    Memory memory();

    /** Explanations per page when the request names none. */
    @WithDefault("50")
    int defaultPageSize();

    /** The most explanations one page may hold. */
    @WithDefault("200")
    int maxPageSize();

    /** The longest time window a statistics or series query may cover. */
    @WithDefault("31d")
    Duration maxWindow();

    /** The most buckets of a series. */
    @WithDefault("200")
    int maxBuckets();

    /** The most predicates a statistics answer may list. */
    @WithDefault("50")
    int maxTop();

    /** Longest a PostgreSQL query of the viewer may run before it is cancelled (503). */
    @WithDefault("10s")
    Duration queryTimeout();

    interface Memory {
        /** Estimated heap the in-memory store may hold; the oldest explanations are evicted beyond it. */
        @WithDefault("32M")
        MemorySize maxBytes();
    }

    default ViewerLimits limits() {
        return new ViewerLimits(defaultPageSize(), maxPageSize(), maxWindow(), maxBuckets(), maxTop());
    }
}
