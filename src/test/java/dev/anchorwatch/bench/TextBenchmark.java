package dev.anchorwatch.bench;

import static dev.anchorwatch.bench.Stats.quantile;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import dev.anchorwatch.anchor.Draw;
import dev.anchorwatch.bench.AdultBenchmark.TimedPredictor;
import dev.anchorwatch.explain.ExplainerSpec;
import dev.anchorwatch.explain.ModelExplainer.Explained;
import dev.anchorwatch.explain.SpecLoader;
import dev.anchorwatch.explain.TextModelExplainer;
import dev.anchorwatch.model.BagOfWordsClassifier;
import dev.anchorwatch.demo.ModelServer;
import dev.anchorwatch.model.PredictorConfig;
import dev.anchorwatch.model.Predictors;
import dev.anchorwatch.text.TextSampler;

/**
 * Explains 10 sentences (written for this benchmark) with the movie bag-of-words model (PEER.md's text black
 * box) on one thread, in-process and through the KServe V1 HTTP client against a loopback model server, and
 * prints what PEER.md reports: wall time median / p90, predictor calls and rows, precision, anchors found, share
 * of time inside the model; plus each anchor's precision re-measured on 2,000 fresh samples.
 */
public final class TextBenchmark {
    static final List<String> SENTENCES = List.of(
            "a gripping, beautifully acted film with a wonderful cast.",
            "a dull, plodding movie that never finds its footing.",
            "the performances are warm and the story is engrossing from start to finish.",
            "a tedious, badly written mess with nothing to say.",
            "an enjoyable, smart comedy that also has a big heart.",
            "the plot is generic and the jokes are stupid.",
            "it's a masterpiece: moving, funny and refreshing.",
            "the script is lazy, the pacing is boring, and the ending is worse.",
            "a powerful portrait of a family, told with remarkable restraint.",
            "unfunny, incoherent and far too long.");

