package dev.anchorwatch.explain;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.zip.GZIPInputStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import dev.anchorwatch.anchor.Oracle;
import dev.anchorwatch.model.Instances;
import dev.anchorwatch.model.Predictor;
import dev.anchorwatch.text.AnchorText;
import dev.anchorwatch.text.TextExplanation;
import dev.anchorwatch.text.StopWords;
import dev.anchorwatch.text.TextOptions;
import dev.anchorwatch.text.TextSampler;
import dev.anchorwatch.text.WordVectors;

/**
 * AnchorText for one model: instances are strings (as KServe V1 sends texts); calls the predictor as a black box
 * with batches of perturbed texts; writes Alibi's JSON, with {@code raw.positions} the anchor words' offsets in
 * Unicode code points (Python's string indices, as Alibi reports them).
 *
 * <p>The spec's {@code text:} section (all keys optional):
 * <pre>
 * text:
 *   sampling_strategy: unknown      # or similarity
 *   sample_proba: 0.5               # chance a word outside the anchor is replaced in a sample
 *   top_n: 100                      # similarity: neighbours a replacement is drawn from
 *   temperature: 1.0                # similarity with use_proba: softmax temperature
 *   use_proba: false                # similarity: softmax(similarity / temperature) weights, else uniform
 *   word_vectors: glove.6B.100d.txt # similarity: GloVe-style text file (.gz too); relative to the spec file
 *   max_vocabulary: 100000          # similarity: read only the first words of the file (0 = all)
 *   perturb_punctuation: false      # punctuation is kept as is and never in an anchor unless true
 *   stop_words: [a, an, the]        # never in an anchor; or "english" for the built-in list (StopWords)
 *   perturb_stop_words: false       # true: stop words are still replaced in samples, only never candidates
 *   max_tokens: 512                 # longer texts are refused (400)
 *   max_chars: 20000                # longer texts are refused (400)
 *   unknown_token: UNK              # the replacement of the unknown strategy
 * </pre>
 */
public final class TextModelExplainer implements ModelExplainer {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final Set<String> KEYS = Set.of("sampling_strategy", "sample_proba", "top_n", "temperature",
            "use_proba", "word_vectors", "max_vocabulary", "perturb_punctuation", "stop_words", "perturb_stop_words", "max_tokens",
            "max_chars", "unknown_token");
    /** Default word limit of a vectors file: 100,000 x 300 floats is 120 MB. */
    public static final int DEFAULT_MAX_VOCABULARY = 100_000;

    private final ExplainerSpec spec;
    private final AnchorText anchors;
    private final Predictor predictor;
    private final int maxRowsPerRequest;

    /**
     * @param maxRowsPerRequest how the predictor splits a batch, to count the requests an explanation costs
     *                          ({@link Integer#MAX_VALUE} for an in-process model)
     */
    public TextModelExplainer(ExplainerSpec spec, AnchorText anchors, Predictor predictor, int maxRowsPerRequest) {
        this.spec = spec;
        this.anchors = anchors;
        this.predictor = predictor;
        this.maxRowsPerRequest = maxRowsPerRequest;
    }

    /** Parses the spec's {@code text:} section, loads its word vectors if any, and explains over {@code predictor}. */
    public static TextModelExplainer create(ExplainerSpec spec, Predictor predictor, int maxRowsPerRequest) {
        Options o = options(spec);
        WordVectors vectors = o.wordVectors == null ? null : loadVectors(spec, o.wordVectors, o.maxVocabulary);
        return new TextModelExplainer(spec, new AnchorText(o.text, vectors), predictor, maxRowsPerRequest);
    }

    /** What the {@code text:} section says, validated. */
    record Options(TextOptions text, String wordVectors, int maxVocabulary) {
    }

