package dev.anchorwatch.anchor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * The Anchors search (Ribeiro, Singh and Guestrin, AAAI 2018): anchors grown one predicate per level, the
 * {@code beamSize} best of each level chosen by KL-LUCB, each refined until its precision is decided, the
 * valid anchor of widest coverage kept.
 *
 * <p>Unlike the reference, every draw a round needs (all arms of a KL-LUCB iteration, all anchors of a
 * refinement pass, all never-sampled arms) goes to the oracle in one call, which the predictor may split by
 * rows. The run is single-threaded and its randomness comes only from the RNG passed in.
 */
public final class AnchorSearch<S> {
    /** Margin around the threshold that decides an anchor is valid (or not worth more samples). */
    private static final double STOP_MARGIN = 0.05;

    private final Sampler<S> sampler;
    private final Oracle<S> oracle;
    private final AnchorParams params;
    private final RandomGenerator rng;
    private final int predicateCount;
    private final int words;
    private final long deadlineNanos;

    private PredicateMatrix coverageSet;
    // the sample pool: every labelled sample, with the predicates it satisfies
    private long[] poolBits = new long[0];
    private boolean[] poolLabels = new boolean[0];
    private final List<S> poolSamples = new ArrayList<>();
    private int poolSize;
    private long rounds;
    // arms keyed by their predicate set; insertion order of the value's predicates is the first parent's
    private final Map<Key, Arm> arms = new HashMap<>();

    private AnchorSearch(Sampler<S> sampler, Oracle<S> oracle, AnchorParams params, RandomGenerator rng) {
        this.sampler = sampler;
        this.oracle = oracle;
        this.params = params;
        this.rng = rng;
        this.predicateCount = sampler.predicateCount();
        this.words = PredicateMatrix.wordsFor(predicateCount);
        this.deadlineNanos = params.timeBudget().isZero() ? Long.MAX_VALUE
                : System.nanoTime() + params.timeBudget().toNanos();
    }

    /** Searches for an anchor of the instance the sampler and the oracle were built for. */
    public static <S> AnchorResult<S> run(Sampler<S> sampler, Oracle<S> oracle, AnchorParams params,
                                          RandomGenerator rng) throws Exception {
        return new AnchorSearch<>(sampler, oracle, params, rng).search();
    }

    private AnchorResult<S> search() throws Exception {
        coverageSet = sampler.coverageSet(params.coverageSamples(), rng);
        if (coverageSet.predicates() != predicateCount) {
            throw new IllegalStateException("coverage set has " + coverageSet.predicates()
                    + " predicates, sampler declares " + predicateCount);
        }
        Arm empty = new Arm(new int[0], new Key(new long[words]), new IntList());
        empty.coverage = 1.0;
        arms.put(empty.key, empty);

        List<List<Arm>> bestOfLevel = new ArrayList<>();
        Arm best = null;
        try {
            if (emptyAnchorIsEnough(empty)) {
                return result(empty, true, "found");
            }
            bestOfLevel.add(List.of(empty));
            int maxSize = params.maxAnchorSize() == 0 ? predicateCount
                    : Math.min(params.maxAnchorSize(), predicateCount);
            double bestCoverage = -1;
            for (int size = 1; size <= maxSize; size++) {
                List<Arm> candidates = new ArrayList<>();
                for (Arm parent : bestOfLevel.get(size - 1)) {
                    extend(parent, candidates);
                }
                final double floor = bestCoverage;
                candidates.removeIf(a -> a.coverage <= floor);
                if (candidates.isEmpty()) {
                    break;
                }
                List<Arm> chosen = klLucb(candidates, params.beamSize());
                bestOfLevel.add(chosen);
                refine(chosen);
                boolean stop = false;
                for (Arm a : chosen) {
                    // an anchor that covers no row of the coverage set is never the answer: it says nothing
                    // about the data the model sees (it can still be returned, unsuccessful, as most precise)
                    if (isValid(a) && a.coverage > 0 && a.coverage > bestCoverage) {
                        bestCoverage = a.coverage;
                        best = a;
                        if (bestCoverage == 1.0 || params.stopOnFirst()) {
                            stop = true;
                        }
                    }
                }
                if (stop) {
                    break;
                }
            }
            if (best != null) {
                return validated(best, "found");
            }
            List<Arm> all = new ArrayList<>();
            for (int level = 1; level < bestOfLevel.size(); level++) {
                all.addAll(bestOfLevel.get(level));
            }
            if (all.isEmpty()) {
                return result(empty, false, "exhausted");
            }
            return result(klLucb(all, 1).get(0), false, "exhausted");
        } catch (BudgetExhausted e) {
            if (best != null) {
                return validated(best, e.reason);
            }
            Arm mostPrecise = null;
            for (Arm a : arms.values()) {
                if (a.n > 0 && a.predicates.length > 0
                        && (mostPrecise == null || a.mean() > mostPrecise.mean())) {
                    mostPrecise = a;
                }
            }
            return result(mostPrecise == null ? empty : mostPrecise, false, e.reason);
        }
    }

