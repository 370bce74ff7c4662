package dev.anchorwatch.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.SplittableRandom;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;

import dev.anchorwatch.anchor.AnchorParams;
import dev.anchorwatch.anchor.Oracle;

/** A black box whose decisive region is known: the anchor must lie in it and suffice. */
class AnchorImageTest {
    private static final int SIZE = 32;

    /** Bright top-left quadrant, textured darker elsewhere. */
    private static FloatImage brightTopLeft() {
        SplittableRandom rng = new SplittableRandom(5);
        float[] px = new float[SIZE * SIZE];
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                boolean tl = y < SIZE / 2 && x < SIZE / 2;
                px[y * SIZE + x] = tl ? 0.95f : (float) (0.3 + 0.4 * rng.nextDouble());
            }
        }
        return new FloatImage(SIZE, SIZE, 1, px);
    }

    /** Label 1 iff the mean brightness of the top-left quadrant is above 0.5. */
    private static int model(float[] px) {
        double sum = 0;
        for (int y = 0; y < SIZE / 2; y++) {
            for (int x = 0; x < SIZE / 2; x++) {
                sum += px[y * SIZE + x];
            }
        }
        return sum / (SIZE * SIZE / 4.0) > 0.5 ? 1 : 0;
    }

    @Test
    void anchorCoversTheDecisiveRegion() throws Exception {
        FloatImage image = brightTopLeft();
        assertEquals(1, model(image.pixels()));
        // 8x8 cells: 16 superpixels, the top-left quadrant is cells 0, 1, 4, 5. Switched off = black, so the
        // quadrant stays bright iff at least 3 of its 4 cells are kept: no smaller anchor is precise.
        AnchorImage anchors = new AnchorImage(new GridSegmenter(8), 0.5, Fill.VALUE, new float[] {0f}, List.of());
        Oracle<float[]> oracle = samples -> {
            boolean[] same = new boolean[samples.size()];
            for (int i = 0; i < same.length; i++) {
                same[i] = model(samples.get(i)) == 1;
            }
            return same;
        };
        for (long seed = 1; seed <= 3; seed++) {
            ImageExplanation e = anchors.explain(image, 1, oracle, AnchorParams.DEFAULTS, new SplittableRandom(seed));
            int[] anchor = e.anchorSegments();
            assertTrue(e.result().success(), "an anchor is found");
            assertTrue(anchor.length >= 3, "at least three of the quadrant's cells, got " + anchor.length);
            for (int s : anchor) {
                assertTrue(s == 0 || s == 1 || s == 4 || s == 5, "segment " + s + " lies outside the top-left quadrant");
            }
            assertTrue(e.result().precision() >= 0.95);
        }
    }

    @Test
    void sameSeedSameAnchorAndTheOverlayIsAPng() throws Exception {
        FloatImage image = brightTopLeft();
        // (mean fill would keep the flat bright quadrant bright: the empty anchor would do)
        AnchorImage anchors = new AnchorImage(new GridSegmenter(8), 0.5, Fill.VALUE, new float[] {0f}, List.of());
        Oracle<float[]> oracle = samples -> {
            boolean[] same = new boolean[samples.size()];
            for (int i = 0; i < same.length; i++) {
                same[i] = model(samples.get(i)) == 1;
            }
            return same;
        };
        ImageExplanation a = anchors.explain(image, 1, oracle, AnchorParams.DEFAULTS, new SplittableRandom(11));
        ImageExplanation b = anchors.explain(image, 1, oracle, AnchorParams.DEFAULTS, new SplittableRandom(11));
        assertArrayEquals(a.anchorSegments(), b.anchorSegments());

        byte[] png = Overlay.png(image, a.segments(), a.anchorSegments(),
                new Overlay.Caption("1", a.result().precision(), a.result().coverage(), true, a.anchorSegments().length,
                        a.segments().count()));
        BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(png));
        assertEquals(2 * 8 + 2 * 224 + 8, decoded.getWidth(), "two 32x32 panels enlarged 7 times");
        // left panel: a pixel inside the anchor keeps its value; one outside is masked
        int[] anchor = a.anchorSegments();
        int kept = anchor[0];
        int off = java.util.stream.IntStream.range(0, a.segments().count())
                .filter(s -> java.util.Arrays.stream(anchor).noneMatch(x -> x == s)).findFirst().orElseThrow();
        assertEquals(Math.round(valueAt(image, a.segments(), kept) * 255), pixelAt(decoded, a.segments(), kept), 1);
        assertEquals(Overlay.MASK >> 16, pixelAt(decoded, a.segments(), off), "masked");
    }

    /** Value of the image at the inner pixel (row 1, col 1) of grid cell {@code s}. */
    private static float valueAt(FloatImage image, SegmentMap m, int s) {
        int p = m.pixelsOf(s)[9];
        return image.get(p / SIZE, p % SIZE, 0);
    }

    /** Red channel of the picture's left panel (enlarged 7 times) at the middle of that pixel. */
    private static int pixelAt(BufferedImage overlay, SegmentMap m, int s) {
        int p = m.pixelsOf(s)[9];
        int x = 8 + (p % SIZE) * 7 + 3; // left panel, below the title row
        int y = 8 + Overlay.TITLE + (p / SIZE) * 7 + 3;
        return (overlay.getRGB(x, y) >> 16) & 0xFF;
    }

    @Test
    void decodesPngsIntoTheRequestedChannelsAndScale() {
        FloatImage image = TestImages.quadrants(12, 10, 3, 1);
        byte[] png = ImageCodec.png(image);
        FloatImage rgb = ImageCodec.decode(png, 0, 1f / 255, 1_000);
        assertEquals(3, rgb.channels());
        assertEquals(image.get(3, 4, 1), rgb.get(3, 4, 1), 1.0 / 255);
        FloatImage gray = ImageCodec.decode(png, 1, 1f, 1_000);
        assertEquals(1, gray.channels());
        assertEquals(12, gray.height());
        assertTrue(gray.range()[1] > 1, "scale 1 keeps 0..255");
        assertEquals(IllegalArgumentException.class, org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> ImageCodec.decode(new byte[] {1, 2, 3}, 0, 1, 100)).getClass());
        org.junit.jupiter.api.Assertions.assertThrows(ImageCodec.TooLarge.class,
                () -> ImageCodec.decode(png, 0, 1, 100));
    }
}
