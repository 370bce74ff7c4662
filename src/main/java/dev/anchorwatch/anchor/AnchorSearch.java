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
    private final int extraChallengers;
    private final SampleStreams streams;
    // keyed streams this search has read, by anchor key
    private final Map<Long, Stream<S>> searchStreams = new HashMap<>();
    private final Map<Long, Stream<S>> validationStreams = new HashMap<>();
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
    // level-1 draws made in the first request, before their arms exist (see planAhead)
    private final List<Integer> aheadPredicates = new ArrayList<>();
    private final List<Draw<S>> aheadDraws = new ArrayList<>();
    private final List<boolean[]> aheadLabels = new ArrayList<>();
    // coverage of the best valid anchor so far (-1: none yet)
    private double bestCoverage = -1;

    private AnchorSearch(Sampler<S> sampler, Oracle<S> oracle, AnchorParams params, RandomGenerator rng,
                         int extraChallengers, SampleStreams streams) {
        if (extraChallengers < 0) {
            throw new IllegalArgumentException("extra challengers must be >= 0, got " + extraChallengers);
        }
        this.extraChallengers = extraChallengers;
        this.streams = java.util.Objects.requireNonNull(streams, "streams");
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
        return run(sampler, oracle, params, rng, 0);
    }

    /**
     * As {@link #run(Sampler, Oracle, AnchorParams, RandomGenerator)}, with each KL-LUCB iteration also sampling up
     * to {@code extraChallengers} more outsiders that keep it from stopping (0: the reference's two arms per
     * iteration). More rows per request, fewer requests: see {@link #lucbDraws}.
     */
    public static <S> AnchorResult<S> run(Sampler<S> sampler, Oracle<S> oracle, AnchorParams params,
                                          RandomGenerator rng, int extraChallengers) throws Exception {
        return run(sampler, oracle, params, rng, extraChallengers, SampleStreams.RNG);
    }

    /**
     * As {@link #run(Sampler, Oracle, AnchorParams, RandomGenerator, int)}, with the samples drawn from
     * {@code streams}; {@code rng} then draws only the coverage set.
     */
    public static <S> AnchorResult<S> run(Sampler<S> sampler, Oracle<S> oracle, AnchorParams params,
                                          RandomGenerator rng, int extraChallengers, SampleStreams streams)
            throws Exception {
        return new AnchorSearch<>(sampler, oracle, params, rng, extraChallengers, streams).search();
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
            for (int size = 1; size <= maxSize; size++) {
                List<Arm> candidates = new ArrayList<>();
                for (Arm parent : bestOfLevel.get(size - 1)) {
                    extend(parent, candidates);
                }
                if (size == 1) {
                    absorbAhead();
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
        if (best.validationPositives < 0) {
            sample(List.of(), new int[0], List.of(best));
        }
        int positives = best.validationPositives;
        double mean = (double) positives / n;
        double level = Math.log(1 / params.delta()) / n;
        double upper = BernoulliBounds.upper(mean, level);
        boolean confirmed = mean >= params.threshold() - STOP_MARGIN && upper >= params.threshold();
        AnchorResult.Validation v = new AnchorResult.Validation(n, mean, BernoulliBounds.lower(mean, level), upper,
                confirmed);
        return confirmed ? result(best, true, reason, v) : result(best, false, "not_confirmed", v);
    }

    /**
     * Step 2: sample the empty anchor; if its precision is already confidently above the threshold, done. The
     * first request also carries level 1's first KL-LUCB draws when the oracle already knows the labels of the
     * empty anchor's samples (see {@link #planAhead}).
     */
    private boolean emptyAnchorIsEnough(Arm empty) throws Exception {
        Draw<S> start = draw(empty.predicates, params.minSamplesStart());
        int[] ahead = planAhead(start);
        List<S> batch = new ArrayList<>(start.samples());
        for (int j = 0; j < ahead.length; j += 2) {
            Draw<S> d = draw(new int[] {ahead[j]}, ahead[j + 1]);
            aheadDraws.add(d);
            batch.addAll(d.samples());
        }
        if (params.maxSamples() > 0 && batch.size() > params.maxSamples()) {
            throw new BudgetExhausted("max_samples");
        }
        boolean[] labels = oracle.sameLabel(batch);
        rounds++;
        if (labels.length != batch.size()) {
            throw new IllegalStateException("oracle labelled " + labels.length + " of " + batch.size() + " samples");
        }
        absorb(empty, start, labels, 0);
        int offset = start.size();
        for (int j = 0; j < ahead.length; j += 2) {
            aheadPredicates.add(ahead[j]);
            aheadLabels.add(Arrays.copyOfRange(labels, offset, offset + ahead[j + 1]));
            offset += ahead[j + 1];
        }
        double beta = Math.log(1 / params.delta());
        double threshold = params.threshold();
        while (empty.mean() > threshold
                && BernoulliBounds.lower(empty.mean(), beta / empty.n) < threshold - params.tau()) {
            sample(List.of(empty), params.batchSize());
        }
        return BernoulliBounds.lower(empty.mean(), beta / empty.n) > threshold;
    }

    /**
     * Plans the draws of level 1's first KL-LUCB iteration before the instance's own label is known, so that
     * they travel in the first request with the empty anchor's samples (and the instance, whose label the
     * oracle asks for there): one round trip fewer. Possible when the oracle knows the labels of the empty
     * anchor's samples without calling the model (a tabular model's training rows): for each label the instance
     * may have (each label among them, or none of them when they all agree), the iteration's choice is computed
     * as {@link #lucbDraws} would make it, and the union of the arms chosen is drawn, the rows of one iteration
     * split evenly among them. Whatever the instance's label, every sample is a fresh draw of its arm's anchor,
     * so adding it to the arm keeps the bounds valid; KL-LUCB then starts with those samples in. Not done when
     * the empty anchor could be enough under some label, when a level-1 anchor has no sample to start from,
     * when there are more than two labels, or under a sample cap.
     *
     * @return pairs (predicate, samples), flattened; empty when nothing is planned
     */
    private int[] planAhead(Draw<S> start) {
        int m = start.size();
        if (params.maxSamples() > 0 || predicateCount <= params.beamSize() || m == 0) {
            return new int[0];
        }
        int[] raw = oracle.knownLabels(start.samples());
        if (raw == null || raw.length != m) {
            return new int[0];
        }
        java.util.TreeSet<Integer> labels = new java.util.TreeSet<>();
        for (int l : raw) {
            if (l < 0) {
                return new int[0];
            }
            labels.add(l);
        }
        if (labels.size() > 2) {
            return new int[0];
        }
        List<Integer> hypotheses = new ArrayList<>(labels);
        if (labels.size() == 1) {
            hypotheses.add(-1); // the instance's label is none of theirs: no sample is labelled like it
        }
        int[] n = new int[predicateCount];
        for (int p = 0; p < predicateCount; p++) {
            for (int i = 0; i < m; i++) {
                if (start.satisfied().get(i, p)) {
                    n[p]++;
                }
            }
            if (n[p] == 0) {
                return new int[0];
            }
        }
        java.util.LinkedHashSet<Integer> union = new java.util.LinkedHashSet<>();
        int rows = 0;
        for (int h : hypotheses) {
            int same = 0;
            int[] positives = new int[predicateCount];
            for (int i = 0; i < m; i++) {
                if (raw[i] == h) {
                    same++;
                    for (int p = 0; p < predicateCount; p++) {
                        if (start.satisfied().get(i, p)) {
                            positives[p]++;
                        }
                    }
                }
            }
            if ((double) same / m > params.threshold()) {
                return new int[0];
            }
            int[] pick = lucbDraws(n, positives, params.beamSize(), 1);
            rows = Math.max(rows, pick.length * params.batchSize());
            for (int p : pick) {
                union.add(p);
            }
        }
        if (union.isEmpty()) {
            return new int[0];
        }
        int each = Math.max(1, rows / union.size());
        int[] out = new int[2 * union.size()];
        int j = 0;
        for (int p : union) {
            out[j++] = p;
            out[j++] = each;
        }
        return out;
    }

    /** Hands the samples drawn ahead for level-1 anchors to those anchors, now that they exist. */
    private void absorbAhead() {
        for (int j = 0; j < aheadPredicates.size(); j++) {
            long[] bits = new long[words];
            int p = aheadPredicates.get(j);
            bits[p >>> 6] |= 1L << p;
            Arm arm = arms.get(new Key(bits));
            if (arm != null) {
                absorb(arm, aheadDraws.get(j), aheadLabels.get(j), 0);
            }
        }
        aheadPredicates.clear();
        aheadDraws.clear();
        aheadLabels.clear();
    }

    /** Adds a draw's samples, labelled from {@code labels[offset..]}, to the pool and to the arm. */
    private void absorb(Arm arm, Draw<S> d, boolean[] labels, int offset) {
        ensurePoolCapacity(poolSize + d.size());
        for (int i = 0; i < d.size(); i++) {
            int idx = poolSize++;
            d.satisfied().copyRow(i, poolBits, idx * words);
            boolean label = labels[offset + i];
            poolLabels[idx] = label;
            poolSamples.add(d.samples().get(i));
            arm.add(idx, label);
        }
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
        int[] n = new int[k];
        int[] positives = new int[k];
        for (int t = 1; ; t++) {
            for (int i = 0; i < k; i++) {
                n[i] = candidates.get(i).n;
                positives[i] = candidates.get(i).positives;
            }
            int[] pick = lucbDraws(n, positives, top, t);
            if (pick.length == 0) {
                return byMeanDescending(candidates).subList(0, top);
            }
            List<Arm> draw = new ArrayList<>(pick.length);
            for (int i : pick) {
                draw.add(candidates.get(i));
            }
            int[] ns = new int[draw.size()];
            Arrays.fill(ns, params.batchSize());
            sample(draw, ns, List.of());
        }
    }

    /**
     * One KL-LUCB iteration over {@code n.length} arms in candidate order, arm i with {@code n[i]} samples of which
     * {@code positives[i]} are labelled like the instance (every n[i] > 0): the arms to sample in this
     * iteration's one request, or none when the {@code top} arms of highest mean are confidently apart from the
     * rest (the upper bound u of the best outsider is within tau of the lower bound l of the weakest insider).
     * Drawn, in this order: the best outsider and the weakest insider (as in the reference), and up to
     * {@code extraChallengers} more outsiders that also keep the search from stopping (upper bound above
     * l + tau), in order of mean: sampling the next challenger in the same request, instead of in a later
     * iteration, is what saves round trips. Extra samples never weaken the bounds, which hold for any number of
     * samples per arm at every iteration.
     */
    private int[] lucbDraws(int[] n, int[] positives, int top, int t) {
        int k = n.length;
        Integer[] order = new Integer[k];
        for (int i = 0; i < k; i++) {
            order[i] = i;
        }
        // stable: ties keep candidate order
        Arrays.sort(order, (a, b) -> Double.compare(mean(positives[b], n[b]), mean(positives[a], n[a])));
        double beta = BernoulliBounds.beta(k, t, params.delta());
        int weakestIn = -1;
        double weakestLower = Double.POSITIVE_INFINITY;
        for (int r = 0; r < top; r++) {
            int a = order[r];
            double lb = BernoulliBounds.lower(mean(positives[a], n[a]), beta / n[a]);
            if (lb < weakestLower) {
                weakestLower = lb;
                weakestIn = a;
            }
        }
        int strongestOut = -1;
        double strongestUpper = Double.NEGATIVE_INFINITY;
        for (int r = top; r < k; r++) {
            int a = order[r];
            double ub = BernoulliBounds.upper(mean(positives[a], n[a]), beta / n[a]);
            if (ub > strongestUpper) {
                strongestUpper = ub;
                strongestOut = a;
            }
        }
        if (strongestUpper - weakestLower <= params.tau()) {
            return new int[0];
        }
        int[] draw = new int[2 + extraChallengers];
        int size = 0;
        draw[size++] = strongestOut;
        draw[size++] = weakestIn;
        int limit = size + extraChallengers;
        double bar = weakestLower + params.tau();
        for (int r = top; r < k && size < limit; r++) {
            int a = order[r];
            if (a != strongestOut && BernoulliBounds.upper(mean(positives[a], n[a]), beta / n[a]) > bar) {
                draw[size++] = a;
            }
        }
        return Arrays.copyOf(draw, size);
    }

    private static double mean(int positives, int n) {
        return n == 0 ? 0.0 : (double) positives / n;
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
        int[] ns = new int[targets.size()];
        Arrays.fill(ns, n);
        sample(targets, ns, List.of());
    }

    /**
     * Draws {@code ns[j]} samples for arm {@code j}, and {@code validationSamples} fresh samples for each arm of
     * {@code validate} (kept apart, never seen by the search), and labels all of them in one oracle call.
     */
    private void sample(List<Arm> targets, int[] ns, List<Arm> validate) throws Exception {
        long total = 0;
        for (int n : ns) {
            total += n;
        }
        if (total > 0 && params.maxSamples() > 0 && poolSize + total > params.maxSamples()) {
            throw new BudgetExhausted("max_samples");
        }
        if (total > 0 && System.nanoTime() > deadlineNanos) {
            throw new BudgetExhausted("time_budget");
        }
        List<Draw<S>> draws = new ArrayList<>(targets.size());
        List<S> batch = new ArrayList<>((int) total + validate.size() * params.validationSamples());
        for (int j = 0; j < targets.size(); j++) {
            Draw<S> d = draw(targets.get(j).predicates, ns[j]);
            draws.add(d);
            batch.addAll(d.samples());
        }
        for (Arm arm : validate) {
            batch.addAll(draw(arm.predicates, params.validationSamples(), VALIDATION).samples());
        }
        boolean[] labels = oracle.sameLabel(batch);
        rounds++;
        if (labels.length != batch.size()) {
            throw new IllegalStateException("oracle labelled " + labels.length + " of " + batch.size() + " samples");
        }
        int offset = 0;
        for (int j = 0; j < targets.size(); j++) {
            Draw<S> d = draws.get(j);
            absorb(targets.get(j), d, labels, offset);
            offset += d.size();
        }
        for (Arm arm : validate) {
            int positives = 0;
            for (int i = 0; i < params.validationSamples(); i++) {
                positives += labels[offset++] ? 1 : 0;
            }
            arm.validationPositives = positives;
        }
    }

    private static final int SEARCH = 0;
    private static final int VALIDATION = 1;

    private Draw<S> draw(int[] anchor, int n) {
        return draw(anchor, n, SEARCH);
    }

    /**
     * {@code n} samples of {@code anchor}: from the RNG, or the next {@code n} of the anchor's keyed stream for
     * this purpose. A stream is a sequence of blocks of {@code batchSize} samples, block b drawn in one call with
     * an RNG seeded by (seed, anchor, purpose, b), so the j-th sample is the same however the draws are split,
     * and within a block the sampler works as it does on a batch of that size.
     */
    private Draw<S> draw(int[] anchor, int n, int purpose) {
        if (!streams.keyed()) {
            return checked(sampler.draw(anchor, n, rng), n);
        }
        long key = SampleStreams.anchorKey(sampler, anchor);
        Stream<S> stream = streamsFor(purpose).computeIfAbsent(key, k -> new Stream<>());
        int block = Math.max(1, params.batchSize());
        List<S> samples = new ArrayList<>(n);
        PredicateMatrix.Builder satisfied = PredicateMatrix.builder(n, predicateCount);
        for (int i = 0; i < n; i++) {
            int at = (int) (stream.next % block);
            if (at == 0) { // the stream's next block
                long seed = SampleStreams.blockSeed(streams.seed(), key, purpose, stream.next / block);
                stream.block = checked(sampler.draw(anchor, block, new java.util.SplittableRandom(seed)), block);
            }
            samples.add(stream.block.samples().get(at));
            for (int p = 0; p < predicateCount; p++) {
                if (stream.block.satisfied().get(at, p)) {
                    satisfied.set(i, p);
                }
            }
            stream.next++;
        }
        return new Draw<>(samples, satisfied.build());
    }

    private Map<Long, Stream<S>> streamsFor(int purpose) {
        return purpose == SEARCH ? searchStreams : validationStreams;
    }

    /** How far this search has read an anchor's keyed stream, and the block it is reading. */
    private static final class Stream<S> {
        long next;
        Draw<S> block;
    }

    private static <S> Draw<S> checked(Draw<S> d, int n) {
        if (d.size() != n) {
            throw new IllegalStateException("sampler returned " + d.size() + " samples, " + n + " asked");
        }
        return d;
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
        /** Labels like the instance among this arm's fresh validation samples; -1 until they are drawn. */
        int validationPositives = -1;

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
