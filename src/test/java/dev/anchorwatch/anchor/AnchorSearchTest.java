package dev.anchorwatch.anchor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.LongPredicate;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.Test;

class AnchorSearchTest {
    private static final long P0 = 1L, P1 = 2L, P2 = 4L, P3 = 8L;

    /** Counts calls and rows, labelling each sample by a rule over its predicate bits. */
    private static class RuleOracle implements Oracle<Long> {
        final LongPredicate rule;
        final List<Integer> callSizes = new ArrayList<>();

        RuleOracle(LongPredicate rule) {
            this.rule = rule;
        }

        @Override
        public boolean[] sameLabel(List<Long> samples) {
            callSizes.add(samples.size());
            boolean[] out = new boolean[samples.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = rule.test(samples.get(i));
            }
            return out;
        }
    }

    private static int[] sorted(int[] a) {
        int[] c = a.clone();
        Arrays.sort(c);
        return c;
    }

    /** A RuleOracle that also knows every sample's label without a call (1 where the rule holds, else 0). */
    private static final class KnowingOracle extends RuleOracle {
        KnowingOracle(LongPredicate rule) {
            super(rule);
        }

        @Override
        public int[] knownLabels(List<Long> samples) {
            return samples.stream().mapToInt(b -> rule.test(b) ? 1 : 0).toArray();
        }
    }

    @Test
    void findsExactlyTheDecisiveConjunction() throws Exception {
        // same label iff predicates 0 and 2 both hold: the anchor must be {0, 2} with precision 1
        RuleOracle oracle = new RuleOracle(b -> (b & (P0 | P2)) == (P0 | P2));
        AnchorResult<Long> r = AnchorSearch.run(new SyntheticSampler(6, 0.5), oracle, AnchorParams.DEFAULTS,
                new SplittableRandom(1));
        assertTrue(r.success());
        assertEquals("found", r.stopReason());
        assertArrayEquals(new int[] {0, 2}, sorted(r.predicates()));
        assertEquals(1.0, r.precision());
        assertEquals(0.25, r.coverage(), 0.02); // two independent fair predicates
        AnchorStep<Long> last = r.steps().get(1);
        assertTrue(last.coveredFalse().isEmpty());
        assertEquals(10, last.coveredTrue().size());
        // the first prefix is a single predicate with precision about one half
        assertEquals(0.5, r.steps().get(0).precision(), 0.2);
        // the found anchor was checked on 100 fresh samples in one more call
        assertEquals(100, r.validation().samples());
        assertEquals(1.0, r.validation().precision());
        assertTrue(r.validation().confirmed());
        assertEquals(r.samples() + 100, oracle.callSizes.stream().mapToLong(Integer::longValue).sum());
        assertEquals(100, oracle.callSizes.get(oracle.callSizes.size() - 1));
        assertEquals(r.rounds(), oracle.callSizes.size());
        assertEquals(BernoulliBounds.lower(1.0, Math.log(10) / r.steps().get(1).samples()), r.precisionLowerBound());
        assertEquals(List.of(), r.warnings());
    }

    @Test
    void anAnchorCoveringNothingIsNeverASuccess() throws Exception {
        // predicates true with probability 0.01: the decisive conjunction {0, 1, 2} has precision 1 but covers no
        // row of the coverage set (expected 0.01 rows of 10,000), so it says nothing about the data
        RuleOracle oracle = new RuleOracle(b -> (b & (P0 | P1 | P2)) == (P0 | P1 | P2));
        AnchorResult<Long> r = AnchorSearch.run(new SyntheticSampler(4, 0.01), oracle, AnchorParams.DEFAULTS,
                new SplittableRandom(3));
        assertFalse(r.success());
        assertEquals(0.0, r.coverage());
        assertEquals(List.of("zero_coverage"), r.warnings());
        assertEquals(null, r.validation());
        // with validation off the outcome is the same: coverage alone decides
        AnchorResult<Long> off = AnchorSearch.run(new SyntheticSampler(4, 0.01), new RuleOracle(oracle.rule),
                AnchorParams.DEFAULTS.withValidationSamples(0), new SplittableRandom(3));
        assertFalse(off.success());
    }

    @Test
    void anAnchorThatFailsOnFreshSamplesIsNotASuccess() throws Exception {
        AnchorResult<Long> first = AnchorSearch.run(new SyntheticSampler(6, 0.5),
                new RuleOracle(b -> (b & (P0 | P2)) == (P0 | P2)), AnchorParams.DEFAULTS, new SplittableRandom(1));
        long searchCalls = first.rounds() - 1;
        // the same search, with a model that changes its mind on the last call (the validation): same samples
        // drawn, same anchor chosen, but the fresh samples contradict it
        int[] calls = {0};
        Oracle<Long> fickle = samples -> {
            boolean late = ++calls[0] > searchCalls;
            boolean[] out = new boolean[samples.size()];
            for (int i = 0; i < out.length; i++) {
                long b = samples.get(i);
                out[i] = (b & (P0 | P2)) == (P0 | P2) && !(late && i % 5 == 0); // 80% on fresh samples
            }
            return out;
        };
        AnchorResult<Long> r = AnchorSearch.run(new SyntheticSampler(6, 0.5), fickle, AnchorParams.DEFAULTS,
                new SplittableRandom(1));
        assertArrayEquals(first.predicates(), r.predicates());
        assertFalse(r.success());
        assertEquals("not_confirmed", r.stopReason());
        assertEquals(0.8, r.validation().precision());
        assertFalse(r.validation().confirmed());
        assertEquals(List.of("not_confirmed"), r.warnings());
        assertEquals(first.precision(), r.precision(), "the search's own estimate is still reported");
    }

