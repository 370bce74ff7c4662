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
            case KERNEL_SHAP -> shap(spec, observed(spec, Predictors.http(spec.predictor()), observer),
                    spec.predictor().maxRowsPerRequest());
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
     * A KernelShap explainer over any predictor that gives scores (HTTP or in-process): loads the training data (for
     * the features and, by default, the background), summarises the background, checks the groups and caps.
     */
    public static ShapModelExplainer shap(ExplainerSpec spec, Predictor predictor, int maxRowsPerRequest) {
        ShapOptions options = ShapOptions.parse(spec);
        TabularData training = loadTraining(spec);
        if (!spec.data().featureNames().isEmpty() && !spec.data().featureNames().equals(training.featureNames())) {
            throw new SpecException(spec.origin(), "data.feature_names", "do not match the training data's columns "
                    + training.featureNames());
        }
        TabularData source = training;
        if (!options.background().equals("training")) {
            source = loadTabular(spec, options.background(), "shap.background");
            if (source.featureCount() != training.featureCount()) {
                throw new SpecException(spec.origin(), "shap.background", options.background() + " has "
                        + source.featureCount() + " columns; the training data has " + training.featureCount());
            }
        }
        double[][] rows = new double[source.rowCount()][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = source.row(i);
        }
        // the summary's randomness is fixed per spec, so every replica holds the same background
        java.util.SplittableRandom rng = new java.util.SplittableRandom(spec.seed().orElse(0L));
        String how = options.summarise().equals("auto")
                ? (rows.length > options.backgroundSize() ? "sample" : "none") : options.summarise();
        dev.anchorwatch.shap.Background background = switch (how) {
            case "sample" -> dev.anchorwatch.shap.Background.sample(rows, options.backgroundSize(), rng);
            case "kmeans" -> dev.anchorwatch.shap.Background.kmeans(rows, options.backgroundSize(), rng);
            default -> dev.anchorwatch.shap.Background.of(rows);
        };
        if (background.size() > ShapOptions.MAX_BACKGROUND_ROWS) {
            throw new SpecException(spec.origin(), "shap.background", background.size() + " background rows; at most "
                    + ShapOptions.MAX_BACKGROUND_ROWS + " (summarise_background: sample or kmeans)");
        }
        long maxRows = options.params().maxRows();
        if (maxRows > 0 && maxRows < 1 + 2L * background.size()) {
            throw new SpecException(spec.origin(), "shap.max_rows", "must be at least " + (1 + 2L * background.size())
                    + " (the instance, " + background.size() + " background rows and one coalition of as many)");
        }
        dev.anchorwatch.shap.FeatureGroups groups = options.groups(training.featureNames(), spec.origin());
        return new ShapModelExplainer(spec, options, training, background, groups, predictor, maxRowsPerRequest);
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
        return loadTabular(spec, spec.data().training(), "data.training");
    }

    private static TabularData loadTabular(ExplainerSpec spec, String location, String field) {
        try (InputStream in = open(location)) {
            if (location.toLowerCase(Locale.ROOT).endsWith(".npy")) {
                if (spec.data().featureNames().isEmpty()) {
                    throw new SpecException(spec.origin(), "data.feature_names", "is required with .npy training data");
                }
                return TabularData.fromNpy(in, spec.data().featureNames(), spec.data().categoryMap());
            }
            return TabularData.fromCsv(in, spec.data().categoryMap(), spec.data().labelColumn().orElse(null));
        } catch (NoSuchFileException e) {
            throw new SpecException(spec.origin(), field, "no such file: " + location);
        } catch (IOException | IllegalArgumentException e) {
            throw new SpecException(spec.origin(), field, location + ": " + e.getMessage());
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
