package dev.anchorwatch.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

class SegmentationTest {

    /** Labels are exactly 0..K−1, each used, and the lists of members agree with the map. */
    static void assertContiguous(SegmentMap m) {
        int[] labels = m.labels();
        Set<Integer> seen = new HashSet<>();
        for (int l : labels) {
            assertTrue(l >= 0 && l < m.count(), "label " + l + " outside 0.." + (m.count() - 1));
            seen.add(l);
        }
        assertEquals(m.count(), seen.size(), "every label 0..K-1 is used");
        int total = 0;
        for (int s = 0; s < m.count(); s++) {
            for (int p : m.pixelsOf(s)) {
                assertEquals(s, labels[p]);
            }
            total += m.size(s);
        }
        assertEquals(labels.length, total);
    }

    @Test
    void slicDefaultsGiveScikitImagesLabelsOnTheVendoredFashionImages() throws Exception {
        List<int[]> expected = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                getClass().getResourceAsStream("/image/skimage_slic_fmnist_first10.txt"), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (!line.startsWith("#")) {
                    expected.add(Arrays.stream(line.trim().split(" ")).mapToInt(Integer::parseInt).toArray());
                }
            }
        }
        List<FloatImage> images = TestImages.fashion();
        assertEquals(10, expected.size());
        for (int i = 0; i < 10; i++) {
            SegmentMap m = new SlicSegmenter().segment(images.get(i));
            assertArrayEquals(expected.get(i), m.labels(), "image " + i + ": labels as scikit-image's slic gives them");
            assertContiguous(m);
        }
        // image 0 (an ankle boot): 8 superpixels, as scikit-image gives (BoofCV's SLIC gave 5 to 8)
        assertEquals(8, new SlicSegmenter().segment(images.get(0)).count());
    }

    @Test
    void regularGridPlacesSeedsAsScikitImageDoes() {
        // 28x28 (depth 1), 10 segments: a 3x3 grid from 4 with step 9
        int[][] g = SlicSegmenter.regularGrid(new int[] {1, 28, 28}, 10);
        assertArrayEquals(new int[] {0, 4, 4}, g[0]);
        assertArrayEquals(new int[] {1, 9, 9}, g[1]);
        // 299x299: start 47, step 95 (sqrt(8940.1) = 94.55)
        g = SlicSegmenter.regularGrid(new int[] {1, 299, 299}, 10);
        assertArrayEquals(new int[] {0, 47, 47}, g[0]);
        assertArrayEquals(new int[] {1, 95, 95}, g[1]);
        // scikit-image's documented examples
        g = SlicSegmenter.regularGrid(new int[] {20, 40}, 8);
        assertArrayEquals(new int[] {5, 5}, g[0]);
        assertArrayEquals(new int[] {10, 10}, g[1]);
        g = SlicSegmenter.regularGrid(new int[] {3, 20, 40}, 8);
        assertArrayEquals(new int[] {1, 5, 5}, g[0]);
        assertArrayEquals(new int[] {3, 10, 10}, g[1]);
        g = SlicSegmenter.regularGrid(new int[] {20, 40}, 32);
        assertArrayEquals(new int[] {2, 2}, g[0]);
        assertArrayEquals(new int[] {5, 5}, g[1]);
        // more points than pixels: every pixel
        g = SlicSegmenter.regularGrid(new int[] {1, 2, 2}, 10);
        assertArrayEquals(new int[] {1, 1, 1}, g[1]);
    }

    @Test
    void connectivitySplitsDisconnectedLabelsAndMergesSmallOnes() {
        // label 0 in two separate pieces, label 1 between them; a single pixel of label 2 inside label 1
        int[] labels = {
            0, 0, 1, 1, 0, 0,
            0, 0, 1, 2, 0, 0,
            0, 0, 1, 1, 0, 0};
        // min size 2: the lone pixel joins the last labelled neighbour its search met (component 1)
        assertArrayEquals(new int[] {
            0, 0, 1, 1, 2, 2,
            0, 0, 1, 1, 2, 2,
            0, 0, 1, 1, 2, 2}, SlicSegmenter.connect(labels, 3, 6, 2, 100));
        // min size 0 keeps it; max size 4 stops each breadth-first search at 4 pixels, the rest of a region
        // starting components of their own (expected values from scikit-image 0.19.3's connectivity step)
        assertArrayEquals(new int[] {
            0, 0, 1, 1, 2, 2,
            0, 0, 1, 3, 2, 2,
            4, 4, 1, 5, 6, 6}, SlicSegmenter.connect(labels, 3, 6, 0, 4));
    }

    @Test
    void labOfGreysAndPrimariesIsCieLab() {
        float[] lab = SlicSegmenter.lab(new FloatImage(1, 3, 3, new float[] {1, 1, 1, 0, 0, 0, 1, 0, 0}));
        assertEquals(100, lab[0], 1e-3);
        assertEquals(0, lab[1], 0.01);
        assertEquals(0, lab[2], 0.01);
        assertEquals(0, lab[3], 1e-6);
        assertEquals(53.24, lab[6], 0.01); // sRGB red: L* 53.24, a* 80.09, b* 67.20
        assertEquals(80.09, lab[7], 0.01);
        assertEquals(67.20, lab[8], 0.01);
    }

    @Test
    void slicDefaultsOnAColourImageGiveRoughlyTenContiguousLabels() {
        FloatImage img = TestImages.quadrants(64, 64, 3, 1);
        SegmentMap m = new SlicSegmenter().segment(img);
        assertContiguous(m);
        assertTrue(m.count() >= 4 && m.count() <= 20, "about 10 segments, got " + m.count());
    }

    @Test
    void slicRespectsRequestedCountOnA299Image() {
        SegmentMap big = new SlicSegmenter(50, 10, 0.5, 10).segment(TestImages.quadrants(299, 299, 3, 2));
        assertContiguous(big);
        assertTrue(big.count() >= 25 && big.count() <= 75, "about 50 segments, got " + big.count());
    }

    @Test
    void slicOnAColourImageAgreesWithScikitImage() throws Exception {
        int[] expected;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                getClass().getResourceAsStream("/image/skimage_slic_discs_40x48.txt"), StandardCharsets.UTF_8))) {
            r.readLine();
            expected = Arrays.stream(r.readLine().trim().split(" ")).mapToInt(Integer::parseInt).toArray();
        }
        SegmentMap m = new SlicSegmenter().segment(SegmentationTestImages.discs(40, 48));
        assertContiguous(m);
        assertEquals(7, m.count(), "scikit-image gives 7 superpixels");
        // flat colours make exact distance ties, which last-bit differences of float32 pow/cbrt (numpy's against
        // Java's, and between numpy builds) can break the other way: the labels agree on 95% of the pixels
        int[] labels = m.labels();
        int same = 0;
        for (int p = 0; p < labels.length; p++) {
            same += labels[p] == expected[p] ? 1 : 0;
        }
        assertTrue(same >= 0.95 * labels.length, "agreement with scikit-image: " + same + " of " + labels.length);
    }

    @Test
    void gridIsExact() {
        SegmentMap m = new GridSegmenter(4).segment(TestImages.fashion().get(0));
        assertEquals(49, m.count());
        assertContiguous(m);
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                assertEquals((y / 4) * 7 + x / 4, m.label(y, x));
            }
        }
        // uneven division: 10x10 with cells of 4 -> 3x3 cells, the last ones 2 pixels wide
        SegmentMap uneven = new GridSegmenter(4).segment(new FloatImage(10, 10, 1, new float[100]));
        assertEquals(9, uneven.count());
        assertEquals(16, uneven.size(0));
        assertEquals(4, uneven.size(8));
    }

    @Test
    void felzenszwalbGivesContiguousLabelsAndSeparatesQuadrants() {
        SegmentMap m = new FelzenszwalbSegmenter(100, 0.8, 20).segment(TestImages.quadrants(48, 48, 3, 4));
        assertContiguous(m);
        assertTrue(m.count() >= 4, "at least the four quadrants, got " + m.count());
        assertTrue(m.label(0, 0) != m.label(47, 47));
        assertContiguous(new FelzenszwalbSegmenter(300, 0.8, 10).segment(TestImages.fashion().get(1)));
    }

    @Test
    void relabellingIsInOrderOfFirstAppearance() {
        SegmentMap m = SegmentMap.of(2, 3, new int[] {7, 7, -2, 40, 7, -2});
        assertEquals(3, m.count());
        assertArrayEquals(new int[] {0, 0, 1, 2, 0, 1}, m.labels());
    }
}
