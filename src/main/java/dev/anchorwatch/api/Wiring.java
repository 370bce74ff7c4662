package dev.anchorwatch.api;

import java.util.Optional;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.anchorwatch.explain.ExplainerFactory;
import dev.anchorwatch.explain.ExplainerRegistry;
import dev.anchorwatch.explain.ExplanationService;
import dev.anchorwatch.explain.SpecLoader;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Thin Quarkus wiring: the registry of explainers (specs + demo) and the bounded explanation service. */
@Singleton
public class Wiring {
    private static final Logger LOG = Logger.getLogger(Wiring.class);

    private DemoModels demo;

    @Produces
    @Singleton
    ExplainerRegistry registry(AnchorwatchConfig config) {
        ExplainerRegistry registry = new ExplainerRegistry();
        config.specs().ifPresent(dir -> {
            // a bad spec stops start-up: SpecException names the file and the field
            SpecLoader.loadDirectory(dir).forEach(spec -> registry.register(ExplainerFactory.create(spec)));
        });
        if (config.demo().enabled()) {
            demo = DemoModels.start(config.demo().host(), config.demo().port());
            demo.explainers().forEach(registry::register);
        }
        if (registry.names().isEmpty()) {
            LOG.warn("no explainers configured: set anchorwatch.specs to a directory of ExplainerSpec files");
        }
        return registry;
    }

    void closeRegistry(@Disposes ExplainerRegistry registry) {
        registry.close();
        if (demo != null) {
            demo.close();
        }
    }

    @Produces
    @Singleton
    ExplanationService service(ExplainerRegistry registry, AnchorwatchConfig config) {
        int workers = config.explain().workers() > 0 ? config.explain().workers()
                : Runtime.getRuntime().availableProcessors();
        return new ExplanationService(registry, workers, config.explain().queue(), config.explain().maxInstances());
    }

    void closeService(@Disposes ExplanationService service) {
        service.close();
    }

    /** Builds everything at start, so a bad spec fails start-up, and shows a newcomer what to paste. */
    void onStart(@Observes StartupEvent ev, ExplanationService service,
                 @ConfigProperty(name = "quarkus.http.port") Optional<Integer> port) {
        LOG.infof("explainers ready: %s", service.registry().names());
        if (demo != null) {
            String api = "http://localhost:" + port.orElse(8080);
            LOG.infof("%n  Try the demo:%n"
                            + "  curl -s -X POST %s/v1/models/%s:predict -H 'Content-Type: application/json' -d '{\"instances\": [%s]}'%n"
                            + "  curl -s -X POST %s/v1/models/%s:explain -H 'Content-Type: application/json' -d '{\"instances\": [%s]}'%n"
                            + "  curl -s -X POST %s/v1/models/%s:explain -H 'Content-Type: application/json' -d '{\"instances\": [%s]}'%n",
                    demo.predictorUrl(), DemoModels.ADULT, DemoModels.ADULT_EXAMPLE,
                    api, DemoModels.ADULT, DemoModels.ADULT_EXAMPLE,
                    api, DemoModels.MOVIE, DemoModels.MOVIE_EXAMPLE);
            java.nio.file.Path body = DemoModels.writeFashionExample();
            LOG.infof("%n  Explain an image (Fashion-MNIST, a base64 PNG; or 28x28 nested lists: -d @%s):%n"
                            + "  curl -s -X POST %s/v1/models/%s:explain -H 'Content-Type: application/json' -d '{\"instances\": [{\"b64\": \"%s\"}]}'%n",
                    body, api, DemoModels.FASHION, DemoModels.fashionExampleB64());
        }
    }
}
