package dev.anchorwatch.api;

import java.nio.file.Path;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Service configuration ({@code anchorwatch.*}); see docs/configuration.md. */
@ConfigMapping(prefix = "anchorwatch")
public interface AnchorwatchConfig {

    /** Directory of ExplainerSpec files (YAML or JSON), e.g. a mounted ConfigMap. */
    Optional<Path> specs();

    Explain explain();

    Demo demo();

    /** Running as an InferenceService's own explainer; usually set by KServe's arguments ({@link KServeArgs}). */
    Kserve kserve();

    Shutdown shutdown();

    interface Shutdown {
        /**
         * On SIGTERM, how long explanations already admitted may take to finish and be published before the process
         * exits anyway (what is unfinished then is not acknowledged, so it is redelivered). Keep it below the pod's
         * terminationGracePeriodSeconds; quarkus.shutdown.timeout follows it.
         */
        @WithDefault("120s")
        java.time.Duration drain();
    }

    interface Explain {
        /** Explanations running at once; 0 means one per available processor. */
        @WithDefault("0")
        int workers();

        /** Explanations waiting for a worker before new work is refused (429/503). */
        @WithDefault("16")
        int queue();

        /** Instances accepted in one :explain request or one event. */
        @WithDefault("32")
        int maxInstances();
    }

    /**
     * Explainer mode ({@code spec.explainer.containers} of an InferenceService): one model, its spec read from
     * {@code anchorwatch.specs} (default {@code /mnt/models}, where KServe mounts a storageUri), its predictor at the
     * host KServe names.
     */
    interface Kserve {
        /** {@code --model_name}: the InferenceService's name. Setting it turns explainer mode on. */
        Optional<String> modelName();

        /** {@code --predictor_host}: the predictor's host[:port] ({@code http://} added without a scheme). */
        Optional<String> predictorHost();

        /** {@code --protocol}: v1 or v2, instead of the spec's {@code predictor.protocol}. */
        Optional<String> protocol();
    }

    interface Demo {
        /** Serve the built-in demo models (adult, movie, fashion) on loopback and register their specs. */
        @WithDefault("true")
        boolean enabled();

        /** Address of the demo model server; keep it on loopback. */
        @WithDefault("127.0.0.1")
        String host();

        /** Port of the demo model server; 0 picks a free one. */
        @WithDefault("8081")
        int port();

        /**
         * The model whose logger events the demo's KernelSHAP explainer (adult-shap) also explains: adult (every Adult
         * event gets Anchors and KernelSHAP) or adult-shap (only its own name).
         */
        @WithDefault("adult")
        String shapModel();
    }
}
