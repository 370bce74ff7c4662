package dev.anchorwatch.tabular;

import dev.anchorwatch.anchor.AnchorParams;
import dev.anchorwatch.anchor.AnchorStep;
import dev.anchorwatch.anchor.Oracle;
import dev.anchorwatch.anchor.SampleStreams;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnchorTabularTest {
    private static final AnchorTabular EXPLAINER = new AnchorTabular(Adult.TRAIN, null);
    private static final int MALE = 1;

    /** The synthetic black box: label 1 iff Age > 47 and Sex = Male. */
    private static int model(double[] row) {
        return row[Adult.AGE] > 47 && row[Adult.SEX] == MALE ? 1 : 0;
    }

    private static Oracle<double[]> sameLabelAs(int label, AtomicLong rows) {
        return samples -> {
            rows.addAndGet(samples.size());
            boolean[] same = new boolean[samples.size()];
            for (int i = 0; i < same.length; i++) {
                same[i] = model(samples.get(i)) == label;
            }
            return same;
        };
    }

    /** Test row 0 made a 52-year-old unmarried man: the rule holds, and no other feature implies Male. */
    private static double[] matchingInstance() {
        double[] x = Adult.TEST_ROW_0.clone();
        x[Adult.SEX] = MALE;
        return x;
    }

    @Test
    void anchorOfAKnownRuleIsExactlyThatRule() throws Exception {
        double[] x = matchingInstance();
        assertEquals(1, model(x));
        AtomicLong rows = new AtomicLong();
        TabularExplanation e = EXPLAINER.explain(x, 1, sameLabelAs(1, rows), AnchorParams.DEFAULTS,
                new SplittableRandom(2024));

        assertEquals(Set.of("Age > 47", "Sex = Male"), Set.copyOf(e.names()), e.names().toString());
        assertEquals(2, e.names().size());
        assertTrue(e.result().success());
        assertEquals(1.0, e.result().precision(), "the rule is exact, so every sample of it is labelled 1");
        int[] features = e.featureOfStep();
        assertEquals(2, features.length);
        assertEquals(Set.of(Adult.AGE, Adult.SEX), Set.of(features[0], features[1]));
        assertArrayEquals(x, e.instance());
        assertEquals(1, e.label());

        // the coverage the search reports is the rule's share of the training data
        long covered = 0;
        for (int r = 0; r < Adult.TRAIN.rowCount(); r++) {
            covered += model(Adult.TRAIN.row(r));
        }
        assertEquals((double) covered / Adult.TRAIN.rowCount(), e.result().coverage(), 0.02);
        // examples of the whole anchor agree with it
        AnchorStep<double[]> last = e.result().steps().get(e.result().steps().size() - 1);
        assertTrue(!last.coveredTrue().isEmpty());
        for (double[] s : last.coveredTrue()) {
            assertEquals(1, model(s));
        }
        assertTrue(last.coveredFalse().isEmpty(), "no sample of an exact rule is labelled otherwise");
        assertTrue(rows.get() >= e.result().samples());
    }

    @Test
    void keyedStreamsGiveExplanationsOfOneModelTheSameSamplesOfTheSameAnchors() throws Exception {
        double[] first = matchingInstance();
        double[] second = matchingInstance();
        second[Adult.AGE] = first[Adult.AGE] + 3; // the same bin: the same predicates, another row
        assertEquals(1, model(second));
        for (boolean keyed : new boolean[] {true, false}) {
            SampleStreams streams = keyed ? SampleStreams.keyed(7) : SampleStreams.RNG;
            Set<List<Double>> seen = new java.util.HashSet<>();
            TabularExplanation a = EXPLAINER.explain(first, 1, recording(seen, null), AnchorParams.DEFAULTS,
                    new SplittableRandom(1), streams);
            int[] again = new int[2];
            TabularExplanation b = EXPLAINER.explain(second, 1, recording(seen, again), AnchorParams.DEFAULTS,
                    new SplittableRandom(2), streams);
            // either way the search finds the rule
            assertEquals(Set.of("Age > 47", "Sex = Male"), Set.copyOf(a.names()));
            assertEquals(Set.of("Age > 47", "Sex = Male"), Set.copyOf(b.names()));
            double shared = (double) again[0] / again[1];
            if (keyed) {
                assertTrue(shared > 0.5, "share of the second explanation's samples the first drew: " + shared);
            } else {
                assertTrue(shared < 0.1, "share of the second explanation's samples the first drew: " + shared);
            }
        }
    }

    /** Labels like the model; records the samples in {@code seen}, counting in {@code again} [seen before, all]. */
    private static Oracle<double[]> recording(Set<List<Double>> seen, int[] again) {
        return samples -> {
            boolean[] same = new boolean[samples.size()];
            for (int i = 0; i < same.length; i++) {
                double[] s = samples.get(i);
                List<Double> key = java.util.Arrays.stream(s).boxed().toList();
                if (again != null) {
                    again[0] += seen.contains(key) ? 1 : 0;
                    again[1]++;
                } else {
                    seen.add(key);
                }
                same[i] = model(s) == 1;
            }
            return same;
        };
    }

    @Test
    void sameSeedSameExplanationAlsoConcurrently() throws Exception {
        double[] x = matchingInstance();
        TabularExplanation first = EXPLAINER.explain(x, 1, sameLabelAs(1, new AtomicLong()), AnchorParams.DEFAULTS,
                new SplittableRandom(7));
        List<CompletableFuture<TabularExplanation>> parallel = List.of(1, 2).stream()
                .map(i -> CompletableFuture.supplyAsync(() -> {
                    try {
                        return EXPLAINER.explain(x, 1, sameLabelAs(1, new AtomicLong()), AnchorParams.DEFAULTS,
                                new SplittableRandom(7));
                    } catch (Exception ex) {
                        throw new IllegalStateException(ex);
                    }
                })).toList();
        for (CompletableFuture<TabularExplanation> f : parallel) {
            TabularExplanation e = f.get();
            assertEquals(first.names(), e.names());
            assertEquals(first.result().precision(), e.result().precision());
            assertEquals(first.result().coverage(), e.result().coverage());
            assertEquals(first.result().samples(), e.result().samples());
        }
    }

    @Test
    void invalidInstancesAreRejectedBeforeAnyModelCall() {
        Oracle<double[]> mustNotBeCalled = samples -> {
            throw new AssertionError("the model was called");
        };
        double[] shortRow = {52, 4, 0};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EXPLAINER.explain(shortRow, 0, mustNotBeCalled, AnchorParams.DEFAULTS, new SplittableRandom(1)));
        assertTrue(e.getMessage().startsWith("instance has 3 values but the model has 12 features"), e.getMessage());

        double[] nan = Adult.TEST_ROW_0.clone();
        nan[Adult.HOURS] = Double.NaN;
        e = assertThrows(IllegalArgumentException.class,
                () -> EXPLAINER.explain(nan, 0, mustNotBeCalled, AnchorParams.DEFAULTS, new SplittableRandom(1)));
        assertEquals("instance, feature 'Hours per week': value NaN is not a finite number", e.getMessage());

        double[] badCode = Adult.TEST_ROW_0.clone();
        badCode[Adult.MARITAL_STATUS] = 4;
        e = assertThrows(IllegalArgumentException.class,
                () -> EXPLAINER.explain(badCode, 0, mustNotBeCalled, AnchorParams.DEFAULTS, new SplittableRandom(1)));
        assertEquals("instance, feature 'Marital Status': unknown category code 4.0 (expected an integer code 0..3)",
                e.getMessage());
    }

    @Test
    void facadeExposesItsDataAndDiscretizer() {
        assertEquals(Adult.TRAIN, EXPLAINER.training());
        assertArrayEquals(new double[]{28, 37, 47}, EXPLAINER.discretizer().edges(Adult.AGE));
        AnchorTabular deciles = new AnchorTabular(Adult.TRAIN, new double[]{10, 90});
        assertEquals(2, deciles.discretizer().edges(Adult.AGE).length);
        assertEquals(15, EXPLAINER.predicates(Adult.TEST_ROW_0).size());
    }
}