    /**
     * Draws {@code validationSamples} fresh samples of the chosen anchor and labels them in one oracle call:
     * the search picked the best of many noisy estimates, so its own mean is biased upwards; the fresh
     * samples are not (and neither are they biased by reuse: a child starts with its parent's samples, which
     * were not drawn under the child's predicates). The anchor stays a success when the fresh precision is at
     * least threshold − 0.05 (the margin the search grants its own lower bound) and its upper confidence bound
     * at ln(1/delta) reaches the threshold. The samples are not added to the anchor's own.
     */
    private AnchorResult<S> validated(Arm best, String reason) throws Exception {
        int n = params.validationSamples();
        if (n == 0 || best.predicates.length == 0) {
            return result(best, true, reason, null);
        }
        Draw<S> d = sampler.draw(best.predicates, n, rng);
        if (d.size() != n) {
            throw new IllegalStateException("sampler returned " + d.size() + " samples, " + n + " asked");
        }
        boolean[] labels = oracle.sameLabel(d.samples());
        rounds++;
        if (labels.length != n) {
            throw new IllegalStateException("oracle labelled " + labels.length + " of " + n + " samples");
        }
        int positives = 0;
        for (boolean l : labels) {
            positives += l ? 1 : 0;
        }
        double mean = (double) positives / n;
        double level = Math.log(1 / params.delta()) / n;
        double upper = BernoulliBounds.upper(mean, level);
        boolean confirmed = mean >= params.threshold() - STOP_MARGIN && upper >= params.threshold();
        AnchorResult.Validation v = new AnchorResult.Validation(n, mean, BernoulliBounds.lower(mean, level), upper,
                confirmed);
        return confirmed ? result(best, true, reason, v) : result(best, false, "not_confirmed", v);
    }

    /** Step 2: sample the empty anchor; if its precision is already confidently above the threshold, done. */
    private boolean emptyAnchorIsEnough(Arm empty) throws Exception {
        sample(List.of(empty), params.minSamplesStart());
        double beta = Math.log(1 / params.delta());
        double threshold = params.threshold();
        while (empty.mean() > threshold
                && BernoulliBounds.lower(empty.mean(), beta / empty.n) < threshold - params.tau()) {
            sample(List.of(empty), params.batchSize());
        }
        return BernoulliBounds.lower(empty.mean(), beta / empty.n) > threshold;
    }

    /** Adds to {@code out} every anchor made of {@code parent} plus one predicate it lacks. */
    private void extend(Arm parent, List<Arm> out) {
        for (int p = 0; p < predicateCount; p++) {
            if (parent.has(p)) {
                continue;
            }
            long[] bits = parent.key.bits.clone();
            bits[p >>> 6] |= 1L << p;
            Key key = new Key(bits);
            Arm arm = arms.get(key);
            if (arm == null) {
                int[] predicates = Arrays.copyOf(parent.predicates, parent.predicates.length + 1);
                predicates[parent.predicates.length] = p;
                // reuse the parent's samples that satisfy the new predicate: they were drawn under it too
                arm = new Arm(predicates, key, new IntList());
                for (int i = 0; i < parent.samples.size; i++) {
                    int idx = parent.samples.data[i];
                    if ((poolBits[idx * words + (p >>> 6)] & (1L << p)) != 0) {
                        arm.add(idx, poolLabels[idx]);
                    }
                }
                arm.coverage = coverageOf(key.bits);
                arms.put(key, arm);
            }
            if (!out.contains(arm)) {
                out.add(arm);
            }
        }
    }