    private TextBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int passes = 3;
        boolean http = true;
        boolean punctuation = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--passes" -> passes = Integer.parseInt(args[++i]);
                case "--no-http" -> http = false;
                case "--perturb-punctuation" -> punctuation = true;
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (text [--passes N] [--no-http] [--perturb-punctuation])");
            }
        }
        BagOfWordsClassifier movie;
        try (InputStream in = TextBenchmark.class.getClassLoader().getResourceAsStream("demo/text/movie_lr.json")) {
            movie = BagOfWordsClassifier.load(in);
        }
        System.out.printf(Locale.ROOT, "Text benchmark: %d sentences, movie bag-of-words model (%d terms), strategy"
                        + " unknown, punctuation %s, %d cores, Java %s%n", SENTENCES.size(), movie.vocabularySize(),
                punctuation ? "perturbed (as Alibi)" : "kept", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"));

        TimedPredictor inProcess = new TimedPredictor(Predictors.inProcess(movie));
        TextModelExplainer explainer = TextModelExplainer.create(spec("http://127.0.0.1:1", punctuation), inProcess,
                Integer.MAX_VALUE);
        report("in-process, cold (first pass, JIT warming)", explainer, inProcess, movie, 0);
        for (int pass = 1; pass <= passes; pass++) {
            report("in-process, warm, pass " + pass + " (seed offset " + pass + ")", explainer, inProcess, movie, pass);
        }
        if (http) {
            try (ModelServer server = ModelServer.builder().host("127.0.0.1").port(0).textModel("movie", movie).start()) {
                ExplainerSpec spec = spec(server.baseUrl(), punctuation);
                PredictorConfig config = spec.predictor();
                TimedPredictor client = new TimedPredictor(Predictors.http(config));
                TextModelExplainer overHttp = TextModelExplainer.create(spec, client, config.maxRowsPerRequest());
                report("KServe V1 over loopback HTTP, cold", overHttp, client, movie, 0);
                for (int pass = 1; pass <= passes; pass++) {
                    report("KServe V1 over loopback HTTP, warm, pass " + pass, overHttp, client, movie, pass);
                }
                System.out.printf(Locale.ROOT, "  model server saw %d requests, %d rows in all%n",
                        server.requests(), server.rows());
            }
        }
    }

    private static void report(String title, TextModelExplainer explainer, TimedPredictor predictor,
                               BagOfWordsClassifier movie, int pass) {
        int n = SENTENCES.size();
        double[] wall = new double[n];
        double[] calls = new double[n];
        double[] rows = new double[n];
        double[] precision = new double[n];
        double[] fresh = new double[n];
        double[] coverage = new double[n];
        int found = 0;
        int empty = 0;
        long modelNanos0 = predictor.nanos.get();
        long t0 = System.nanoTime();
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String sentence = SENTENCES.get(i);
            long s = System.nanoTime();
            Explained e = explainer.explain(TextNode.valueOf(sentence), 1000L * pass + i);
            wall[i] = (System.nanoTime() - s) / 1e9;
            calls[i] = e.predictorCalls();
            rows[i] = e.predictorRows();
            precision[i] = e.precision();
            coverage[i] = e.coverage();
            fresh[i] = freshPrecision(explainer, movie, sentence, e, 2000, 77L * pass + i);
            if (e.success()) {
                found++;
                empty += e.anchor().isEmpty() ? 1 : 0;
            }
            lines.add(String.format(Locale.ROOT, "    %-75s %s %-28s precision %.3f (fresh %.3f), coverage %.3f, %.0f calls, %.0f rows%s",
                    '"' + sentence + '"', e.prediction() == 1 ? "pos" : "neg", e.anchor(), e.precision(), fresh[i],
                    e.coverage(), calls[i], rows[i], e.success() ? "" : " (no anchor reached the threshold)"));
        }
        double total = (System.nanoTime() - t0) / 1e9;
        double model = (predictor.nanos.get() - modelNanos0) / 1e9;
        System.out.printf(Locale.ROOT, "%n%s%n", title);
        System.out.printf(Locale.ROOT, "  wall time per explanation: median %.4f s, p90 %.4f s, total %.3f s%n",
                quantile(wall, 0.5), quantile(wall, 0.9), total);
        System.out.printf(Locale.ROOT, "  predictor calls per explanation: median %.1f; rows: median %.0f, total %.0f%n",
                quantile(calls, 0.5), quantile(rows, 0.5), Arrays.stream(rows).sum());
        System.out.printf(Locale.ROOT, "  share of wall time inside the model: %.2f%n", model / total);
        System.out.printf(Locale.ROOT, "  precision median %.3f (re-measured on 2,000 fresh samples: median %.3f, min %.3f),"
                        + " coverage median %.3f, anchors found %d of %d (%d of them the empty anchor)%n",
                quantile(precision, 0.5), quantile(fresh, 0.5), Arrays.stream(fresh).min().orElse(Double.NaN),
                quantile(coverage, 0.5), found, n, empty);
        if (pass <= 1) {
            lines.forEach(System.out::println);
        }
    }

    /** The anchor's precision on fresh samples drawn with another seed, labelled by the model in-process. */
    static double freshPrecision(TextModelExplainer explainer, BagOfWordsClassifier movie, String sentence,
                                 Explained e, int n, long seed) {
        TextSampler sampler = explainer.anchors().sampler(sentence);
        JsonNode feature = e.json().path("data").path("raw").path("feature");
        int[] predicates = new int[feature.size()];
        for (int i = 0; i < predicates.length; i++) {
            predicates[i] = sampler.predicateOf(feature.get(i).asInt());
        }
        Draw<String> d = sampler.draw(predicates, n, new SplittableRandom(seed));
        int[] labels = movie.predictAll(d.samples());
        return (double) Arrays.stream(labels).filter(l -> l == e.prediction()).count() / n;
    }


    static ExplainerSpec spec(String predictorUrl, boolean punctuation) throws Exception {
        try (InputStream in = TextBenchmark.class.getClassLoader().getResourceAsStream("demo/movie.yaml")) {
            ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
            ObjectNode tree = (ObjectNode) yaml.readTree(in);
            ((ObjectNode) tree.get("predictor")).put("url", predictorUrl);
            // PEER.md ran without caps: lift the demo's sample and time caps
            ((ObjectNode) tree.get("parameters")).put("max_samples", 0).put("time_budget", "PT0S");
            ((ObjectNode) tree.get("text")).put("perturb_punctuation", punctuation);
            return SpecLoader.parse(tree, "classpath:demo/movie.yaml", s -> s);
        }
    }
}
