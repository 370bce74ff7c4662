package dev.anchorwatch.api;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.anchorwatch.explain.ExplainerFactory;
import dev.anchorwatch.explain.ExplainerSpec;
import dev.anchorwatch.explain.SpecException;
import dev.anchorwatch.model.PredictorConfig;
import dev.anchorwatch.explain.ExplainerRegistry;
import dev.anchorwatch.explain.ExplanationObserver;
import dev.anchorwatch.explain.ExplanationService;
import dev.anchorwatch.explain.ExplainerSource;
import dev.anchorwatch.explain.SpecLoader;
import dev.anchorwatch.model.PredictorObserver;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Thin Quarkus wiring: the registry of explainers (specs + demo) and the bounded explanation service. */
@Singleton
public class Wiring {
    private static final Logger LOG = Logger.getLogger(Wiring.class);

    private final List<ExplainerSource> sources = new ArrayList<>();

    @Produces
    @Singleton
    ExplainerRegistry registry(AnchorwatchConfig config, Instance<ExplainerSource> available, PredictorObserver observer) {
        ExplainerRegistry registry = new ExplainerRegistry();
        if (config.kserve().modelName().isPresent()) {
            registry.register(ExplainerFactory.create(explainerModeSpec(config)));
            // one model only, the InferenceService's: no demo, no other sources
            LOG.infof("explainer mode: serving POST /v1/models/%s:explain for the InferenceService",
                    config.kserve().modelName().get());
            return registry;
        }
        config.specs().ifPresent(dir -> {
            // a bad spec stops start-up: SpecException names the file and the field
            SpecLoader.loadDirectory(dir).forEach(spec -> registry.register(ExplainerFactory.create(spec, observer)));
        });
        for (ExplainerSource source : available) {
            sources.add(source);
            source.explainers().forEach(registry::register);
        }
        if (registry.names().isEmpty()) {
            LOG.warn("no explainers configured: set anchorwatch.specs to a directory of ExplainerSpec files");
        }
        return registry;
    }

    /** The InferenceService's model: its spec from anchorwatch.specs or /mnt/models, its predictor from KServe. */
    static ExplainerSpec explainerModeSpec(AnchorwatchConfig config) {
        String model = config.kserve().modelName().orElseThrow();
        String host = config.kserve().predictorHost().orElseThrow(() -> new SpecException("--predictor_host",
                "(missing)", "explainer mode (--model_name " + model + ") needs the predictor's host: KServe passes "
                + "--predictor_host, or set anchorwatch.kserve.predictor-host"));
        URI predictor = SpecLoader.predictorHostUrl(host);
        Optional<PredictorConfig.Protocol> protocol = config.kserve().protocol()
                .map(p -> switch (p.strip().toLowerCase(java.util.Locale.ROOT)) {
                    case "v1" -> PredictorConfig.Protocol.V1;
                    case "v2" -> PredictorConfig.Protocol.V2;
                    default -> throw new SpecException("anchorwatch.kserve.protocol", "(value)",
                            "must be v1 or v2, got " + p);
                });
        java.nio.file.Path location = config.specs().orElse(SpecLoader.KSERVE_MODEL_DIR);
        ExplainerSpec spec = SpecLoader.loadForModel(location, model, predictor, protocol);
        LOG.infof("explainer mode: model %s, spec %s, predictor %s (%s)", model, spec.origin(), predictor,
                spec.predictor().protocol());
        return spec;
    }

    void closeRegistry(@Disposes ExplainerRegistry registry) {
        registry.close();
        sources.forEach(ExplainerSource::close);
    }

    @Produces
    @Singleton
    ExplanationService service(ExplainerRegistry registry, AnchorwatchConfig config, ExplanationObserver observer) {
        int workers = config.explain().workers() > 0 ? config.explain().workers()
                : Runtime.getRuntime().availableProcessors();
        return new ExplanationService(registry, workers, config.explain().queue(), config.explain().maxInstances(),
                observer);
    }

    void closeService(@Disposes ExplanationService service) {
        service.close();
    }

    /** Builds everything at start, so a bad spec fails start-up, and shows a newcomer what to paste. */
    void onStart(@Observes StartupEvent ev, ExplanationService service,
                 @ConfigProperty(name = "quarkus.http.port") Optional<Integer> port) {
        LOG.infof("explainers ready: %s", service.registry().names());
        String api = "http://localhost:" + port.orElse(8080);
        for (ExplainerSource source : sources) {
            List<String> hints = source.startupHints(api);
            if (!hints.isEmpty()) {
                LOG.infof("%n  %s%n", String.join(String.format("%n  "), hints));
            }
        }
    }
}
