package dev.anchorwatch.demo;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.anchorwatch.explain.ExplainerSource;
import dev.anchorwatch.explain.ModelExplainer;
import dev.anchorwatch.model.PredictorObserver;
import io.quarkus.arc.lookup.LookupIfProperty;
import jakarta.inject.Singleton;

/**
 * The demo as a guest of the service: looked up only when {@code anchorwatch.demo.enabled=true}, so a production
 * deployment (demo off) never trains, serves or loads anything of it.
 */
@Singleton
@LookupIfProperty(name = "anchorwatch.demo.enabled", stringValue = "true")
public class DemoExplainers implements ExplainerSource {

    private final String host;
    private final int port;
    private final String shapModel;
    private final PredictorObserver observer;
    private DemoModels demo;

    DemoExplainers(@ConfigProperty(name = "anchorwatch.demo.host", defaultValue = "127.0.0.1") String host,
                   @ConfigProperty(name = "anchorwatch.demo.port", defaultValue = "8081") int port,
                   @ConfigProperty(name = "anchorwatch.demo.shap-model", defaultValue = DemoModels.ADULT) String shapModel,
                   PredictorObserver observer) {
        this.host = host;
        this.port = port;
        this.shapModel = shapModel;
        this.observer = observer;
    }

    @Override
    public synchronized List<ModelExplainer> explainers() {
        if (demo == null) {
            demo = DemoModels.start(host, port, shapModel, observer);
        }
        return demo.explainers();
    }

    @Override
    public synchronized List<String> startupHints(String api) {
        if (demo == null) {
            return List.of();
        }
        List<String> lines = new ArrayList<>();
        lines.add("Try the demo:");
        lines.add(String.format("curl -s -X POST %s/v1/models/%s:predict -H 'Content-Type: application/json' "
                + "-d '{\"instances\": [%s]}'", demo.predictorUrl(), DemoModels.ADULT, DemoModels.ADULT_EXAMPLE));
        lines.add(String.format("curl -s -X POST %s/v1/models/%s:explain -H 'Content-Type: application/json' "
                + "-d '{\"instances\": [%s]}'", api, DemoModels.ADULT, DemoModels.ADULT_EXAMPLE));
        lines.add("KernelSHAP attributions of the same row (raw.plot_png is a bar chart, base64 PNG):");
        lines.add(String.format("curl -s -X POST %s/v1/models/%s:explain -H 'Content-Type: application/json' "
                + "-d '{\"instances\": [%s]}'", api, DemoModels.ADULT_SHAP, DemoModels.ADULT_EXAMPLE));
        lines.add(String.format("curl -s -X POST %s/v1/models/%s:explain -H 'Content-Type: application/json' "
                + "-d '{\"instances\": [%s]}'", api, DemoModels.MOVIE, DemoModels.MOVIE_EXAMPLE));
        lines.add("A KServe logger event (explained to the configured sinks):");
        lines.add(String.format("curl -s -X POST %s/ -H 'Ce-Specversion: 1.0' -H 'Ce-Id: demo-1' "
                + "-H 'Ce-Source: http://adult-predictor/' -H 'Ce-Type: org.kubeflow.serving.inference.request' "
                + "-H 'Ce-Inferenceservicename: %s' -H 'Content-Type: application/json' "
                + "-d '{\"instances\": [%s]}'", api, DemoModels.ADULT, DemoModels.ADULT_EXAMPLE));
        Path body = DemoModels.writeFashionExample();
        lines.add("Explain an image (Fashion-MNIST, a base64 PNG; or 28x28 nested lists: -d @" + body + "):");
        lines.add(String.format("curl -s -X POST %s/v1/models/%s:explain -H 'Content-Type: application/json' "
                + "-d '{\"instances\": [{\"b64\": \"%s\"}]}'", api, DemoModels.FASHION, DemoModels.fashionExampleB64()));
        return lines;
    }

    @Override
    public synchronized void close() {
        if (demo != null) {
            demo.close();
            demo = null;
        }
    }
}
