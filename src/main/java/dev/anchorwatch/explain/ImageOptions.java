package dev.anchorwatch.explain;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.anchorwatch.image.AnchorImage;
import dev.anchorwatch.image.FelzenszwalbSegmenter;
import dev.anchorwatch.image.Fill;
import dev.anchorwatch.image.FloatImage;
import dev.anchorwatch.image.GridSegmenter;
import dev.anchorwatch.image.Segmenter;
import dev.anchorwatch.image.SlicSegmenter;
import dev.anchorwatch.model.OpenInferenceV2Predictor;
import dev.anchorwatch.tabular.NpyReader;

/**
 * The {@code image:} section of an AnchorImage spec, validated with messages naming the file and the field.
 *
 * <pre>
 * image:
 *   segmentation: slic          # slic | grid | felzenszwalb
 *   n_segments: 10              # slic
 *   compactness: 10             # slic
 *   sigma: 0.5                  # slic (0.5), felzenszwalb (0.8): Gaussian smoothing before segmenting
 *   max_iterations: 10          # slic
 *   grid_size: 4                # grid: cell side in pixels
 *   scale: 100                  # felzenszwalb: threshold k on 0..255 values
 *   min_size: 20                # felzenszwalb: smallest segment in pixels
 *   p_sample: 0.5               # probability a superpixel outside the anchor is switched off
 *   fill: mean                  # mean | background | value (background when a background file is given)
 *   fill_value: 0               # value fill: one number or one per channel
 *   background: bg.npy          # (N, H, W) or (N, H, W, C) .npy, relative to the spec file
 *   shape: [28, 28]             # the model's input per instance: [H, W] or [H, W, C]
 *   b64_scale: 0.00392156862745098   # base64 PNG/JPEG inputs: 8-bit samples times this (1/255 gives [0, 1])
 *   max_pixels: 1048576         # larger images are refused (413)
 *   max_examples: 3             # examples kept per anchor step and label
 *   examples: masks             # masks (kept segment ids) | png (base64 PNG of each example)
 *   binary_data: auto           # V2 predictors: send images as raw FP32 (binary tensor data extension):
 *                               # auto (when GET /v2 lists binary_tensor_data) | true | false
 *   output: picture             # picture: data.anchor = segment ids, raw.segments + PNG overlay | alibi: exactly
 *                               # Alibi's data.anchor (the masked image, nested lists) and data.segments
 * </pre>
 */