    @Test
    void batchesDrawsOfSeveralArmsIntoOneOracleCall() throws Exception {
        RuleOracle oracle = new RuleOracle(b -> (b & (P1 | P3)) == (P1 | P3));
        AnchorSearch.run(new SyntheticSampler(8, 0.5), oracle, AnchorParams.DEFAULTS, new SplittableRandom(7));
        // each KL-LUCB iteration draws a batch for two arms, in one call
        assertTrue(oracle.callSizes.contains(200), oracle.callSizes.toString());
        assertTrue(oracle.callSizes.stream().allMatch(n -> n % 100 == 0 || n < 100), oracle.callSizes.toString());
    }

    @Test
    void anchorPrecisionHoldsOnFreshSamplesUnderLabelNoise() throws Exception {
        // label kept with probability 0.99 when predicates 1 and 3 hold, 0.4 otherwise
        RandomGenerator noise = new SplittableRandom(99);
        LongPredicate rule = b -> noise.nextDouble() < ((b & (P1 | P3)) == (P1 | P3) ? 0.99 : 0.4);
        SyntheticSampler sampler = new SyntheticSampler(8, 0.5);
        int found = 0;
        for (int seed = 0; seed < 10; seed++) {
            AnchorResult<Long> r = AnchorSearch.run(sampler, new RuleOracle(rule), AnchorParams.DEFAULTS,
                    new SplittableRandom(seed));
            if (!r.success()) {
                continue;
            }
            found++;
            // re-measure on 5,000 fresh samples drawn under the anchor
            Draw<Long> fresh = sampler.draw(r.predicates(), 5000, new SplittableRandom(1000 + seed));
            long same = fresh.samples().stream().filter(rule::test).count();
            assertTrue(same / 5000.0 >= 0.93, "anchor " + Arrays.toString(r.predicates())
                    + " re-measured precision " + same / 5000.0);
        }
        assertTrue(found >= 9, "anchors found " + found);
    }

    @Test
    void emptyAnchorWhenTheModelAlwaysAgrees() throws Exception {
        RuleOracle oracle = new RuleOracle(b -> true);
        AnchorResult<Long> r = AnchorSearch.run(new SyntheticSampler(5, 0.5), oracle, AnchorParams.DEFAULTS,
                new SplittableRandom(3));
        assertTrue(r.success());
        assertEquals(0, r.steps().size());
        assertEquals(1.0, r.coverage());
        assertEquals(1.0, r.precision());
        assertEquals(100, r.samples()); // min_samples_start only
    }

    @Test
    void unreachableThresholdReturnsBestCandidateWithoutSuccess() throws Exception {
        RandomGenerator noise = new SplittableRandom(5);
        RuleOracle oracle = new RuleOracle(b -> noise.nextDouble() < ((b & P0) != 0 ? 0.8 : 0.3));
        AnchorResult<Long> r = AnchorSearch.run(new SyntheticSampler(4, 0.5), oracle, AnchorParams.DEFAULTS,
                new SplittableRandom(11));
        assertFalse(r.success());
        assertEquals("exhausted", r.stopReason());
        assertTrue(Arrays.stream(r.predicates()).anyMatch(p -> p == 0), Arrays.toString(r.predicates()));
        assertEquals(0.8, r.precision(), 0.1);
    }

    @Test
    void sameSeedSameAnchorAndSameCost() throws Exception {
        AnchorResult<Long> a = AnchorSearch.run(new SyntheticSampler(10, 0.5),
                new RuleOracle(b -> (b & (P0 | P1 | P2)) == (P0 | P1 | P2)), AnchorParams.DEFAULTS,
                new SplittableRandom(42));
        AnchorResult<Long> b = AnchorSearch.run(new SyntheticSampler(10, 0.5),
                new RuleOracle(x -> (x & (P0 | P1 | P2)) == (P0 | P1 | P2)), AnchorParams.DEFAULTS,
                new SplittableRandom(42));
        assertArrayEquals(a.predicates(), b.predicates());
        assertEquals(a.samples(), b.samples());
        assertEquals(a.coverage(), b.coverage());
        assertEquals(a.steps().get(0).coveredTrue(), b.steps().get(0).coveredTrue());
    }

