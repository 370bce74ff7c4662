package dev.anchorwatch.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import dev.anchorwatch.anchor.AnchorParams;

/**
 * Seeds use all 64 bits, and a JavaScript client's numbers keep only 53: explanations carry the seed as a decimal
 * string, and a spec may give it as one.
 */
class SeedJsonTest {
    @TempDir
    Path dir;

    /** 2^53 + 1: the first integer a double cannot hold (JSON.parse would read ...992). */
    static final long BEYOND_DOUBLE = 9_007_199_254_740_993L;

    @Test
    void explanationsCarryTheSeedAsAnExactDecimalString() {
        JsonNode seed = ExplanationJson.params(AnchorParams.DEFAULTS, BEYOND_DOUBLE).get("seed");
        assertTrue(seed.isTextual(), seed.toString());
        assertEquals("9007199254740993", seed.asText());
        assertEquals("-9223372036854775808", ExplanationJson.params(AnchorParams.DEFAULTS, Long.MIN_VALUE)
                .get("seed").asText());
        // a derived seed (64 bits of SHA-256) round-trips through its string
        long derived = Seeds.derive("adult", "[52, 4, 0, 2, 8, 4, 2, 0, 0, 0, 60, 9]");
        assertEquals(derived, Long.parseLong(ExplanationJson.params(AnchorParams.DEFAULTS, derived).get("seed").asText()));
    }

    private String spec(String seed) throws Exception {
        Path f = dir.resolve("m.yaml");
        Files.writeString(f, """
                name: m
                type: AnchorTabular
                predictor: {url: "http://m-predictor.default.svc"}
                data: {feature_names: [a], training: t.csv}
                parameters: {seed: %s}
                """.formatted(seed));
        return f.toString();
    }

    @Test
    void specsTakeTheSeedAsANumberOrAsItsString() throws Exception {
        assertEquals(BEYOND_DOUBLE, SpecLoader.load(Path.of(spec("\"9007199254740993\""))).seed().orElseThrow());
        assertEquals(BEYOND_DOUBLE, SpecLoader.load(Path.of(spec("9007199254740993"))).seed().orElseThrow());
        assertEquals(-7L, SpecLoader.load(Path.of(spec("\"-7\""))).seed().orElseThrow());
        for (String bad : new String[] {"\"seven\"", "1.5", "\"99999999999999999999\"", "true"}) {
            String p = spec(bad);
            SpecException e = assertThrows(SpecException.class, () -> SpecLoader.load(Path.of(p)), bad);
            assertTrue(e.getMessage().contains("parameters.seed"), e.getMessage());
        }
    }
}
