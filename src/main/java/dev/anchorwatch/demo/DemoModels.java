package dev.anchorwatch.demo;

import dev.anchorwatch.model.*;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ForkJoinPool;

import org.jboss.logging.Logger;


import dev.anchorwatch.explain.ExplainerFactory;
import dev.anchorwatch.explain.ExplainerSpec;
import dev.anchorwatch.explain.ModelExplainer;
import dev.anchorwatch.explain.SpecLoader;
import dev.anchorwatch.model.BagOfWordsClassifier;
import dev.anchorwatch.model.LabeledData;
import dev.anchorwatch.model.LinearClassifier;
import dev.anchorwatch.demo.ModelServer;
import dev.anchorwatch.model.RandomForest;

/**
 * The embedded default: models trained at start on vendored data, served on loopback behind their own
 * KServe V1 model server, with ExplainerSpecs pointing at them over HTTP — the same path a real deployment
 * takes, with nothing external to install.
 */
public final class DemoModels implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DemoModels.class);
    public static final String ADULT = "adult";
    /** The Adult model's KernelSHAP explainer (spec demo/adult-shap.yaml). */
    public static final String ADULT_SHAP = "adult-shap";
    /** The same forest answering class probabilities, as KernelSHAP needs. */
    public static final String ADULT_PROBA = "adult-proba";
    /** Test row 0 of the vendored Adult test set, as KServe's income example sent it. */
    public static final String ADULT_EXAMPLE = "[52, 4, 0, 2, 8, 4, 2, 0, 0, 0, 60, 9]";
    public static final String MOVIE = "movie";
    /** A sentence written for the demo (no review data is shipped); the model calls it negative. */
    public static final String MOVIE_EXAMPLE = "\"a dull, plodding movie that never finds its footing.\"";
    public static final String FASHION = "fashion";

    private final ModelServer server;
    private final List<ModelExplainer> explainers;

    private DemoModels(ModelServer server, List<ModelExplainer> explainers) {
        this.server = server;
        this.explainers = explainers;
    }

    public static DemoModels start(String host, int port) {
        return start(host, port, ADULT, dev.anchorwatch.model.PredictorObserver.NONE);
    }

    /**
     * Trains or loads the demo models, serves them on {@code host:port}, and reports predictor calls to
     * {@code observer}.
     *
     * @param shapModel the model whose logger events the KernelSHAP explainer also explains: {@code adult} (every
     *                  Adult event gets an Anchors and a KernelSHAP explanation) or {@code adult-shap} (only
     *                  {@code :explain} and events naming adult-shap)
     */
    public static DemoModels start(String host, int port, String shapModel,
                                   dev.anchorwatch.model.PredictorObserver observer) {
        long t0 = System.nanoTime();
        LabeledData adult;
        try (InputStream in = resource("demo/adult/adult_train.csv")) {
            adult = LabeledData.readCsv(new InputStreamReader(in, StandardCharsets.UTF_8), "label");
        } catch (IOException e) {
            throw new UncheckedIOException("demo data missing from the classpath", e);
        }
        RandomForest forest = RandomForest.train(adult, RandomForest.Params.DEFAULTS.withSeed(0),
                ForkJoinPool.commonPool());
        long trained = System.nanoTime();
        BagOfWordsClassifier movie;
        try (InputStream in = resource("demo/text/movie_lr.json")) {
            movie = BagOfWordsClassifier.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("demo text model missing from the classpath", e);
        }
        LinearClassifier fashion;
        try (InputStream in = resource("demo/fashion/fmnist_lr.json")) {
            fashion = LinearClassifier.fromJson(in);
        } catch (IOException e) {
            throw new UncheckedIOException("demo model missing from the classpath", e);
        }
        ModelServer server;
        try {
            server = ModelServer.builder().host(host).port(port).model(ADULT, forest)
                    .model(ADULT_PROBA, forest, ModelServer.Output.PROBABILITIES).textModel(MOVIE, movie)
                    .model(FASHION, fashion)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the demo model server on " + host + ":" + port, e);
        }
        ExplainerSpec spec = spec("demo/adult.yaml", server.baseUrl());
        ModelExplainer explainer = ExplainerFactory.create(spec, observer);
        LOG.infof("demo model '%s' (random forest, %d trees) trained in %d ms, served at %s", ADULT,
                forest.trees(), (trained - t0) / 1_000_000, server.baseUrl());
        ModelExplainer movieExplainer = ExplainerFactory.create(spec("demo/movie.yaml", server.baseUrl()), observer);
        LOG.infof("demo model '%s' (bag-of-words logistic regression, %d terms) served at %s", MOVIE,
                movie.vocabularySize(), server.baseUrl());
        ModelExplainer fashionExplainer = ExplainerFactory.create(spec("demo/fashion.yaml", server.baseUrl()), observer);
        LOG.infof("demo model '%s' (Fashion-MNIST logistic regression) served at %s", FASHION, server.baseUrl());
        ModelExplainer shapExplainer = ExplainerFactory.create(SpecLoader.loadResource("demo/adult-shap.yaml",
                SpecLoader.predictorUrl(server.baseUrl()).andThen(tree -> tree.put("model", shapModel))));
        LOG.infof("demo explainer '%s' (KernelSHAP of the Adult forest's probabilities, served as '%s'), explaining"
                + " events of model '%s'", ADULT_SHAP, ADULT_PROBA, shapModel);
        return new DemoModels(server, List.of(explainer, movieExplainer, fashionExplainer, shapExplainer));
    }

    public List<ModelExplainer> explainers() {
        return explainers;
    }

    public String predictorUrl() {
        return server.baseUrl();
    }

    /** Requests the demo model server has answered (any model). */
    public long predictorRequests() {
        return server.requests();
    }

    private static ExplainerSpec spec(String resource, String predictorUrl) {
        return SpecLoader.loadResource(resource, SpecLoader.predictorUrl(predictorUrl));
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = DemoModels.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IOException("classpath resource " + name + " not found");
        }
        return in;
    }

    /** A Fashion-MNIST test image (an ankle boot) as a base64 PNG: short enough to paste into a curl line. */
    public static String fashionExampleB64() {
        return java.util.Base64.getEncoder().encodeToString(
                dev.anchorwatch.image.ImageCodec.png(fashionExampleImage()));
    }

    /**
     * Writes {@code {"instances": [28x28 nested lists]}} of the same image to a file for {@code curl -d @file},
     * as KServe's image examples send it; returns the path, or null when it cannot be written.
     */
    public static java.nio.file.Path writeFashionExample() {
        dev.anchorwatch.image.FloatImage image = fashionExampleImage();
        StringBuilder sb = new StringBuilder("{\"instances\": [[");
        for (int y = 0; y < image.height(); y++) {
            sb.append(y == 0 ? "[" : ", [");
            for (int x = 0; x < image.width(); x++) {
                float v = image.get(y, x, 0);
                sb.append(x == 0 ? "" : ", ").append(v == 0 ? "0" : Float.toString(v));
            }
            sb.append(']');
        }
        sb.append("]]}\n");
        java.nio.file.Path file = java.nio.file.Path.of(System.getProperty("java.io.tmpdir"),
                "anchorwatch-fashion-example.json");
        try {
            java.nio.file.Files.writeString(file, sb);
            return file;
        } catch (IOException e) {
            LOG.warnf("cannot write %s: %s", file, e.getMessage());
            return null;
        }
    }

    private static dev.anchorwatch.image.FloatImage fashionExampleImage() {
        try (InputStream in = resource("demo/fashion/fmnist_test_first10.npy")) {
            float[] all = dev.anchorwatch.tabular.NpyReader.readArray(in, 10 * 28 * 28).data();
            return new dev.anchorwatch.image.FloatImage(28, 28, 1, java.util.Arrays.copyOf(all, 28 * 28));
        } catch (IOException e) {
            throw new UncheckedIOException("demo images missing from the classpath", e);
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
