package dev.anchorwatch.tabular;

import com.fasterxml.jackson.databind.JsonNode;
import dev.anchorwatch.tabular.TabularPredicate.Kind;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TabularPredicatesTest {
    private static final Discretizer ADULT = Discretizer.fit(Adult.TRAIN, null);

    private static TabularPredicates adult(double[] instance) {
        return TabularPredicates.forInstance(Adult.TRAIN, ADULT, instance);
    }

    /** Index of the predicate on {@code feature} with the given kind and value. */
    private static int find(TabularPredicates ps, int feature, Kind kind, double value) {
        for (int p = 0; p < ps.size(); p++) {
            TabularPredicate pr = ps.get(p);
            if (pr.feature() == feature && pr.kind() == kind && pr.value() == value) {
                return p;
            }
        }
        throw new AssertionError("no predicate " + feature + " " + kind + " " + value + " in " + ps);
    }

    @Test
    void adultInstanceGetsOnePredicatePerCategoryAndPerEdge() {
        TabularPredicates ps = adult(Adult.TEST_ROW_0);
        List<TabularPredicate> expected = List.of(
                new TabularPredicate(0, Kind.GT, 28), new TabularPredicate(0, Kind.GT, 37),
                new TabularPredicate(0, Kind.GT, 47),
                new TabularPredicate(1, Kind.EQ, 4), new TabularPredicate(2, Kind.EQ, 0),
                new TabularPredicate(3, Kind.EQ, 2), new TabularPredicate(4, Kind.EQ, 8),
                new TabularPredicate(5, Kind.EQ, 4), new TabularPredicate(6, Kind.EQ, 2),
                new TabularPredicate(7, Kind.EQ, 0),
                new TabularPredicate(8, Kind.LEQ, 0), new TabularPredicate(9, Kind.LEQ, 0),
                new TabularPredicate(10, Kind.GT, 40), new TabularPredicate(10, Kind.GT, 45),
                new TabularPredicate(11, Kind.EQ, 9));
        assertEquals(expected, ps.list());
    }

    @Test
    void everyPredicateIsTrueForItsInstance() {
        for (int r = 0; r < 200; r++) {
            double[] x = Adult.TEST.row(r);
            TabularPredicates ps = adult(x);
            for (TabularPredicate p : ps.list()) {
                assertTrue(p.test(x), "row " + r + ": " + p);
            }
            // a value equal to an edge is "<= edge" (lower bin)
        }
        double[] atEdge = Adult.TEST_ROW_0.clone();
        atEdge[Adult.AGE] = 37;
        TabularPredicates ps = adult(atEdge);
        assertEquals(List.of(new TabularPredicate(0, Kind.GT, 28), new TabularPredicate(0, Kind.LEQ, 37),
                new TabularPredicate(0, Kind.LEQ, 47)), ps.list().subList(0, 3));
    }

    @Test
    void predicateTests() {
        assertTrue(new TabularPredicate(0, Kind.LEQ, 2).test(2));
        assertFalse(new TabularPredicate(0, Kind.GT, 2).test(2));
        assertTrue(new TabularPredicate(0, Kind.GT, 2).test(Math.nextUp(2.0)));
        assertTrue(new TabularPredicate(0, Kind.EQ, 3).test(new double[]{3}));
        assertFalse(new TabularPredicate(0, Kind.EQ, 3).test(new double[]{2}));
    }

    @Test
    void namesOfOneSidedAndCategoricalAnchors() {
        TabularPredicates ps = adult(Adult.TEST_ROW_0);
        int age47 = find(ps, Adult.AGE, Kind.GT, 47);
        int separated = find(ps, Adult.MARITAL_STATUS, Kind.EQ, 2);
        int female = find(ps, Adult.SEX, Kind.EQ, 0);
        int gain = find(ps, Adult.CAPITAL_GAIN, Kind.LEQ, 0);
        int[] anchor = {separated, age47, female, gain};
        assertEquals(List.of("Marital Status = Separated", "Age > 47", "Sex = Female", "Capital Gain <= 0"),
                ps.names(anchor));
        assertArrayEquals(new int[]{Adult.MARITAL_STATUS, Adult.AGE, Adult.SEX, Adult.CAPITAL_GAIN},
                ps.features(anchor));
        assertEquals(List.of(), ps.names(new int[0]));
    }

    @Test
    void twoBoundsOfOneFeatureMakeOneRangeNameWithTheTightestBounds() {
        double[] x = Adult.TEST_ROW_0.clone();
        x[Adult.AGE] = 30; // predicates: > 28, <= 37, <= 47
        x[Adult.HOURS] = 42; // > 40, <= 45
        TabularPredicates ps = adult(x);
        int gt28 = find(ps, Adult.AGE, Kind.GT, 28);
        int le37 = find(ps, Adult.AGE, Kind.LEQ, 37);
        int le47 = find(ps, Adult.AGE, Kind.LEQ, 47);
        int h40 = find(ps, Adult.HOURS, Kind.GT, 40);
        int h45 = find(ps, Adult.HOURS, Kind.LEQ, 45);
        assertEquals(List.of("Age <= 47"), ps.names(new int[]{le47}));
        assertEquals(List.of("28 < Age <= 47"), ps.names(new int[]{le47, gt28}));
        assertEquals(List.of("28 < Age <= 37"), ps.names(new int[]{le47, gt28, le37}));
        // one name per feature, in order of first appearance; raw.feature keeps one entry per predicate
        int[] anchor = {h45, le47, h40, gt28};
        assertEquals(List.of("40 < Hours per week <= 45", "28 < Age <= 47"), ps.names(anchor));
        assertArrayEquals(new int[]{Adult.HOURS, Adult.AGE, Adult.HOURS, Adult.AGE}, ps.features(anchor));
    }

    @Test
    void everyAdultBinNameIsTheReferenceNameWithIntegerThresholds() {
        // adult_discretizer.json lists the reference's name of each bin ("Age <= 28.00"); every Adult numeric
        // feature is integer-valued, so ours is the same rule with integer thresholds ("Age <= 28")
        JsonNode features = Adult.DISCRETIZER.get("features");
        List<String> checked = new ArrayList<>();
        features.fields().forEachRemaining(e -> {
            int f = Adult.TRAIN.featureNames().indexOf(e.getKey());
            double[] edges = ADULT.edges(f);
            JsonNode binNames = e.getValue().get("bin_names");
            for (int b = 0; b <= edges.length; b++) {
                double[] x = Adult.TEST_ROW_0.clone();
                x[f] = b < edges.length ? edges[b] : edges[edges.length - 1] + 1;
                TabularPredicates ps = adult(x);
                int[] all = IntStream.range(0, ps.size()).filter(p -> ps.get(p).feature() == f).toArray();
                assertEquals(binNames.get(b).asText().replace(".00", ""), ps.names(all).get(0));
                checked.add(ps.names(all).get(0));
            }
        });
        assertEquals(11, checked.size(), checked.toString());
    }

    private static TabularPredicates oneFeature(String name, double[] column, double instance) {
        double[][] rows = new double[column.length][];
        for (int i = 0; i < column.length; i++) {
            rows[i] = new double[]{column[i]};
        }
        TabularData data = TabularData.of(List.of(name), rows, null);
        return TabularPredicates.forInstance(data, Discretizer.fit(data, new double[]{50}), new double[]{instance});
    }

    @Test
    void thresholdIsTheShortestDecimalSelectingTheSameTrainingRows() {
        // the issue's case: a cut at 0.01082 with training values on both sides close by; two decimals
        // ("> 0.01") would select other rows, the printed threshold must not
        double[] column = {0.0, 0.0099, 0.0105, 0.01114, 0.0112, 0.02};
        TabularPredicates ps = oneFeature("Dose", column, 0.3);
        assertEquals(0.01082, ps.get(0).value(), 1e-15, "median of the column");
        // 0.011 lies in [0.0105, 0.01114): the same rows; "0.01" would also select 0.0105
        assertEquals(List.of("Dose > 0.011"), ps.names(new int[]{0}));
        assertEquals(List.of("Dose <= 0.011"), oneFeature("Dose", column, 0.0).names(new int[]{0}));
        // interpolated edge (37.5) between integer values: an integer, the one nearest the cut
        assertEquals(List.of("Age <= 37"), oneFeature("Age", new double[]{30, 37, 38, 50}, 20).names(new int[]{0}));
        assertEquals(List.of("Age > 37"), oneFeature("Age", new double[]{30, 37, 38, 50}, 40).names(new int[]{0}));
        assertEquals(List.of("Age > 38"), oneFeature("Age", new double[]{30, 37, 40, 50}, 39).names(new int[]{0}));
        // the instance always satisfies the printed rule, even when it is not a training value: 37.4 <= 37 is
        // false, so the rule keeps a decimal
        assertEquals(List.of("Age <= 37.5"),
                oneFeature("Age", new double[]{30, 37, 38, 50}, 37.4).names(new int[]{0}));
        // a wide gap: zero, not a long decimal
        assertEquals(List.of("Gain <= 0"), oneFeature("Gain", new double[]{0, 0, 0, 114, 5000}, 0)
                .names(new int[]{0}));
    }

    @Test
    void shortestInPrefersFewDigitsThenTheValueNearestTheCut() {
        assertEquals("28", TabularPredicates.shortestIn(28, 29, 28));
        assertEquals("0", TabularPredicates.shortestIn(0, 114, 0));
        assertEquals("0", TabularPredicates.shortestIn(-0.0, 1, -0.0));
        assertEquals("38", TabularPredicates.shortestIn(37.2, 38.5, 37.9)); // 38 is nearer than none below
        assertEquals("37.5", TabularPredicates.shortestIn(37.2, 37.95, 37.5));
        assertEquals("-3", TabularPredicates.shortestIn(-3.5, -2.5, -3.1));
        assertEquals("0.3333333333333333", TabularPredicates.shortestIn(1.0 / 3, Math.nextUp(1.0 / 3), 1.0 / 3));
        assertEquals("123456789", TabularPredicates.shortestIn(123456788.5, 123456789.5, 123456789.25));
        assertThrows(IllegalArgumentException.class, () -> TabularPredicates.shortestIn(1, 2, 2));
    }

    @Test
    void categoriesThatCouldBeMisreadAreQuoted() {
        TabularData data = TabularData.of(List.of("Income", "Bucket"),
                new double[][]{{1, 0}, {2, 1}, {3, 2}, {4, 3}, {5, 4}},
                Map.of(1, List.of("<100", ">=100 and <1000", "say \"hi\"", "plain value", "a AND b")));
        Discretizer d = Discretizer.fit(data, null);
        List<String> expected = List.of("Bucket = \"<100\"", "Bucket = \">=100 and <1000\"",
                "Bucket = \"say \\\"hi\\\"\"", "Bucket = plain value", "Bucket = \"a AND b\"");
        for (int code = 0; code < expected.size(); code++) {
            TabularPredicates ps = TabularPredicates.forInstance(data, d, new double[]{2, code});
            int bucket = IntStream.range(0, ps.size()).filter(p -> ps.get(p).feature() == 1).findFirst().orElseThrow();
            assertEquals(List.of(expected.get(code)), ps.names(new int[]{bucket}));
        }
        assertEquals("\"\"", TabularPredicates.category(""));
        assertEquals("\" x\"", TabularPredicates.category(" x"));
        assertEquals("Never-married", TabularPredicates.category("Never-married"));
    }

    @Test
    void everyThresholdOfEveryShippedDataSetSelectsExactlyTheTestedRows() {
        // Adult train and test (the data sets the project ships), every numeric feature, every edge, both
        // sides: instances are every row of both sets plus every edge and its neighbours
        for (TabularData data : List.of(Adult.TRAIN, Adult.TEST)) {
            Discretizer d = Discretizer.fit(data, null);
            int checked = checkEveryThreshold(data, d, allInstances(data, d));
            assertTrue(checked > 500, "thresholds checked: " + checked); // 11 edges x sides x distinct values
        }
    }

    /** Every row of data, and each edge and its neighbouring doubles put into row 0. */
    private static List<double[]> allInstances(TabularData data, Discretizer d) {
        List<double[]> xs = new ArrayList<>();
        for (int r = 0; r < data.rowCount(); r++) {
            xs.add(data.row(r));
        }
        for (int f = 0; f < data.featureCount(); f++) {
            for (double e : d.edges(f)) {
                for (double v : new double[]{e, Math.nextDown(e), Math.nextUp(e), e - 0.5, e + 0.5}) {
                    double[] x = data.row(0);
                    x[f] = v;
                    xs.add(x);
                }
            }
        }
        return xs;
    }

    /**
     * For each instance and each numeric predicate: the printed threshold selects exactly the training rows the
     * cut selects, the instance satisfies the printed rule, and an integer-valued feature with an integer
     * instance value prints an integer. Thresholds depend only on (feature, edge, side, instance value), so
     * each distinct combination is checked once. Returns how many were checked.
     */
    static int checkEveryThreshold(TabularData data, Discretizer d, List<double[]> instances) {
        java.util.Set<String> seen = new java.util.HashSet<>();
        double[][] columns = new double[data.featureCount()][];
        boolean[] integral = new boolean[data.featureCount()];
        for (int f = 0; f < data.featureCount(); f++) {
            columns[f] = data.column(f);
            integral[f] = java.util.Arrays.stream(columns[f]).allMatch(v -> v == Math.rint(v));
        }
        for (double[] x : instances) {
            TabularPredicates ps = TabularPredicates.forInstance(data, d, x);
            for (int p = 0; p < ps.size(); p++) {
                TabularPredicate pr = ps.get(p);
                if (pr.kind() == Kind.EQ || !seen.add(pr + "@" + x[pr.feature()])) {
                    continue;
                }
                String printed = ps.threshold(p);
                double t = Double.parseDouble(printed);
                boolean upper = pr.kind() == Kind.LEQ;
                for (double v : columns[pr.feature()]) {
                    assertEquals(pr.test(v), upper ? v <= t : v > t, () -> data.featureName(pr.feature()) + " "
                            + pr.kind() + " " + pr.value() + " printed " + printed + " disagrees on " + v);
                }
                assertTrue(upper ? x[pr.feature()] <= t : x[pr.feature()] > t, printed + " vs instance " + x[pr.feature()]);
                String name = ps.names(new int[]{p}).get(0);
                assertTrue(name.endsWith((upper ? " <= " : " > ") + printed), name);
                if (integral[pr.feature()] && x[pr.feature()] == Math.rint(x[pr.feature()])) {
                    assertFalse(printed.contains(".") || printed.contains("E"), name);
                }
            }
        }
        return seen.size();
    }

    @net.jqwik.api.Property(tries = 300)
    void randomColumnsPrintExactThresholds(
            @net.jqwik.api.ForAll @net.jqwik.api.constraints.Size(min = 1, max = 40) List<@net.jqwik.api.constraints.IntRange(min = -5000, max = 5000) Integer> raw,
            @net.jqwik.api.ForAll @net.jqwik.api.constraints.IntRange(min = 0, max = 6) int scale,
            @net.jqwik.api.ForAll @net.jqwik.api.constraints.IntRange(min = -6000, max = 6000) int instance) {
        // values with 0..6 decimals (k / 10^scale), so cuts fall between close decimals
        double div = Math.pow(10, scale);
        double[][] rows = raw.stream().map(v -> new double[]{v / div}).toArray(double[][]::new);
        TabularData data = TabularData.of(List.of("v"), rows, null);
        Discretizer d = Discretizer.fit(data, new double[]{10, 25, 50, 75, 90});
        checkEveryThreshold(data, d, List.of(new double[]{instance / div}, rows[0]));
    }

    @Test
    void invalidInstancesAreRejectedNamingTheFeature() {
        double[] x = Adult.TEST_ROW_0.clone();
        x[Adult.SEX] = 2;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> adult(x));
        assertTrue(e.getMessage().contains("'Sex'") && e.getMessage().contains("unknown category code 2.0"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> adult(new double[]{1, 2}));
    }
}
