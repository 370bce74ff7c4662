package dev.anchorwatch.explain;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import dev.anchorwatch.anchor.AnchorParams;
import dev.anchorwatch.explain.ExplainerSpec.DataSpec;
import dev.anchorwatch.explain.ExplainerSpec.ExplainerType;
import dev.anchorwatch.model.PredictorConfig;
import dev.anchorwatch.model.PredictorConfig.Protocol;

/**
 * Reads ExplainerSpecs from YAML or JSON. Keys may be written snake_case (as Alibi's parameters are) or
 * kebab-case; unknown keys are errors, so a typo never silently falls back to a default.
 */
public final class SpecLoader {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static final Set<String> TOP = Set.of("name", "model", "type", "predictor", "data", "parameters", "text",
            "image", "tabular", "shap");
    private static final Set<String> PREDICTOR = Set.of("url", "protocol", "model", "timeout", "max_attempts",
            "max_concurrency", "max_rows_per_request", "class_names");
    private static final Set<String> DATA = Set.of("feature_names", "category_map", "training", "label_column");
    private static final Set<String> PARAMETERS = Set.of("threshold", "delta", "tau", "batch_size",
            "coverage_samples", "beam_size", "max_anchor_size", "min_samples_start", "n_covered_ex",
            "stop_on_first", "max_samples", "time_budget", "seed", "percentiles", "validation_samples");

    private SpecLoader() {
    }

