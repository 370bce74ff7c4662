package dev.anchorwatch.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import dev.anchorwatch.anchor.Draw;
import dev.anchorwatch.model.BagOfWordsClassifier;
import dev.anchorwatch.demo.ModelServer;
import dev.anchorwatch.model.Predictors;
import dev.anchorwatch.text.StopWords;
import dev.anchorwatch.text.TextSampler;

/**
 * The movie model served as a real HTTP predictor on loopback, explained through the KServe V1 client exactly as
 * the service does it (spec → factory → explainer), with each anchor's precision re-measured on fresh samples.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TextModelExplainerTest {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static BagOfWordsClassifier movie;
    static ModelServer server;
    static ModelExplainer explainer;

    /** Sentences written for this test. */
    static final List<String> SENTENCES = List.of(
            "a gripping, beautifully acted film with a wonderful cast.",
            "a dull, plodding movie that never finds its footing.",
            "the performances are warm and the story is engrossing from start to finish.",
            "a tedious, badly written mess with nothing to say.",
            "the plot is generic and the jokes are stupid.");

    @BeforeAll
    static void start() throws IOException {
        try (InputStream in = TextModelExplainerTest.class.getClassLoader()
                .getResourceAsStream("demo/text/movie_lr.json")) {
            movie = BagOfWordsClassifier.load(in);
        }
        server = ModelServer.builder().host("127.0.0.1").port(0).textModel("movie", movie).start();
        explainer = ExplainerFactory.create(spec(server.baseUrl(), null));
    }

    @AfterAll
    static void stop() {
        explainer.close();
        server.close();
    }

    /** demo/movie.yaml pointed at {@code url}, with its text section replaced when {@code text} is given. */
    static ExplainerSpec spec(String url, String text) throws IOException {
        try (InputStream in = TextModelExplainerTest.class.getClassLoader().getResourceAsStream("demo/movie.yaml")) {
            ObjectNode tree = (ObjectNode) YAML.readTree(in);
            ((ObjectNode) tree.get("predictor")).put("url", url);
            if (text != null) {
                tree.set("text", YAML.readTree(text));
            }
            return SpecLoader.parse(tree, "classpath:demo/movie.yaml", s -> s);
        }
    }

    @Test
    void anchorsOverHttpHoldOnFreshSamples() {
        TextModelExplainer text = assertInstanceOf(TextModelExplainer.class, explainer);
        for (int k = 0; k < SENTENCES.size(); k++) {
            String sentence = SENTENCES.get(k);
            long requestsBefore = server.requests();
            ModelExplainer.Explained e = explainer.explain(TextNode.valueOf(sentence), 100 + k);
            assertTrue(e.success(), sentence + " → " + e.json());
            assertEquals(movie.predict(sentence), e.prediction());
            assertEquals(server.requests() - requestsBefore, e.predictorCalls(), "every call was one HTTP request");
            assertTrue(e.predictorCalls() <= 20, "calls: " + e.predictorCalls());

            JsonNode raw = e.json().path("data").path("raw");
            TextSampler sampler = text.anchors().sampler(sentence);
            int[] predicates = new int[e.anchor().size()];
            for (int i = 0; i < predicates.length; i++) {
                int token = raw.path("feature").get(i).asInt();
                int position = raw.path("positions").get(i).asInt();
                String word = e.anchor().get(i);
                assertEquals(word, sampler.tokens().get(token).text());
                assertEquals(word, sentence.substring(position, position + word.length()));
                predicates[i] = sampler.predicateOf(token);
            }
            // fresh samples of the anchor, labelled by the model itself: the precision holds. The search accepts
            // an anchor whose precision lower bound exceeds threshold - 0.05 = 0.90; 3 standard errors below that
            // leaves room for sampling noise in 2,000 fresh samples.
            int n = 2000;
            Draw<String> fresh = sampler.draw(predicates, n, new SplittableRandom(7_000 + k));
            int[] labels = movie.predictAll(fresh.samples());
            long same = java.util.Arrays.stream(labels).filter(l -> l == e.prediction()).count();
            double precision = (double) same / n;
            assertTrue(precision >= 0.90 - 3 * Math.sqrt(0.9 * 0.1 / n),
                    sentence + ": anchor " + e.anchor() + " re-measured precision " + precision);
        }
    }

    @Test
    void jsonHasTheReferenceShape() {
        String sentence = SENTENCES.get(1);
        JsonNode json = explainer.explain(TextNode.valueOf(sentence), 5).json();
        JsonNode meta = json.path("meta");
        assertEquals("AnchorText", meta.path("name").asText());
        assertEquals("[\"blackbox\"]", meta.path("type").toString());
        assertEquals(0.5, meta.path("params").path("sample_proba").asDouble());
        assertEquals("unknown", meta.path("params").path("sampling_strategy").asText());
        assertEquals(5, meta.path("params").path("seed").asLong());
        assertTrue(meta.path("params").path("stop_on_first").asBoolean(), "text stops at the first valid anchor");
        JsonNode data = json.path("data");
        assertEquals(Set.of("anchor", "precision", "coverage", "raw"), fields(data));
        JsonNode raw = data.path("raw");
        // every key of the reference example_text.json, plus our counters
        assertTrue(fields(raw).containsAll(Set.of("feature", "mean", "precision", "coverage", "examples",
                "all_precision", "num_preds", "success", "names", "positions", "instance", "instances",
                "prediction")), fields(raw).toString());
        assertEquals(sentence, raw.path("instance").asText());
        assertEquals(sentence, raw.path("instances").get(0).asText());
        assertEquals(0, raw.path("prediction").get(0).asInt());
        assertEquals(data.path("anchor"), raw.path("names"));
        int steps = data.path("anchor").size();
        assertTrue(steps >= 1);
        assertEquals(steps, raw.path("positions").size());
        assertEquals(steps, raw.path("examples").size());
        JsonNode examples = raw.path("examples").get(steps - 1);
        assertEquals(Set.of("covered_true", "covered_false", "uncovered_true", "uncovered_false"), fields(examples));
        assertTrue(examples.path("covered_true").size() > 0);
        for (JsonNode s : examples.path("covered_true")) {
            assertTrue(s.isTextual());
            assertEquals(0, movie.predict(s.asText()), s.asText());
        }
        List<String> order = new ArrayList<>();
        raw.fieldNames().forEachRemaining(order::add);
        assertEquals(order.indexOf("names") + 1, order.indexOf("positions"), "positions follow names as in Alibi");
    }

    private static Set<String> fields(JsonNode node) {
        Set<String> out = new TreeSet<>();
        node.fieldNames().forEachRemaining(out::add);
        return out;
    }

    @Test
    void badInstancesAre400sBeforeAnyModelCall() {
        long before = server.requests();
        ExplainException e = assertThrows(ExplainException.class, () -> explainer.explain(
                new ObjectMapper().readTree("[1, 2]"), 1));
        assertEquals(ExplainException.Kind.BAD_INPUT, e.kind());
        assertEquals("an instance of model 'movie' must be a string (the text to explain), got a list", e.getMessage());
        e = assertThrows(ExplainException.class, () -> explainer.explain(TextNode.valueOf("  "), 1));
        assertEquals(ExplainException.Kind.BAD_INPUT, e.kind());
        e = assertThrows(ExplainException.class, () -> explainer.explain(TextNode.valueOf("word ".repeat(513)), 1));
        assertEquals(ExplainException.Kind.BAD_INPUT, e.kind());
        assertEquals("model 'movie': text has 513 tokens; at most 512 are accepted (max_tokens)", e.getMessage());
        assertEquals(before, server.requests());
    }

    @Test
    void predictorDownIsTransient() throws IOException {
        try (ModelExplainer down = ExplainerFactory.create(spec("http://127.0.0.1:1", null))) {
            ExplainException e = assertThrows(ExplainException.class,
                    () -> down.explain(TextNode.valueOf("a fine film"), 1));
            assertTrue(e.isTransient(), e.kind() + ": " + e.getMessage());
        }
    }

    @Test
    void textSectionErrorsNameTheField() {
        String url = "http://127.0.0.1:1";
        assertSpecError(url, "{sample_proba: 1.5}", "field 'text.sample_proba': sample_proba must be in (0, 1], got 1.5");
        assertSpecError(url, "{sampling_strategy: language_model}",
                "field 'text.sampling_strategy': must be unknown or similarity, got 'language_model' (language-model"
                        + " sampling is not supported)");
        assertSpecError(url, "{sampling_strategy: similarity}", "field 'text.word_vectors': is required");
        assertSpecError(url, "{top_n: 5}", "field 'text.top_n': only applies to sampling_strategy: similarity");
        assertSpecError(url, "{stopwords: [a]}", "field 'text.stopwords': unknown field (allowed: max_chars,");
        assertSpecError(url, "{stop_words: a}", "field 'text.stop_words': must be a list of words or 'english', got 'a'");
        assertSpecError(url, "{stop_words: 3}", "field 'text.stop_words': must be a list of words or 'english'");
        assertSpecError(url, "{perturb_stop_words: yes please}", "field 'text.perturb_stop_words': must be true or false");
        assertSpecError(url, "{max_tokens: 0}", "field 'text.max_tokens': max_tokens must be >= 1, got 0");
        assertSpecError(url, "{use_proba: 1, sampling_strategy: similarity, word_vectors: x.txt}",
                "field 'text.use_proba': must be true or false, got 1");
        assertSpecError(url, "{sampling_strategy: similarity, word_vectors: /nonexistent/glove.txt}",
                "field 'text.word_vectors': no such file: /nonexistent/glove.txt");
    }

    @Test
    void englishStopWordsPerturbedButNeverInTheAnchor() throws IOException {
        try (ModelExplainer stop = ExplainerFactory.create(spec(server.baseUrl(),
                "{stop_words: english, perturb_stop_words: true}"))) {
            ModelExplainer.Explained e = stop.explain(TextNode.valueOf("the film was a delight and the cast is superb"), 7);
            JsonNode params = e.json().path("meta").path("params");
            assertEquals("english", params.path("stop_words").asText(), "the built-in list by name");
            assertTrue(params.path("perturb_stop_words").asBoolean());
            for (String word : e.anchor()) {
                assertTrue(!StopWords.ENGLISH.contains(word), "stop word in the anchor: " + e.anchor());
            }
            boolean stopWordReplaced = false;
            for (JsonNode step : e.json().path("data").path("raw").path("examples")) {
                for (JsonNode example : step.path("covered_true")) {
                    stopWordReplaced |= !example.asText().startsWith("the ");
                }
            }
            assertTrue(stopWordReplaced, "stop words are replaced in samples: " + e.json().at("/data/raw/examples"));
        }
    }

    private static void assertSpecError(String url, String text, String expected) {
        SpecException e = assertThrows(SpecException.class, () -> ExplainerFactory.create(spec(url, text)));
        assertTrue(e.getMessage().startsWith("explainer spec classpath:demo/movie.yaml: " + expected), e.getMessage());
    }

    @Test
    void similaritySpecWithVectorsBesideTheSpecFile(@TempDir Path dir) throws Exception {
        try (InputStream in = getClass().getResourceAsStream("/dev/anchorwatch/text/tiny_vectors.txt")) {
            Files.copy(in, dir.resolve("tiny.txt"));
        }
        Files.writeString(dir.resolve("movie.yaml"), """
                name: movie-similar
                type: AnchorText
                predictor: {url: "%s", protocol: v2, model: movie}
                text:
                  sampling_strategy: similarity
                  word_vectors: tiny.txt
                  top_n: 3
                  use_proba: true
                  temperature: 0.5
                  stop_words: [the, a]
                """.formatted(server.baseUrl()), StandardCharsets.UTF_8);
        ExplainerSpec spec = SpecLoader.load(dir.resolve("movie.yaml"));
        // in-process here: the V2 path is covered with the HTTP explainer below
        try (TextModelExplainer similar = TextModelExplainer.create(spec, Predictors.inProcess(movie), Integer.MAX_VALUE);
             ModelExplainer overV2 = ExplainerFactory.create(spec)) {
            assertEquals(3, similar.anchors().options().topN());
            assertEquals(17, similar.anchors().vectors().size());
            String sentence = "a wonderful movie, the acting was good";
            ModelExplainer.Explained e = similar.explain(TextNode.valueOf(sentence), 3);
            JsonNode params = e.json().path("meta").path("params");
            assertEquals("similarity", params.path("sampling_strategy").asText());
            assertEquals(3, params.path("top_n").asInt());
            assertEquals("[\"a\",\"the\"]", params.path("stop_words").toString());
            assertTrue(e.success(), e.json().toString());
            for (JsonNode step : e.json().path("data").path("raw").path("examples")) {
                for (JsonNode example : step.path("covered_true")) {
                    assertTrue(example.asText().startsWith("a "), "stop words are never perturbed: " + example);
                }
            }
            assertEquals(List.of("wonderful"), e.anchor(), "the word without vectors is replaced by UNK");
            ModelExplainer.Explained v2 = overV2.explain(TextNode.valueOf(sentence), 3);
            assertEquals(e.anchor(), v2.anchor(), "same seed, same model: the protocol does not matter");
        }
    }
}