    private double coverageOf(long[] mask) {
        int rows = coverageSet.rows();
        int covered = 0;
        for (int r = 0; r < rows; r++) {
            if (coverageSet.satisfiesAll(r, mask)) {
                covered++;
            }
        }
        return (double) covered / rows;
    }

    /** KL-LUCB: returns the {@code top} arms of highest precision, best first, sampling until confident. */
    private List<Arm> klLucb(List<Arm> candidates, int top) throws Exception {
        if (candidates.size() <= top) {
            return byMeanDescending(candidates);
        }
        List<Arm> unsampled = candidates.stream().filter(a -> a.n == 0).toList();
        if (!unsampled.isEmpty()) {
            sample(unsampled, 1);
        }
        int k = candidates.size();
        for (int t = 1; ; t++) {
            List<Arm> ranked = byMeanDescending(candidates);
            double beta = BernoulliBounds.beta(k, t, params.delta());
            Arm weakestIn = null;
            double weakestLower = Double.POSITIVE_INFINITY;
            for (int i = 0; i < top; i++) {
                Arm a = ranked.get(i);
                double lb = BernoulliBounds.lower(a.mean(), beta / a.n);
                if (lb < weakestLower) {
                    weakestLower = lb;
                    weakestIn = a;
                }
            }
            Arm strongestOut = null;
            double strongestUpper = Double.NEGATIVE_INFINITY;
            for (int i = top; i < ranked.size(); i++) {
                Arm a = ranked.get(i);
                double ub = BernoulliBounds.upper(a.mean(), beta / a.n);
                if (ub > strongestUpper) {
                    strongestUpper = ub;
                    strongestOut = a;
                }
            }
            if (strongestUpper - weakestLower <= params.tau()) {
                return ranked.subList(0, top);
            }
            sample(List.of(strongestOut, weakestIn), params.batchSize());
        }
    }

    /** Samples each chosen anchor until its precision is confidently on one side of the threshold. */
    private void refine(List<Arm> chosen) throws Exception {
        double beta = Math.log((1 + (params.beamSize() - 1) * (double) predicateCount) / params.delta());
        double threshold = params.threshold();
        while (true) {
            List<Arm> undecided = new ArrayList<>();
            for (Arm a : chosen) {
                double mean = a.mean();
                double level = beta / a.n;
                boolean needMore = mean >= threshold
                        ? BernoulliBounds.lower(mean, level) < threshold - STOP_MARGIN
                        : BernoulliBounds.upper(mean, level) >= threshold + STOP_MARGIN;
                if (needMore) {
                    undecided.add(a);
                }
            }
            if (undecided.isEmpty()) {
                return;
            }
            sample(undecided, params.batchSize());
        }
    }

    /** The exploration level of refinement and validity: ln((1 + (beam − 1)·P) / delta). */
    private double validityBeta() {
        return Math.log((1 + (params.beamSize() - 1) * (double) predicateCount) / params.delta());
    }

    private boolean isValid(Arm a) {
        double beta = validityBeta();
        return a.mean() >= params.threshold()
                && BernoulliBounds.lower(a.mean(), beta / a.n) > params.threshold() - STOP_MARGIN;
    }

    /** Draws {@code n} samples for each arm and labels all of them in one oracle call. */
    private void sample(List<Arm> targets, int n) throws Exception {
        long total = (long) n * targets.size();
        if (params.maxSamples() > 0 && poolSize + total > params.maxSamples()) {
            throw new BudgetExhausted("max_samples");
        }
        if (System.nanoTime() > deadlineNanos) {
            throw new BudgetExhausted("time_budget");
        }
        List<Draw<S>> draws = new ArrayList<>(targets.size());
        List<S> batch = new ArrayList<>((int) total);
        for (Arm arm : targets) {
            Draw<S> d = sampler.draw(arm.predicates, n, rng);
            if (d.size() != n) {
                throw new IllegalStateException("sampler returned " + d.size() + " samples, " + n + " asked");
            }
            draws.add(d);
            batch.addAll(d.samples());
        }
        boolean[] labels = oracle.sameLabel(batch);
        rounds++;
        if (labels.length != batch.size()) {
            throw new IllegalStateException("oracle labelled " + labels.length + " of " + batch.size() + " samples");
        }
        ensurePoolCapacity(poolSize + batch.size());
        int offset = 0;
        for (int j = 0; j < targets.size(); j++) {
            Arm arm = targets.get(j);
            Draw<S> d = draws.get(j);
            for (int i = 0; i < d.size(); i++) {
                int idx = poolSize++;
                d.satisfied().copyRow(i, poolBits, idx * words);
                boolean label = labels[offset + i];
                poolLabels[idx] = label;
                poolSamples.add(d.samples().get(i));
                arm.add(idx, label);
            }
            offset += d.size();
        }
    }

