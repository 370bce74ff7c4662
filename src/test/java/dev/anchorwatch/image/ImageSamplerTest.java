package dev.anchorwatch.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.anchorwatch.anchor.Draw;
import dev.anchorwatch.anchor.PredicateMatrix;

class ImageSamplerTest {
    private static final FloatImage IMAGE = TestImages.quadrants(20, 24, 3, 7);
    private static final SegmentMap GRID = new GridSegmenter(4).segment(IMAGE); // 5 x 6 = 30 segments

    /** Every pixel shows the image where its segment is kept and {@code fill} elsewhere. */
    private static void assertRendered(Perturbation p, float[] out, float[] fill) {
        float[] own = IMAGE.pixels();
        for (int px = 0; px < GRID.height() * GRID.width(); px++) {
            int s = GRID.view()[px];
            for (int c = 0; c < 3; c++) {
                float expected = p.isKept(s) ? own[px * 3 + c] : fill[px * 3 + c];
                assertEquals(expected, out[px * 3 + c], "pixel " + px + " channel " + c + " segment " + s);
            }
        }
    }

    @Test
    void anchorSegmentsAreNeverTouchedAndThePredicateMatrixSaysWhatIsKept() {
        ImageSampler sampler = new ImageSampler(GRID.count(), 0.5, 0);
        ImagePerturber perturber = new ImagePerturber(IMAGE, GRID, Fill.MEAN, null, List.of());
        int[] anchor = {3, 17, 29};
        Draw<Perturbation> d = sampler.draw(anchor, 200, new SplittableRandom(1));
        assertEquals(200, d.size());
        PredicateMatrix m = d.satisfied();
        long keptOutside = 0;
        for (int i = 0; i < d.size(); i++) {
            Perturbation p = d.samples().get(i);
            for (int s : anchor) {
                assertTrue(p.isKept(s));
            }
            for (int s = 0; s < GRID.count(); s++) {
                assertEquals(p.isKept(s), m.get(i, s), "row " + i + " predicate " + s);
                if (!p.isKept(s)) {
                    continue;
                }
                keptOutside += contains(anchor, s) ? 0 : 1;
            }
            assertEquals(-1, p.background());
            float[] out = perturber.render(p);
            for (int s : anchor) {
                for (int px : GRID.pixelsOf(s)) {
                    for (int c = 0; c < 3; c++) {
                        assertEquals(IMAGE.get(px / 24, px % 24, c), out[px * 3 + c]);
                    }
                }
            }
        }
        double share = keptOutside / (200.0 * (GRID.count() - anchor.length));
        assertEquals(0.5, share, 0.03, "each other segment kept with probability 1 - p_sample");
    }

    @Test
    void pSampleSetsHowOftenSegmentsAreSwitchedOffButNotTheCoverageSet() {
        ImageSampler sampler = new ImageSampler(GRID.count(), 0.2, 0);
        Draw<Perturbation> d = sampler.draw(new int[0], 500, new SplittableRandom(2));
        long kept = d.samples().stream().mapToLong(Perturbation::keptCount).sum();
        assertEquals(0.8, kept / (500.0 * GRID.count()), 0.02);

        PredicateMatrix cov = sampler.coverageSet(2000, new SplittableRandom(3));
        long set = 0;
        for (int i = 0; i < cov.rows(); i++) {
            for (int s = 0; s < GRID.count(); s++) {
                set += cov.get(i, s) ? 1 : 0;
            }
        }
        assertEquals(0.5, set / (2000.0 * GRID.count()), 0.01);
    }

    @Test
    void meanFillPaintsEachSwitchedOffSegmentInItsMeanColour() {
        ImagePerturber perturber = new ImagePerturber(IMAGE, GRID, Fill.MEAN, null, List.of());
        float[][] means = GRID.meanColours(IMAGE);
        float[] fill = new float[IMAGE.pixels().length];
        for (int px = 0; px < GRID.height() * GRID.width(); px++) {
            System.arraycopy(means[GRID.view()[px]], 0, fill, px * 3, 3);
        }
        Perturbation p = Perturbation.keeping(GRID.count(), -1, 0, 5, 6, 7);
        assertRendered(p, perturber.render(p), fill);
        Perturbation none = Perturbation.keeping(GRID.count(), -1);
        assertRendered(none, perturber.render(none), fill);
    }

    @Test
    void valueFillUsesOneValueOrOnePerChannel() {
        Perturbation p = Perturbation.keeping(GRID.count(), -1, 1, 2);
        float[] fill = new float[IMAGE.pixels().length];
        ImagePerturber grey = new ImagePerturber(IMAGE, GRID, Fill.VALUE, new float[] {0.5f}, List.of());
        java.util.Arrays.fill(fill, 0.5f);
        assertRendered(p, grey.render(p), fill);
        ImagePerturber rgb = new ImagePerturber(IMAGE, GRID, Fill.VALUE, new float[] {0f, 0.25f, 1f}, List.of());
        for (int i = 0; i < fill.length; i++) {
            fill[i] = new float[] {0f, 0.25f, 1f}[i % 3];
        }
        assertRendered(p, rgb.render(p), fill);
        assertThrows(IllegalArgumentException.class,
                () -> new ImagePerturber(IMAGE, GRID, Fill.VALUE, new float[] {1, 2}, List.of()));
    }

    @Test
    void backgroundFillCopiesTheSamePixelsOfTheDrawnBackground() {
        List<FloatImage> backgrounds = List.of(TestImages.quadrants(20, 24, 3, 100),
                TestImages.quadrants(20, 24, 3, 101), TestImages.quadrants(20, 24, 3, 102));
        ImagePerturber perturber = new ImagePerturber(IMAGE, GRID, Fill.BACKGROUND, null, backgrounds);
        ImageSampler sampler = new ImageSampler(GRID.count(), 0.5, perturber.backgroundCount());
        Draw<Perturbation> d = sampler.draw(new int[] {4}, 60, new SplittableRandom(4));
        int[] used = new int[3];
        for (Perturbation p : d.samples()) {
            used[p.background()]++;
            assertRendered(p, perturber.render(p), backgrounds.get(p.background()).pixels());
        }
        for (int u : used) {
            assertTrue(u > 5, "every background gets drawn");
        }
        assertThrows(IllegalArgumentException.class, () -> new ImagePerturber(IMAGE, GRID, Fill.BACKGROUND, null,
                List.of(TestImages.quadrants(20, 20, 3, 1))));
    }

    @Test
    void sameSeedSameSamples() {
        ImageSampler sampler = new ImageSampler(GRID.count(), 0.5, 2);
        assertEquals(sampler.draw(new int[] {1}, 50, new SplittableRandom(9)).samples(),
                sampler.draw(new int[] {1}, 50, new SplittableRandom(9)).samples());
    }

    private static boolean contains(int[] a, int v) {
        for (int x : a) {
            if (x == v) {
                return true;
            }
        }
        return false;
    }
}
