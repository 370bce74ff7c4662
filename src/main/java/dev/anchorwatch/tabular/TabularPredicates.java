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
    // per predicate: [largest training value <= its edge, smallest training value > its edge] (numeric only)
    private final double[][] neighbours;

    private TabularPredicates(TabularData data, List<TabularPredicate> predicates, double[] instance,
                              double[][] neighbours) {
        this.data = data;
        this.predicates = predicates;
        this.instance = instance;
        this.neighbours = neighbours;
    }

    /** Builds the predicates of {@code instance}, which must be valid for {@code data}. */
    public static TabularPredicates forInstance(TabularData data, Discretizer discretizer, double[] instance) {
        data.checkInstance(instance);
        if (discretizer.featureCount() != data.featureCount()) {
            throw new IllegalArgumentException("discretizer has " + discretizer.featureCount()
                    + " features but the data has " + data.featureCount());
        }
        List<TabularPredicate> ps = new ArrayList<>();
        List<double[]> neighbours = new ArrayList<>();
        for (int f = 0; f < data.featureCount(); f++) {
            double x = instance[f];
            if (data.isCategorical(f)) {
                ps.add(new TabularPredicate(f, TabularPredicate.Kind.EQ, x));
                neighbours.add(null);
                continue;
            }
            for (int i = 0; i < discretizer.edgeCount(f); i++) {
                double e = discretizer.edge(f, i);
                ps.add(new TabularPredicate(f, e < x ? TabularPredicate.Kind.GT : TabularPredicate.Kind.LEQ, e));
                neighbours.add(new double[] {discretizer.trainingValueAtOrBelow(f, i),
                        discretizer.trainingValueAbove(f, i)});
            }
        }
        return new TabularPredicates(data, List.copyOf(ps), instance.clone(),
                neighbours.toArray(new double[0][]));
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
     * {@code Age <= 28}, {@code Age > 47}, {@code 28 < Age <= 37} when both a lower and an upper bound are
     * present (the tightest of each), {@code Sex = Male}, {@code savings = "<100"}.
     *
     * <p>Each threshold is the shortest decimal (fewest digits after the point, then nearest the cut) that
     * selects exactly the training rows the cut selects and that the instance satisfies, so the rule printed is
     * the rule tested: integer-valued features print as integers. A category is printed bare unless it could
     * be misread as part of the rule (see {@link #category(String)}).
     */
    public List<String> names(int[] anchor) {
        Map<Integer, Bounds> byFeature = new LinkedHashMap<>();
        for (int p : anchor) {
            TabularPredicate pr = predicates.get(p);
            byFeature.computeIfAbsent(pr.feature(), f -> new Bounds()).add(pr, p);
        }
        List<String> names = new ArrayList<>(byFeature.size());
        byFeature.forEach((f, b) -> names.add(b.name(f)));
        return List.copyOf(names);
    }

    /** Tightest bounds of one feature within an anchor. */
    private final class Bounds {
        int lower = -1;
        int upper = -1;
        double category = Double.NaN;

        void add(TabularPredicate p, int index) {
            switch (p.kind()) {
                case EQ -> category = p.value();
                case GT -> {
                    if (lower < 0 || p.value() > predicates.get(lower).value()) {
                        lower = index;
                    }
                }
                case LEQ -> {
                    if (upper < 0 || p.value() < predicates.get(upper).value()) {
                        upper = index;
                    }
                }
            }
        }

        String name(int f) {
            String feature = data.featureName(f);
            if (!Double.isNaN(category)) {
                return feature + " = " + category(data.categories(f).get((int) category));
            }
            if (lower >= 0 && upper >= 0) {
                return threshold(lower) + " < " + feature + " <= " + threshold(upper);
            }
            return lower >= 0 ? feature + " > " + threshold(lower) : feature + " <= " + threshold(upper);
        }
    }

    /** The printed threshold of numeric predicate {@code p}. */
    String threshold(int p) {
        TabularPredicate pr = predicates.get(p);
        double x = instance[pr.feature()];
        double lo = neighbours[p][0];
        double hi = neighbours[p][1];
        // <= t must keep the instance (x <= t); > t must too (t < x)
        return pr.kind() == TabularPredicate.Kind.LEQ ? shortestIn(Math.max(lo, x), hi, pr.value())
                : shortestIn(lo, Math.min(hi, x), pr.value());
    }

    /**
     * The shortest decimal t with {@code lo <= t < hi} (compared as doubles, as the model compares), among
     * those with the fewest digits after the point the one nearest {@code edge}; {@code edge} itself lies in
     * the interval, so there is always one. Integers print without a point, zero as {@code 0}.
     */
    static String shortestIn(double lo, double hi, double edge) {
        if (!(lo <= edge && edge < hi)) {
            throw new IllegalArgumentException("edge " + edge + " not in [" + lo + ", " + hi + ")");
        }
        BigDecimal exact = new BigDecimal(edge);
        for (int d = 0; d <= 20; d++) {
            String down = plain(exact.setScale(d, RoundingMode.FLOOR));
            String up = plain(exact.setScale(d, RoundingMode.CEILING));
            boolean downOk = inside(down, lo, hi);
            boolean upOk = inside(up, lo, hi);
            if (downOk && upOk) {
                double dd = edge - Double.parseDouble(down);
                double du = Double.parseDouble(up) - edge;
                return du < dd ? up : down;
            }
            if (downOk || upOk) {
                return downOk ? down : up;
            }
        }
        return plain(BigDecimal.valueOf(edge)); // the shortest form that reads back as the edge itself
    }

    private static boolean inside(String s, double lo, double hi) {
        double t = Double.parseDouble(s);
        return lo <= t && t < hi;
    }

    private static String plain(BigDecimal d) {
        if (d.signum() == 0) {
            return "0";
        }
        String s = d.stripTrailingZeros().toPlainString();
        return s;
    }

    /**
     * A category as printed in a name: bare ({@code Sex = Female}) unless it could be misread as part of the
     * rule, i.e. it contains {@code <}, {@code >}, {@code =} or {@code "}, starts or ends with a space, is
     * empty, or contains {@code " AND "}; then it is double-quoted, with {@code "} and {@code \} escaped by a
     * backslash ({@code savings_status = "<100"}).
     */
    static String category(String value) {
        boolean quote = value.isEmpty() || value.strip().length() != value.length() || value.contains(" AND ");
        for (int i = 0; i < value.length() && !quote; i++) {
            char c = value.charAt(i);
            quote = c == '<' || c == '>' || c == '=' || c == '"';
        }
        if (!quote) {
            return value;
        }
        StringBuilder sb = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.append('"').toString();
    }

    @Override
    public String toString() {
        return "TabularPredicates" + predicates;
    }
}
