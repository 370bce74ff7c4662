package dev.anchorwatch.explain;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.anchorwatch.anchor.AnchorParams;
import dev.anchorwatch.anchor.AnchorStep;
import dev.anchorwatch.anchor.Oracle;
import dev.anchorwatch.image.AnchorImage;
import dev.anchorwatch.image.FloatImage;
import dev.anchorwatch.image.ImageCodec;
import dev.anchorwatch.image.ImageExplanation;
import dev.anchorwatch.image.ImagePerturber;
import dev.anchorwatch.image.Overlay;
import dev.anchorwatch.image.Perturbation;
import dev.anchorwatch.image.SegmentMap;
import dev.anchorwatch.image.SegmentedImage;
import dev.anchorwatch.model.Instances;
import dev.anchorwatch.model.Predictor;

/**
 * AnchorImage for one model: reads an image instance (nested lists H×W or H×W×C, a flat row of a V2 tensor, or
 * {@code {"b64": PNG/JPEG}}), calls the predictor as a black box with perturbed images rendered in bounded
 * chunks, and writes Alibi's JSON shape with the anchor as segment ids, the segment map, a PNG overlay and a few
 * compact examples instead of megabytes of nested arrays.
 */
public final class ImageModelExplainer implements ModelExplainer {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    /** {@code raw.instance} repeats the image as a PNG up to this size (256x256); larger ones give their shape. */
    static final int INSTANCE_PNG_MAX_PIXELS = 1 << 16;

    private final ExplainerSpec spec;
    private final ImageOptions options;
    private final AnchorImage anchors;
    private final Predictor predictor;
    private final int rowsPerRequest;
    private final int concurrency;
    /** {@code image.output: alibi}: Alibi's exact data.anchor and data.segments. */
    private final boolean alibiOutput;

    /**
     * @param rowsPerRequest images per predictor request (a chunk is rendered only when it is sent)
     * @param concurrency    chunks in flight at once; bounds the rendered pixels held in memory
     */
    public ImageModelExplainer(ExplainerSpec spec, ImageOptions options, Predictor predictor, int rowsPerRequest,
                               int concurrency) {
        if (rowsPerRequest < 1 || concurrency < 1) {
            throw new IllegalArgumentException("rows per request and concurrency must be >= 1");
        }
        this.spec = spec;
        this.options = options;
        this.anchors = options.anchorImage();
        this.predictor = predictor;
        this.rowsPerRequest = rowsPerRequest;
        this.concurrency = concurrency;
        this.alibiOutput = ImageOptions.alibiOutput(spec.typeOptions(), spec.origin());
    }

    @Override
    public ExplainerSpec spec() {
        return spec;
    }

    public ImageOptions options() {
        return options;
    }

    /** What the model is sent for an instance: its image and the per-instance tensor shape. */
    record Input(FloatImage image, int[] tensorShape) {
    }

    @Override
    public Explained explain(JsonNode instanceNode, long seed, Cancellation cancel) {
        long start = System.nanoTime();
        Input input = parseInstance(instanceNode);
        FloatImage image = input.image();
        BlackBox box = new BlackBox(spec.name(), predictor, rowsPerRequest, null, cancel);
        int label = box.predict(new Instances.Tensors(new float[][] {image.pixels()}, input.tensorShape()))[0];
        SegmentedImage segmented;
        try {
            segmented = anchors.segment(image);
        } catch (IllegalArgumentException e) { // e.g. background images of another shape
            throw new ExplainException(ExplainException.Kind.BAD_INPUT, "model '" + spec.name() + "': "
                    + e.getMessage(), e);
        }
        ImagePerturber perturber = segmented.perturber();
        // rendered images come back here once their request is answered and are drawn again by the next chunk:
        // no more are held than before (one round's chunks in flight), but they are not allocated and collected
        // again every round (200 MB per explanation of a 299x299x3 image, most of its time in collections)
        ArrayDeque<float[]> spare = new ArrayDeque<>();
        Oracle<Perturbation> oracle = samples ->
                BlackBox.same(predictRendered(samples, perturber, input.tensorShape(), box, spare), label);
        AnchorParams params = spec.params();
        params = params.withNCoveredExamples(Math.min(params.nCoveredExamples(), options.maxExamples()));
        ImageExplanation ie;
        try {
            ie = anchors.explain(segmented, label, oracle, params, new SplittableRandom(seed));
        } catch (ExplainException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new ExplainException(ExplainException.Kind.BAD_INPUT, e.getMessage(), e);
        } catch (Exception e) {
            throw box.translate(e);
        }
        long elapsed = (System.nanoTime() - start) / 1_000_000;
        return toJson(ie, input, seed, label, box.calls(), box.rows(), elapsed);
    }

