package dev.anchorwatch.bench;

import static dev.anchorwatch.bench.Stats.median;
import static dev.anchorwatch.bench.Stats.quantile;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.anchorwatch.demo.ModelServer;
import dev.anchorwatch.explain.ExplainerFactory;
import dev.anchorwatch.explain.ExplainerSpec;
import dev.anchorwatch.explain.ModelExplainer.Explained;
import dev.anchorwatch.explain.ShapModelExplainer;
import dev.anchorwatch.explain.SpecLoader;
import dev.anchorwatch.model.Classifier;
import dev.anchorwatch.model.Instances;
import dev.anchorwatch.model.Predictor;
import dev.anchorwatch.model.Predictors;
import dev.anchorwatch.model.ReferenceForest;

/**
 * KernelSHAP of the Adult forest (the reference forest from adult_rf.json, given as an argument), the first test rows,
 * 100 background rows sampled from the training data, nsamples default (2 * 12 + 2048): wall time, predictor
 * requests and rows per explanation, in-process and through the KServe V1 client against a loopback model server
 * answering probabilities; the share of time inside the model, and the efficiency gap (|sum phi - (f(x) - E[f])|).
 */
public final class ShapBenchmark {
    private ShapBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            throw new IllegalArgumentException("usage: shap PATH_TO_adult_rf.json [--rows N] [--passes N] [--no-http]");
        }
        Path forestPath = Path.of(args[0]);
        int rows = 20;
        int passes = 1;
        boolean http = true;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--rows" -> rows = Integer.parseInt(args[++i]);
                case "--passes" -> passes = Integer.parseInt(args[++i]);
                case "--no-http" -> http = false;
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        ReferenceForest forest = ReferenceForest.load(forestPath);
        double[][] test = AdultBenchmark.testRows(rows);
        System.out.printf(Locale.ROOT, "KernelSHAP benchmark: %d Adult test rows, reference forest %s, 100 background"
                        + " rows, nsamples auto, %d cores, Java %s, max heap %d MB%n", rows, forestPath.getFileName(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                Runtime.getRuntime().maxMemory() >> 20);

        long b0 = System.nanoTime();
        TimedScores inProcess = new TimedScores(Predictors.inProcess(forest));
        ShapModelExplainer explainer = ExplainerFactory.shap(spec("http://127.0.0.1:1"), inProcess, Integer.MAX_VALUE);
        System.out.printf(Locale.ROOT, "  explainer built (training data read, background sampled) in %.3f s%n",
                (System.nanoTime() - b0) / 1e9);
        report("in-process, cold (first pass, JIT warming)", explainer, inProcess, forest, test, 0);
        for (int pass = 1; pass <= passes; pass++) {
            report("in-process, warm, pass " + pass, explainer, inProcess, forest, test, pass);
        }
        if (http) {
            try (ModelServer server = ModelServer.builder().host("127.0.0.1").port(0)
                    .model("adult-proba", forest, ModelServer.Output.PROBABILITIES).maxBodyBytes(64 << 20).start()) {
                ExplainerSpec spec = spec(server.baseUrl());
                TimedScores client = new TimedScores(Predictors.http(spec.predictor()));
                ShapModelExplainer overHttp = ExplainerFactory.shap(spec, client, spec.predictor().maxRowsPerRequest());
                System.out.printf(Locale.ROOT, "%nover HTTP: max_rows_per_request %d, max_concurrency %d%n",
                        spec.predictor().maxRowsPerRequest(), spec.predictor().maxConcurrentRequests());
                report("KServe V1 over loopback HTTP, cold", overHttp, client, forest, test, 0);
                for (int pass = 1; pass <= passes; pass++) {
                    report("KServe V1 over loopback HTTP, warm, pass " + pass, overHttp, client, forest, test, pass);
                }
                System.out.printf(Locale.ROOT, "  model server saw %d requests, %d rows in all%n",
                        server.requests(), server.rows());
            }
        }
    }

    private static void report(String title, ShapModelExplainer explainer, TimedScores predictor, Classifier forest,
                               double[][] test, int pass) {
        int n = test.length;
        double[] wall = new double[n];
        double[] calls = new double[n];
        double[] rowsSent = new double[n];
        double worstGap = 0;
        long model0 = predictor.nanos.get();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            ArrayNode instance = new ObjectMapper().createArrayNode();
            Arrays.stream(test[i]).forEach(instance::add);
            long s = System.nanoTime();
            Explained e = explainer.explain(instance, 1000L * pass + i);
            wall[i] = (System.nanoTime() - s) / 1e9;
            calls[i] = e.predictorCalls();
            rowsSent[i] = e.predictorRows();
            JsonNode data = e.json().get("data");
            double fx = forest.probabilities(test[i])[1];
            double sum = 0;
            for (JsonNode v : data.get("shap_values").get(1).get(0)) {
                sum += v.asDouble();
            }
            worstGap = Math.max(worstGap, Math.abs(sum - (fx - data.get("expected_value").get(1).asDouble())));
        }
        double total = (System.nanoTime() - t0) / 1e9;
        double model = (predictor.nanos.get() - model0) / 1e9;
        System.out.printf(Locale.ROOT, "%n%s%n", title);
        System.out.printf(Locale.ROOT, "  wall time per explanation: median %.3f s, p90 %.3f s, total %.2f s%n",
                median(wall), quantile(wall, 0.9), total);
        System.out.printf(Locale.ROOT, "  predictor requests per explanation: median %.0f; rows: median %.0f, total %.0f%n",
                median(calls), median(rowsSent), Arrays.stream(rowsSent).sum());
        System.out.printf(Locale.ROOT, "  share of wall time waiting for the model: %.2f%n", model / total);
        System.out.printf(Locale.ROOT, "  efficiency gap max |sum phi - (f(x) - E[f])|: %.2e%n", worstGap);
    }

    static ExplainerSpec spec(String predictorUrl) {
        return SpecLoader.loadResource("demo/adult-shap.yaml", tree -> {
            SpecLoader.predictorUrl(predictorUrl).accept(tree);
            ((ObjectNode) tree.get("shap")).put("time_budget", "PT0S");
        });
    }

    /** Times score requests (the whole round, as the explainer waits for it). */
    static final class TimedScores implements Predictor {
        final Predictor delegate;
        final AtomicLong nanos = new AtomicLong();

        TimedScores(Predictor delegate) {
            this.delegate = delegate;
        }

        @Override
        public CompletableFuture<int[]> predict(Instances batch) {
            return delegate.predict(batch);
        }

        @Override
        public CompletableFuture<double[][]> predictScores(Instances batch) {
            long s = System.nanoTime();
            return delegate.predictScores(batch).whenComplete((r, e) -> nanos.addAndGet(System.nanoTime() - s));
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
