package dev.anchorwatch.bench;

import static dev.anchorwatch.bench.Stats.quantile;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.anchorwatch.bench.AdultBenchmark.TimedPredictor;
import dev.anchorwatch.explain.ExplainerFactory;
import dev.anchorwatch.explain.ExplainerSpec;
import dev.anchorwatch.explain.ImageModelExplainer;
import dev.anchorwatch.explain.ModelExplainer.Explained;
import dev.anchorwatch.explain.SpecLoader;
import dev.anchorwatch.image.FloatImage;
import dev.anchorwatch.image.Perturbation;
import dev.anchorwatch.image.SegmentedImage;
import dev.anchorwatch.image.TestImages;
import dev.anchorwatch.model.Classifier;
import dev.anchorwatch.model.Instances;
import dev.anchorwatch.model.LinearClassifier;
import dev.anchorwatch.demo.ModelServer;
import dev.anchorwatch.model.OpenInferenceV2Predictor;
import dev.anchorwatch.model.PredictorConfig;
import dev.anchorwatch.model.Predictors;

/**
 * AnchorImage figures: time per explanation, segmentation time, predictor calls, rows and bytes sent, precision,
 * for Fashion-MNIST 28×28 with the vendored logistic regression (4×4 grid as PEER.md, and SLIC's defaults), in
 * process and over KServe V1 on loopback, and for a synthetic 299×299×3 image and model.
 */
