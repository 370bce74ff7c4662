package dev.anchorwatch.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The command lines KServe's controller builds for a custom explainer container, and what they configure. */
class KServeArgsTest {

    @Test
    void theArgumentsKServeAppendsToACustomExplainer() {
        // CustomExplainer.GetContainer: --model_name <isvc>, --predictor_host <predictor service>.<namespace>,
        // --http_port 8080, and --workers <containerConcurrency> when that is set
        KServeArgs a = KServeArgs.parse("--model_name", "adult", "--predictor_host", "adult-predictor.anchorwatch",
                "--http_port", "8080", "--workers", "4");
        assertEquals(Map.of(KServeArgs.MODEL_NAME, "adult", KServeArgs.PREDICTOR_HOST, "adult-predictor.anchorwatch",
                KServeArgs.HTTP_PORT, "8080", KServeArgs.WORKERS, "4"), a.config());
        assertEquals(List.of(), a.warnings());
    }

    @Test
    void equalsFormsKebabCaseAndTheProtocol() {
        KServeArgs a = KServeArgs.parse("--model-name=income", "--predictor_host=http://10.0.0.7:8085", "--protocol=V2");
        assertEquals(Map.of(KServeArgs.MODEL_NAME, "income", KServeArgs.PREDICTOR_HOST, "http://10.0.0.7:8085",
                KServeArgs.PROTOCOL, "v2"), a.config());
    }

    @Test
    void userArgumentsComeFirstAndUnknownOnesAreIgnoredAloud() {
        // a user's own args precede what KServe appends; Alibi-style ones (a positional type, --threshold 0.9)
        // mean nothing here and are reported, values included, instead of being misread
        KServeArgs a = KServeArgs.parse("AnchorTabular", "--threshold", "0.9", "--enable_docs_url", "--model_name",
                "adult", "--predictor_host", "adult-predictor.default", "--http_port", "8080");
        assertEquals("adult", a.config().get(KServeArgs.MODEL_NAME));
        assertEquals("adult-predictor.default", a.config().get(KServeArgs.PREDICTOR_HOST));
        assertEquals("8080", a.config().get(KServeArgs.HTTP_PORT));
        assertEquals(3, a.warnings().size(), a.warnings().toString());
        assertTrue(a.warnings().get(0).contains("'AnchorTabular'"));
        assertTrue(a.warnings().get(1).contains("--threshold"));
        assertTrue(a.warnings().get(2).contains("--enable_docs_url"));
    }

    @Test
    void noArgumentsConfigureNothing() {
        assertEquals(Map.of(), KServeArgs.parse().config());
    }

    @Test
    void badValuesAreClearErrors() {
        assertEquals("--model_name needs a value", error("--model_name"));
        assertEquals("--model_name needs a value", error("--model_name", "--http_port", "8080"));
        assertEquals("--http_port must be an integer, got eighty", error("--http_port", "eighty"));
        assertEquals("--http_port must be a TCP port (0-65535), got 70000", error("--http_port=70000"));
        assertEquals("--workers must be at least 1, got 0", error("--workers", "0"));
        assertEquals("--protocol must be v1 or v2 (HTTP), got grpc-v2", error("--protocol", "grpc-v2"));
        assertTrue(error("--model_name", "a/b").startsWith("--model_name must be a model name"));
    }

    private static String error(String... args) {
        return assertThrows(KServeArgs.BadArguments.class, () -> KServeArgs.parse(args)).getMessage();
    }
}
