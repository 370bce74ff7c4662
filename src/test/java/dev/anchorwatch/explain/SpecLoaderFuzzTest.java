package dev.anchorwatch.explain;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Fuzz test of the spec loader (issue 7): a valid spec (the demo's adult.yaml) with random fields replaced by
 * values of the wrong kind or out of range, or removed, or unknown fields added. Every such tree is either a spec
 * or a {@link SpecException} that names the file; never another exception (a bad ConfigMap must stop start-up
 * with a clear message, not a stack trace).
 */
class SpecLoaderFuzzTest {

    static final JsonNodeFactory F = JsonNodeFactory.instance;
    static final List<String> PATHS = List.of("name", "type", "predictor", "predictor.url", "predictor.protocol",
            "predictor.timeout", "predictor.max_attempts", "predictor.max_concurrency", "predictor.max_rows_per_request",
            "predictor.class_names", "data", "data.feature_names", "data.category_map", "data.category_map.1",
            "data.training", "data.label_column", "parameters", "parameters.threshold", "parameters.delta",
            "parameters.tau", "parameters.batch_size", "parameters.coverage_samples", "parameters.beam_size",
            "parameters.max_anchor_size", "parameters.seed", "parameters.percentiles", "parameters.time_budget",
            "parameters.max_samples", "text", "image", "surprise");

    static final List<JsonNode> VALUES = List.of(F.nullNode(), F.textNode(""), F.textNode("x"), F.textNode("-1"),
            F.numberNode(-1), F.numberNode(0), F.numberNode(1e308), F.numberNode(Long.MAX_VALUE), F.numberNode(0.5),
            F.booleanNode(true), F.arrayNode(), F.arrayNode().add(1).add("a"), F.objectNode(),
            F.objectNode().put("k", 1), F.textNode("http://"), F.textNode("ftp://h/"), F.textNode("v2"),
            F.textNode("AnchorText"), F.textNode("AnchorImage"), F.textNode("10s"), F.textNode("PT-5S"));

    static final ObjectNode BASE = (ObjectNode) SpecLoaderFuzzTest.base();

    static JsonNode base() {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
                    .readTree(SpecLoaderFuzzTest.class.getResourceAsStream("/demo/adult.yaml"));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    record Edit(String path, JsonNode value, boolean remove) {
    }

    @Provide
    Arbitrary<List<Edit>> edits() {
        return net.jqwik.api.Combinators.combine(Arbitraries.of(PATHS), Arbitraries.of(VALUES), Arbitraries.of(false, false, true))
                .as(Edit::new).list().ofMinSize(1).ofMaxSize(4);
    }

    static ObjectNode apply(List<Edit> edits) {
        ObjectNode root = BASE.deepCopy();
        for (Edit e : edits) {
            String[] parts = e.path().split("\\.");
            JsonNode parent = root;
            for (int i = 0; i < parts.length - 1 && parent != null; i++) {
                parent = parent.get(parts[i]);
            }
            if (parent instanceof ObjectNode o) {
                if (e.remove()) {
                    o.remove(parts[parts.length - 1]);
                } else {
                    o.set(parts[parts.length - 1], e.value());
                }
            }
        }
        return root;
    }

    @Property(tries = 300)
    void everyTreeIsASpecOrANamedError(@ForAll("edits") List<Edit> edits) {
        ObjectNode tree = apply(edits);
        try {
            ExplainerSpec spec = SpecLoader.parse(tree, "fuzz.yaml", t -> t);
            assertNotNull(spec.name());
        } catch (SpecException e) {
            assertTrue(e.getMessage().contains("fuzz.yaml"), e.getMessage());
            assertFalse(e.getMessage().isBlank());
        }
    }
}