    private Explained toJson(ImageExplanation ie, Input input, long seed, int label, long calls, long rows,
                             long elapsed) {
        FloatImage image = ie.image();
        SegmentMap segments = ie.segments();
        int[] anchor = ie.anchorSegments();
        List<String> names = Arrays.stream(anchor).mapToObj(Integer::toString).toList();

        ObjectNode params = ExplanationJson.params(spec.params(), seed);
        params.put("custom_segmentation", false);
        params.put("segmentation_fn", anchors.segmenter().name());
        ObjectNode kwargs = params.putObject("segmentation_kwargs");
        for (Map.Entry<String, Object> e : anchors.segmenter().parameters().entrySet()) {
            if (e.getValue() instanceof Integer i) {
                kwargs.put(e.getKey(), i);
            } else if (e.getValue() instanceof Number d) {
                kwargs.put(e.getKey(), d.doubleValue());
            } else if (e.getValue() instanceof Boolean b) {
                kwargs.put(e.getKey(), b);
            } else {
                kwargs.put(e.getKey(), String.valueOf(e.getValue()));
            }
        }
        params.put("p_sample", anchors.pSample());
        ArrayNode shape = params.putArray("image_shape");
        Arrays.stream(image.shape()).forEach(shape::add);
        params.put("fill", anchors.fill().label());
        if (options.fillValue() != null) {
            ArrayNode fv = params.putArray("fill_value");
            for (float f : options.fillValue()) {
                fv.add(f);
            }
        }
        if (options.backgroundLocation() != null) {
            params.put("images_background", options.backgroundLocation() + " (" + options.backgrounds().size()
                    + " images)");
        } else {
            params.putNull("images_background");
        }
        params.put("max_examples", options.maxExamples());

        ObjectNode instance = F.objectNode();
        if (image.pixelCount() <= INSTANCE_PNG_MAX_PIXELS) {
            instance.put("b64", Base64.getEncoder().encodeToString(ImageCodec.png(image)));
        } else { // the request carries the image; the explanation stays under common 1 MB message limits
            ArrayNode dims = instance.putArray("shape");
            Arrays.stream(image.shape()).forEach(dims::add);
            instance.put("omitted", "images over " + INSTANCE_PNG_MAX_PIXELS + " pixels are not repeated here");
        }
        ImagePerturber perturber = ie.segmented().perturber();
        ObjectNode json = ExplanationJson.build(spec.type().label(), params, ie.result(), names, anchor,
                p -> example(p, perturber, image), label, instance,
                new ExplanationJson.Cost(calls, rows, elapsed, seed));
        ObjectNode data = (ObjectNode) json.get("data");
        ArrayNode anchorIds = F.arrayNode();
        Arrays.stream(anchor).forEach(anchorIds::add);
        data.set("anchor", anchorIds);
        ObjectNode raw = (ObjectNode) data.get("raw");
        raw.set("names", anchorIds.deepCopy());
        // once, under raw (Alibi had it under data as well): a 299x299 map is ~270 KB of JSON, and sinks such as
        // Kafka refuse messages over 1 MB by default
        raw.set("segments", segmentMap(segments));
        raw.put("segment_count", segments.count());
        raw.put("segmentation_ms", ie.segmented().segmentationNanos() / 1_000_000.0);
        List<String> classNames = spec.predictor().classNames();
        String predicted = label < classNames.size() ? label + " " + classNames.get(label) : "class " + label;
        Overlay.Caption caption = new Overlay.Caption(predicted, ie.result().precision(), ie.result().coverage(),
                ie.result().success(), anchor.length, segments.count());
        raw.put("overlay_png", Base64.getEncoder().encodeToString(Overlay.png(image, segments, anchor, caption)));
        if (alibiOutput) {
            // Alibi's shape, for clients of KServe's former explainer: the anchor as the image with every other
            // superpixel zeroed (H x W x C nested lists) and the segment map under data (not repeated under raw)
            data.set("anchor", maskedImage(image, segments, anchor));
            data.set("segments", raw.remove("segments"));
        }
        return new Explained(json, label, names, ie.result().precision(), ie.result().coverage(),
                ie.result().success(), calls, rows, elapsed);
    }

