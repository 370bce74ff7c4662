package dev.anchorwatch.explain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.anchorwatch.anchor.AnchorParams;
import dev.anchorwatch.model.PredictorConfig.Protocol;

/**
 * docs/migration.md's table, checked: the settings of KServe's former Alibi explainer ({@code spec.explainer.alibi}
 * with its {@code config}), written as an ExplainerSpec the way the table says, load with the same values; what the
 * table says has no equivalent, or must change form, is refused at start with a message naming the field.
 */
class MigrationSpecTest {
    @TempDir
    Path dir;

    static final URI PREDICTOR = URI.create("http://income-predictor.anchorwatch");

    private Path write(String name, String text) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    private void trainingData() throws Exception {
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("demo/adult/adult_train.csv")) {
            Files.copy(in, dir.resolve("adult_train.csv"));
        }
    }

    /** KServe's income example: {@code config: {threshold: "0.95", batch_size: "100"}} and Alibi's other knobs. */
    static final String INCOME = """
            type: AnchorTabular
            predictor:
              protocol: v1
            data:
              feature_names: [Age, Workclass, Education, Marital Status, Occupation, Relationship, Race, Sex,
                              Capital Gain, Capital Loss, Hours per week, Country]
              category_map:
                1: ["?", Federal-gov, Local-gov, Never-worked, Private, Self-emp-inc, Self-emp-not-inc, State-gov, Without-pay]
                2: [Associates, Bachelors, Doctorate, Dropout, High School grad, Masters, Prof-School]
                3: [Married, Never-Married, Separated, Widowed]
                4: ["?", Admin, Blue-Collar, Military, Other, Professional, Sales, Service, White-Collar]
                5: [Husband, Not-in-family, Other-relative, Own-child, Unmarried, Wife]
                6: [Amer-Indian-Eskimo, Asian-Pac-Islander, Black, Other, White]
                7: [Female, Male]
                11: ["?", British-Commonwealth, China, Euro_1, Euro_2, Latin-America, Other, SE-Asia, South-America, United-States, Yugoslavia]
              training: adult_train.csv
              label_column: label
            parameters:
              threshold: 0.9
              batch_size: 150
              delta: 0.05
              tau: 0.2
              coverage_samples: 5000
              beam_size: 2
              stop_on_first: true
              max_anchor_size: 4
              min_samples_start: 50
              n_covered_ex: 5
              percentiles: [10, 50, 90]
            """;

    @Test
    void theOldExplainersConfigKeepsItsNamesUnderParameters() throws Exception {
        trainingData();
        write("income.yaml", INCOME);
        ExplainerSpec spec = SpecLoader.loadForModel(dir, "income", PREDICTOR, Optional.empty());
        AnchorParams p = spec.params();
        assertEquals(0.9, p.threshold());
        assertEquals(150, p.batchSize());
        assertEquals(0.05, p.delta());
        assertEquals(0.2, p.tau());
        assertEquals(5000, p.coverageSamples());
        assertEquals(2, p.beamSize());
        assertTrue(p.stopOnFirst());
        assertEquals(4, p.maxAnchorSize());
        assertEquals(50, p.minSamplesStart());
        assertEquals(5, p.nCoveredExamples());
        assertArrayEquals(new double[] {10, 50, 90}, spec.percentiles());
        assertEquals(Protocol.V1, spec.predictor().protocol());
        assertEquals(PREDICTOR, spec.predictor().baseUrl(), "the predictor is KServe's --predictor_host");
        // the training data replaces the dill pickle: the explainer is built from it, with no predictor call
        try (ModelExplainer explainer = ExplainerFactory.create(spec)) {
            assertInstanceOf(TabularModelExplainer.class, explainer);
        }
    }

    @Test
    void whatMustChangeFormIsRefusedNamingTheField() throws Exception {
        trainingData();
        // KServe's config map held strings; the spec takes numbers
        write("income.yaml", INCOME.replace("threshold: 0.9", "threshold: \"0.95\""));
        String m = assertThrows(SpecException.class,
                () -> SpecLoader.loadForModel(dir, "income", PREDICTOR, Optional.empty())).getMessage();
        assertTrue(m.contains("parameters.threshold") && m.contains("must be a number"), m);
        // Alibi's cache and logging knobs have no equivalent: leave them out
        write("income.yaml", INCOME.replace("  threshold: 0.9", "  threshold: 0.9\n  binary_cache_size: 10000"));
        m = assertThrows(SpecException.class,
                () -> SpecLoader.loadForModel(dir, "income", PREDICTOR, Optional.empty())).getMessage();
        assertTrue(m.contains("parameters.binary_cache_size") && m.contains("unknown field"), m);
    }

    /** {@code segmentation_fn: slic, segmentation_kwargs: {n_segments, compactness, sigma}}, {@code p_sample}. */
    @Test
    void imageSegmentationSettingsMoveUnderImage() throws Exception {
        Path spec = write("fashion.yaml", """
                type: AnchorImage
                predictor:
                  protocol: v1
                image:
                  segmentation: slic
                  n_segments: 15
                  compactness: 20
                  sigma: 0.5
                  p_sample: 0.5
                  shape: [28, 28]
                parameters:
                  threshold: 0.95
                """);
        ExplainerSpec loaded = SpecLoader.loadForModel(spec, "fashion", PREDICTOR, Optional.empty());
        try (ModelExplainer explainer = ExplainerFactory.create(loaded)) {
            assertInstanceOf(ImageModelExplainer.class, explainer);
        }
        // Alibi's nesting is not read: a clear error instead of a silently default segmentation
        Path alibi = write("fashion.yaml", Files.readString(spec).replace("  n_segments: 15\n",
                "  segmentation_kwargs: {n_segments: 15}\n"));
        String m = assertThrows(RuntimeException.class,
                () -> ExplainerFactory.create(SpecLoader.loadForModel(alibi, "fashion", PREDICTOR, Optional.empty())))
                .getMessage();
        assertTrue(m.contains("segmentation_kwargs"), m);
        assertFalse(m.isBlank());
    }
}
