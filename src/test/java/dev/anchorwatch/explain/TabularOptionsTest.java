package dev.anchorwatch.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

class TabularOptionsTest {
    private static TabularOptions parse(String json) throws Exception {
        return TabularOptions.parse((ObjectNode) new ObjectMapper().readTree(json), "spec.yaml");
    }

    @Test
    void defaultsShareSamplesWithASeedFromTheName() throws Exception {
        TabularOptions o = parse("{}");
        assertEquals(TabularOptions.DEFAULTS, o);
        assertTrue(o.sharedSamples());
        assertNull(o.samplesSeed());
    }

    @Test
    void sharedSamplesAndTheirSeedAreRead() throws Exception {
        TabularOptions o = parse("{\"shared_samples\": false, \"samples_seed\": 7}");
        assertFalse(o.sharedSamples());
        assertEquals(7L, o.samplesSeed());
    }

    @Test
    void aSeedThatIsNotAnIntegerIsRefusedByName() {
        SpecException e = assertThrows(SpecException.class, () -> parse("{\"samples_seed\": \"seven\"}"));
        assertTrue(e.getMessage().contains("tabular.samples_seed"), e.getMessage());
        e = assertThrows(SpecException.class, () -> parse("{\"shared_sample\": true}"));
        assertTrue(e.getMessage().contains("shared_sample"), e.getMessage());
    }
}