    /** An example as the ids of the superpixels it keeps (and its background), or as a base64 PNG. */
    private JsonNode example(Perturbation p, ImagePerturber perturber, FloatImage image) {
        if (options.examplesAsPng()) {
            FloatImage rendered = new FloatImage(image.height(), image.width(), image.channels(), perturber.render(p));
            return F.objectNode().put("b64", Base64.getEncoder().encodeToString(ImageCodec.png(rendered)));
        }
        ObjectNode o = F.objectNode();
        ArrayNode kept = o.putArray("kept");
        Arrays.stream(p.keptSegments()).forEach(kept::add);
        if (p.background() >= 0) {
            o.put("background", p.background());
        }
        return o;
    }

    /** The image with the pixels of the anchor's superpixels kept and all others 0, as H x W x C nested lists. */
    static ArrayNode maskedImage(FloatImage image, SegmentMap segments, int[] anchor) {
        boolean[] keep = new boolean[segments.count()];
        for (int s : anchor) {
            keep[s] = true;
        }
        ArrayNode rowsNode = F.arrayNode(image.height());
        for (int y = 0; y < image.height(); y++) {
            ArrayNode row = rowsNode.addArray();
            for (int x = 0; x < image.width(); x++) {
                ArrayNode px = row.addArray();
                boolean kept = keep[segments.label(y, x)];
                for (int c = 0; c < image.channels(); c++) {
                    px.add(kept ? image.get(y, x, c) : 0f);
                }
            }
        }
        return rowsNode;
    }

    private static ArrayNode segmentMap(SegmentMap m) {
        ArrayNode rowsNode = F.arrayNode(m.height());
        for (int y = 0; y < m.height(); y++) {
            ArrayNode row = rowsNode.addArray();
            for (int x = 0; x < m.width(); x++) {
                row.add(m.label(y, x));
            }
        }
        return rowsNode;
    }

    /**
     * Labels for the samples of one search round: rendered and sent {@code rowsPerRequest} at a time, at most
     * {@code concurrency} requests in flight, so a round of a large image never sits in memory whole. Images are
     * rendered into arrays taken from {@code spare}, and given back to it once their request is answered (never
     * after a failure: a cancelled request may still be reading them).
     */
    private int[] predictRendered(List<Perturbation> samples, ImagePerturber perturber, int[] tensorShape,
                                  BlackBox box, ArrayDeque<float[]> spare) {
        int n = samples.size();
        int[] labels = new int[n];
        ArrayDeque<Chunk> inFlight = new ArrayDeque<>();
        try {
            for (int from = 0; from < n; from += rowsPerRequest) {
                int to = Math.min(n, from + rowsPerRequest);
                float[][] images = new float[to - from][];
                for (int i = from; i < to; i++) {
                    float[] image = spare.poll();
                    if (image == null) {
                        image = new float[perturber.valuesPerImage()];
                    }
                    perturber.renderInto(samples.get(i), image, 0);
                    images[i - from] = image;
                }
                int offset = from;
                CompletableFuture<Void> f = box.predictAsync(new Instances.Tensors(images, tensorShape))
                        .thenAccept(part -> System.arraycopy(part, 0, labels, offset, part.length));
                inFlight.add(new Chunk(f, images));
                if (inFlight.size() >= concurrency) {
                    inFlight.poll().awaitAndGiveBack(spare);
                }
            }
            while (!inFlight.isEmpty()) {
                inFlight.poll().awaitAndGiveBack(spare);
            }
        } catch (CompletionException e) {
            inFlight.forEach(c -> c.answer.cancel(false));
            throw box.translate(e);
        }
        return labels;
    }