    private void ensurePoolCapacity(int samples) {
        if (samples > poolLabels.length) {
            int capacity = Math.max(samples, poolLabels.length * 2);
            poolLabels = Arrays.copyOf(poolLabels, capacity);
            poolBits = Arrays.copyOf(poolBits, capacity * words);
        }
    }

    private AnchorResult<S> result(Arm anchor, boolean success, String reason) {
        return result(anchor, success, reason, null);
    }

    private AnchorResult<S> result(Arm anchor, boolean success, String reason, AnchorResult.Validation validation) {
        List<AnchorStep<S>> steps = new ArrayList<>();
        for (int len = 1; len <= anchor.predicates.length; len++) {
            long[] bits = new long[words];
            for (int i = 0; i < len; i++) {
                bits[anchor.predicates[i] >>> 6] |= 1L << anchor.predicates[i];
            }
            Arm prefix = arms.get(new Key(bits));
            steps.add(step(anchor.predicates[len - 1], prefix));
        }
        double precision = anchor.n == 0 ? 0.0 : anchor.mean();
        double lowerBound = anchor.n == 0 ? 0.0 : BernoulliBounds.lower(anchor.mean(), validityBeta() / anchor.n);
        List<String> warnings = new ArrayList<>();
        if (anchor.coverage == 0) {
            warnings.add("zero_coverage");
        }
        if (validation != null && !validation.confirmed()) {
            warnings.add("not_confirmed");
        }
        return new AnchorResult<>(steps, precision, anchor.coverage, success, reason, rounds, poolSize, lowerBound,
                validation, warnings);
    }

    /** A prefix's figures and its most recent examples of each label. */
    private AnchorStep<S> step(int predicate, Arm arm) {
        List<S> same = new ArrayList<>();
        List<S> different = new ArrayList<>();
        int limit = params.nCoveredExamples();
        for (int i = arm.samples.size - 1; i >= 0 && (same.size() < limit || different.size() < limit); i--) {
            int idx = arm.samples.data[i];
            List<S> target = poolLabels[idx] ? same : different;
            if (target.size() < limit) {
                target.add(poolSamples.get(idx));
            }
        }
        return new AnchorStep<>(predicate, arm.n == 0 ? 0.0 : arm.mean(), arm.coverage, arm.n, same, different);
    }

    private static List<Arm> byMeanDescending(List<Arm> arms) {
        List<Arm> sorted = new ArrayList<>(arms);
        sorted.sort(Comparator.comparingDouble(Arm::mean).reversed()); // stable: ties keep candidate order
        return sorted;
    }

    /** One candidate anchor and its statistics. */
    private static final class Arm {
        final int[] predicates;
        final Key key;
        final IntList samples;
        int n;
        int positives;
        double coverage;

        Arm(int[] predicates, Key key, IntList samples) {
            this.predicates = predicates;
            this.key = key;
            this.samples = samples;
        }

        boolean has(int p) {
            return (key.bits[p >>> 6] & (1L << p)) != 0;
        }

        void add(int idx, boolean label) {
            samples.add(idx);
            n++;
            if (label) {
                positives++;
            }
        }

        double mean() {
            return n == 0 ? 0.0 : (double) positives / n;
        }
    }

    private record Key(long[] bits) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Arrays.equals(k.bits, bits);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bits);
        }
    }

    private static final class IntList {
        int[] data = new int[16];
        int size;

        void add(int v) {
            if (size == data.length) {
                data = Arrays.copyOf(data, size * 2);
            }
            data[size++] = v;
        }
    }

    private static final class BudgetExhausted extends Exception {
        final String reason;

        BudgetExhausted(String reason) {
            super(reason, null, false, false);
            this.reason = reason;
        }
    }
}
