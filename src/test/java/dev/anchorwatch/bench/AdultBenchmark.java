package dev.anchorwatch.bench;

import static dev.anchorwatch.bench.Stats.quantile;
import static dev.anchorwatch.bench.Stats.median;

import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.anchorwatch.explain.ExplainerFactory;
import dev.anchorwatch.explain.ExplainerSpec;
import dev.anchorwatch.explain.ModelExplainer.Explained;
import dev.anchorwatch.explain.SpecLoader;
import dev.anchorwatch.explain.TabularModelExplainer;
import dev.anchorwatch.explain.TabularOptions;
import dev.anchorwatch.anchor.AnchorParams;
import dev.anchorwatch.model.Instances;
import dev.anchorwatch.model.LabeledData;
import dev.anchorwatch.model.Predictor;
import dev.anchorwatch.model.PredictorConfig;
import dev.anchorwatch.model.Predictors;
import dev.anchorwatch.model.ReferenceForest;

/**
 * Explains the first rows of the Adult test set with the reference forest (PEER.md's black box) on one
 * thread, in-process and through the KServe V1 HTTP client against a loopback model server, and prints
 * the figures PEER.md reports: wall time median / p90, predictor calls and rows, precision, coverage,
 * anchors found, share of time inside the model.
 */
public final class AdultBenchmark {
    private AdultBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            throw new IllegalArgumentException(
                    "usage: adult PATH_TO_adult_rf.json [--rows N] [--first N] [--passes N] [--seed-sets N] [--jsonl FILE] [--no-http]"
                            + " [--no-in-process] [--cache-bytes N] [--no-training-labels] [--validation-samples N]"
                            + " [--no-shared-samples]");
        }
        Path forestPath = Path.of(args[0]);
        int rows = 20;
        int first = 0;
        int passes = 3;
        int seedSets = 1;
        boolean http = true;
        boolean inProcessRuns = true;
        long cacheBytes = TabularOptions.DEFAULT_CACHE_BYTES;
        boolean trainingLabels = true;
        boolean sharedSamples = true;
        int validationSamples = AnchorParams.DEFAULTS.validationSamples();
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--rows" -> rows = Integer.parseInt(args[++i]);
                case "--first" -> first = Integer.parseInt(args[++i]);
                case "--passes" -> passes = Integer.parseInt(args[++i]);
                case "--seed-sets" -> seedSets = Integer.parseInt(args[++i]);
                case "--jsonl" -> jsonl = new java.io.PrintWriter(java.nio.file.Files.newBufferedWriter(
                        Path.of(args[++i]), StandardCharsets.UTF_8), true);
                case "--no-http" -> http = false;
                case "--no-in-process" -> inProcessRuns = false;
                case "--cache-bytes" -> cacheBytes = Long.parseLong(args[++i]);
                case "--no-training-labels" -> trainingLabels = false;
                case "--validation-samples" -> validationSamples = Integer.parseInt(args[++i]);
                case "--no-shared-samples" -> sharedSamples = false;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        double[][] test = testRows(first, rows);
        AdultBenchmark.cacheBytes = cacheBytes;
        AdultBenchmark.trainingLabels = trainingLabels;
        AdultBenchmark.validationSamples = validationSamples;
        AdultBenchmark.sharedSamples = sharedSamples;
        System.out.printf(Locale.ROOT, "Adult benchmark: %d test rows, reference forest %s, %d cores, Java %s%n",
                rows, forestPath.getFileName(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"));
        System.out.printf(Locale.ROOT, "tabular.prediction_cache_bytes %d, training_labels %s, validation_samples %d%n",
                cacheBytes, trainingLabels, validationSamples);
        System.out.println("Seeds: row index (the same in every pass); each pass starts a new explainer (no state"
                + " carried between passes). Totals are the sum of explanation times only.");
        if (seedSets > 1) {
            System.out.printf(Locale.ROOT, "Seed sets: %d; set k explains row i with seed k * %d + i, on a new explainer"
                    + " (set 0 is the passes' seeds)%n", seedSets, SEED_SET_STRIDE);
        }

        if (inProcessRuns) {
            double setZeroCoverage = Double.NaN;
            ReferenceForest forest = ReferenceForest.load(forestPath);
            TimedPredictor inProcess = new TimedPredictor(Predictors.inProcess(forest));
            for (int pass = 0; pass <= passes; pass++) {
                TabularModelExplainer explainer = ExplainerFactory.tabular(spec("http://127.0.0.1:1"), inProcess,
                        Integer.MAX_VALUE);
                double coverage = report("in-process (Java evaluation of the same forest), " + passName(pass),
                        explainer, inProcess, test, first, 0, pass);
                if (pass == 0) {
                    setZeroCoverage = coverage;
                }
            }
            List<Double> pooled = new ArrayList<>();
            for (int set = 1; set < seedSets; set++) {
                TabularModelExplainer explainer = ExplainerFactory.tabular(spec("http://127.0.0.1:1", set), inProcess,
                        Integer.MAX_VALUE);
                pooled.add(report("in-process, seed set " + set, explainer, inProcess, test, first, set, 1));
            }
            if (jsonl != null) {
                jsonl.close();
                jsonl = null;
            }
            if (!pooled.isEmpty()) {
                pooled.add(0, setZeroCoverage);
                double[] medians = pooled.stream().mapToDouble(Double::doubleValue).toArray();
                System.out.printf(Locale.ROOT, "%ncoverage median per seed set (%d sets): %s; median of them %.3f,"
                                + " range %.3f-%.3f%n", medians.length, pooled.stream()
                                .map(c -> String.format(Locale.ROOT, "%.3f", c)).toList(), median(medians),
                        Arrays.stream(medians).min().orElse(0), Arrays.stream(medians).max().orElse(0));
            }
        }

        if (http) {
            try (ForestServer server = ForestServer.start(forestPath)) {
                System.out.printf(Locale.ROOT, "%nmodel server: child JVM (pid %d) serving KServe V1 at %s%n",
                        server.pid(), server.baseUrl);
                ExplainerSpec spec = spec(server.baseUrl);
                PredictorConfig config = spec.predictor();
                for (int pass = 0; pass <= passes; pass++) {
                    TimedPredictor client = new TimedPredictor(Predictors.http(config));
                    TabularModelExplainer overHttp = ExplainerFactory.tabular(spec, client,
                            config.maxRowsPerRequest());
                    report("KServe V1 over loopback HTTP to another process, " + passName(pass), overHttp, client,
                            test, first, 0, pass);
                    overHttp.close();
                }
                System.out.printf(Locale.ROOT, "  model server (child process) %s%n", server.stop());
            }
        }
    }

    private static String passName(int pass) {
        return pass == 0 ? "cold (first pass, JIT warming)" : "warm pass " + pass;
    }

    /** Seed sets are this far apart, so that no two sets share a seed for up to this many rows. */
    private static final long SEED_SET_STRIDE = 1_000_003L;
    /** Explains every row once and prints the figures; returns the median coverage. */
    private static double report(String title, TabularModelExplainer explainer, TimedPredictor predictor,
                                 double[][] test, int first, int seedSet, int pass) {
        int n = test.length;
        double[] wall = new double[n];
        double[] calls = new double[n];
        double[] rowsSent = new double[n];
        double[] ownCalls = new double[n];
        double[] ownRows = new double[n];
        double[] precision = new double[n];
        double[] coverage = new double[n];
        List<Double> fresh = new ArrayList<>();
        int found = 0;
        long modelNanos0 = predictor.nanos.get();
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ArrayNode instance = new ObjectMapper().createArrayNode();
            Arrays.stream(test[i]).forEach(instance::add);
            long s = System.nanoTime();
            Explained e = explainer.explain(instance, seedSet * SEED_SET_STRIDE + first + i);
            wall[i] = (System.nanoTime() - s) / 1e9;
            calls[i] = e.sentCalls();
            rowsSent[i] = e.sentRows();
            ownCalls[i] = e.predictorCalls();
            ownRows[i] = e.predictorRows();
            precision[i] = e.precision();
            coverage[i] = e.coverage();
            var validation = e.json().path("data").path("raw").path("validation");
            if (!validation.isMissingNode()) {
                fresh.add(validation.path("precision").asDouble());
            }
            if (e.success()) {
                found++;
            }
            if (jsonl != null && pass == (seedSet == 0 ? 0 : 1)) {
                ObjectNode line = JSON.createObjectNode().put("seed_set", seedSet).put("row", first + i)
                        .put("found", e.success()).put("precision", e.precision()).put("coverage", e.coverage())
                        .put("calls", e.sentCalls()).put("rows", e.sentRows())
                        .put("own_calls", e.predictorCalls()).put("own_rows", e.predictorRows());
                e.anchor().forEach(line.putArray("anchor")::add);
                jsonl.println(line);
            }
            lines.add(String.format(Locale.ROOT, "    row %2d: label %d, %s, precision %.3f, coverage %.3f, %d calls,"
                            + " %d rows%s", first + i, e.prediction(), String.join(" AND ", e.anchor()), e.precision(),
                    e.coverage(), e.sentCalls(), e.sentRows(),
                    e.success() ? "" : " (no success: " + e.json().path("data").path("raw").path("stop_reason").asText()
                            + ")"));
        }
        double total = Arrays.stream(wall).sum();
        double model = (predictor.nanos.get() - modelNanos0) / 1e9;
        System.out.printf(Locale.ROOT, "%n%s%n", title);
        System.out.printf(Locale.ROOT, "  wall time per explanation: median %.4f s, p90 %.4f s, total %.2f s%n",
                median(wall), quantile(wall, 0.9), total);
        System.out.printf(Locale.ROOT, "  predictor requests per explanation: median %.1f, total %.0f; rows: median %.0f,"
                + " total %.0f%n", median(calls), Arrays.stream(calls).sum(), median(rowsSent),
                Arrays.stream(rowsSent).sum());
        System.out.printf(Locale.ROOT, "  cost each explanation reports (alone, without other explanations' labels):"
                        + " requests median %.1f, total %.0f; rows median %.0f, total %.0f%n", median(ownCalls),
                Arrays.stream(ownCalls).sum(), median(ownRows), Arrays.stream(ownRows).sum());
        System.out.printf(Locale.ROOT, "  share of explanation time waiting for the model: %.2f%n", model / total);
        System.out.printf(Locale.ROOT, "  precision median %.3f, coverage median %.3f, anchors found %d of %d;"
                        + " fresh-sample precision of found anchors median %.3f (%d checked)%n",
                median(precision), median(coverage), found, n,
                fresh.isEmpty() ? Double.NaN : median(fresh.stream().mapToDouble(Double::doubleValue).toArray()),
                fresh.size());
        if (pass <= 1) {
            lines.forEach(System.out::println);
        }
        return median(coverage);
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    /** One JSON line per explanation of the in-process passes' first pass and of every seed set, when asked. */
    private static java.io.PrintWriter jsonl;
    private static long cacheBytes = TabularOptions.DEFAULT_CACHE_BYTES;
    private static boolean trainingLabels = true;
    private static int validationSamples = AnchorParams.DEFAULTS.validationSamples();
    private static boolean sharedSamples = true;

    /** The spec of seed set 0 (the passes' seeds). */
    static ExplainerSpec spec(String predictorUrl) {
        return spec(predictorUrl, 0);
    }

    /** The spec with PEER.md's parameters; seed set k also seeds the anchors' sample streams with k. */
    static ExplainerSpec spec(String predictorUrl, int seedSet) {
        return SpecLoader.loadResource("demo/adult.yaml", tree -> {
            SpecLoader.predictorUrl(predictorUrl).accept(tree);
            // PEER.md ran without caps: lift the demo's sample and time caps
            ((ObjectNode) tree.get("parameters")).put("max_samples", 0).put("time_budget", "PT0S")
                    .put("validation_samples", validationSamples);
            ((ObjectNode) tree).putObject("tabular").put("prediction_cache_bytes", cacheBytes)
                    .put("training_labels", trainingLabels).put("shared_samples", sharedSamples)
                    .put("samples_seed", seedSet);
        });
    }

    static double[][] testRows(int n) throws Exception {
        return testRows(0, n);
    }

    static double[][] testRows(int first, int n) throws Exception {
        try (InputStream in = AdultBenchmark.class.getClassLoader().getResourceAsStream("demo/adult/adult_test.csv")) {
            LabeledData data = LabeledData.readCsv(new InputStreamReader(in, StandardCharsets.UTF_8), "label");
            return Arrays.copyOfRange(data.x(), first, Math.min(first + n, data.size()));
        }
    }

    /** Measures the time spent waiting for the model. */
    static final class TimedPredictor implements Predictor {
        final Predictor delegate;
        final AtomicLong nanos = new AtomicLong();

        TimedPredictor(Predictor delegate) {
            this.delegate = delegate;
        }

        @Override
        public CompletableFuture<int[]> predict(Instances batch) {
            long s = System.nanoTime();
            return delegate.predict(batch).whenComplete((r, e) -> nanos.addAndGet(System.nanoTime() - s));
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