    /** A request in flight and the rendered images it carries. */
    private record Chunk(CompletableFuture<Void> answer, float[][] images) {
        void awaitAndGiveBack(ArrayDeque<float[]> spare) {
            answer.join();
            java.util.Collections.addAll(spare, images);
        }
    }

    // ---- instances

    /**
     * An image instance: {@code {"b64": "..."}} (PNG or JPEG, optionally a {@code data:} URL), nested lists
     * H×W (grayscale), H×W×C or 1×H×W×C, or a flat list of H·W·C values (a row of a V2 tensor) shaped by
     * {@code image.shape} — or, without it, read as a square grayscale or RGB image when the count allows.
     */
    Input parseInstance(JsonNode node) {
        int[] modelShape = options.shape();
        if (node != null && node.isObject() && node.has("b64")) {
            return fromB64(node.get("b64"), modelShape);
        }
        if (node == null || !node.isArray() || node.isEmpty()) {
            throw bad("an instance of model '" + spec.name() + "' must be an image: nested lists H x W (x C), a flat "
                    + "list of H*W*C values, or {\"b64\": \"<PNG or JPEG>\"}");
        }
        List<Integer> dims = new ArrayList<>();
        for (JsonNode n = node; n.isArray(); n = n.get(0)) {
            if (n.isEmpty()) {
                throw bad("image instance has an empty dimension");
            }
            dims.add(n.size());
        }
        if (dims.size() == 4 && dims.get(0) == 1) { // a batch of one, as some clients send it
            node = node.get(0);
            dims.remove(0);
        }
        if (dims.size() > 3) {
            throw bad("image instance has " + dims.size() + " dimensions; expected H x W or H x W x C");
        }
        int h;
        int w;
        int c;
        if (dims.size() == 1) {
            int[] s = flatShape(dims.get(0), modelShape);
            h = s[0];
            w = s[1];
            c = s[2];
        } else {
            h = dims.get(0);
            w = dims.get(1);
            c = dims.size() == 3 ? dims.get(2) : 1;
        }
        checkPixels((long) h * w);
        if (c > 4) {
            throw bad("image instance has " + c + " channels; expected 1 (grayscale), 3 (RGB) or 4");
        }
        float[] px = new float[h * w * c];
        int[] filled = {0};
        int[] expected = dims.size() == 1 ? new int[] {h * w * c} : dims.stream().mapToInt(Integer::intValue).toArray();
        read(node, expected, 0, px, filled);
        int[] tensorShape = modelShape != null ? modelShape : expected.length == 1 ? new int[] {h, w, c} : expected;
        checkModelShape(h, w, c, modelShape);
        return new Input(new FloatImage(h, w, c, px), tensorShape);
    }

