package dev.anchorwatch.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
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
    void slicDefaultsOnAColourImageGiveRoughlyTenContiguousLabels() {
        FloatImage img = TestImages.quadrants(64, 64, 3, 1);
        SegmentMap m = new SlicSegmenter().segment(img);
        assertContiguous(m);
        assertTrue(m.count() >= 4 && m.count() <= 20, "about 10 segments, got " + m.count());
    }

    @Test
    void slicRespectsRequestedCountOnA299ImageAndSegmentsGrayscale() {
        SegmentMap big = new SlicSegmenter(50, 10, 0.5, 10).segment(TestImages.quadrants(299, 299, 3, 2));
        assertContiguous(big);
        assertTrue(big.count() >= 25 && big.count() <= 75, "about 50 segments, got " + big.count());

        for (FloatImage f : TestImages.fashion().subList(0, 3)) {
            SegmentMap m = new SlicSegmenter().segment(f);
            assertContiguous(m);
            assertTrue(m.count() >= 2 && m.count() <= 20, "28x28 grayscale: got " + m.count());
        }
    }

    @Test
    void slicSegmentsFollowColourEdges() {
        // two halves of very different colour: no segment should straddle the middle column much
        SegmentMap m = new SlicSegmenter(8, 10, 0.5, 10).segment(TestImages.quadrants(64, 64, 3, 3));
        int straddling = 0;
        for (int s = 0; s < m.count(); s++) {
            boolean left = false;
            boolean right = false;
            for (int p : m.pixelsOf(s)) {
                int x = p % 64;
                left |= x < 30;
                right |= x >= 34;
            }
            straddling += left && right ? 1 : 0;
        }
        assertEquals(0, straddling, "no superpixel crosses a colour edge");
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