    /** Loads every {@code *.yaml}, {@code *.yml} and {@code *.json} file of a directory, sorted by name. */
    public static List<ExplainerSpec> loadDirectory(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new SpecException(dir.toString(), "(directory)", "is not a directory");
        }
        List<ExplainerSpec> specs = new ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                String n = f.getFileName().toString().toLowerCase(Locale.ROOT);
                // ConfigMap mounts add hidden ..data links; only plain spec files count
                if (!n.startsWith(".") && (n.endsWith(".yaml") || n.endsWith(".yml") || n.endsWith(".json"))) {
                    specs.add(load(f));
                }
            }
        } catch (IOException e) {
            throw new SpecException(dir.toString(), "cannot list directory: " + e.getMessage(), e);
        }
        return specs;
    }

    public static ExplainerSpec load(Path file) {
        JsonNode root;
        try {
            root = YAML.readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new SpecException(file.toString(), "cannot be read as YAML/JSON: " + firstLine(e.getMessage()), e);
        }
        Path base = file.toAbsolutePath().getParent();
        return parse(root, file.toString(), training -> resolve(base, training));
    }

    /**
     * A spec shipped on the classpath (the demos'), after {@code edit} adjusts its tree — typically to point
     * {@code predictor.url} at a model server whose address is known only at run time.
     */
    public static ExplainerSpec loadResource(String resource, java.util.function.Consumer<ObjectNode> edit) {
        try (java.io.InputStream in = SpecLoader.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new SpecException("classpath:" + resource, "(file)", "not found on the classpath");
            }
            JsonNode tree = YAML.readTree(in);
            if (!tree.isObject()) {
                throw new SpecException("classpath:" + resource, "(root)", "must be an object");
            }
            edit.accept((ObjectNode) tree);
            return parse(tree, "classpath:" + resource, location -> location);
        } catch (IOException e) {
            throw new SpecException("classpath:" + resource, "cannot be read as YAML/JSON: " + firstLine(e.getMessage()), e);
        }
    }

    /** Where KServe's storage initializer puts a {@code storageUri}'s files; explainer mode looks there by default. */
    public static final Path KSERVE_MODEL_DIR = Path.of("/mnt/models");

    /**
     * The spec of the one model an InferenceService's explainer container serves (explainer mode).
     *
     * <p>{@code location} is a spec file, or a directory holding {@code <model>.yaml} (or {@code .yml}, {@code .json})
     * or else {@code explainer.yaml} (a ConfigMap mounted whole, or a storageUri volume that also holds training data
     * and model files: only these names are read). The spec's {@code name} may be left out (it is the model's);
     * {@code predictor.url} may be left out too, since the predictor is the one KServe names.
     *
     * @param predictorUrl the predictor's base URL, replacing any {@code predictor.url} of the spec
     * @param protocol     if present, replaces the spec's {@code predictor.protocol}
     */
    public static ExplainerSpec loadForModel(Path location, String model, URI predictorUrl, Optional<Protocol> protocol) {
        Path file = location;
        if (Files.isDirectory(location)) {
            List<Path> candidates = new ArrayList<>();
            for (String base : List.of(model, "explainer")) {
                for (String ext : List.of(".yaml", ".yml", ".json")) {
                    Path f = location.resolve(base + ext);
                    if (Files.isRegularFile(f)) {
                        candidates.add(f);
                    }
                }
                if (!candidates.isEmpty()) {
                    break;
                }
            }
            if (candidates.isEmpty()) {
                throw new SpecException(location.toString(), "(directory)", "holds no ExplainerSpec for model '" + model
                        + "': expected " + model + ".yaml (or .yml, .json) or explainer.yaml");
            }
            if (candidates.size() > 1) {
                throw new SpecException(location.toString(), "(directory)", "holds several specs for model '" + model
                        + "': " + candidates.stream().map(p -> p.getFileName().toString()).toList() + "; keep one");
            }
            file = candidates.get(0);
        } else if (!Files.isRegularFile(location)) {
            throw new SpecException(location.toString(), "(file)", "no such file or directory: mount the model's "
                    + "ExplainerSpec there (a ConfigMap or the storageUri) or set anchorwatch.specs");
        }
        JsonNode root;
        try {
            root = YAML.readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new SpecException(file.toString(), "cannot be read as YAML/JSON: " + firstLine(e.getMessage()), e);
        }
        if (root == null || !root.isObject()) {
            throw new SpecException(file.toString(), "(root)", "must be an object");
        }
        ObjectNode tree = (ObjectNode) root;
        JsonNode name = tree.get("name");
        if (name == null || name.isNull()) {
            tree.put("name", model);
        } else if (!model.equals(name.asText())) {
            throw new SpecException(file.toString(), "name", "is '" + name.asText() + "', but this explainer serves model '"
                    + model + "' (--model_name); leave the name out or make them equal");
        }
        JsonNode predictor = tree.get("predictor");
        if (predictor != null && !predictor.isObject()) {
            throw new SpecException(file.toString(), "predictor", "must be an object");
        }
        ObjectNode p = tree.with("predictor");
        p.put("url", predictorUrl.toString());
        protocol.ifPresent(v -> p.put("protocol", v.name().toLowerCase(Locale.ROOT)));
        Path base = file.toAbsolutePath().getParent();
        return parse(tree, file.toString(), training -> resolve(base, training));
    }

    /**
     * The predictor's base URL from KServe's {@code --predictor_host}: {@code host[:port]}, to which {@code http://}
     * is added (KServe passes no scheme); a value with a scheme is kept.
     */
    public static URI predictorHostUrl(String host) {
        String h = host.strip();
        while (h.endsWith("/")) {
            h = h.substring(0, h.length() - 1);
        }
        URI url;
        try {
            url = URI.create(h.contains("://") ? h : "http://" + h);
        } catch (IllegalArgumentException e) {
            throw new SpecException("--predictor_host", "(value)", "not a host[:port]: " + host);
        }
        if (url.getHost() == null || !(url.getScheme().equals("http") || url.getScheme().equals("https"))) {
            throw new SpecException("--predictor_host", "(value)", "not a host[:port] or http(s) URL: " + host);
        }
        return url;
    }

    /** An edit for {@link #loadResource}: the predictor's base URL. */
    public static java.util.function.Consumer<ObjectNode> predictorUrl(String url) {
        return tree -> ((ObjectNode) tree.with("predictor")).put("url", url);
    }

    /** Parses a spec tree; {@code resolveTraining} turns the training location into a loadable one. */
    public static ExplainerSpec parse(JsonNode root, String origin, java.util.function.UnaryOperator<String> resolveTraining) {
        SpecFields top = new SpecFields(root, "", origin, TOP);
        String name = top.requiredText("name");
        if (!name.matches("[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?")) {
            throw new SpecException(origin, "name", "must be a model name of letters, digits, '-', '_' or '.'");
        }
        String typeText = top.requiredText("type");
        ExplainerType type = ExplainerType.of(typeText).orElseThrow(() -> new SpecException(origin, "type",
                "unknown explainer type '" + typeText + "' (expected AnchorTabular, AnchorText, AnchorImage or KernelShap)"));
        String model = top.text("model", name);
        if (!model.matches("[a-zA-Z0-9]([-a-zA-Z0-9_.]*[a-zA-Z0-9])?")) {
            throw new SpecException(origin, "model", "must be a model name of letters, digits, '-', '_' or '.'");
        }

        SpecFields p = top.object("predictor", PREDICTOR, true);
        URI url;
        String urlText = p.requiredText("url");
        try {
            url = URI.create(urlText);
        } catch (IllegalArgumentException e) {
            throw new SpecException(origin, "predictor.url", "not a URL: " + urlText);
        }
        if (url.getScheme() == null || !(url.getScheme().equals("http") || url.getScheme().equals("https"))
                || url.getHost() == null) {
            throw new SpecException(origin, "predictor.url", "must be an absolute http(s) URL, got " + urlText);
        }
        String protocolText = p.text("protocol", "v1").toUpperCase(Locale.ROOT);
        Protocol protocol;
        try {
            protocol = Protocol.valueOf(protocolText);
        } catch (IllegalArgumentException e) {
            throw new SpecException(origin, "predictor.protocol", "must be v1 or v2, got " + protocolText);
        }
        PredictorConfig predictor;
        try {
            predictor = new PredictorConfig(url, p.text("model", model), protocol,
                    p.duration("timeout", PredictorConfig.DEFAULT_REQUEST_TIMEOUT),
                    p.intValue("max_attempts", PredictorConfig.DEFAULT_MAX_ATTEMPTS, 1),
                    PredictorConfig.DEFAULT_INITIAL_BACKOFF, PredictorConfig.DEFAULT_MAX_BACKOFF,
                    p.intValue("max_concurrency", PredictorConfig.DEFAULT_MAX_CONCURRENT_REQUESTS, 1),
                    p.intValue("max_rows_per_request", PredictorConfig.DEFAULT_MAX_ROWS_PER_REQUEST, 1),
                    p.stringList("class_names"));
        } catch (IllegalArgumentException e) {
            throw new SpecException(origin, "predictor", e.getMessage());
        }

        boolean tabularData = type == ExplainerType.ANCHOR_TABULAR || type == ExplainerType.KERNEL_SHAP;
        SpecFields d = top.object("data", DATA, tabularData);
        DataSpec data = null;
        if (d != null) {
            List<String> featureNames = d.stringList("feature_names");
            Map<Integer, List<String>> categoryMap = d.categoryMap("category_map", featureNames.size());
            String training = d.text("training", null);
            if (tabularData && training == null) {
                throw new SpecException(origin, "data.training", "is required for " + type.label());
            }
            data = new DataSpec(featureNames, categoryMap, training == null ? null : resolveTraining.apply(training),
                    Optional.ofNullable(d.text("label_column", null)));
        }

        SpecFields k = top.object("parameters", PARAMETERS, false);
        AnchorParams params = AnchorParams.DEFAULTS;
        Optional<Long> seed = Optional.empty();
        double[] percentiles = {25, 50, 75};
        if (k != null) {
            try {
                AnchorParams a = AnchorParams.DEFAULTS;
                params = new AnchorParams(k.doubleValue("threshold", a.threshold()), k.doubleValue("delta", a.delta()),
                        k.doubleValue("tau", a.tau()), k.intValue("batch_size", a.batchSize(), 1),
                        k.intValue("coverage_samples", a.coverageSamples(), 1), k.intValue("beam_size", a.beamSize(), 1),
                        k.intValue("max_anchor_size", a.maxAnchorSize(), 0),
                        k.intValue("min_samples_start", a.minSamplesStart(), 1),
                        k.intValue("n_covered_ex", a.nCoveredExamples(), 0),
                        k.bool("stop_on_first", type == ExplainerType.ANCHOR_TEXT),
                        k.longValue("max_samples", a.maxSamples()), k.duration("time_budget", a.timeBudget()),
                        k.intValue("validation_samples", a.validationSamples(), 0));
            } catch (IllegalArgumentException e) {
                throw new SpecException(origin, "parameters", e.getMessage());
            }
            if (k.has("seed")) {
                seed = Optional.of(seed(k.raw("seed"), origin, "parameters.seed"));
            }
            if (k.has("percentiles")) {
                percentiles = k.doubleList("percentiles");
                for (double q : percentiles) {
                    if (!(q > 0 && q < 100)) {
                        throw new SpecException(origin, "parameters.percentiles", "each must be in (0, 100)");
                    }
                }
            }
        } else if (type == ExplainerType.ANCHOR_TEXT) {
            params = params.withStopOnFirst(true);
        }
        // the explainer-type section (tabular:, text:, image: or shap:) is validated by that explainer's own options
        // parser
        String section = switch (type) {
            case ANCHOR_TEXT -> "text";
            case ANCHOR_IMAGE -> "image";
            case KERNEL_SHAP -> "shap";
            default -> "tabular";
        };
        for (String other : List.of("text", "image", "tabular", "shap")) {
            if (top.has(other) && !other.equals(section)) {
                throw new SpecException(origin, other, "only allowed with type " + switch (other) {
                    case "text" -> "AnchorText";
                    case "image" -> "AnchorImage";
                    case "tabular" -> "AnchorTabular";
                    default -> "KernelShap";
                });
            }
        }
        if (type == ExplainerType.KERNEL_SHAP && top.has("parameters")) {
            throw new SpecException(origin, "parameters", "are the Anchors search's; a KernelShap spec takes its "
                    + "parameters in the shap: section");
        }
        JsonNode options = section != null && top.has(section) ? top.raw(section) : null;
        if (options != null && !options.isObject()) {
            throw new SpecException(origin, section, "must be an object");
        }
        ObjectNode typeOptions = options == null ? JsonNodeFactory.instance.objectNode() : ((ObjectNode) options).deepCopy();
        if (type == ExplainerType.KERNEL_SHAP) {
            // unknown keys fail here, at load, naming the file and the field; the rest is checked when built
            SpecFields shap = new SpecFields(typeOptions, "shap", origin, ShapOptions.KEYS);
            if (shap.has("seed")) {
                seed = Optional.of(seed(shap.raw("seed"), origin, "shap.seed"));
            }
            ShapOptions.parse(typeOptions, origin);
        }
        return new ExplainerSpec(name, type, predictor, data, params, seed, percentiles, typeOptions, origin, model);
    }

    /**
     * A 64-bit seed: an integer, or its decimal string (what a JavaScript client must send beyond 2^53, and what
     * explanations carry in {@code meta.params.seed}); {@code field} names it in the error.
     */
    static long seed(JsonNode v, String origin, String field) {
        if (v.isTextual()) {
            try {
                return Long.parseLong(v.asText().trim());
            } catch (NumberFormatException e) {
                throw new SpecException(origin, field, "must be a 64-bit integer or its decimal string, got " + v);
            }
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new SpecException(origin, field, "must be a 64-bit integer or its decimal string, got " + v);
        }
        return v.asLong();
    }

    private static String resolve(Path base, String location) {
        if (location.startsWith("classpath:")) {
            return location;
        }
        Path p = Path.of(location);
        return (p.isAbsolute() ? p : base.resolve(p)).normalize().toString();
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
