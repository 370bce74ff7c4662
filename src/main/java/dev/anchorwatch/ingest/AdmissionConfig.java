package dev.anchorwatch.ingest;

import java.util.Optional;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Admission before work ({@code anchorwatch.admission.*}), shared by the HTTP event ingress ({@code POST /}) and
 * {@code :explain}: see {@link Admission}.
 */
@ConfigMapping(prefix = "anchorwatch.admission")
public interface AdmissionConfig {

    /** Bodies read, inflated or parsed at once; 0 means one per available processor (at least 2). */
    @WithDefault("0")
    int maxDecodes();

    /**
     * Bytes held at once by admitted requests (bodies as received and inflated, parsed JSON trees counted as
     * {@value InferenceEventDecoder#PARSE_COST_FACTOR} times their text, bodies of events being explained); unset
     * means a quarter of the maximum heap.
     */
    Optional<MemorySize> maxBytes();

    default Admission.Limits limits() {
        int decodes = maxDecodes() > 0 ? maxDecodes() : Math.max(2, Runtime.getRuntime().availableProcessors());
        long bytes = maxBytes().map(MemorySize::asLongValue).orElse(Runtime.getRuntime().maxMemory() / 4);
        return new Admission.Limits(decodes, bytes);
    }
}
