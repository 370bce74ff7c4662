package dev.anchorwatch.tabular;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DiscretizerTest {

    @Test
    void adultEdgesAreTheReferenceQuartiles() {
        Discretizer d = Discretizer.fit(Adult.TRAIN, null);
        assertArrayEquals(new double[]{28, 37, 47}, d.edges(Adult.AGE));
        assertArrayEquals(new double[]{0}, d.edges(Adult.CAPITAL_GAIN));
        assertArrayEquals(new double[]{0}, d.edges(Adult.CAPITAL_LOSS));
        assertArrayEquals(new double[]{40, 45}, d.edges(Adult.HOURS));
        for (int f : new int[]{1, 2, 3, 4, 5, 6, 7, 11}) {
            assertEquals(0, d.edges(f).length, "categorical feature " + f + " has no edges");
        }
        assertArrayEquals(new double[]{25, 50, 75}, d.percentiles());
    }

    @Test
    void adultEdgesMatchTheVendoredDiscretizerFile() {
        Discretizer d = Discretizer.fit(Adult.TRAIN, new double[]{25, 50, 75});
        JsonNode features = Adult.DISCRETIZER.get("features");
        features.fields().forEachRemaining(e -> {
            int f = Adult.TRAIN.featureNames().indexOf(e.getKey());
            JsonNode expected = e.getValue().get("quantile_edges");
            double[] want = new double[expected.size()];
            for (int i = 0; i < want.length; i++) {
                want[i] = expected.get(i).asDouble();
            }
            assertArrayEquals(want, d.edges(f), e.getKey());
        });
    }

    @Test
    void linearInterpolationBetweenSortedValues() {
        // h = 3 * 0.25 = 0.75 → 1 + 0.75·(2 − 1); h = 1.5 → 2.5; h = 2.25 → 3.25; the input order is irrelevant
        double[] column = {4, 1, 3, 2};
        assertArrayEquals(new double[]{1.75, 2.5, 3.25}, Discretizer.edges(column, new double[]{25, 50, 75}));
        assertArrayEquals(new double[]{4, 1, 3, 2}, column, "the column is not modified");
        assertArrayEquals(new double[]{1, 4}, Discretizer.edges(column, new double[]{100, 0}), "sorted");
    }

    @Test
    void interpolationIsBitForBitNumpys() {
        // expected values printed by numpy 2.4 np.percentile(column, q): NumPy interpolates from the nearer
        // neighbour, so a naive a + (b − a)·t gives 1.1544999999999996 and -5.686922000000001 here
        double[] column = {-25.557, 4.181, -5.678, -4.526, -2.156, -20.2, -2.319, -8.652, 33.23, 2.258};
        assertArrayEquals(new double[]{1.1545}, Discretizer.edges(column, new double[]{75}));
        assertArrayEquals(new double[]{-5.686922}, Discretizer.edges(column, new double[]{33.3}));
        double[] other = {-10.552, -3.908, 4.819, -2.386, 9.578, -1.998, 0.243, 15.458};
        assertArrayEquals(new double[]{-5.901199999999999}, Discretizer.edges(other, new double[]{10}));
    }

    @Test
    void duplicateEdgesAreRemoved() {
        double[] column = {0, 0, 0, 0, 0, 0, 5, 9};
        assertArrayEquals(new double[]{0, 1.25}, Discretizer.edges(column, new double[]{25, 50, 75}));
        assertArrayEquals(new double[]{7}, Discretizer.edges(new double[]{7}, new double[]{25, 50, 75}));
    }

    @Test
    void binCountsEdgesStrictlyBelow() {
        TabularData data = TabularData.of(java.util.List.of("x"), new double[][]{{1}, {2}, {3}, {4}}, null);
        Discretizer d = Discretizer.fit(data, null);
        assertArrayEquals(new double[]{1.75, 2.5, 3.25}, d.edges(0));
        assertEquals(0, d.bin(0, -100));
        assertEquals(0, d.bin(0, 1.75), "a value equal to an edge falls in the lower bin");
        assertEquals(1, d.bin(0, Math.nextUp(1.75)));
        assertEquals(1, d.bin(0, 2.5));
        assertEquals(2, d.bin(0, 3));
        assertEquals(2, d.bin(0, 3.25));
        assertEquals(3, d.bin(0, 3.26));
    }

    @Test
    void adultBinsFollowTheEdges() {
        Discretizer d = Discretizer.fit(Adult.TRAIN, null);
        assertEquals(0, d.bin(Adult.AGE, 28));
        assertEquals(1, d.bin(Adult.AGE, 29));
        assertEquals(2, d.bin(Adult.AGE, 47));
        assertEquals(3, d.bin(Adult.AGE, 48));
        assertEquals(0, d.bin(Adult.CAPITAL_GAIN, 0));
        assertEquals(1, d.bin(Adult.CAPITAL_GAIN, 1));
    }

    @Test
    void percentilesAreValidated() {
        TabularData data = TabularData.of(java.util.List.of("x"), new double[][]{{1}, {2}}, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Discretizer.fit(data, new double[]{50, 101}));
        assertTrue(e.getMessage().contains("101"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Discretizer.fit(data, new double[0]));
        assertThrows(IllegalArgumentException.class, () -> Discretizer.fit(data, new double[]{Double.NaN}));
    }
}
