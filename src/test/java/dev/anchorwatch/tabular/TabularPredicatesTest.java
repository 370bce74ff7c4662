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
        assertEquals(List.of("Marital Status = Separated", "Age > 47.00", "Sex = Female", "Capital Gain <= 0.00"),
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
        assertEquals(List.of("Age <= 47.00"), ps.names(new int[]{le47}));
        assertEquals(List.of("28.00 < Age <= 47.00"), ps.names(new int[]{le47, gt28}));
        assertEquals(List.of("28.00 < Age <= 37.00"), ps.names(new int[]{le47, gt28, le37}));
        // one name per feature, in order of first appearance; raw.feature keeps one entry per predicate
        int[] anchor = {h45, le47, h40, gt28};
        assertEquals(List.of("40.00 < Hours per week <= 45.00", "28.00 < Age <= 47.00"), ps.names(anchor));
        assertArrayEquals(new int[]{Adult.HOURS, Adult.AGE, Adult.HOURS, Adult.AGE}, ps.features(anchor));
    }

    @Test
    void everyAdultBinNameIsTheReferenceName() {
        // adult_discretizer.json lists the reference's name of each bin; an instance in bin b anchored on all
        // of its feature's predicates must be named exactly that
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
                assertEquals(binNames.get(b).asText(), ps.names(all).get(0));
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
    void extraDigitsOnlyWhereTwoDecimalsWouldBeFalseForTheInstance() {
        // median 0.0045: with two decimals "Dose <= 0.00" is false for 0.004, so the exact edge is printed
        double[] column = {0.001, 0.0045, 0.008};
        assertEquals(List.of("Dose <= 0.0045"), oneFeature("Dose", column, 0.004).names(new int[]{0}));
        // "Dose > 0.00" is true for 0.006: two decimals, as the reference prints them
        assertEquals(List.of("Dose > 0.00"), oneFeature("Dose", column, 0.006).names(new int[]{0}));
        // an upper rounding can break "> e": 0.997 > 1.00 is false, so print 0.996
        double[] high = {0.995, 0.996, 0.996, 0.999};
        assertEquals(List.of("Ratio > 0.996"), oneFeature("Ratio", high, 0.997).names(new int[]{0}));
        assertEquals(List.of("Ratio <= 1.00"), oneFeature("Ratio", high, 0.996).names(new int[]{0}));
    }

    @Test
    void extraDigitsInARangeApplyPerSide() {
        TabularData data = TabularData.of(List.of("p"),
                new double[][]{{0.0005}, {0.001}, {0.003}, {0.0049}, {0.9}}, null);
        Discretizer d = Discretizer.fit(data, new double[]{25, 75}); // h = 1 and 3: data points, no rounding
        assertArrayEquals(new double[]{0.001, 0.0049}, d.edges(0));
        // 0.0045 > 0.00 holds (two decimals); 0.0045 <= 0.00 does not (exact edge)
        TabularPredicates ps = TabularPredicates.forInstance(data, d, new double[]{0.0045});
        assertEquals(List.of("0.00 < p <= 0.0049"), ps.names(new int[]{0, 1}));
        assertEquals(List.of("p > 0.00"), ps.names(new int[]{0}));
        // 0.0009 <= 0.00 does not hold either: both bounds need their digits
        ps = TabularPredicates.forInstance(data, d, new double[]{0.0009});
        assertEquals(List.of("p <= 0.001"), ps.names(new int[]{0}));
        ps = TabularPredicates.forInstance(data, d, new double[]{0.5});
        assertEquals(List.of("p > 0.00"), ps.names(new int[]{1, 0}), "tightest lower bound, printed 0.00");
    }

    @Test
    void categoriesContainingComparisonSignsStillNameTheFeature() {
        TabularData data = TabularData.of(List.of("Income", "Bucket"),
                new double[][]{{1, 0}, {2, 1}, {3, 2}},
                Map.of(1, List.of("<100", ">=100 and <1000", "1000 > x")));
        TabularPredicates ps = TabularPredicates.forInstance(data, Discretizer.fit(data, null), new double[]{2, 0});
        int bucket = IntStream.range(0, ps.size()).filter(p -> ps.get(p).feature() == 1).findFirst().orElseThrow();
        assertEquals(List.of("Bucket = <100"), ps.names(new int[]{bucket}));
        TabularPredicates other = TabularPredicates.forInstance(data, Discretizer.fit(data, null), new double[]{2, 1});
        assertEquals(List.of("Bucket = >=100 and <1000"), other.names(new int[]{bucket}));
    }

    @Test
    void thresholdsRoundLikePythonsPercentFormat() {
        // Python: '%.2f' % 2.675 == '2.67' (the double is 2.67499…), '%.2f' % 0.125 == '0.12' (half even),
        // '%.2f' % -0.001 == '-0.00'; Java's String.format gives 2.68 and 0.13
        assertEquals("2.67", TabularPredicates.fixed(2.675, 2));
        assertEquals("0.12", TabularPredicates.fixed(0.125, 2));
        assertEquals("0.38", TabularPredicates.fixed(0.375, 2));
        assertEquals("-0.00", TabularPredicates.fixed(-0.001, 2));
        assertEquals("-1.50", TabularPredicates.fixed(-1.5, 2));
        assertEquals("123456789.00", TabularPredicates.fixed(123456789, 2));
        // exact edge when needed: the shortest decimal that reads back as the edge
        assertEquals("0.3333333333333333", TabularPredicates.threshold(1.0 / 3, 1.0 / 3, true));
        assertEquals("0.33", TabularPredicates.threshold(1.0 / 3, 0.2, true));
        assertEquals("-0.0045", TabularPredicates.threshold(-0.0045, -0.004, false));
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
