package dev.anchorwatch.shap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class KernelShapTest {

    private static double[][] randomRows(int n, int d, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] rows = new double[n][d];
        for (double[] row : rows) {
            for (int j = 0; j < d; j++) {
                row[j] = r.nextInt(5) + r.nextDouble();
            }
        }
        return rows;
    }

    private static List<String> names(int d) {
        List<String> n = new ArrayList<>();
        for (int i = 0; i < d; i++) {
            n.add("f" + i);
        }
        return n;
    }

    private static KernelShap.Model perRow(java.util.function.Function<double[], double[]> f) {
        return rows -> Arrays.stream(rows).map(f).toArray(double[][]::new);
    }

    /** Exact Shapley values of v(S) = E_b f(x_S, b_rest) by the permutation-free subset formula. */
    private static double[] bruteForce(double[] x, double[][] bg, java.util.function.ToDoubleFunction<double[]> f) {
        int m = x.length;
        double[] v = new double[1 << m];
        for (int s = 0; s < (1 << m); s++) {
            double sum = 0;
            for (double[] b : bg) {
                double[] row = b.clone();
                for (int i = 0; i < m; i++) {
                    if ((s & (1 << i)) != 0) {
                        row[i] = x[i];
                    }
                }
                sum += f.applyAsDouble(row);
            }
            v[s] = sum / bg.length;
        }
        double[] fact = new double[m + 1];
        fact[0] = 1;
        for (int i = 1; i <= m; i++) {
            fact[i] = fact[i - 1] * i;
        }
        double[] phi = new double[m];
        for (int i = 0; i < m; i++) {
            for (int s = 0; s < (1 << m); s++) {
                if ((s & (1 << i)) != 0) {
                    continue;
                }
                int size = Integer.bitCount(s);
                phi[i] += fact[size] * fact[m - size - 1] / fact[m] * (v[s | (1 << i)] - v[s]);
            }
        }
        return phi;
    }

    @Test
    void additiveModelIsRecoveredExactlyWithSampledCoalitions() {
        int d = 12;
        double[][] bg = randomRows(40, d, 1);
        double[] x = randomRows(1, d, 2)[0];
        // f = sum_i g_i(x_i), each g_i nonlinear: SHAP value i is g_i(x_i) - mean_b g_i(b_i), whatever the coalitions
        java.util.function.DoubleBinaryOperator g = (i, v) -> Math.sin(v * (i + 1)) * (i + 1) + v * v / (i + 2);
        KernelShap.Model model = perRow(r -> {
            double s = 0;
            for (int i = 0; i < r.length; i++) {
                s += g.applyAsDouble(i, r[i]);
            }
            return new double[] {s};
        });
        ShapResult res = KernelShap.explain(x, model, Background.of(bg), FeatureGroups.singletons(names(d)),
                ShapParams.DEFAULTS.withL1Reg(L1Reg.NONE), new SplittableRandom(7));
        assertEquals(2 * 12 + 2048, res.nsamples());
        assertTrue(res.coalitions() < Coalitions.maxSamples(12), "coalitions were sampled, not all enumerated");
        for (int i = 0; i < d; i++) {
            double mean = 0;
            for (double[] b : bg) {
                mean += g.applyAsDouble(i, b[i]);
            }
            mean /= bg.length;
            // tolerance: floating-point error of the normal equations only
            assertEquals(g.applyAsDouble(i, x[i]) - mean, res.shapValues()[0][i], 1e-9, "feature " + i);
        }
    }

    @Test
    void linearModelWithIndependentBackgroundHasTheClosedForm() {
        int d = 8;
        double[] w = {0.5, -1.25, 2, 0, 3.5, -0.75, 1, 0.125};
        double[][] bg = randomRows(60, d, 3);
        double[] x = randomRows(1, d, 4)[0];
        KernelShap.Model model = perRow(r -> {
            double s = 0.3;
            for (int i = 0; i < d; i++) {
                s += w[i] * r[i];
            }
            return new double[] {s, -2 * s};
        });
        ShapResult res = KernelShap.explain(x, model, Background.of(bg), FeatureGroups.singletons(names(d)),
                ShapParams.DEFAULTS.withNsamples(100), new SplittableRandom(5));
        for (int i = 0; i < d; i++) {
            int f = i;
            double mean = Arrays.stream(bg).mapToDouble(b -> b[f]).average().orElseThrow();
            assertEquals(w[f] * (x[f] - mean), res.shapValues()[0][f], 1e-9);
            assertEquals(-2 * w[f] * (x[f] - mean), res.shapValues()[1][f], 1e-9);
        }
    }

    private static double interacting(double[] r) {
        return r[0] * r[1] + Math.max(r[2], r[3]) - r[4] * r[4] / 3 + (r.length > 5 ? r[5] * r[0] / 4 : 0)
                + (r.length > 8 ? Math.sin(r[6] + r[7]) * r[8] : 0) + Arrays.stream(r).sum() / 10;
    }

    @Test
    void allCoalitionsGiveTheExactShapleyValuesOfAnInteractingModel() {
        int d = 6;
        double[][] bg = randomRows(15, d, 8);
        double[] x = randomRows(1, d, 9)[0];
        ShapResult res = KernelShap.explain(x, perRow(r -> new double[] {interacting(r)}), Background.of(bg),
                FeatureGroups.singletons(names(d)), ShapParams.DEFAULTS, new SplittableRandom(1));
        assertEquals(62, res.coalitions(), "2^6 - 2 coalitions: every one of them");
        assertArrayEquals(bruteForce(x, bg, KernelShapTest::interacting), res.shapValues()[0], 1e-9);
    }

    @Test
    void sampledCoalitionsApproximateTheShapleyValuesOfAnInteractingModel() {
        int d = 14;
        double[][] bg = randomRows(10, d, 10);
        double[] x = randomRows(1, d, 11)[0];
        double[] exact = bruteForce(x, bg, KernelShapTest::interacting);
        double scale = Arrays.stream(exact).map(Math::abs).max().orElseThrow();
        // nsamples default 2 * 14 + 2048 of 16,382 coalitions: sizes 1..3 (and mirrors) enumerated, the rest sampled
        double worst = 0;
        for (long seed = 0; seed < 5; seed++) {
            ShapResult res = KernelShap.explain(x, perRow(r -> new double[] {interacting(r)}), Background.of(bg),
                    FeatureGroups.singletons(names(d)), ShapParams.DEFAULTS.withL1Reg(L1Reg.NONE),
                    new SplittableRandom(seed));
            for (int i = 0; i < d; i++) {
                worst = Math.max(worst, Math.abs(res.shapValues()[0][i] - exact[i]));
            }
            assertEquals(interacting(x) - res.expectedValue()[0],
                    Arrays.stream(res.shapValues()[0]).sum(), 1e-9, "efficiency");
        }
        assertTrue(worst < 0.05 * scale, "largest error " + worst + " vs largest value " + scale);
    }

    @Test
    void logitLinkKeepsEfficiencyInLogOdds() {
        int d = 5;
        double[][] bg = randomRows(30, d, 12);
        double[] x = randomRows(1, d, 13)[0];
        KernelShap.Model model = perRow(r -> {
            double z = r[0] - 0.5 * r[1] + r[2] * r[3] / 5 - 2;
            double p = 1 / (1 + Math.exp(-z));
            return new double[] {1 - p, p};
        });
        ShapResult res = KernelShap.explain(x, model, Background.of(bg), FeatureGroups.singletons(names(d)),
                ShapParams.DEFAULTS.withLink(Link.LOGIT), new SplittableRandom(3));
        double[] fx = model.outputs(new double[][] {x})[0];
        for (int c = 0; c < 2; c++) {
            assertEquals(Link.LOGIT.apply(fx[c]), res.reconstructed(c), 1e-9);
        }
        double meanP = Arrays.stream(bg).mapToDouble(b -> model.outputs(new double[][] {b})[0][1]).average()
                .orElseThrow();
        assertEquals(Link.LOGIT.apply(meanP), res.expectedValue()[1], 1e-12, "link of the mean, not mean of links");
        assertEquals(0, res.shapValues()[0][4] + res.shapValues()[1][4], 1e-9, "feature 4 unused: 0 in both classes");
        assertEquals(0, res.shapValues()[1][4], 1e-9);
    }

    @Test
    void sameSeedSameValuesOtherSeedOtherSample() {
        int d = 14;
        double[][] bg = randomRows(10, d, 20);
        double[] x = randomRows(1, d, 21)[0];
        KernelShap.Model model = perRow(r -> new double[] {interacting(r)});
        ShapParams p = ShapParams.DEFAULTS.withNsamples(300).withL1Reg(L1Reg.NONE);
        FeatureGroups groups = FeatureGroups.singletons(names(d));
        ShapResult a = KernelShap.explain(x, model, Background.of(bg), groups, p, new SplittableRandom(42));
        ShapResult b = KernelShap.explain(x, model, Background.of(bg), groups, p, new SplittableRandom(42));
        ShapResult c = KernelShap.explain(x, model, Background.of(bg), groups, p, new SplittableRandom(43));
        assertArrayEquals(a.shapValues()[0], b.shapValues()[0], 0.0);
        assertFalse(Arrays.equals(a.shapValues()[0], c.shapValues()[0]));
    }

    @Test
    void groupedOneHotColumnsGetOneValue() {
        // columns 0-2 one-hot colour, 3 size, 4-5 one-hot shape; the model is additive across the three groups
        double[][] bg = {
                {1, 0, 0, 2, 1, 0}, {0, 1, 0, 5, 0, 1}, {0, 0, 1, 3, 1, 0}, {0, 1, 0, 1, 0, 1}};
        double[] x = {0, 0, 1, 4, 0, 1};
        double[] colourValue = {1.5, -2, 0.25};
        KernelShap.Model model = perRow(r -> new double[] {
                colourValue[0] * r[0] + colourValue[1] * r[1] + colourValue[2] * r[2] + r[1] * 0.0
                        + Math.sqrt(r[3]) + (r[5] == 1 ? 3 : 0)});
        FeatureGroups groups = FeatureGroups.of(List.of("colour", "size", "shape"),
                List.of(new int[] {0, 1, 2}, new int[] {3}, new int[] {4, 5}), 6);
        ShapResult res = KernelShap.explain(x, model, Background.of(bg), groups, ShapParams.DEFAULTS,
                new SplittableRandom(1));
        assertEquals(3, res.shapValues()[0].length);
        double colourMean = (1.5 - 2 + 0.25 - 2) / 4;
        assertEquals(0.25 - colourMean, res.shapValues()[0][0], 1e-9);
        assertEquals(2 - (Math.sqrt(2) + Math.sqrt(5) + Math.sqrt(3) + 1) / 4, res.shapValues()[0][1], 1e-9);
        assertEquals(3 - 1.5, res.shapValues()[0][2], 1e-9);
        assertThrows(IllegalArgumentException.class, () -> FeatureGroups.of(List.of("a", "b"),
                List.of(new int[] {0, 1}, new int[] {1, 2}), 3), "a column in two groups");
        assertThrows(IllegalArgumentException.class, () -> FeatureGroups.of(List.of("a"),
                List.of(new int[] {0, 1}), 3), "a column in none");
    }

    @Test
    void featuresEqualToEveryBackgroundRowGetZero() {
        double[][] bg = {{1, 5, 2}, {3, 5, 4}};
        double[] x = {2, 5, 7};
        ShapResult res = KernelShap.explain(x, perRow(r -> new double[] {r[0] * r[1] + r[2]}), Background.of(bg),
                FeatureGroups.singletons(names(3)), ShapParams.DEFAULTS, new SplittableRandom(0));
        assertEquals(2, res.varyingGroups());
        assertEquals(0, res.shapValues()[0][1], 0);
        assertEquals(10 + 7 - (5 + 2 + 15 + 4) / 2.0, res.shapValues()[0][0] + res.shapValues()[0][2], 1e-9);
    }

    @Test
    void numFeaturesKeepsTheStrongestAndZeroesTheRest() {
        int d = 12;
        double[] w = new double[d];
        w[2] = 4;
        w[7] = -3;
        w[9] = 2.5;
        for (int i = 0; i < d; i++) {
            w[i] += i == 2 || i == 7 || i == 9 ? 0 : 0.01 * (i + 1);
        }
        double[][] bg = randomRows(20, d, 30);
        double[] x = randomRows(1, d, 31)[0];
        KernelShap.Model model = perRow(r -> {
            double s = 0;
            for (int i = 0; i < d; i++) {
                s += w[i] * r[i];
            }
            return new double[] {s};
        });
        ShapResult res = KernelShap.explain(x, model, Background.of(bg), FeatureGroups.singletons(names(d)),
                ShapParams.DEFAULTS.withNsamples(200).withL1Reg(L1Reg.parse("num_features(3)")),
                new SplittableRandom(2));
        assertTrue(res.regularised());
        for (int i = 0; i < d; i++) {
            if (i == 2 || i == 7 || i == 9) {
                assertTrue(res.shapValues()[0][i] != 0, "kept " + i);
            } else {
                assertEquals(0, res.shapValues()[0][i], 0, "dropped " + i);
            }
        }
        double fx = model.outputs(new double[][] {x})[0][0];
        assertEquals(fx - res.expectedValue()[0], Arrays.stream(res.shapValues()[0]).sum(), 1e-9);
    }

    @Test
    void autoRegularisesOnlyWhenFewCoalitionsAreEvaluated() {
        int d = 12;
        double[][] bg = randomRows(10, d, 40);
        double[] x = randomRows(1, d, 41)[0];
        KernelShap.Model model = perRow(r -> new double[] {r[0] * 3 - r[5] * 2 + r[11]});
        FeatureGroups groups = FeatureGroups.singletons(names(d));
        ShapResult few = KernelShap.explain(x, model, Background.of(bg), groups, ShapParams.DEFAULTS.withNsamples(300),
                new SplittableRandom(1));
        ShapResult many = KernelShap.explain(x, model, Background.of(bg), groups, ShapParams.DEFAULTS,
                new SplittableRandom(1));
        assertTrue(few.regularised(), "300 of 4094 coalitions < 20 %");
        assertFalse(many.regularised(), "2072 of 4094 coalitions >= 20 %");
        double m0 = Arrays.stream(bg).mapToDouble(b -> b[0]).average().orElseThrow();
        assertEquals(3 * (x[0] - m0), few.shapValues()[0][0], 1e-6, "AIC keeps the used features, exact values");
        assertEquals(0, few.shapValues()[0][3], 1e-6);
    }

    @Test
    void rowCapReducesCoalitionsAndSaysSo() {
        int d = 10;
        double[][] bg = randomRows(20, d, 50);
        double[] x = randomRows(1, d, 51)[0];
        long[] seen = new long[1];
        KernelShap.Model model = rows -> {
            seen[0] += rows.length;
            return Arrays.stream(rows).map(r -> new double[] {interacting(r)}).toArray(double[][]::new);
        };
        ShapResult res = KernelShap.explain(x, model, Background.of(bg), FeatureGroups.singletons(names(d)),
                ShapParams.DEFAULTS.withMaxRows(5_000).withRowsPerRound(1_000), new SplittableRandom(1));
        assertEquals("max_rows", res.stopReason());
        assertEquals((5_000 - 21) / 20, res.nsamples());
        assertEquals(seen[0], res.modelRows());
        assertTrue(res.modelRows() <= 5_000);
        assertEquals(1 + 20 + res.coalitions() * 20, res.modelRows());
        assertEquals(5, res.rounds(), "1,000 rows per round: 50 coalitions each, 248 coalitions");
        assertThrows(IllegalArgumentException.class, () -> KernelShap.explain(x, model, Background.of(bg),
                FeatureGroups.singletons(names(d)), ShapParams.DEFAULTS.withMaxRows(30), new SplittableRandom(1)));
    }

    @Test
    void timeBudgetStopsAfterTheRoundThatPassedIt() {
        int d = 10;
        double[][] bg = randomRows(20, d, 60);
        double[] x = randomRows(1, d, 61)[0];
        ShapParams p = new ShapParams(0, Link.IDENTITY, L1Reg.NONE, 0, Duration.ofNanos(1), 400);
        ShapResult res = KernelShap.explain(x, perRow(r -> new double[] {interacting(r)}), Background.of(bg),
                FeatureGroups.singletons(names(d)), p, new SplittableRandom(1));
        assertEquals("time_budget", res.stopReason());
        assertEquals(1, res.rounds());
        assertEquals(20, res.coalitions(), "400 rows per round / 20 background rows");
        double fx = interacting(x);
        assertEquals(fx - res.expectedValue()[0], Arrays.stream(res.shapValues()[0]).sum(), 1e-9,
                "still efficient with fewer coalitions");
    }

    @Test
    void kmeansSummaryWeighsCentresByClusterSizeAndKeepsValidValues() {
        double[][] rows = new double[300][];
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < rows.length; i++) {
            int cluster = i % 3;
            rows[i] = new double[] {cluster * 10 + r.nextDouble(), cluster}; // column 1 is a category code
        }
        Background bg = Background.kmeans(rows, 3, new SplittableRandom(1));
        assertEquals(3, bg.size());
        double total = 0;
        for (int i = 0; i < bg.size(); i++) {
            total += bg.weight(i);
            assertEquals(100, bg.weight(i), 0);
            double code = bg.row(i)[1];
            assertTrue(code == 0 || code == 1 || code == 2, "a category code the data has: " + code);
        }
        assertEquals(300, total, 0);
        Background sample = Background.sample(rows, 50, new SplittableRandom(1));
        assertEquals(50, sample.size());
        assertEquals("sample", sample.summary());
    }

    @Test
    void raggedOrNonFiniteOutputsAreRefused() {
        double[][] bg = randomRows(5, 3, 70);
        double[] x = {9, 9, 9};
        FeatureGroups groups = FeatureGroups.singletons(names(3));
        assertThrows(IllegalArgumentException.class, () -> KernelShap.explain(x,
                perRow(row -> new double[] {Double.NaN}), Background.of(bg), groups, ShapParams.DEFAULTS,
                new SplittableRandom(1)));
        assertThrows(IllegalArgumentException.class, () -> KernelShap.explain(x,
                rows -> new double[rows.length - 1][1], Background.of(bg), groups, ShapParams.DEFAULTS,
                new SplittableRandom(1)));
    }
}
