package dev.anchorwatch.image;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * SLIC superpixels (Achanta et al. 2012) with the semantics of scikit-image's {@code slic}, which the reference
 * explainer calls with {@code n_segments=10, compactness=10, sigma=0.5, start_label=0}, so that anchors found here
 * are made of the same superpixels. Written from scikit-image's documented behaviour; in order:
 * <ol>
 * <li>the image (a grayscale one repeated into three channels, as the reference does) is converted from sRGB to
 *     CIE L*a*b* (D65, 2° observer);</li>
 * <li>each L*a*b* band is smoothed with a Gaussian of standard deviation {@code sigma} (kernel radius
 *     ⌊4·sigma + 0.5⌋, mirror-reflected borders), then divided by {@code compactness};</li>
 * <li>seeds are laid on a regular grid: the step is (H·W / n_segments)^½ (computed in scikit-image's three
 *     dimensions with a depth of one), rounded, starting at half a step — so 28×28 with 10 segments gives a
 *     3×3 grid with step 9, and 299×299 gives 3×3 with step 95;</li>
 * <li>{@code max_iterations} rounds of k-means restricted to a window of ±2 grid steps around each centre, with
 *     squared distance = spatial distance² / step² + colour distance² (colour already divided by compactness),
 *     starting from centres of colour zero as scikit-image does;</li>
 * <li>connectivity enforced: 4-connected components in raster order become segments, one smaller than
 *     {@code min_size_factor} × (pixels / seeds) joins the last labelled neighbour it touches, and a search
 *     stops growing a component at {@code max_size_factor} × (pixels / seeds).</li>
 * </ol>
 * Labels are 0..K−1 in raster order of first appearance, as scikit-image numbers them with {@code start_label=0}.
 * Arithmetic is single precision, in scikit-image's order, so float32 images get the labels scikit-image gives
 * (checked against scikit-image 0.19.3 in the tests). One deliberate difference: an image whose values are not
 * all in [0, 1] (for example 0–255, or −1–1 after a model's preprocessing) is first rescaled by its own minimum and
 * maximum, since the conversion to L*a*b* assumes [0, 1] and a model's input range says nothing about where the
 * edges are. Immutable and thread-safe; memory is a few arrays of the image's size.
 */
public final class SlicSegmenter implements Segmenter {
    public static final int DEFAULT_SEGMENTS = 10;
    public static final double DEFAULT_COMPACTNESS = 10;
    public static final double DEFAULT_SIGMA = 0.5;
    public static final int DEFAULT_ITERATIONS = 10;
    public static final double DEFAULT_MIN_SIZE_FACTOR = 0.5;
    public static final double DEFAULT_MAX_SIZE_FACTOR = 3;

    private final int nSegments;
    private final double compactness;
    private final double sigma;
    private final int iterations;
    private final boolean enforceConnectivity;
    private final double minSizeFactor;
    private final double maxSizeFactor;

    /** The reference's defaults: 10 segments, compactness 10, sigma 0.5, 10 iterations, connectivity enforced. */
    public SlicSegmenter() {
        this(DEFAULT_SEGMENTS, DEFAULT_COMPACTNESS, DEFAULT_SIGMA, DEFAULT_ITERATIONS);
    }

    public SlicSegmenter(int nSegments, double compactness, double sigma, int iterations) {
        this(nSegments, compactness, sigma, iterations, true, DEFAULT_MIN_SIZE_FACTOR, DEFAULT_MAX_SIZE_FACTOR);
    }

    /**
     * @param nSegments           approximate number of superpixels (seeds on the grid), at least 1
     * @param compactness         weight of space against colour, &gt; 0 (L*a*b* units; 10 by default)
     * @param sigma               Gaussian pre-smoothing in pixels, &gt;= 0 (0 = none)
     * @param iterations          k-means rounds, at least 1 (scikit-image's {@code max_num_iter})
     * @param enforceConnectivity merge small and split disconnected regions (scikit-image's default: true)
     * @param minSizeFactor       components below this share of the mean segment size join a neighbour (0.5)
     * @param maxSizeFactor       a component's growth stops at this multiple of the mean segment size (3)
     */
    public SlicSegmenter(int nSegments, double compactness, double sigma, int iterations, boolean enforceConnectivity,
                         double minSizeFactor, double maxSizeFactor) {
        if (nSegments < 1) {
            throw new IllegalArgumentException("n_segments must be >= 1, got " + nSegments);
        }
        if (!(compactness > 0) || !Double.isFinite(compactness)) {
            throw new IllegalArgumentException("compactness must be > 0, got " + compactness);
        }
        if (!(sigma >= 0) || !Double.isFinite(sigma)) {
            throw new IllegalArgumentException("sigma must be >= 0, got " + sigma);
        }
        if (iterations < 1) {
            throw new IllegalArgumentException("max_iterations must be >= 1, got " + iterations);
        }
        if (!(minSizeFactor >= 0) || !Double.isFinite(minSizeFactor)) {
            throw new IllegalArgumentException("min_size_factor must be >= 0, got " + minSizeFactor);
        }
        if (!(maxSizeFactor > 0) || !Double.isFinite(maxSizeFactor)) {
            throw new IllegalArgumentException("max_size_factor must be > 0, got " + maxSizeFactor);
        }
        this.nSegments = nSegments;
        this.compactness = compactness;
        this.sigma = sigma;
        this.iterations = iterations;
        this.enforceConnectivity = enforceConnectivity;
        this.minSizeFactor = minSizeFactor;
        this.maxSizeFactor = maxSizeFactor;
    }

    @Override
    public SegmentMap segment(FloatImage image) {
        int h = image.height();
        int w = image.width();
        float[] lab = lab(image);
        if (sigma > 0) {
            gaussian(lab, h, w, sigma);
        }
        float ratio = (float) (1.0 / compactness);
        for (int i = 0; i < lab.length; i++) {
            lab[i] *= ratio;
        }
        int[] shape = {1, h, w};
        int[][] grid = regularGrid(shape, nSegments);
        int[] starts = grid[0];
        int[] steps = grid[1];
        int seedsY = starts[1] >= h ? 0 : (h - 1 - starts[1]) / steps[1] + 1;
        int seedsX = starts[2] >= w ? 0 : (w - 1 - starts[2]) / steps[2] + 1;
        int k = seedsY * seedsX;
        float[] centres = new float[k * 5]; // y, x, L, a, b (depth is always 0)
        for (int i = 0; i < seedsY; i++) {
            for (int j = 0; j < seedsX; j++) {
                int c = (i * seedsX + j) * 5;
                centres[c] = starts[1] + i * steps[1];
                centres[c + 1] = starts[2] + j * steps[2];
            }
        }
        float step = Math.max(steps[0], Math.max(steps[1], steps[2]));
        int[] labels = kmeans(lab, h, w, centres, k, step);
        if (enforceConnectivity) {
            double segmentSize = (double) h * w / k;
            labels = connect(labels, h, w, (int) (minSizeFactor * segmentSize), (int) (maxSizeFactor * segmentSize));
        }
        return SegmentMap.of(h, w, labels);
    }

    /** sRGB in [0, 1] to L*a*b*, three values per pixel, in single precision like scikit-image on float32. */
    static float[] lab(FloatImage image) {
        int n = image.pixelCount();
        int c = image.channels();
        float[] px = image.view();
        float[] range = image.range();
        boolean rescale = range[0] < 0 || range[1] > 1;
        float lo = rescale ? range[0] : 0f;
        float scale = !rescale ? 1f : range[1] > range[0] ? 1f / (range[1] - range[0]) : 0f;
        float[] out = new float[n * 3];
        float[] lin = new float[3];
        for (int p = 0; p < n; p++) {
            for (int b = 0; b < 3; b++) {
                float v = px[p * c + (c >= 3 ? b : 0)];
                if (rescale) {
                    v = (v - lo) * scale;
                }
                lin[b] = v > 0.04045f ? (float) Math.pow((v + 0.055f) / 1.055f, (double) 2.4f) : v / 12.92f;
            }
            float x = lin[0] * 0.412453f + lin[1] * 0.357580f + lin[2] * 0.180423f;
            float y = lin[0] * 0.212671f + lin[1] * 0.715160f + lin[2] * 0.072169f;
            float z = lin[0] * 0.019334f + lin[1] * 0.119193f + lin[2] * 0.950227f;
            float fx = labF(x / 0.95047f);
            float fy = labF(y / 1f);
            float fz = labF(z / 1.08883f);
            out[p * 3] = 116f * fy - 16f;
            out[p * 3 + 1] = 500f * (fx - fy);
            out[p * 3 + 2] = 200f * (fy - fz);
        }
        return out;
    }

    private static float labF(float t) {
        return t > 0.008856f ? (float) Math.cbrt(t) : 7.787f * t + (float) (16.0 / 116.0);
    }

    /**
     * Gaussian smoothing of each band, in place, as {@code scipy.ndimage.gaussian_filter} does it over (depth 1,
     * height, width): one pass per axis (the depth pass included, which on a single plane only rescales by the
     * kernel's sum), each accumulated in double and stored in single precision.
     */
    static void gaussian(float[] lab, int h, int w, double sigma) {
        int radius = (int) (4.0 * sigma + 0.5);
        double[] weights = new double[radius + 1];
        double sum = 0;
        double[] phi = new double[2 * radius + 1];
        for (int i = -radius; i <= radius; i++) {
            phi[i + radius] = Math.exp(-0.5 / (sigma * sigma) * (double) (i * i));
        }
        for (double v : phi) {
            sum += v;
        }
        for (int i = 0; i <= radius; i++) {
            weights[i] = phi[i + radius] / sum;
        }
        // depth axis: a single plane, every neighbour is the value itself
        for (int i = 0; i < lab.length; i++) {
            double v = lab[i];
            double acc = v * weights[0];
            for (int j = radius; j >= 1; j--) {
                acc += (v + v) * weights[j];
            }
            lab[i] = (float) acc;
        }
        double[] line = new double[Math.max(h, w) + 2 * radius];
        for (int band = 0; band < 3; band++) {
            for (int x = 0; x < w; x++) { // along y
                pass(lab, band + x * 3, w * 3, h, radius, weights, line);
            }
            for (int y = 0; y < h; y++) { // along x
                pass(lab, band + y * w * 3, 3, w, radius, weights, line);
            }
        }
    }

    /** One symmetric 1-D correlation with mirror ("reflect": d c b a | a b c d | d c b a) borders. */
    private static void pass(float[] data, int offset, int stride, int n, int radius, double[] weights, double[] line) {
        for (int i = -radius; i < n + radius; i++) {
            int period = 2 * n;
            int j = Math.floorMod(i, period);
            if (j >= n) {
                j = period - 1 - j;
            }
            line[i + radius] = data[offset + j * stride];
        }
        for (int i = 0; i < n; i++) {
            int centre = i + radius;
            double acc = line[centre] * weights[0];
            for (int j = radius; j >= 1; j--) {
                acc += (line[centre - j] + line[centre + j]) * weights[j];
            }
            data[offset + i * stride] = (float) acc;
        }
    }

    /**
     * scikit-image's {@code regular_grid}: for each dimension of {@code shape}, the first index and the step of
     * about {@code points} regularly spaced points. Returns {@code {starts, steps}}.
     */
    static int[][] regularGrid(int[] shape, int points) {
        int nd = shape.length;
        double space = 1;
        for (int s : shape) {
            space *= s;
        }
        int[] starts = new int[nd];
        int[] steps = new int[nd];
        if (space <= points) {
            Arrays.fill(steps, 1);
            return new int[][] {starts, steps};
        }
        Integer[] order = new Integer[nd];
        for (int i = 0; i < nd; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Integer.compare(shape[a], shape[b]));
        double[] sorted = new double[nd];
        for (int i = 0; i < nd; i++) {
            sorted[i] = shape[order[i]];
        }
        double[] stepSizes = new double[nd];
        Arrays.fill(stepSizes, Math.pow(space / points, 1.0 / nd));
        boolean tooSmall = false;
        for (int i = 0; i < nd; i++) {
            tooSmall |= sorted[i] < stepSizes[i];
        }
        if (tooSmall) {
            for (int d = 0; d < nd; d++) {
                stepSizes[d] = sorted[d];
                double rest = 1;
                for (int e = d + 1; e < nd; e++) {
                    rest *= sorted[e];
                }
                for (int e = d + 1; e < nd; e++) {
                    stepSizes[e] = Math.pow(rest / points, 1.0 / (nd - d - 1));
                }
                boolean fits = true;
                for (int e = 0; e < nd; e++) {
                    fits &= sorted[e] >= stepSizes[e];
                }
                if (fits) {
                    break;
                }
            }
        }
        for (int i = 0; i < nd; i++) {
            starts[order[i]] = (int) Math.floor(stepSizes[i] / 2);
            steps[order[i]] = (int) Math.rint(stepSizes[i]);
        }
        return new int[][] {starts, steps};
    }

    /** k-means in (y, x, L, a, b) with windows of ±2 steps; centres hold y, x and the colour, 5 floats each. */
    private int[] kmeans(float[] lab, int h, int w, float[] centres, int k, float step) {
        int[] window = regularGrid(new int[] {1, h, w}, k)[1];
        int stepY = window[1];
        int stepX = window[2];
        float spatialWeight = (float) (1.0 / (step * step));
        int n = h * w;
        int[] nearest = new int[n];
        Arrays.fill(nearest, -1);
        float[] distance = new float[n];
        int[] members = new int[k];
        for (int iter = 0; iter < iterations; iter++) {
            Arrays.fill(distance, Float.MAX_VALUE);
            for (int s = 0; s < k; s++) {
                int c = s * 5;
                float cy = centres[c];
                float cx = centres[c + 1];
                if (Float.isNaN(cy)) { // a centre that lost every pixel: scikit-image's NaN never wins a pixel
                    continue;
                }
                int yMin = (int) Math.max(cy - 2 * stepY, 0f);
                int yMax = (int) Math.min(cy + 2 * stepY + 1, (float) h);
                int xMin = (int) Math.max(cx - 2 * stepX, 0f);
                int xMax = (int) Math.min(cx + 2 * stepX + 1, (float) w);
                float cl = centres[c + 2];
                float ca = centres[c + 3];
                float cb = centres[c + 4];
                float dz = 0f; // depth: one plane, centre at 0
                for (int y = yMin; y < yMax; y++) {
                    float dy = cy - y;
                    dy *= dy;
                    for (int x = xMin; x < xMax; x++) {
                        float dx = cx - x;
                        dx *= dx;
                        float d = (dz + dy + dx) * spatialWeight;
                        int p = y * w + x;
                        float t = lab[p * 3] - cl;
                        float colour = 0f + t * t;
                        t = lab[p * 3 + 1] - ca;
                        colour += t * t;
                        t = lab[p * 3 + 2] - cb;
                        colour += t * t;
                        d += colour;
                        if (distance[p] > d) {
                            nearest[p] = s;
                            distance[p] = d;
                        }
                    }
                }
            }
            // new centres: single-precision sums in raster order, as scikit-image accumulates them
            Arrays.fill(centres, 0f);
            Arrays.fill(members, 0);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int p = y * w + x;
                    int s = nearest[p];
                    if (s < 0) {
                        continue;
                    }
                    int c = s * 5;
                    members[s]++;
                    centres[c] += y;
                    centres[c + 1] += x;
                    centres[c + 2] += lab[p * 3];
                    centres[c + 3] += lab[p * 3 + 1];
                    centres[c + 4] += lab[p * 3 + 2];
                }
            }
            for (int s = 0; s < k; s++) {
                for (int j = 0; j < 5; j++) {
                    centres[s * 5 + j] /= members[s]; // 0/0 = NaN for an empty cluster, skipped above
                }
            }
        }
        for (int p = 0; p < n; p++) {
            if (nearest[p] < 0) { // outside every window on every round: cannot happen with windows of ±2 steps
                nearest[p] = 0;
            }
        }
        return nearest;
    }

    /**
     * Connected components (4-neighbours) in raster order become the segments; a component smaller than
     * {@code minSize} takes the label of the last already-labelled neighbour its search met; a search stops at
     * {@code maxSize} pixels and the rest of that region starts a new component.
     */
    static int[] connect(int[] labels, int h, int w, int minSize, int maxSize) {
        int n = h * w;
        int[] out = new int[n];
        Arrays.fill(out, -1);
        int cap = Math.max(1, maxSize);
        int[] queue = new int[cap];
        int next = 0;
        int[] dx = {1, -1, 0, 0};
        int[] dy = {0, 0, 1, -1};
        for (int p0 = 0; p0 < n; p0++) {
            if (out[p0] >= 0) {
                continue;
            }
            int adjacent = next;
            int label = labels[p0];
            out[p0] = next;
            int size = 1;
            int visited = 0;
            queue[0] = p0;
            while (visited < size && size < cap) {
                int q = queue[visited];
                int qy = q / w;
                int qx = q % w;
                for (int i = 0; i < 4; i++) {
                    int yy = qy + dy[i];
                    int xx = qx + dx[i];
                    if (xx < 0 || xx >= w || yy < 0 || yy >= h) {
                        continue;
                    }
                    int r = yy * w + xx;
                    if (labels[r] == label && out[r] == -1) {
                        out[r] = next;
                        queue[size++] = r;
                        if (size >= cap) {
                            break;
                        }
                    } else if (out[r] >= 0 && out[r] != next) {
                        adjacent = out[r];
                    }
                }
                visited++;
            }
            if (size < minSize) {
                for (int i = 0; i < size; i++) {
                    out[queue[i]] = adjacent;
                }
            } else {
                next++;
            }
        }
        return out;
    }

    @Override
    public String name() {
        return "slic";
    }

    @Override
    public Map<String, Object> parameters() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("n_segments", nSegments);
        p.put("compactness", compactness);
        p.put("sigma", sigma);
        p.put("max_iterations", iterations);
        p.put("enforce_connectivity", enforceConnectivity);
        p.put("min_size_factor", minSizeFactor);
        p.put("max_size_factor", maxSizeFactor);
        p.put("start_label", 0);
        return p;
    }
}
