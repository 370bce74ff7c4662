package dev.anchorwatch.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.anchorwatch.anchor.Draw;
import dev.anchorwatch.explain.ModelExplainer.Explained;
import dev.anchorwatch.image.FloatImage;
import dev.anchorwatch.image.ImageCodec;
import dev.anchorwatch.image.Perturbation;
import dev.anchorwatch.image.SegmentedImage;
import dev.anchorwatch.image.TestImages;
import dev.anchorwatch.model.HttpPredictor;
import dev.anchorwatch.model.Instances;
import dev.anchorwatch.model.LinearClassifier;
import dev.anchorwatch.demo.ModelServer;
import dev.anchorwatch.model.PredictorConfig;
import dev.anchorwatch.model.Predictors;

/**
 * The Fashion-MNIST logistic regression served as a real HTTP model (the in-JVM ModelServer on loopback) and
 * explained through the KServe V1 client, as the demo does; anchors are checked on fresh samples.
 */
class FashionImageExplainerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static ModelServer server;
    private static LinearClassifier model;

    @BeforeAll
    static void serve() throws Exception {
        try (InputStream in = FashionImageExplainerTest.class.getClassLoader()
                .getResourceAsStream("demo/fashion/fmnist_lr.json")) {
            model = LinearClassifier.fromJson(in);
        }
        server = ModelServer.builder().host("127.0.0.1").port(0).model("fashion", model).start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** The demo spec pointed at the test server, with the image section adjusted by {@code edit}. */
    static ExplainerSpec spec(PredictorConfig.Protocol protocol, Consumer<ObjectNode> edit) {
        return SpecLoader.loadResource("demo/fashion.yaml", tree -> {
            ((ObjectNode) tree.get("predictor")).put("url", server.baseUrl())
                    .put("protocol", protocol.name().toLowerCase()).put("max_rows_per_request", 25);
            edit.accept((ObjectNode) tree.get("image"));
        });
    }

    static ArrayNode nested(FloatImage image) {
        ArrayNode rows = JSON.createArrayNode();
        for (int y = 0; y < image.height(); y++) {
            ArrayNode row = rows.addArray();
            for (int x = 0; x < image.width(); x++) {
                row.add(image.get(y, x, 0));
            }
        }
        return rows;
    }

    static int label(FloatImage image) {
        double[] row = new double[784];
        float[] px = image.pixels();
        for (int i = 0; i < row.length; i++) {
            row[i] = px[i];
        }
        return model.predict(row);
    }

    @Test
    void anchorsHoldTheirPrecisionOnFreshSamplesThroughTheV1Client() throws Exception {
        ExplainerSpec spec = spec(PredictorConfig.Protocol.V1, image -> { });
        HttpPredictor client = Predictors.http(spec.predictor());
        ImageModelExplainer explainer = ExplainerFactory.image(spec, client);
        List<FloatImage> images = TestImages.fashion();
        int checked = 0;
        for (int i = 0; i < 4; i++) {
            FloatImage image = images.get(i);
            long requestsBefore = server.requests();
            Explained e = explainer.explain(nested(image), 100 + i);
            JsonNode data = e.json().get("data");
            assertEquals("AnchorImage", e.json().at("/meta/name").asText());
            assertEquals(label(image), e.prediction(), "the model's own label is explained");
            assertEquals(server.requests() - requestsBefore, e.predictorCalls(), "calls are counted honestly");
            assertTrue(e.predictorRows() > 100);
            assertEquals(28, data.at("/raw/segments").size());
            assertEquals(49, e.json().at("/data/raw/segment_count").asInt());
            byte[] overlay = Base64.getDecoder().decode(data.at("/raw/overlay_png").asText());
            assertEquals(2 * 8 + 2 * 224 + 8, ImageIO.read(new ByteArrayInputStream(overlay)).getWidth());
            for (JsonNode step : data.at("/raw/examples")) {
                assertTrue(step.get("covered_true").size() <= 3, "examples are capped");
            }
            if (!e.success()) {
                continue;
            }
            int[] anchor = new int[data.get("anchor").size()];
            for (int k = 0; k < anchor.length; k++) {
                anchor[k] = data.get("anchor").get(k).asInt();
            }
            // fresh samples under the anchor, labelled by the HTTP model: precision must hold
            SegmentedImage seg = explainer.options().anchorImage().segment(image);
            Draw<Perturbation> draw = seg.sampler().draw(anchor, 400, new SplittableRandom(9000 + i));
            List<float[]> rendered = new ArrayList<>();
            draw.samples().forEach(p -> rendered.add(seg.perturber().render(p)));
            int[] labels = client.predict(new Instances.Tensors(rendered.toArray(float[][]::new), new int[] {28, 28}))
                    .join();
            long same = java.util.Arrays.stream(labels).filter(l -> l == e.prediction()).count();
            double precision = same / 400.0;
            // threshold 0.95 minus three standard errors of a 400-sample estimate
            assertTrue(precision >= 0.95 - 3 * Math.sqrt(0.95 * 0.05 / 400), "image " + i + ": anchor "
                    + java.util.Arrays.toString(anchor) + " holds on fresh samples with precision " + precision);
            checked++;
        }
        assertTrue(checked >= 2, "most demo images get an anchor, got " + checked);
        explainer.close();
    }

    @Test
    void renderedImagesReusedAcrossRequestsNeverChangeALabel() throws Exception {
        // 7 images per request, 3 in flight on a slow pool: an array given back before its request was answered
        // would be rendered over while the model still reads it, and the labels (hence the search) would change
        ExplainerSpec small = SpecLoader.loadResource("demo/fashion.yaml", tree -> ((ObjectNode) tree.get("predictor"))
                .put("url", server.baseUrl()).put("max_rows_per_request", 7).put("max_concurrency", 3));
        ExplainerSpec whole = SpecLoader.loadResource("demo/fashion.yaml", tree -> ((ObjectNode) tree.get("predictor"))
                .put("url", server.baseUrl()).put("max_rows_per_request", 100_000));
        java.util.concurrent.ExecutorService slow = java.util.concurrent.Executors.newFixedThreadPool(3);
        dev.anchorwatch.model.Classifier delayed = new dev.anchorwatch.model.Classifier() {
            @Override
            public double[] probabilities(double[] row) {
                java.util.concurrent.locks.LockSupport.parkNanos(20_000);
                return model.probabilities(row);
            }

            @Override
            public int classes() {
                return model.classes();
            }

            @Override
            public int features() {
                return model.features();
            }
        };
        try (ImageModelExplainer pooled = ExplainerFactory.image(small, Predictors.inProcess(delayed, slow));
             ImageModelExplainer plain = ExplainerFactory.image(whole, Predictors.inProcess(model))) {
            for (int i = 0; i < 3; i++) {
                JsonNode instance = nested(TestImages.fashion().get(i));
                Explained a = pooled.explain(instance, 40 + i);
                Explained b = plain.explain(instance, 40 + i);
                assertEquals(b.json().get("data").get("anchor"), a.json().get("data").get("anchor"), "image " + i);
                assertEquals(b.precision(), a.precision(), "image " + i);
                assertEquals(b.predictorRows(), a.predictorRows(), "image " + i);
                assertTrue(a.predictorCalls() > b.predictorCalls(), "the small spec splits rounds into requests");
            }
        } finally {
            slow.shutdownNow();
        }
    }

    @Test
    void base64PngsFlatV2RowsAndTheV2ClientGiveTheSameExplanation() throws Exception {
        FloatImage image = TestImages.fashion().get(0);
        ExplainerSpec v1 = spec(PredictorConfig.Protocol.V1, o -> { });
        ExplainerSpec v2 = spec(PredictorConfig.Protocol.V2, o -> { });
        try (ImageModelExplainer overV1 = ExplainerFactory.image(v1, Predictors.http(v1.predictor()));
             ImageModelExplainer overV2 = ExplainerFactory.image(v2, Predictors.http(v2.predictor()))) {
            // PNG stores 8-bit values: explain the 8-bit image in every form so all forms are the same image
            FloatImage eight = ImageCodec.decode(ImageCodec.png(image), 1, 1f / 255, 1 << 20);
            ObjectNode b64 = JSON.createObjectNode().put("b64",
                    Base64.getEncoder().encodeToString(ImageCodec.png(image)));
            ArrayNode flat = JSON.createArrayNode();
            for (float v : eight.pixels()) {
                flat.add(v);
            }
            Explained fromNested = overV1.explain(nested(eight), 7);
            Explained fromB64 = overV1.explain(b64, 7);
            Explained fromFlatV2 = overV2.explain(flat, 7);
            assertEquals(fromNested.anchor(), fromB64.anchor());
            assertEquals(fromNested.anchor(), fromFlatV2.anchor());
            assertEquals(fromNested.precision(), fromFlatV2.precision());
            // the spec's own V2 client: the server lists binary_tensor_data, so images go as raw FP32
            try (ImageModelExplainer binary = ExplainerFactory.image(v2, null)) {
                long before = server.bytesReceived();
                Explained fromBinary = binary.explain(flat, 7);
                assertEquals(fromNested.anchor(), fromBinary.anchor());
                assertEquals(fromNested.precision(), fromBinary.precision());
                double perImage = (server.bytesReceived() - before) / (double) fromBinary.predictorRows();
                assertTrue(perImage < 784 * 4 + 100, perImage + " bytes per image");
            }
        }
    }

    @Test
    void slicDefaultsOverV1GiveScikitImagesSuperpixelsAndANamedPicture() throws Exception {
        ExplainerSpec spec = spec(PredictorConfig.Protocol.V1, o -> {
            o.put("segmentation", "slic");
            o.remove("grid_size");
        });
        try (ImageModelExplainer explainer = ExplainerFactory.image(spec, Predictors.http(spec.predictor()))) {
            Explained e = explainer.explain(nested(TestImages.fashion().get(0)), 5);
            JsonNode kwargs = e.json().at("/meta/params/segmentation_kwargs");
            assertEquals("slic", e.json().at("/meta/params/segmentation_fn").asText());
            assertEquals(10, kwargs.get("n_segments").asInt());
            assertEquals(0.5, kwargs.get("sigma").asDouble());
            assertTrue(kwargs.get("enforce_connectivity").isBoolean() && kwargs.get("enforce_connectivity").asBoolean());
            assertEquals(0, kwargs.get("start_label").asInt());
            assertEquals(8, e.json().at("/data/raw/segment_count").asInt(), "scikit-image gives the ankle boot 8");
            assertEquals(9, e.prediction());
            byte[] png = Base64.getDecoder().decode(e.json().at("/data/raw/overlay_png").asText());
            java.awt.image.BufferedImage picture = ImageIO.read(new ByteArrayInputStream(png));
            assertEquals(2 * 8 + 2 * 224 + 8, picture.getWidth());
            // exactly the picture of this anchor with the caption naming the class from predictor.class_names
            JsonNode raw = e.json().at("/data/raw");
            int[] labels = new int[28 * 28];
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    labels[y * 28 + x] = raw.get("segments").get(y).get(x).asInt();
                }
            }
            int[] anchor = new int[e.json().at("/data/anchor").size()];
            for (int k = 0; k < anchor.length; k++) {
                anchor[k] = e.json().at("/data/anchor").get(k).asInt();
            }
            byte[] expected = dev.anchorwatch.image.Overlay.png(TestImages.fashion().get(0),
                    dev.anchorwatch.image.SegmentMap.of(28, 28, labels), anchor,
                    new dev.anchorwatch.image.Overlay.Caption("9 Ankle boot", e.precision(), e.coverage(), e.success(),
                            anchor.length, 8));
            assertTrue(java.util.Arrays.equals(expected, png), "the picture names the class: 9 Ankle boot");
        }
    }

    @Test
    void badAndOversizedImagesAreClearErrors() throws Exception {
        ExplainerSpec spec = spec(PredictorConfig.Protocol.V1, o -> o.put("max_pixels", 900));
        try (ImageModelExplainer explainer = ExplainerFactory.image(spec, Predictors.http(spec.predictor()))) {
            ExplainException big = assertThrows(ExplainException.class,
                    () -> explainer.explain(nested(TestImages.quadrants(31, 31, 1, 1)), 1));
            assertEquals(ExplainException.Kind.TOO_LARGE, big.kind());
            assertTrue(big.getMessage().contains("961 pixels, more than the 900 allowed"), big.getMessage());
            ObjectNode bigPng = JSON.createObjectNode().put("b64", Base64.getEncoder().encodeToString(
                    ImageCodec.png(TestImages.quadrants(40, 40, 3, 1))));
            assertEquals(ExplainException.Kind.TOO_LARGE,
                    assertThrows(ExplainException.class, () -> explainer.explain(bigPng, 1)).kind());

            ExplainException shape = assertThrows(ExplainException.class,
                    () -> explainer.explain(nested(TestImages.quadrants(20, 20, 1, 1)), 1));
            assertEquals(ExplainException.Kind.BAD_INPUT, shape.kind());
            assertTrue(shape.getMessage().contains("image is 20x20x1; model 'fashion' takes 28x28x1"),
                    shape.getMessage());
            ArrayNode ragged = nested(TestImages.fashion().get(0));
            ((ArrayNode) ragged.get(3)).remove(0);
            assertTrue(assertThrows(ExplainException.class, () -> explainer.explain(ragged, 1)).getMessage()
                    .contains("not rectangular"));
            ObjectNode notPng = JSON.createObjectNode().put("b64", "aGVsbG8=");
            assertEquals(ExplainException.Kind.BAD_INPUT,
                    assertThrows(ExplainException.class, () -> explainer.explain(notPng, 1)).kind());
            assertFalse(assertThrows(ExplainException.class, () -> explainer.explain(JSON.createObjectNode(), 1))
                    .getMessage().isEmpty());
        }
    }

    @Test
    void specErrorsNameTheFileAndField() {
        SpecException e = assertThrows(SpecException.class,
                () -> ImageOptions.parse(spec(PredictorConfig.Protocol.V1, o -> o.put("segmentation", "watershed"))));
        assertTrue(e.getMessage().contains("classpath:demo/fashion.yaml: field 'image.segmentation'"), e.getMessage());
        e = assertThrows(SpecException.class,
                () -> ImageOptions.parse(spec(PredictorConfig.Protocol.V1, o -> o.put("n_segments", 5))));
        assertTrue(e.getMessage().contains("field 'image.n_segments': does not apply to segmentation grid"),
                e.getMessage());
        e = assertThrows(SpecException.class,
                () -> ImageOptions.parse(spec(PredictorConfig.Protocol.V1, o -> o.put("colour", 5))));
        assertTrue(e.getMessage().contains("field 'image.colour': unknown field"), e.getMessage());
        e = assertThrows(SpecException.class, () -> ImageOptions.parse(spec(PredictorConfig.Protocol.V1,
                o -> o.put("fill", "background").put("background", "missing.npy"))));
        assertTrue(e.getMessage().contains("field 'image.background': no such file: classpath:demo/missing.npy"),
                e.getMessage());
    }

    @Test
    void backgroundFillFromAnNpyFile() throws Exception {
        ExplainerSpec spec = spec(PredictorConfig.Protocol.V1,
                o -> o.put("fill", "background").put("background", "fashion/fmnist_test_first10.npy").put("p_sample", 0.3));
        try (ImageModelExplainer explainer = ExplainerFactory.image(spec, Predictors.http(spec.predictor()))) {
            assertEquals(10, explainer.options().backgrounds().size());
            Explained e = explainer.explain(nested(TestImages.fashion().get(1)), 3);
            assertEquals("background", e.json().at("/meta/params/fill").asText());
            JsonNode ex = e.json().at("/data/raw/examples/0/covered_true/0");
            assertTrue(ex.isMissingNode() || ex.has("background"), ex.toString());
        }
    }
}