    static Options options(ExplainerSpec spec) {
        String origin = spec.origin();
        SpecFields f = new SpecFields(spec.typeOptions(), "text", origin, KEYS);
        TextOptions d = TextOptions.DEFAULTS;
        String strategyText = f.text("sampling_strategy", d.strategy().label());
        TextOptions.Strategy strategy = switch (strategyText.toLowerCase(Locale.ROOT)) {
            case "unknown" -> TextOptions.Strategy.UNKNOWN;
            case "similarity" -> TextOptions.Strategy.SIMILARITY;
            default -> throw new SpecException(origin, "text.sampling_strategy",
                    "must be unknown or similarity, got '" + strategyText + "'"
                            + (strategyText.equalsIgnoreCase("language_model") ? " (language-model sampling is not"
                            + " supported)" : ""));
        };
        String vectors = f.text("word_vectors", null);
        if (strategy == TextOptions.Strategy.SIMILARITY && (vectors == null || vectors.isBlank())) {
            throw new SpecException(origin, "text.word_vectors",
                    "is required with sampling_strategy: similarity (a GloVe-style text file: word v1 v2 ...)");
        }
        if (strategy == TextOptions.Strategy.UNKNOWN) {
            for (String key : List.of("word_vectors", "max_vocabulary", "top_n", "temperature", "use_proba")) {
                if (f.has(key)) {
                    throw new SpecException(origin, "text." + key, "only applies to sampling_strategy: similarity");
                }
            }
        }
        List<String> stopWords = new ArrayList<>();
        if (f.has("stop_words") && f.raw("stop_words").isTextual()) {
            Set<String> named = StopWords.named(f.raw("stop_words").asText());
            if (named == null) {
                throw new SpecException(origin, "text.stop_words", "must be a list of words or 'english', got '"
                        + f.raw("stop_words").asText() + "'");
            }
            stopWords.addAll(named);
        } else if (f.has("stop_words")) {
            JsonNode list = f.raw("stop_words");
            if (!list.isArray()) {
                throw new SpecException(origin, "text.stop_words", "must be a list of words or 'english'");
            }
            for (JsonNode w : list) {
                if (!w.isTextual() || w.asText().isBlank()) {
                    throw new SpecException(origin, "text.stop_words", "must be a list of words, found " + w);
                }
                stopWords.add(w.asText());
            }
        }
        try {
            TextOptions options = new TextOptions(strategy,
                    f.doubleValue("sample_proba", d.sampleProba()),
                    f.intValue("top_n", d.topN(), Integer.MIN_VALUE),
                    f.doubleValue("temperature", d.temperature()),
                    f.bool("use_proba", d.useProba()),
                    f.bool("perturb_punctuation", d.perturbPunctuation()),
                    Set.copyOf(stopWords),
                    f.bool("perturb_stop_words", d.perturbStopWords()),
                    f.intValue("max_tokens", d.maxTokens(), Integer.MIN_VALUE),
                    f.intValue("max_chars", d.maxChars(), Integer.MIN_VALUE),
                    f.text("unknown_token", d.unknownToken()));
            int maxVocabulary = f.intValue("max_vocabulary", DEFAULT_MAX_VOCABULARY, Integer.MIN_VALUE);
            if (maxVocabulary < 0) {
                throw new SpecException(origin, "text.max_vocabulary", "must be >= 0 (0 = every word of the file)");
            }
            return new Options(options, vectors, maxVocabulary);
        } catch (IllegalArgumentException e) {
            // TextOptions names the field in its message
            String field = e.getMessage() == null ? "text" : "text." + e.getMessage().split(" ", 2)[0];
            throw new SpecException(origin, field, e.getMessage());
        }
    }

    /**
     * Loads word vectors from {@code classpath:...}, an absolute path, or a path relative to the spec file's
     * directory.
     */
    static WordVectors loadVectors(ExplainerSpec spec, String location, int maxVocabulary) {
        String origin = spec.origin();
        try {
            if (location.startsWith("classpath:")) {
                String resource = location.substring("classpath:".length());
                InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(resource);
                if (in == null) {
                    throw new NoSuchFileException(location);
                }
                try (InputStream raw = resource.toLowerCase(Locale.ROOT).endsWith(".gz") ? new GZIPInputStream(in) : in) {
                    return WordVectors.read(new InputStreamReader(raw, StandardCharsets.UTF_8), location, maxVocabulary);
                }
            }
            Path path = Path.of(location);
            if (!path.isAbsolute() && !origin.startsWith("classpath:")) {
                Path dir = Path.of(origin).toAbsolutePath().getParent();
                if (dir != null) {
                    path = dir.resolve(path);
                }
            }
            path = path.normalize();
            if (!Files.isRegularFile(path)) {
                throw new NoSuchFileException(path.toString());
            }
            return WordVectors.load(path, maxVocabulary);
        } catch (NoSuchFileException e) {
            throw new SpecException(origin, "text.word_vectors", "no such file: " + e.getMessage());
        } catch (IOException | IllegalArgumentException e) {
            throw new SpecException(origin, "text.word_vectors", e.getMessage());
        }
    }

    @Override
    public ExplainerSpec spec() {
        return spec;
    }

    public AnchorText anchors() {
        return anchors;
    }

