package dev.anchorwatch.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.anchorwatch.model.PredictorConfig;

class SpecLoaderTest {
    @TempDir
    Path dir;

    private static final String VALID = """
            name: income
            type: AnchorTabular
            predictor:
              url: http://income-predictor.default.svc
              protocol: v2
              max-rows-per-request: 250
              timeout: 5s
            data:
              feature_names: [Age, Sex]
              category_map: {1: [Female, Male]}
              training: train.csv
              label_column: label
            parameters:
              threshold: 0.9
              batch_size: 50
              seed: 7
              time_budget: 2m
              percentiles: [10, 90]
            """;

    private Path write(String name, String text) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    @Test
    void readsEveryFieldAndResolvesTrainingDataBesideTheFile() throws Exception {
        ExplainerSpec spec = SpecLoader.load(write("income.yaml", VALID));
        assertEquals("income", spec.name());
        assertEquals(ExplainerSpec.ExplainerType.ANCHOR_TABULAR, spec.type());
        assertEquals(PredictorConfig.Protocol.V2, spec.predictor().protocol());
        assertEquals("income", spec.predictor().modelName());
        assertEquals(250, spec.predictor().maxRowsPerRequest());
        assertEquals(Duration.ofSeconds(5), spec.predictor().requestTimeout());
        assertEquals(List.of("Age", "Sex"), spec.data().featureNames());
        assertEquals(List.of("Female", "Male"), spec.data().categoryMap().get(1));
        assertEquals(dir.resolve("train.csv").toString(), spec.data().training());
        assertEquals(0.9, spec.params().threshold());
        assertEquals(50, spec.params().batchSize());
        assertEquals(0.1, spec.params().delta()); // default kept
        assertEquals(Duration.ofMinutes(2), spec.params().timeBudget());
        assertEquals(7L, spec.seed().orElseThrow());
        assertEquals(10.0, spec.percentiles()[0]);
    }

    @Test
    void jsonSpecsAndDirectoriesLoadToo() throws Exception {
        write("b.json", """
                {"name": "b", "type": "AnchorTabular", "predictor": {"url": "http://b"},
                 "data": {"training": "/data/b.npy", "feature_names": ["x"]}}
                """);
        write("a.yaml", VALID);
        write(".hidden.yaml", "not: a spec");
        write("notes.txt", "ignored");
        List<ExplainerSpec> specs = SpecLoader.loadDirectory(dir);
        assertEquals(List.of("income", "b"), specs.stream().map(ExplainerSpec::name).toList());
        assertEquals("/data/b.npy", specs.get(1).data().training());
    }

    private String error(String yaml) throws Exception {
        Path f = write("bad.yaml", yaml);
        return assertThrows(SpecException.class, () -> SpecLoader.load(f)).getMessage();
    }

    @Test
    void badSpecsNameTheFileAndTheField() throws Exception {
        String file = dir.resolve("bad.yaml").toString();
        String m = error(VALID.replace("threshold: 0.9", "treshold: 0.9"));
        assertTrue(m.contains(file) && m.contains("'parameters.treshold'") && m.contains("unknown field"), m);
        m = error(VALID.replace("  url: http://income-predictor.default.svc\n", ""));
        assertTrue(m.contains("'predictor.url'") && m.contains("required"), m);
        m = error(VALID.replace("url: http://income-predictor.default.svc", "url: ftp://x"));
        assertTrue(m.contains("'predictor.url'") && m.contains("http(s)"), m);
        m = error(VALID.replace("protocol: v2", "protocol: v3"));
        assertTrue(m.contains("'predictor.protocol'"), m);
        m = error(VALID.replace("type: AnchorTabular", "type: AnchorAudio"));
        assertTrue(m.contains("'type'") && m.contains("AnchorAudio"), m);
        m = error(VALID.replace("batch_size: 50", "batch_size: many"));
        assertTrue(m.contains("'parameters.batch_size'") && m.contains("integer"), m);
        m = error(VALID.replace("threshold: 0.9", "threshold: 1.5"));
        assertTrue(m.contains("'parameters'") && m.contains("threshold"), m);
        m = error(VALID.replace("{1: [Female, Male]}", "{5: [Female, Male]}"));
        assertTrue(m.contains("'data.category_map.5'") && m.contains("out of range"), m);
        m = error(VALID.replace("  training: train.csv\n", ""));
        assertTrue(m.contains("'data.training'"), m);
        m = error(VALID.replace("time_budget: 2m", "time_budget: soon"));
        assertTrue(m.contains("'parameters.time_budget'"), m);
        m = error("name: [unclosed");
        assertTrue(m.contains(file) && m.contains("YAML"), m);
        m = error(VALID + "text: {sample_proba: 0.5}\n");
        assertTrue(m.contains("'text'") && m.contains("AnchorText"), m);
    }

    @Test
    void missingTrainingDataFailsWithTheFileAndField() throws Exception {
        ExplainerSpec spec = SpecLoader.load(write("income.yaml", VALID));
        SpecException e = assertThrows(SpecException.class, () -> ExplainerFactory.create(spec));
        assertTrue(e.getMessage().contains("'data.training'") && e.getMessage().contains("train.csv"), e.getMessage());
    }

    @Test
    void featureNamesMustMatchTheTrainingColumns() throws Exception {
        write("train.csv", "Age,Sex,label\n30,1,0\n40,0,1\n");
        ExplainerSpec spec = SpecLoader.load(write("income.yaml", VALID.replace("[Age, Sex]", "[Age, Gender]")));
        SpecException e = assertThrows(SpecException.class, () -> ExplainerFactory.create(spec));
        assertTrue(e.getMessage().contains("'data.feature_names'"), e.getMessage());
    }

    @Test
    void twoSpecsForOneModelAreRefused() throws Exception {
        write("train.csv", "Age,Sex,label\n30,1,0\n40,0,1\n");
        ExplainerSpec spec = SpecLoader.load(write("income.yaml", VALID));
        try (ExplainerRegistry registry = new ExplainerRegistry()) {
            registry.register(ExplainerFactory.create(spec));
            SpecException e = assertThrows(SpecException.class, () -> registry.register(ExplainerFactory.create(spec)));
            assertTrue(e.getMessage().contains("already defined"), e.getMessage());
        }
    }
}
