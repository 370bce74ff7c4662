package dev.anchorwatch.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.anchorwatch.model.PredictorConfig.Protocol;

/** Explainer mode: the spec of the InferenceService's model, from a mounted ConfigMap or a storageUri volume. */
class ExplainerModeSpecTest {
    @TempDir
    Path dir;

    static final String NO_NAME_NO_URL = """
            type: AnchorTabular
            predictor:
              protocol: v2
              max_rows_per_request: 500
            data:
              feature_names: [Age, Sex]
              training: adult_train.csv
            """;

    static final URI PREDICTOR = URI.create("http://adult-predictor.anchorwatch");

    private Path write(String name, String text) throws Exception {
        Path f = dir.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    @Test
    void aStorageUriVolumeWithTheSpecBesideTheTrainingData() throws Exception {
        write("explainer.yaml", NO_NAME_NO_URL);
        write("adult_train.csv", "Age,Sex\n30,1\n");
        write("model.json", "{\"not\": \"a spec\"}"); // other files of the volume are not read
        ExplainerSpec spec = SpecLoader.loadForModel(dir, "adult", PREDICTOR, Optional.empty());
        assertEquals("adult", spec.name(), "the name is the model's");
        assertEquals(PREDICTOR, spec.predictor().baseUrl());
        assertEquals("adult", spec.predictor().modelName());
        assertEquals(Protocol.V2, spec.predictor().protocol(), "the protocol the spec names");
        assertEquals(500, spec.predictor().maxRowsPerRequest());
        assertEquals(dir.resolve("adult_train.csv").toString(), spec.data().training());
    }

    @Test
    void aConfigMapMountedWholeOffersTheModelsOwnFile() throws Exception {
        write("income.yaml", NO_NAME_NO_URL.replace("type:", "name: income\ntype:"));
        write("adult.yaml", NO_NAME_NO_URL.replace("type:", "name: adult\ntype:")
                .replace("protocol: v2", "protocol: v2\n  url: http://elsewhere.example"));
        write("explainer.yaml", "this file is not read: adult.yaml comes first");
        ExplainerSpec spec = SpecLoader.loadForModel(dir, "adult", PREDICTOR, Optional.of(Protocol.V1));
        assertEquals("adult", spec.name());
        assertEquals(PREDICTOR, spec.predictor().baseUrl(), "--predictor_host replaces the spec's url");
        assertEquals(Protocol.V1, spec.predictor().protocol(), "--protocol replaces the spec's");
    }

    @Test
    void aSpecFileGivenDirectly() throws Exception {
        Path f = write("anything.json", "{\"type\": \"AnchorTabular\", \"data\": {\"training\": \"t.csv\"}}");
        ExplainerSpec spec = SpecLoader.loadForModel(f, "m-1", PREDICTOR, Optional.empty());
        assertEquals("m-1", spec.name());
        assertEquals(Protocol.V1, spec.predictor().protocol(), "v1 by default");
    }

    @Test
    void mistakesNameTheFileAndSayWhatToDo() throws Exception {
        String m = assertThrows(SpecException.class,
                () -> SpecLoader.loadForModel(dir, "adult", PREDICTOR, Optional.empty())).getMessage();
        assertTrue(m.contains("no ExplainerSpec for model 'adult'") && m.contains("adult.yaml"), m);

        m = assertThrows(SpecException.class, () -> SpecLoader.loadForModel(dir.resolve("missing"), "adult", PREDICTOR,
                Optional.empty())).getMessage();
        assertTrue(m.contains("no such file or directory"), m);

        write("adult.yaml", NO_NAME_NO_URL.replace("type:", "name: income\ntype:"));
        m = assertThrows(SpecException.class,
                () -> SpecLoader.loadForModel(dir, "adult", PREDICTOR, Optional.empty())).getMessage();
        assertTrue(m.contains("is 'income', but this explainer serves model 'adult'"), m);

        write("adult.json", "{}");
        m = assertThrows(SpecException.class,
                () -> SpecLoader.loadForModel(dir, "adult", PREDICTOR, Optional.empty())).getMessage();
        assertTrue(m.contains("several specs") && m.contains("adult.json") && m.contains("adult.yaml"), m);
    }

    @Test
    void predictorHostsGetAScheme() {
        assertEquals(URI.create("http://adult-predictor.anchorwatch"), SpecLoader.predictorHostUrl("adult-predictor.anchorwatch"));
        assertEquals(URI.create("http://127.0.0.1:8085"), SpecLoader.predictorHostUrl("127.0.0.1:8085/"));
        assertEquals(URI.create("https://p.example:8443"), SpecLoader.predictorHostUrl("https://p.example:8443"));
        assertThrows(SpecException.class, () -> SpecLoader.predictorHostUrl("ftp://p.example"));
        assertThrows(SpecException.class, () -> SpecLoader.predictorHostUrl("a b"));
    }
}
