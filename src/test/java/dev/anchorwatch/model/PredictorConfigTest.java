package dev.anchorwatch.model;

import dev.anchorwatch.model.PredictorConfig.Protocol;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PredictorConfigTest {

    @Test
    void defaultsAndEndpoints() {
        PredictorConfig c = PredictorConfig.of("http://127.0.0.1:8081/", "adult", Protocol.V1);
        assertEquals(Duration.ofSeconds(30), c.requestTimeout());
        assertEquals(3, c.maxAttempts());
        assertEquals(Duration.ofMillis(100), c.initialBackoff());
        assertEquals(4, c.maxConcurrentRequests());
        assertEquals(500, c.maxRowsPerRequest());
        assertEquals(List.of(), c.classNames());
        assertEquals("http://127.0.0.1:8081/v1/models/adult:predict", c.endpoint().toString());
        PredictorConfig v2 = new PredictorConfig(c.baseUrl(), "adult", Protocol.V2, c.requestTimeout(), 1,
                Duration.ZERO, Duration.ZERO, 1, 1, List.of("no", "yes"));
        assertEquals("http://127.0.0.1:8081/v2/models/adult/infer", v2.endpoint().toString());
        assertEquals("https://gw.example/ns/m/v1/models/m:predict",
                PredictorConfig.of("https://gw.example/ns/m/", "m", Protocol.V1).endpoint().toString(),
                "a path prefix is kept");
        assertEquals(7, c.withMaxAttempts(7).maxAttempts());
        assertEquals(c, c.withMaxAttempts(7).withMaxAttempts(3), "withers keep every other value");
    }

    @Test
    void factoryPicksTheProtocolsClient() {
        try (HttpPredictor v1 = Predictors.http(PredictorConfig.of("http://127.0.0.1:1", "m", Protocol.V1));
             HttpPredictor v2 = Predictors.http(PredictorConfig.of("http://127.0.0.1:1", "m", Protocol.V2))) {
            assertInstanceOf(KServeV1Predictor.class, v1);
            assertInstanceOf(OpenInferenceV2Predictor.class, v2);
        }
        assertThrows(IllegalArgumentException.class,
                () -> new KServeV1Predictor(PredictorConfig.of("http://127.0.0.1:1", "m", Protocol.V2)));
    }

    static void rejects(String expectedPart, Runnable build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build::run);
        assertTrue(e.getMessage().contains(expectedPart), e.getMessage());
    }

    @Test
    void validationSaysWhatIsWrong() {
        PredictorConfig c = PredictorConfig.of("http://127.0.0.1:8081", "adult", Protocol.V1);
        rejects("must start with http:// or https://", () -> PredictorConfig.of("ftp://host", "m", Protocol.V1));
        rejects("must name a host", () -> PredictorConfig.of("http:///path", "m", Protocol.V1));
        rejects("not a valid URL", () -> PredictorConfig.of("http://a b", "m", Protocol.V1));
        rejects("must not carry a query", () -> PredictorConfig.of("http://h?x=1", "m", Protocol.V1));
        rejects("model name", () -> PredictorConfig.of("http://h", "../admin", Protocol.V1));
        rejects("model name", () -> PredictorConfig.of("http://h", "a:predict", Protocol.V1));
        rejects("protocol is required", () -> PredictorConfig.of("http://h", "m", null));
        rejects("timeout must be > 0", () -> c.withRequestTimeout(Duration.ZERO));
        rejects("max attempts must be >= 1", () -> c.withMaxAttempts(0));
        rejects("initial backoff must be >= 0", () -> c.withInitialBackoff(Duration.ofMillis(-1)));
        rejects("max backoff must be >= initial backoff", () -> c.withMaxBackoff(Duration.ofMillis(50)));
        rejects("max concurrent requests must be >= 1", () -> c.withMaxConcurrentRequests(0));
        rejects("max rows per request must be >= 1", () -> c.withMaxRowsPerRequest(0));
        rejects("class names must be distinct", () -> c.withClassNames(List.of("a", "a")));
    }
}