    private Input fromB64(JsonNode value, int[] modelShape) {
        if (!value.isTextual()) {
            throw bad("\"b64\" must be a base64 string of a PNG or JPEG image");
        }
        String text = value.asText().strip();
        if (text.startsWith("data:")) {
            int comma = text.indexOf(',');
            text = comma < 0 ? "" : text.substring(comma + 1);
        }
        byte[] bytes;
        try {
            bytes = Base64.getMimeDecoder().decode(text.replace('-', '+').replace('_', '/'));
        } catch (IllegalArgumentException e) {
            throw bad("\"b64\" is not valid base64: " + e.getMessage());
        }
        int channels = modelShape == null ? 0 : modelShape.length == 3 ? modelShape[2] : 1;
        if (channels != 0 && channels != 1 && channels != 3) {
            throw bad("model '" + spec.name() + "' takes " + channels + " channels; a PNG/JPEG gives 1 or 3");
        }
        FloatImage image;
        try {
            image = ImageCodec.decode(bytes, channels, options.b64Scale(), options.maxPixels());
        } catch (ImageCodec.TooLarge e) {
            throw new ExplainException(ExplainException.Kind.TOO_LARGE, "model '" + spec.name() + "': " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw bad("\"b64\": " + e.getMessage());
        }
        checkModelShape(image.height(), image.width(), image.channels(), modelShape);
        int[] tensorShape = modelShape != null ? modelShape : image.shape();
        return new Input(image, tensorShape);
    }

    /** H, W, C of a flat instance: from image.shape, else a square grayscale or RGB image. */
    private int[] flatShape(int n, int[] modelShape) {
        if (modelShape != null) {
            int c = modelShape.length == 3 ? modelShape[2] : 1;
            if ((long) modelShape[0] * modelShape[1] * c != n) {
                throw bad("flat image instance has " + n + " values; model '" + spec.name() + "' takes "
                        + Arrays.toString(modelShape) + " = " + (long) modelShape[0] * modelShape[1] * c);
            }
            return new int[] {modelShape[0], modelShape[1], c};
        }
        int side = (int) Math.round(Math.sqrt(n));
        if (side * side == n) {
            return new int[] {side, side, 1};
        }
        side = (int) Math.round(Math.sqrt(n / 3.0));
        if (n % 3 == 0 && side * side * 3 == n) {
            return new int[] {side, side, 3};
        }
        throw bad("flat image instance of " + n + " values: set image.shape in the spec of model '" + spec.name()
                + "' to say how to read it");
    }

    private void checkPixels(long pixels) {
        if (pixels > options.maxPixels()) {
            throw new ExplainException(ExplainException.Kind.TOO_LARGE, "model '" + spec.name() + "': image has "
                    + pixels + " pixels, more than the " + options.maxPixels() + " allowed (image.max_pixels)");
        }
    }

    private void checkModelShape(int h, int w, int c, int[] modelShape) {
        checkPixels((long) h * w);
        if (modelShape == null) {
            return;
        }
        int mc = modelShape.length == 3 ? modelShape[2] : 1;
        if (modelShape[0] != h || modelShape[1] != w || mc != c) {
            throw bad("image is " + h + "x" + w + "x" + c + "; model '" + spec.name() + "' takes "
                    + modelShape[0] + "x" + modelShape[1] + "x" + mc);
        }
    }

    /** Reads nested lists of exactly the expected dimensions into {@code out}, row-major. */
    private void read(JsonNode node, int[] dims, int depth, float[] out, int[] filled) {
        if (!node.isArray() || node.size() != dims[depth]) {
            throw bad("image instance is not rectangular: expected " + dims[depth] + " values at depth " + depth
                    + ", got " + (node.isArray() ? node.size() + " values" : "a " + node.getNodeType()
                    .toString().toLowerCase(java.util.Locale.ROOT)));
        }
        if (depth == dims.length - 1) {
            for (JsonNode v : node) {
                if (!v.isNumber() || !Double.isFinite(v.asDouble())) {
                    throw bad("image value " + filled[0] + " is " + v + ", expected a finite number");
                }
                out[filled[0]++] = (float) v.asDouble();
            }
        } else {
            for (JsonNode child : node) {
                read(child, dims, depth + 1, out, filled);
            }
        }
    }

    private static ExplainException bad(String message) {
        return new ExplainException(ExplainException.Kind.BAD_INPUT, message);
    }

    @Override
    public void close() {
        predictor.close();
    }
}