public final class ImageBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ImageBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int passes = 2;
        int large = 5;
        boolean http = true;
        boolean small = true;
        int[] largeSegments = {10, 50};
        java.nio.file.Path dump = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--large-only" -> small = false;
                case "--large-segments" -> largeSegments = java.util.Arrays.stream(args[++i].split(","))
                        .mapToInt(Integer::parseInt).toArray();
                case "--passes" -> passes = Integer.parseInt(args[++i]);
                case "--large" -> large = Integer.parseInt(args[++i]);
                case "--no-http" -> http = false;
                case "--dump-large" -> dump = java.nio.file.Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        List<FloatImage> fashion = TestImages.fashion();
        LinearClassifier lr;
        try (InputStream in = ImageBenchmark.class.getClassLoader().getResourceAsStream("demo/fashion/fmnist_lr.json")) {
            lr = LinearClassifier.fromJson(in);
        }
        System.out.printf(Locale.ROOT, "Image benchmark: %d Fashion-MNIST test images, logistic regression; %d cores, "
                + "Java %s%n", fashion.size(), Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));

        for (String seg : small ? List.of("grid", "slic") : List.<String>of()) {
            Consumer<ObjectNode> image = seg.equals("grid") ? o -> { } : o -> {
                o.put("segmentation", "slic");
                o.remove("grid_size");
            };
            ExplainerSpec spec = fashionSpec("http://127.0.0.1:1", 1_000_000, image);
            TimedPredictor model = new TimedPredictor(Predictors.inProcess(lr));
            ImageModelExplainer explainer = ExplainerFactory.image(spec, model);
            String what = seg.equals("grid") ? "4x4-pixel grid (49 superpixels)" : "SLIC defaults (n_segments 10)";
            report("28x28, " + what + ", in-process, cold", explainer, model, fashion, 0, 0, null);
            for (int pass = 1; pass <= passes; pass++) {
                report("28x28, " + what + ", in-process, warm pass " + pass, explainer, model, fashion, pass,
                        pass == 1 ? 2000 : 0, null);
            }
        }
        if (http && small) {
            try (ModelServer server = ModelServer.builder().host("127.0.0.1").port(0).model("fashion", lr).start()) {
                for (int rowsPerRequest : new int[] {25, 500}) {
                    ExplainerSpec spec = fashionSpec(server.baseUrl(), rowsPerRequest, o -> { });
                    TimedPredictor client = new TimedPredictor(Predictors.http(spec.predictor()));
                    ImageModelExplainer explainer = ExplainerFactory.image(spec, client);
                    report("28x28, 4x4 grid, KServe V1 over loopback, " + rowsPerRequest + " rows/request, cold",
                            explainer, client, fashion, 0, 0, server);
                    report("28x28, 4x4 grid, KServe V1 over loopback, " + rowsPerRequest + " rows/request, warm",
                            explainer, client, fashion, 1, 0, server);
                    explainer.close();
                }
                ExplainerSpec spec = fashionSpec(server.baseUrl(), 500, o -> { });
                ExplainerSpec v2 = v2(spec);
                TimedPredictor client = new TimedPredictor(new OpenInferenceV2Predictor(v2.predictor(), null,
                        OpenInferenceV2Predictor.TensorEncoding.BINARY));
                ImageModelExplainer explainer = ExplainerFactory.image(v2, client);
                report("28x28, 4x4 grid, Open Inference V2 binary tensors over loopback, 500 rows/request, warm",
                        explainer, client, fashion, 1, 0, server);
                explainer.close();
            }
        }
        if (large > 0) {
            List<FloatImage> images = new ArrayList<>();
            for (int i = 0; i < large; i++) {
                images.add(synthetic(299, 299, 100 + i));
            }
            if (dump != null) {
                writeNpy(dump, images);
                System.out.printf(Locale.ROOT, "wrote the %d synthetic images to %s (float32, N x 299 x 299 x 3)%n",
                        images.size(), dump);
            }
            RedQuadrant model = new RedQuadrant(299, 299);
            for (int n : largeSegments) {
                ExplainerSpec spec = largeSpec("http://127.0.0.1:1", 1_000_000, n);
                TimedPredictor inProcess = new TimedPredictor(Predictors.inProcess(model));
                ImageModelExplainer explainer = ExplainerFactory.image(spec, inProcess);
                report("299x299x3 synthetic, SLIC n_segments " + n + ", in-process, cold", explainer, inProcess, images,
                        0, 0, null);
                report("299x299x3 synthetic, SLIC n_segments " + n + ", in-process, warm", explainer, inProcess, images,
                        1, 0, null);
            }
            if (http) {
                try (ModelServer server = ModelServer.builder().host("127.0.0.1").port(0).maxBodyBytes(256L << 20)
                        .model("synthetic", model).start()) {
                    ExplainerSpec spec = largeSpec(server.baseUrl(), 25, 10);
                    TimedPredictor client = new TimedPredictor(Predictors.http(spec.predictor()));
                    ImageModelExplainer explainer = ExplainerFactory.image(spec, client);
                    report("299x299x3 synthetic, SLIC n_segments 10, KServe V1 over loopback, 25 rows/request",
                            explainer, client, images, 1, 0, server);
                    explainer.close();
                    ExplainerSpec v2 = v2(spec);
                    TimedPredictor binary = new TimedPredictor(new OpenInferenceV2Predictor(v2.predictor(), null,
                            OpenInferenceV2Predictor.TensorEncoding.BINARY));
                    explainer = ExplainerFactory.image(v2, binary);
                    report("299x299x3 synthetic, SLIC n_segments 10, Open Inference V2 binary tensors over loopback, "
                            + "25 rows/request", explainer, binary, images, 1, 0, server);
                    explainer.close();
                }
            }
        }
    }

    private static void report(String title, ImageModelExplainer explainer, TimedPredictor predictor,
                               List<FloatImage> images, int pass, int fresh, ModelServer server) {
        int n = images.size();
        double[] wall = new double[n];
        double[] cpu = new double[n];
        var os = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean();
        double[] seg = new double[n];
        double[] calls = new double[n];
        double[] rows = new double[n];
        double[] precision = new double[n];
        double[] size = new double[n];
        double[] coverage = new double[n];
        double[] freshPrecision = new double[n];
        int found = 0;
        int empty = 0;
        double load0 = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        long modelNanos0 = predictor.nanos.get();
        long bytes0 = server == null ? 0 : server.bytesReceived();
        long t0 = System.nanoTime();
        List<String> lines = new ArrayList<>();
        String breakdown = "";
        for (int i = 0; i < n; i++) {
            JsonNode instance = nested(images.get(i));
            long cpu0 = os.getProcessCpuTime();
            long s = System.nanoTime();
            Explained e = explainer.explain(instance, 1000L * pass + i);
            wall[i] = (System.nanoTime() - s) / 1e9;
            cpu[i] = (os.getProcessCpuTime() - cpu0) / 1e9;
            seg[i] = e.json().at("/data/raw/segmentation_ms").asDouble();
            calls[i] = e.predictorCalls();
            rows[i] = e.predictorRows();
            precision[i] = e.precision();
            coverage[i] = e.coverage();
            size[i] = e.json().toString().length();
            if (i == 0) {
                JsonNode raw = e.json().at("/data/raw");
                breakdown = String.format(Locale.ROOT, "  first explanation's JSON: %d characters, of which segment map "
                                + "%d, overlay PNG %d, instance PNG %d, examples %d", (int) size[i],
                        raw.get("segments").toString().length(), raw.get("overlay_png").toString().length(),
                        raw.get("instance").toString().length(), raw.get("examples").toString().length());
            }
            found += e.success() ? 1 : 0;
            empty += e.success() && e.anchor().isEmpty() ? 1 : 0;
            if (fresh > 0) { // the anchor's precision re-measured on fresh samples (another seed), by the model
                JsonNode ids = e.json().at("/data/anchor");
                int[] anchor = new int[ids.size()];
                for (int k = 0; k < anchor.length; k++) {
                    anchor[k] = ids.get(k).asInt();
                }
                SegmentedImage segmented = explainer.options().anchorImage().segment(images.get(i));
                List<Perturbation> samples = segmented.sampler().draw(anchor, fresh,
                        new java.util.SplittableRandom(777_000L + i)).samples();
                float[][] rendered = samples.stream().map(segmented.perturber()::render).toArray(float[][]::new);
                int[] labels = predictor.delegate.predict(new Instances.Tensors(rendered, images.get(i).shape())).join();
                freshPrecision[i] = Arrays.stream(labels).filter(l -> l == e.prediction()).count() / (double) fresh;
            }
            lines.add(String.format(Locale.ROOT, "    image %d: label %d, anchor %s of %d superpixels, precision %.3f, "
                            + "coverage %.3f, %.3f s%s", i, e.prediction(), e.anchor(),
                    e.json().at("/data/raw/segment_count").asInt(), e.precision(), e.coverage(), wall[i],
                    e.success() ? "" : " (threshold not reached)"));
        }
        double total = (System.nanoTime() - t0) / 1e9;
        double model = (predictor.nanos.get() - modelNanos0) / 1e9;
        System.out.printf(Locale.ROOT, "%n%s%n", title);
        System.out.printf(Locale.ROOT, "  wall time per explanation: median %.4f s, p90 %.4f s, total %.2f s%n",
                quantile(wall, 0.5), quantile(wall, 0.9), total);
        // the process's CPU time (every thread: JIT and GC included) moves far less with the machine's load
        System.out.printf(Locale.ROOT, "  CPU time of the process per explanation: median %.4f s, p90 %.4f s%n",
                quantile(cpu, 0.5), quantile(cpu, 0.9));
        System.out.printf(Locale.ROOT, "  segmentation: median %.2f ms; share of wall time inside the model: %.2f%n",
                quantile(seg, 0.5), model / total);
        System.out.printf(Locale.ROOT, "  predictor calls per explanation: median %.1f; images sent: median %.0f%n",
                quantile(calls, 0.5), quantile(rows, 0.5));
        if (server != null) {
            System.out.printf(Locale.ROOT, "  bytes sent to the model: %.1f MB per explanation (%.0f bytes per image)%n",
                    (server.bytesReceived() - bytes0) / 1e6 / n,
                    (server.bytesReceived() - bytes0) / Math.max(1.0, Arrays.stream(rows).sum()));
        }
        System.out.printf(Locale.ROOT, "  precision median %.3f, coverage median %.3f, anchors found %d of %d (%d of them "
                + "empty), explanation JSON median %.0f characters%n", quantile(precision, 0.5), quantile(coverage, 0.5),
                found, n, empty, quantile(size, 0.5));
        System.out.printf(Locale.ROOT, "  load average %.1f before, %.1f after%n", load0,
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        if (fresh > 0) {
            System.out.printf(Locale.ROOT, "  precision re-measured on %d fresh samples per anchor: median %.3f, min %.3f%n",
                    fresh, quantile(freshPrecision, 0.5), Arrays.stream(freshPrecision).min().orElse(0));
        }
        System.out.println(breakdown);
        if (pass <= 1) {
            lines.forEach(System.out::println);
        }
    }


    static ArrayNode nested(FloatImage image) {
        ArrayNode rows = JSON.createArrayNode();
        for (int y = 0; y < image.height(); y++) {
            ArrayNode row = rows.addArray();
            for (int x = 0; x < image.width(); x++) {
                if (image.channels() == 1) {
                    row.add(image.get(y, x, 0));
                } else {
                    ArrayNode px = row.addArray();
                    for (int c = 0; c < image.channels(); c++) {
                        px.add(image.get(y, x, c));
                    }
                }
            }
        }
        return rows;
    }

    /** The demo's spec without its caps (PEER.md ran without), at the given URL and request size. */
    static ExplainerSpec fashionSpec(String url, int rowsPerRequest, Consumer<ObjectNode> image) {
        return SpecLoader.loadResource("demo/fashion.yaml", tree -> {
            ((ObjectNode) tree.get("predictor")).put("url", url).put("max_rows_per_request", rowsPerRequest);
            ((ObjectNode) tree.get("parameters")).put("max_samples", 0).put("time_budget", "PT0S");
            image.accept((ObjectNode) tree.get("image"));
        });
    }

    /** The same spec speaking Open Inference V2. */
    static ExplainerSpec v2(ExplainerSpec spec) {
        return new ExplainerSpec(spec.name(), spec.type(), new PredictorConfig(spec.predictor().baseUrl(),
                spec.predictor().modelName(), PredictorConfig.Protocol.V2, spec.predictor().requestTimeout(),
                spec.predictor().maxAttempts(), spec.predictor().initialBackoff(), spec.predictor().maxBackoff(),
                spec.predictor().maxConcurrentRequests(), spec.predictor().maxRowsPerRequest(),
                spec.predictor().classNames()), spec.data(), spec.params(), spec.seed(), spec.percentiles(),
                spec.typeOptions(), spec.origin());
    }

    static ExplainerSpec largeSpec(String url, int rowsPerRequest, int segments) {
        ObjectNode tree = JSON.createObjectNode().put("name", "synthetic").put("type", "AnchorImage");
        tree.putObject("predictor").put("url", url).put("protocol", "v1").put("max_rows_per_request", rowsPerRequest);
        tree.putObject("image").put("segmentation", "slic").put("n_segments", segments).put("fill", "value")
                .put("fill_value", 0);
        return SpecLoader.parse(tree, "benchmark", s -> s);
    }

    /**
     * Writes same-sized images as one NumPy {@code .npy} array of little-endian float32, N x H x W x C: the exact
     * pixels, for running another explainer on the same workload.
     */
    static void writeNpy(java.nio.file.Path path, List<FloatImage> images) throws java.io.IOException {
        FloatImage first = images.get(0);
        String header = String.format(Locale.ROOT, "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d, %d, %d), }",
                images.size(), first.height(), first.width(), first.channels());
        int unpadded = 10 + header.length() + 1;
        header = header + " ".repeat((64 - unpadded % 64) % 64) + "\n";
        byte[] h = header.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(10 + h.length
                + images.size() * first.pixels().length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        buf.put((byte) 0x93).put("NUMPY".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).put((byte) 1)
                .put((byte) 0).putShort((short) h.length).put(h);
        for (FloatImage image : images) {
            for (float v : image.pixels()) {
                buf.putFloat(v);
            }
        }
        java.nio.file.Files.write(path, buf.array());
    }

    /** Smooth colour gradients with a red disc filling most of the top-left quadrant and a few other discs. */
    static FloatImage synthetic(int h, int w, long seed) {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
        float[] px = new float[h * w * 3];
        double[][] discs = new double[4][];
        discs[0] = new double[] {h * 0.25, w * 0.25, h * 0.22, 0.9, 0.15, 0.1};
        for (int d = 1; d < discs.length; d++) {
            discs[d] = new double[] {rng.nextDouble(h * 0.5, h), rng.nextDouble(w), rng.nextDouble(20, 60),
                    rng.nextDouble(), rng.nextDouble(), rng.nextDouble()};
        }
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double[] c = {0.2 + 0.2 * y / h, 0.3 + 0.3 * x / w, 0.5 - 0.2 * y / h};
                for (double[] d : discs) {
                    if (Math.hypot(y - d[0], x - d[1]) < d[2]) {
                        c = new double[] {d[3], d[4], d[5]};
                    }
                }
                for (int k = 0; k < 3; k++) {
                    px[(y * w + x) * 3 + k] = (float) Math.min(1, Math.max(0, c[k] + rng.nextGaussian() * 0.02));
                }
            }
        }
        return new FloatImage(h, w, 3, px);
    }

    /** Label 1 iff the mean red of the top-left quadrant is above 0.35: a known decisive region. */
    static final class RedQuadrant implements Classifier {
        private final int h;
        private final int w;

        RedQuadrant(int h, int w) {
            this.h = h;
            this.w = w;
        }

        @Override
        public double[] probabilities(double[] row) {
            double sum = 0;
            for (int y = 0; y < h / 2; y++) {
                for (int x = 0; x < w / 2; x++) {
                    sum += row[(y * w + x) * 3];
                }
            }
            double mean = sum / ((h / 2) * (w / 2));
            return mean > 0.35 ? new double[] {0, 1} : new double[] {1, 0};
        }

        @Override
        public int classes() {
            return 2;
        }

        @Override
        public int features() {
            return h * w * 3;
        }
    }
}