public record ImageOptions(Segmenter segmenter, double pSample, Fill fill, float[] fillValue,
                           List<FloatImage> backgrounds, String backgroundLocation, int[] shape, float b64Scale,
                           long maxPixels, int maxExamples, boolean examplesAsPng,
                           OpenInferenceV2Predictor.TensorEncoding binaryData) {

    public static final long DEFAULT_MAX_PIXELS = 1L << 20;
    public static final int DEFAULT_MAX_EXAMPLES = 3;
    private static final long MAX_BACKGROUND_VALUES = 64L << 20;
    private static final Set<String> KEYS = Set.of("segmentation", "n_segments", "compactness", "sigma",
            "max_iterations", "grid_size", "scale", "min_size", "p_sample", "fill", "fill_value", "background", "shape",
            "b64_scale", "max_pixels", "max_examples", "examples", "binary_data", "output");

    /** The AnchorImage these options describe. */
    public AnchorImage anchorImage() {
        return new AnchorImage(segmenter, pSample, fill, fillValue, backgrounds);
    }

    /** Parses and validates {@code spec.typeOptions()}; loads the background file if one is named. */
    public static ImageOptions parse(ExplainerSpec spec) {
        return parse(spec.typeOptions(), spec.origin());
    }

    /**
     * {@code output: alibi}: answer in Alibi's exact image shape ({@code data.anchor} the masked image as nested
     * lists, {@code data.segments} the segment map) instead of the picture-first default.
     */
    public static boolean alibiOutput(ObjectNode node, String origin) {
        String output = node == null ? "picture" : node.path("output").asText("picture").toLowerCase(Locale.ROOT);
        return switch (output) {
            case "picture" -> false;
            case "alibi" -> true;
            default -> throw new SpecException(origin, "image.output", "must be picture or alibi, got " + output);
        };
    }

    static ImageOptions parse(ObjectNode node, String origin) {
        alibiOutput(node, origin);
        SpecFields r = new SpecFields(node, "image", origin, KEYS);
        String method = r.text("segmentation", "slic").toLowerCase(Locale.ROOT);
        Set<String> only = switch (method) {
            case "slic" -> Set.of("n_segments", "compactness", "sigma", "max_iterations");
            case "grid" -> Set.of("grid_size");
            case "felzenszwalb", "fh", "fh04" -> Set.of("scale", "sigma", "min_size");
            default -> throw new SpecException(origin, "image.segmentation",
                    "must be slic, grid or felzenszwalb, got '" + method + "'");
        };
        for (String key : List.of("n_segments", "compactness", "sigma", "max_iterations", "grid_size", "scale",
                "min_size")) {
            if (r.has(key) && !only.contains(key)) {
                throw new SpecException(origin, "image." + key, "does not apply to segmentation " + method);
            }
        }
        Segmenter segmenter;
        try {
            segmenter = switch (method) {
                case "slic" -> new SlicSegmenter(r.intValue("n_segments", SlicSegmenter.DEFAULT_SEGMENTS, 1),
                        r.doubleValue("compactness", SlicSegmenter.DEFAULT_COMPACTNESS),
                        r.doubleValue("sigma", SlicSegmenter.DEFAULT_SIGMA),
                        r.intValue("max_iterations", SlicSegmenter.DEFAULT_ITERATIONS, 1));
                case "grid" -> new GridSegmenter(r.intValue("grid_size", 4, 1));
                default -> new FelzenszwalbSegmenter(r.doubleValue("scale", FelzenszwalbSegmenter.DEFAULT_SCALE),
                        r.doubleValue("sigma", FelzenszwalbSegmenter.DEFAULT_SIGMA),
                        r.intValue("min_size", FelzenszwalbSegmenter.DEFAULT_MIN_SIZE, 1));
            };
        } catch (IllegalArgumentException e) {
            throw new SpecException(origin, "image", e.getMessage());
        }
        double pSample = r.doubleValue("p_sample", AnchorImage.DEFAULT_P_SAMPLE);
        if (!(pSample >= 0 && pSample <= 1)) {
            throw new SpecException(origin, "image.p_sample", "must be in [0, 1], got " + pSample);
        }
        String backgroundLocation = r.text("background", null);
        String fillText = r.text("fill", backgroundLocation != null ? "background" : "mean");
        Fill fill = Fill.of(fillText).orElseThrow(() -> new SpecException(origin, "image.fill",
                "must be mean, background or value, got '" + fillText + "'"));
        float[] fillValue = null;
        if (fill == Fill.VALUE) {
            fillValue = r.floats("fill_value", new float[] {0f});
        } else if (r.has("fill_value")) {
            throw new SpecException(origin, "image.fill_value", "only applies with fill: value");
        }
        List<FloatImage> backgrounds = List.of();
        if (fill == Fill.BACKGROUND) {
            if (backgroundLocation == null) {
                throw new SpecException(origin, "image.background", "is required with fill: background");
            }
            backgrounds = loadBackgrounds(resolve(origin, backgroundLocation), origin);
        } else if (backgroundLocation != null) {
            throw new SpecException(origin, "image.background", "only applies with fill: background");
        }
        int[] shape = null;
        if (r.has("shape")) {
            float[] dims = r.floats("shape", null);
            if (dims.length < 2 || dims.length > 3) {
                throw new SpecException(origin, "image.shape", "must be [height, width] or [height, width, channels]");
            }
            shape = new int[dims.length];
            for (int i = 0; i < dims.length; i++) {
                if (dims[i] < 1 || dims[i] != Math.rint(dims[i])) {
                    throw new SpecException(origin, "image.shape", "dimensions must be positive integers");
                }
                shape[i] = (int) dims[i];
            }
        }
        double b64Scale = r.doubleValue("b64_scale", 1.0 / 255);
        if (!(b64Scale > 0)) {
            throw new SpecException(origin, "image.b64_scale", "must be > 0, got " + b64Scale);
        }
        long maxPixels = r.intValue("max_pixels", (int) DEFAULT_MAX_PIXELS, 1);
        int maxExamples = r.intValue("max_examples", DEFAULT_MAX_EXAMPLES, 0);
        String examples = r.text("examples", "masks").toLowerCase(Locale.ROOT);
        if (!examples.equals("masks") && !examples.equals("png")) {
            throw new SpecException(origin, "image.examples", "must be masks or png, got '" + examples + "'");
        }
        JsonNode binary = r.raw("binary_data");
        OpenInferenceV2Predictor.TensorEncoding binaryData;
        if (binary == null || (binary.isTextual() && binary.asText().strip().equalsIgnoreCase("auto"))) {
            binaryData = OpenInferenceV2Predictor.TensorEncoding.AUTO;
        } else if (binary.isBoolean()) {
            binaryData = binary.asBoolean() ? OpenInferenceV2Predictor.TensorEncoding.BINARY
                    : OpenInferenceV2Predictor.TensorEncoding.JSON;
        } else {
            throw new SpecException(origin, "image.binary_data", "must be auto, true or false, got " + binary);
        }
        return new ImageOptions(segmenter, pSample, fill, fillValue, backgrounds, backgroundLocation, shape,
                (float) b64Scale, maxPixels, maxExamples, examples.equals("png"), binaryData);
    }

    /** A location relative to the spec file's folder (specs from the classpath resolve within it). */
    static String resolve(String origin, String location) {
        if (location.startsWith("classpath:") || Path.of(location).isAbsolute()) {
            return location;
        }
        if (origin.startsWith("classpath:")) {
            String base = origin.substring("classpath:".length());
            int slash = base.lastIndexOf('/');
            return "classpath:" + (slash < 0 ? "" : base.substring(0, slash + 1)) + location;
        }
        Path parent = Path.of(origin).toAbsolutePath().getParent();
        return (parent == null ? Path.of(location) : parent.resolve(location)).normalize().toString();
    }

    static List<FloatImage> loadBackgrounds(String location, String origin) {
        NpyReader.Array a;
        try (InputStream in = ExplainerFactory.open(location)) {
            a = NpyReader.readArray(in, MAX_BACKGROUND_VALUES);
        } catch (NoSuchFileException e) {
            throw new SpecException(origin, "image.background", "no such file: " + location);
        } catch (IOException | IllegalArgumentException e) {
            throw new SpecException(origin, "image.background", location + ": " + e.getMessage());
        }
        int[] s = a.shape();
        if (s.length != 3 && s.length != 4 || s[0] < 1) {
            throw new SpecException(origin, "image.background", location + ": expected (N, H, W) or (N, H, W, C), got "
                    + java.util.Arrays.toString(s));
        }
        int c = s.length == 4 ? s[3] : 1;
        int size = s[1] * s[2] * c;
        List<FloatImage> out = new ArrayList<>(s[0]);
        for (int i = 0; i < s[0]; i++) {
            float[] px = new float[size];
            System.arraycopy(a.data(), i * size, px, 0, size);
            try {
                out.add(new FloatImage(s[1], s[2], c, px));
            } catch (IllegalArgumentException e) {
                throw new SpecException(origin, "image.background", location + ": image " + i + ": " + e.getMessage());
            }
        }
        return List.copyOf(out);
    }
}
