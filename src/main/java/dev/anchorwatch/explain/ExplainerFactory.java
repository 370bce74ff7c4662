package dev.anchorwatch.explain;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

import dev.anchorwatch.model.Predictor;
import dev.anchorwatch.model.PredictorObserver;
import dev.anchorwatch.model.Predictors;
import dev.anchorwatch.tabular.AnchorTabular;
import dev.anchorwatch.tabular.TabularData;

/** Builds the explainer a spec describes: loads its data, fits what can be fitted once, opens its predictor. */
public final class ExplainerFactory {
    private ExplainerFactory() {
    }

    /** An explainer calling the spec's predictor over HTTP. */
    public static ModelExplainer create(ExplainerSpec spec) {
        return create(spec, PredictorObserver.NONE);
    }

    /** An explainer calling the spec's predictor over HTTP, every call reported to {@code observer}. */
    public static ModelExplainer create(ExplainerSpec spec, PredictorObserver observer) {
        return switch (spec.type()) {
            case ANCHOR_TABULAR -> tabular(spec, observed(spec, Predictors.http(spec.predictor()), observer),
                    spec.predictor().maxRowsPerRequest());
            case ANCHOR_TEXT -> TextModelExplainer.create(spec,
                    observed(spec, Predictors.http(spec.predictor()), observer), spec.predictor().maxRowsPerRequest());
            case ANCHOR_IMAGE -> image(spec, observed(spec, imagePredictor(spec), observer));
        };
    }

    private static Predictor observed(ExplainerSpec spec, Predictor predictor, PredictorObserver observer) {
        return Predictors.observed(spec.name(), predictor, observer);
    }

    private static Predictor imagePredictor(ExplainerSpec spec) {
        return spec.predictor().protocol() == dev.anchorwatch.model.PredictorConfig.Protocol.V2
                ? new dev.anchorwatch.model.OpenInferenceV2Predictor(spec.predictor(), null,
                        ImageOptions.parse(spec).binaryData())
                : Predictors.http(spec.predictor());
    }

    /**
     * An image explainer over any predictor, or (null) the spec's HTTP predictor, a V2 one sending images as binary
     * tensor data as {@code image.binary_data} says. Perturbed images go in chunks of the spec's
     * {@code predictor.max_rows_per_request}, at most {@code predictor.max_concurrency} in flight.
     */
    public static ImageModelExplainer image(ExplainerSpec spec, Predictor predictor) {
        ImageOptions options = ImageOptions.parse(spec);
        if (predictor == null) {
            predictor = imagePredictor(spec);
        }
        return new ImageModelExplainer(spec, options, predictor,
                spec.predictor().maxRowsPerRequest(), spec.predictor().maxConcurrentRequests());
    }

    /** A tabular explainer over any predictor (HTTP or in-process). */
    public static TabularModelExplainer tabular(ExplainerSpec spec, Predictor predictor, int maxRowsPerRequest) {
        TabularData training = loadTraining(spec);
        if (!spec.data().featureNames().isEmpty() && !spec.data().featureNames().equals(training.featureNames())) {
            throw new SpecException(spec.origin(), "data.feature_names", "do not match the training data's columns "
                    + training.featureNames());
        }
        return new TabularModelExplainer(spec, new AnchorTabular(training, spec.percentiles()), predictor,
                maxRowsPerRequest);
    }

    static TabularData loadTraining(ExplainerSpec spec) {
        String location = spec.data().training();
        try (InputStream in = open(location)) {
            if (location.toLowerCase(Locale.ROOT).endsWith(".npy")) {
                if (spec.data().featureNames().isEmpty()) {
                    throw new SpecException(spec.origin(), "data.feature_names", "is required with .npy training data");
                }
                return TabularData.fromNpy(in, spec.data().featureNames(), spec.data().categoryMap());
            }
            return TabularData.fromCsv(in, spec.data().categoryMap(), spec.data().labelColumn().orElse(null));
        } catch (NoSuchFileException e) {
            throw new SpecException(spec.origin(), "data.training", "no such file: " + location);
        } catch (IOException | IllegalArgumentException e) {
            throw new SpecException(spec.origin(), "data.training", location + ": " + e.getMessage());
        }
    }

    static InputStream open(String location) throws IOException {
        if (location.startsWith("classpath:")) {
            String resource = location.substring("classpath:".length());
            InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(resource);
            if (in == null) {
                throw new NoSuchFileException(location);
            }
            return in;
        }
        return Files.newInputStream(Path.of(location));
    }
}
