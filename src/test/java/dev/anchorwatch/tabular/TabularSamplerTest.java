package dev.anchorwatch.tabular;

import dev.anchorwatch.anchor.Draw;
import dev.anchorwatch.anchor.PredicateMatrix;
import dev.anchorwatch.tabular.TabularPredicate.Kind;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TabularSamplerTest {
    private static final Discretizer ADULT = Discretizer.fit(Adult.TRAIN, null);

    private static TabularSampler sampler(TabularData data, Discretizer d, double[] instance) {
        return new TabularSampler(data, TabularPredicates.forInstance(data, d, instance));
    }

    private static int find(TabularPredicates ps, int feature, Kind kind, double value) {
        return IntStream.range(0, ps.size())
                .filter(p -> ps.get(p).feature() == feature && ps.get(p).kind() == kind && ps.get(p).value() == value)
                .findFirst().orElseThrow(() -> new AssertionError("no such predicate in " + ps));
    }

    /** Every sample satisfies the anchor, and the matrix says exactly which predicates each sample satisfies. */
    private static void assertValid(Draw<double[]> draw, TabularPredicates ps, int[] anchor, int n) {
        assertEquals(n, draw.size());
        PredicateMatrix m = draw.satisfied();
        assertEquals(ps.size(), m.predicates());
        for (int i = 0; i < n; i++) {
            double[] s = draw.samples().get(i);
            for (int p : anchor) {
                assertTrue(ps.get(p).test(s), "sample " + i + " " + Arrays.toString(s) + " violates " + ps.get(p));
            }
            for (int p = 0; p < ps.size(); p++) {
                assertEquals(ps.get(p).test(s), m.get(i, p), "matrix cell (" + i + ", " + p + ")");
            }
            assertTrue(m.satisfiesAll(i, PredicateMatrix.mask(ps.size(), anchor)));
        }
    }

    @Test
    void everySampleSatisfiesRandomAnchorsOnAdult() {
        SplittableRandom rng = new SplittableRandom(11);
        for (int r = 0; r < 40; r++) {
            double[] x = Adult.TEST.row(r);
            TabularPredicates ps = TabularPredicates.forInstance(Adult.TRAIN, ADULT, x);
            TabularSampler sampler = new TabularSampler(Adult.TRAIN, ps);
            for (int a = 0; a < 8; a++) {
                int size = 1 + rng.nextInt(Math.min(8, ps.size()));
                int[] anchor = Arrays.copyOf(randomOrder(IntStream.range(0, ps.size()).toArray(), rng), size);
                assertValid(sampler.draw(anchor, 150, rng), ps, anchor, 150);
            }
        }
    }

    private static int[] randomOrder(int[] a, SplittableRandom rng) {
        int[] b = a.clone();
        for (int i = b.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = b[i];
            b[i] = b[j];
            b[j] = t;
        }
        return b;
    }

    @Test
    void emptyAnchorDrawsTrainingRows() {
        Set<List<Double>> training = new HashSet<>();
        for (int r = 0; r < Adult.TRAIN.rowCount(); r++) {
            training.add(boxed(Adult.TRAIN.row(r)));
        }
        TabularPredicates ps = TabularPredicates.forInstance(Adult.TRAIN, ADULT, Adult.TEST_ROW_0);
        Draw<double[]> draw = new TabularSampler(Adult.TRAIN, ps).draw(new int[0], 500, new SplittableRandom(3));
        assertValid(draw, ps, new int[0], 500);
        Set<List<Double>> distinct = new HashSet<>();
        for (double[] s : draw.samples()) {
            assertTrue(training.contains(boxed(s)), "not a training row: " + Arrays.toString(s));
            distinct.add(boxed(s));
        }
        assertTrue(distinct.size() > 450, "rows are drawn at random, not repeated: " + distinct.size());
    }

    private static List<Double> boxed(double[] row) {
        return Arrays.stream(row).boxed().toList();
    }

    @Test
    void anchorFeaturesComeTogetherFromOneRowSatisfyingTheWholeAnchor() {
        TabularPredicates ps = TabularPredicates.forInstance(Adult.TRAIN, ADULT, Adult.TEST_ROW_0);
        int age = find(ps, Adult.AGE, Kind.GT, 47);
        int hours = find(ps, Adult.HOURS, Kind.GT, 45);
        int married = find(ps, Adult.MARITAL_STATUS, Kind.EQ, 2);
        Set<List<Double>> jointRows = new HashSet<>();
        Set<Double> marriedAges = new HashSet<>();
        for (int r = 0; r < Adult.TRAIN.rowCount(); r++) {
            double[] row = Adult.TRAIN.row(r);
            if (ps.get(age).test(row) && ps.get(hours).test(row) && ps.get(married).test(row)) {
                jointRows.add(List.of(row[Adult.AGE], row[Adult.HOURS], row[Adult.MARITAL_STATUS]));
            }
        }
        assertTrue(jointRows.size() > 20, "the whole anchor has support in training: " + jointRows.size());
        int[] anchor = {age, hours, married};
        Draw<double[]> draw = new TabularSampler(Adult.TRAIN, ps).draw(anchor, 60, new SplittableRandom(5));
        assertValid(draw, ps, anchor, 60);
        Set<Double> otherFeature = new HashSet<>();
        for (double[] s : draw.samples()) {
            assertTrue(jointRows.contains(List.of(s[Adult.AGE], s[Adult.HOURS], s[Adult.MARITAL_STATUS])),
                    "anchor values not from one matching row: " + Arrays.toString(s));
            otherFeature.add(s[Adult.SEX]);
        }
        assertEquals(2, otherFeature.size(), "features outside the anchor still vary");
    }

    /** 100 rows whose numeric values identify their row: C = r, D = 1000 + (37 r mod 100). */
    private static TabularData traceable() {
        double[][] rows = new double[100][];
        for (int r = 0; r < 100; r++) {
            rows[r] = new double[]{r, 1000 + (37 * r % 100), r % 2};
        }
        // E is categorical with a third category that no training row has
        return TabularData.of(List.of("C", "D", "E"), rows, Map.of(2, List.of("a", "b", "never seen")));
    }

    @Test
    void rareAnchorUsesEveryMatchingRowThenShorterPrefixes() {
        TabularData data = traceable();
        Discretizer d = Discretizer.fit(data, new double[]{50}); // C > 49.5, D <= 1049.5
        TabularPredicates ps = TabularPredicates.forInstance(data, d, new double[]{80, 1010, 0});
        int c = find(ps, 0, Kind.GT, 49.5);
        int dd = find(ps, 1, Kind.LEQ, 1049.5);
        Set<Integer> full = new HashSet<>();
        for (int r = 0; r < 100; r++) {
            if (r > 49.5 && 1000 + (37 * r % 100) <= 1049.5) {
                full.add(r);
            }
        }
        assertEquals(24, full.size());
        int[] anchor = {c, dd};
        int n = 200; // > 24 whole-anchor rows, > 50 rows for the prefix [C]: all three levels are used
        Draw<double[]> draw = new TabularSampler(data, ps).draw(anchor, n, new SplittableRandom(9));
        assertValid(draw, ps, anchor, n);
        Set<Integer> fullRowsSeen = new HashSet<>();
        int sameRow = 0;
        Set<Integer> prefixRows = new HashSet<>();
        for (double[] s : draw.samples()) {
            int r = (int) s[0];
            if (s[1] == 1000 + (37 * r % 100)) { // C and D from the same training row
                sameRow++;
                if (full.contains(r)) {
                    fullRowsSeen.add(r);
                }
            }
            prefixRows.add(r);
        }
        assertEquals(full, fullRowsSeen, "every row satisfying the whole anchor is used");
        assertTrue(sameRow < n / 2, "the rest mixes values of different rows: " + sameRow);
        assertEquals(50, prefixRows.size(), "every row satisfying the prefix [C > 49.5] is used");

        // with enough whole-anchor rows, there is no mixing at all
        draw = new TabularSampler(data, ps).draw(anchor, 24, new SplittableRandom(10));
        for (double[] s : draw.samples()) {
            assertTrue(full.contains((int) s[0]) && s[1] == 1000 + (37 * (int) s[0] % 100), Arrays.toString(s));
        }
    }

    @Test
    void categoryNeverSeenInTrainingIsSetDirectly() {
        TabularData data = traceable();
        Discretizer d = Discretizer.fit(data, new double[]{50});
        TabularPredicates ps = TabularPredicates.forInstance(data, d, new double[]{80, 1010, 2});
        int unseen = find(ps, 2, Kind.EQ, 2);
        int c = find(ps, 0, Kind.GT, 49.5);
        TabularSampler sampler = new TabularSampler(data, ps);
        assertEquals(0, sampler.trainingSupport(unseen));
        Draw<double[]> draw = sampler.draw(new int[]{unseen}, 100, new SplittableRandom(1));
        assertValid(draw, ps, new int[]{unseen}, 100);
        assertTrue(draw.samples().stream().mapToDouble(s -> s[0]).distinct().count() > 40, "others vary");
        // with a second feature that has rows: its values still come from them
        int[] anchor = {c, unseen};
        draw = sampler.draw(anchor, 100, new SplittableRandom(2));
        assertValid(draw, ps, anchor, 100);
        assertTrue(draw.samples().stream().allMatch(s -> s[0] == Math.rint(s[0])), "C values are training values");
    }

    @Test
    void emptyNumericBinIsDrawnUniformlyInsideIt() {
        double[][] rows = new double[100][];
        for (int r = 0; r < 100; r++) {
            rows[r] = new double[]{r < 50 ? 0 : 10, r};
        }
        TabularData data = TabularData.of(List.of("G", "id"), rows, null);
        Discretizer d = Discretizer.fit(data, null);
        assertArrayEquals(new double[]{0, 5, 10}, d.edges(0), "no training value lies in (0, 5]");
        TabularPredicates ps = TabularPredicates.forInstance(data, d, new double[]{3, 7});
        int gt0 = find(ps, 0, Kind.GT, 0);
        int le5 = find(ps, 0, Kind.LEQ, 5);
        int[] anchor = {gt0, le5};
        Draw<double[]> draw = new TabularSampler(data, ps).draw(anchor, 2000, new SplittableRandom(4));
        assertValid(draw, ps, anchor, 2000);
        double[] g = draw.samples().stream().mapToDouble(s -> s[0]).toArray();
        double mean = Arrays.stream(g).average().orElseThrow();
        assertEquals(2.5, mean, 0.15, "uniform on (0, 5]");
        assertTrue(Arrays.stream(g).min().orElseThrow() < 0.1 && Arrays.stream(g).max().orElseThrow() > 4.9);
    }

    @Test
    void unboundedEmptyBinIsClosedAtTheInstance() {
        double[][] rows = new double[20][];
        for (int r = 0; r < 20; r++) {
            rows[r] = new double[]{r};
        }
        TabularData data = TabularData.of(List.of("x"), rows, null);
        Discretizer d = Discretizer.fit(data, new double[]{50, 100}); // edges 9.5 and 19 = the maximum
        TabularPredicates ps = TabularPredicates.forInstance(data, d, new double[]{40});
        int above = find(ps, 0, Kind.GT, 19);
        Draw<double[]> draw = new TabularSampler(data, ps).draw(new int[]{above}, 500, new SplittableRandom(6));
        assertValid(draw, ps, new int[]{above}, 500);
        assertTrue(draw.samples().stream().allMatch(s -> s[0] > 19 && s[0] <= 40));
    }

    @Test
    void coverageSetIsTrainingRowsWithReplacement() {
        TabularPredicates ps = TabularPredicates.forInstance(Adult.TRAIN, ADULT, Adult.TEST_ROW_0);
        TabularSampler sampler = new TabularSampler(Adult.TRAIN, ps);
        PredicateMatrix m = sampler.coverageSet(20_000, new SplittableRandom(8));
        assertEquals(20_000, m.rows());
        assertEquals(sampler.coverageSet(20_000, new SplittableRandom(8)), m, "same seed, same set");
        int gt28 = find(ps, Adult.AGE, Kind.GT, 28);
        int gt47 = find(ps, Adult.AGE, Kind.GT, 47);
        for (int p = 0; p < ps.size(); p++) {
            int hits = 0;
            for (int i = 0; i < m.rows(); i++) {
                hits += m.get(i, p) ? 1 : 0;
            }
            double expected = (double) sampler.trainingSupport(p) / Adult.TRAIN.rowCount();
            assertEquals(expected, hits / 20_000.0, 0.015, "share of rows satisfying " + ps.get(p));
        }
        for (int i = 0; i < m.rows(); i++) {
            assertTrue(!m.get(i, gt47) || m.get(i, gt28), "rows are real: Age > 47 implies Age > 28");
        }
    }

    @Test
    void sameSeedSameDrawAndBadArgumentsFail() {
        TabularPredicates ps = TabularPredicates.forInstance(Adult.TRAIN, ADULT, Adult.TEST_ROW_0);
        TabularSampler sampler = new TabularSampler(Adult.TRAIN, ps);
        int[] anchor = {0, 5};
        Draw<double[]> a = sampler.draw(anchor, 50, new SplittableRandom(42));
        Draw<double[]> b = sampler.draw(anchor, 50, new SplittableRandom(42));
        for (int i = 0; i < 50; i++) {
            assertArrayEquals(a.samples().get(i), b.samples().get(i));
        }
        assertEquals(0, sampler.draw(anchor, 0, new SplittableRandom(1)).size());
        assertThrows(IndexOutOfBoundsException.class, () -> sampler.draw(new int[]{ps.size()}, 5, new SplittableRandom(1)));
        assertThrows(IllegalArgumentException.class, () -> sampler.draw(anchor, -1, new SplittableRandom(1)));
    }
}
