package dev.anchorwatch.tabular;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The predicates of one explained instance, numbered as the search sees them, and the readable names of an
 * anchor built from them. Immutable.
 *
 * <p>Numbering: features in order; a categorical feature gives one predicate, "= the instance's category";
 * a numeric feature with edges e1 &lt; … &lt; em gives m, one per edge in ascending order, each true for the
 * instance: {@code > e} for an edge strictly below its value, {@code <= e} for an edge at or above it.
 */
public final class TabularPredicates {
    private final TabularData data;
    private final List<TabularPredicate> predicates;
    private final double[] instance;

    private TabularPredicates(TabularData data, List<TabularPredicate> predicates, double[] instance) {
        this.data = data;
        this.predicates = predicates;
        this.instance = instance;
    }

    /** Builds the predicates of {@code instance}, which must be valid for {@code data}. */
    public static TabularPredicates forInstance(TabularData data, Discretizer discretizer, double[] instance) {
        data.checkInstance(instance);
        if (discretizer.featureCount() != data.featureCount()) {
            throw new IllegalArgumentException("discretizer has " + discretizer.featureCount()
                    + " features but the data has " + data.featureCount());
        }
        List<TabularPredicate> ps = new ArrayList<>();
        for (int f = 0; f < data.featureCount(); f++) {
            double x = instance[f];
            if (data.isCategorical(f)) {
                ps.add(new TabularPredicate(f, TabularPredicate.Kind.EQ, x));
                continue;
            }
            for (int i = 0; i < discretizer.edgeCount(f); i++) {
                double e = discretizer.edge(f, i);
                ps.add(new TabularPredicate(f, e < x ? TabularPredicate.Kind.GT : TabularPredicate.Kind.LEQ, e));
            }
        }
        return new TabularPredicates(data, List.copyOf(ps), instance.clone());
    }

    public int size() {
        return predicates.size();
    }

    public TabularPredicate get(int predicate) {
        return predicates.get(predicate);
    }

    public List<TabularPredicate> list() {
        return predicates;
    }

    /** The explained instance (a copy). */
    public double[] instance() {
        return instance.clone();
    }

    double instanceValue(int feature) {
        return instance[feature];
    }

    /** The feature of each predicate of {@code anchor}, in the anchor's order (Alibi's {@code raw.feature}). */
    public int[] features(int[] anchor) {
        int[] out = new int[anchor.length];
        for (int i = 0; i < anchor.length; i++) {
            out[i] = predicates.get(anchor[i]).feature();
        }
        return out;
    }

    /**
     * One readable name per distinct feature of {@code anchor}, in order of first appearance:
     * {@code Age <= 28.00}, {@code Age > 47.00}, {@code 28.00 < Age <= 37.00} when both a lower and an upper
     * bound are present (the tightest of each), {@code Sex = Male}.
     */
    public List<String> names(int[] anchor) {
        Map<Integer, Bounds> byFeature = new LinkedHashMap<>();
        for (int p : anchor) {
            TabularPredicate pr = predicates.get(p);
            byFeature.computeIfAbsent(pr.feature(), f -> new Bounds()).add(pr);
        }
        List<String> names = new ArrayList<>(byFeature.size());
        byFeature.forEach((f, b) -> names.add(b.name(data, f, instance[f])));
        return List.copyOf(names);
    }

    /** Tightest bounds of one feature within an anchor. */
    private static final class Bounds {
        double lower = Double.NEGATIVE_INFINITY;
        double upper = Double.POSITIVE_INFINITY;
        double category = Double.NaN;

        void add(TabularPredicate p) {
            switch (p.kind()) {
                case EQ -> category = p.value();
                case GT -> lower = Math.max(lower, p.value());
                case LEQ -> upper = Math.min(upper, p.value());
            }
        }

        String name(TabularData data, int f, double x) {
            String feature = data.featureName(f);
            if (!Double.isNaN(category)) {
                return feature + " = " + data.categories(f).get((int) category);
            }
            boolean hasLower = lower != Double.NEGATIVE_INFINITY;
            boolean hasUpper = upper != Double.POSITIVE_INFINITY;
            if (hasLower && hasUpper) {
                return threshold(lower, x, false) + " < " + feature + " <= " + threshold(upper, x, true);
            }
            return hasLower ? feature + " > " + threshold(lower, x, false)
                    : feature + " <= " + threshold(upper, x, true);
        }
    }

    /**
     * The edge with two decimals, as the reference prints it, unless the instance {@code x} would then violate
     * the printed rule ({@code x <= printed} for an upper bound, {@code x > printed} for a lower one): then the
     * shortest decimal that reads back as the edge itself, so the rule shown is exactly the rule tested.
     */
    static String threshold(double edge, double x, boolean upper) {
        String two = fixed(edge, 2);
        if (holds(x, Double.parseDouble(two), upper)) {
            return two;
        }
        for (int d = 3; ; d++) { // terminates: enough decimals read back as the edge, which x satisfies
            String s = fixed(edge, d);
            if (Double.parseDouble(s) == edge) {
                return s;
            }
        }
    }

    private static boolean holds(double x, double printed, boolean upper) {
        return upper ? x <= printed : x > printed;
    }

    /**
     * {@code edge} rounded half-even from its exact binary value to {@code decimals} places, the way C's and
     * Python's {@code %.2f} do (Java's {@code String.format} rounds the shortest decimal form instead and can
     * differ, e.g. 2.675 → "2.68" where Python prints "2.67"). Keeps the sign of a negative value that rounds
     * to zero ("-0.00"), as Python does.
     */
    static String fixed(double edge, int decimals) {
        BigDecimal rounded = new BigDecimal(edge).setScale(decimals, RoundingMode.HALF_EVEN);
        String s = rounded.toPlainString();
        boolean negative = edge < 0 || (edge == 0 && 1 / edge < 0);
        return negative && rounded.signum() == 0 ? "-" + s : s;
    }

    @Override
    public String toString() {
        return "TabularPredicates" + predicates;
    }
}
