package dev.anchorwatch.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;


import dev.anchorwatch.explain.ExplainerRegistry;
import dev.anchorwatch.explain.ExplanationService;
import dev.anchorwatch.explain.SpecLoader;
import dev.anchorwatch.explain.TextModelExplainer;
import dev.anchorwatch.model.BagOfWordsClassifier;
import dev.anchorwatch.model.Predictors;
import dev.anchorwatch.publish.ExplanationRecord;

/** Logger events of a text model (V1 strings, V2 BYTES tensors) are explained like tabular ones. */
class TextEventTest {
    static ExplanationService service;
    static final String SENTENCE = "a dull, plodding movie that never finds its footing.";

    @BeforeAll
    static void start() throws IOException {
        BagOfWordsClassifier movie;
        try (InputStream in = TextEventTest.class.getClassLoader().getResourceAsStream("demo/text/movie_lr.json")) {
            movie = BagOfWordsClassifier.load(in);
        }
        ExplainerRegistry registry = new ExplainerRegistry();
        registry.register(TextModelExplainer.create(SpecLoader.loadResource("demo/movie.yaml", tree -> { }),
                Predictors.inProcess(movie), Integer.MAX_VALUE));
        service = new ExplanationService(registry, 1, 4, 8);
    }

    @AfterAll
    static void stop() {
        service.close();
    }

    static InferenceEvent request(String id, InferenceEvent.Protocol protocol, String body) {
        return new InferenceEvent("http://movie.default", id, InferenceEvent.REQUEST_TYPE,
                InferenceEvent.Kind.REQUEST, protocol, "movie", "default", "predictor", "default", null, null,
                "application/json", body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void v1StringsAndV2BytesTensorsGiveTheSameExplanation() {
        ServiceEventExplainer explainer = new ServiceEventExplainer(service);
        String v1 = "{\"instances\": [\"" + SENTENCE + "\"]}";
        String v2flat = "{\"inputs\": [{\"name\": \"text\", \"datatype\": \"BYTES\", \"shape\": [1], \"data\": [\""
                + SENTENCE + "\"]}]}";
        String v2column = "{\"inputs\": [{\"name\": \"text\", \"datatype\": \"BYTES\", \"shape\": [1, 1], \"data\": [[\""
                + SENTENCE + "\"]]}]}";
        List<ExplanationRecord> records = List.of(
                explainer.explain(request("inf-1", InferenceEvent.Protocol.V1, v1)).toCompletableFuture().join(),
                explainer.explain(request("inf-1", InferenceEvent.Protocol.V2, v2flat)).toCompletableFuture().join(),
                explainer.explain(request("inf-1", InferenceEvent.Protocol.V2, v2column)).toCompletableFuture().join());
        for (ExplanationRecord r : records) {
            assertEquals("AnchorText", r.explainer());
            assertEquals(records.get(0).anchor(), r.anchor(), "same inference id, same seed, same anchor");
            String json = new String(r.body(), StandardCharsets.UTF_8);
            assertTrue(json.contains("\"positions\""), json);
        }
        assertTrue(!records.get(0).anchor().isEmpty());
    }
}