    @Test
    void sampleCapStopsTheSearchAndSaysSo() throws Exception {
        RuleOracle oracle = new RuleOracle(b -> (b & (P0 | P1 | P2)) == (P0 | P1 | P2));
        AnchorResult<Long> r = AnchorSearch.run(new SyntheticSampler(10, 0.5), oracle,
                AnchorParams.DEFAULTS.withMaxSamples(500), new SplittableRandom(2));
        assertEquals("max_samples", r.stopReason());
        assertFalse(r.success());
        assertTrue(r.samples() <= 500, "samples " + r.samples());
    }

    @Test
    void maxAnchorSizeLimitsTheAnchor() throws Exception {
        RuleOracle oracle = new RuleOracle(b -> (b & (P0 | P1 | P2)) == (P0 | P1 | P2));
        AnchorResult<Long> r = AnchorSearch.run(new SyntheticSampler(6, 0.5), oracle,
                AnchorParams.DEFAULTS.withMaxAnchorSize(2), new SplittableRandom(4));
        assertFalse(r.success());
        assertEquals(2, r.steps().size());
    }

    @Test
    void widerBeamFindsTheSameRule() throws Exception {
        RuleOracle oracle = new RuleOracle(b -> (b & (P2 | P3)) == (P2 | P3));
        AnchorResult<Long> r = AnchorSearch.run(new SyntheticSampler(6, 0.5), oracle,
                AnchorParams.DEFAULTS.withBeamSize(3), new SplittableRandom(8));
        assertTrue(r.success());
        assertArrayEquals(new int[] {2, 3}, sorted(r.predicates()));
    }

    @Test
    void eachKlLucbIterationAlsoSamplesTheNextChallenger() throws Exception {
        RuleOracle oracle = new RuleOracle(b -> (b & (P1 | P3)) == (P1 | P3));
        AnchorResult<Long> r = AnchorSearch.run(new SyntheticSampler(8, 0.5), oracle, AnchorParams.DEFAULTS,
                new SplittableRandom(7), 1);
        assertTrue(r.success());
        assertArrayEquals(new int[] {1, 3}, sorted(r.predicates()));
        // best outsider, weakest insider and the next outsider still in contention: three batches in one call
        assertTrue(oracle.callSizes.contains(300), oracle.callSizes.toString());
        assertTrue(oracle.callSizes.stream().allMatch(n -> n <= 300), oracle.callSizes.toString());
        // and fewer calls than the reference's two arms per iteration, over a few seeds
        long with = 0;
        long without = 0;
        for (int seed = 0; seed < 10; seed++) {
            LongPredicate rule = b -> (b & (P1 | P3)) == (P1 | P3);
            with += AnchorSearch.run(new SyntheticSampler(8, 0.5), new RuleOracle(rule), AnchorParams.DEFAULTS,
                    new SplittableRandom(seed), 1).rounds();
            without += AnchorSearch.run(new SyntheticSampler(8, 0.5), new RuleOracle(rule), AnchorParams.DEFAULTS,
                    new SplittableRandom(seed)).rounds();
        }
        assertTrue(with < without, with + " calls with one extra challenger, " + without + " without");
    }

    @Test
    void knownLabelsLetTheFirstRequestCarryLevelOneDraws() throws Exception {
        LongPredicate rule = b -> (b & (P0 | P2)) == (P0 | P2);
        long plainRounds = 0;
        long knowingRounds = 0;
        for (int seed = 0; seed < 10; seed++) {
            RuleOracle plain = new RuleOracle(rule);
            AnchorResult<Long> a = AnchorSearch.run(new SyntheticSampler(6, 0.5), plain, AnchorParams.DEFAULTS,
                    new SplittableRandom(seed));
            KnowingOracle knowing = new KnowingOracle(rule);
            AnchorResult<Long> b = AnchorSearch.run(new SyntheticSampler(6, 0.5), knowing, AnchorParams.DEFAULTS,
                    new SplittableRandom(seed));
            // without known labels the first call is the empty anchor's 100 samples alone
            assertEquals(100, plain.callSizes.get(0));
            // with them it also carries one KL-LUCB iteration's rows (at most three batches), split over the
            // arms either label of the instance would have drawn
            int ahead = knowing.callSizes.get(0) - 100;
            assertTrue(ahead > 0 && ahead <= 300, "first call " + knowing.callSizes.get(0));
            // the answer is the same rule, found with the same care
            assertTrue(a.success() && b.success(), "seed " + seed);
            assertArrayEquals(new int[] {0, 2}, sorted(b.predicates()));
            assertEquals(1.0, b.validation().precision());
            plainRounds += a.rounds();
            knowingRounds += b.rounds();
            // deterministic per seed
            AnchorResult<Long> again = AnchorSearch.run(new SyntheticSampler(6, 0.5), new KnowingOracle(rule),
                    AnchorParams.DEFAULTS, new SplittableRandom(seed));
            assertArrayEquals(b.predicates(), again.predicates());
            assertEquals(b.samples(), again.samples());
            assertEquals(b.rounds(), again.rounds());
        }
        assertTrue(knowingRounds < plainRounds, knowingRounds + " rounds with known labels, " + plainRounds
                + " without");
    }
}