    @Override
    public Explained explain(JsonNode instanceNode, long seed, Cancellation cancel) {
        long start = System.nanoTime();
        String text = parseInstance(instanceNode);
        TextSampler sampler;
        try {
            sampler = anchors.sampler(text); // validates the length before the model is called
        } catch (IllegalArgumentException e) {
            throw new ExplainException(ExplainException.Kind.BAD_INPUT,
                    "model '" + spec.name() + "': " + e.getMessage(), e);
        }
        BlackBox box = new BlackBox(spec.name(), predictor, maxRowsPerRequest, null, cancel);
        int label = box.predict(new Instances.Texts(List.of(text)))[0];
        Oracle<String> oracle = samples -> BlackBox.same(box.predict(new Instances.Texts(samples)), label);
        TextExplanation te;
        try {
            te = anchors.explain(sampler, label, oracle, spec.params(), new SplittableRandom(seed));
        } catch (ExplainException e) {
            throw e;
        } catch (Exception e) {
            throw box.translate(e);
        }
        long elapsed = (System.nanoTime() - start) / 1_000_000;
        ObjectNode json = ExplanationJson.build(spec.type().label(), params(seed), te.result(), te.words(),
                te.tokens(), TextNode::valueOf, label, TextNode.valueOf(text),
                new ExplanationJson.Cost(box.calls(), box.rows(), elapsed, seed));
        addPositions((ObjectNode) json.path("data").path("raw"), te.codePointPositions());
        return new Explained(json, label, te.words(), te.result().precision(), te.result().coverage(),
                te.result().success(), box.calls(), box.rows(), elapsed);
    }

    /** {@code meta.params}: the search's and the sampler's. */
    private ObjectNode params(long seed) {
        ObjectNode params = ExplanationJson.params(spec.params(), seed);
        TextOptions o = anchors.options();
        params.put("sampling_strategy", o.strategy().label());
        params.put("sample_proba", o.sampleProba());
        if (o.strategy() == TextOptions.Strategy.SIMILARITY) {
            params.put("top_n", o.topN());
            params.put("temperature", o.temperature());
            params.put("use_proba", o.useProba());
        }
        params.put("perturb_punctuation", o.perturbPunctuation());
        if (o.stopWords().equals(StopWords.ENGLISH)) {
            params.put("stop_words", "english"); // the built-in list by name: 150 words in every explanation is noise
        } else {
            ArrayNode stop = params.putArray("stop_words");
            new TreeSet<>(o.stopWords()).forEach(stop::add);
        }
        params.put("perturb_stop_words", o.perturbStopWords());
        params.put("unknown_token", o.unknownToken());
        params.put("max_tokens", o.maxTokens());
        params.put("max_chars", o.maxChars());
        return params;
    }

    /** Puts {@code positions} right after {@code names}, where Alibi has it. */
    private static void addPositions(ObjectNode raw, int[] positions) {
        ArrayNode list = F.arrayNode(positions.length);
        for (int p : positions) {
            list.add(p);
        }
        Map<String, JsonNode> fields = new LinkedHashMap<>();
        raw.fields().forEachRemaining(e -> fields.put(e.getKey(), e.getValue()));
        raw.removeAll();
        fields.forEach((k, v) -> {
            raw.set(k, v);
            if (k.equals("names")) {
                raw.set("positions", list);
            }
        });
        if (!raw.has("positions")) {
            raw.set("positions", list);
        }
    }

    String parseInstance(JsonNode node) {
        if (node != null && node.isArray() && node.size() == 1 && node.get(0).isTextual()) {
            node = node.get(0); // a row of a V2 BYTES tensor of shape [n, 1]
        }
        if (node == null || !node.isTextual()) {
            throw new ExplainException(ExplainException.Kind.BAD_INPUT, "an instance of model '" + spec.name()
                    + "' must be a string (the text to explain), got " + describe(node));
        }
        String text = node.textValue();
        if (text.isBlank()) {
            throw new ExplainException(ExplainException.Kind.BAD_INPUT,
                    "an instance of model '" + spec.name() + "' must be a non-empty text");
        }
        return text;
    }

    private static String describe(JsonNode node) {
        if (node == null || node.isNull()) {
            return "null";
        }
        if (node.isArray()) {
            return "a list";
        }
        if (node.isObject()) {
            return "an object";
        }
        return node.isNumber() ? "a number" : node.isBoolean() ? "a boolean" : node.getNodeType().toString();
    }

    @Override
    public void close() {
        predictor.close();
    }
}
