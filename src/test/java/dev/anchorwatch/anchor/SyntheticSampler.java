package dev.anchorwatch.anchor;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A sampler over P independent predicates, each true with probability {@code p} in an unconstrained draw.
 * A sample is the bitmask of the predicates it satisfies, so an oracle can label it by any rule over them.
 */
final class SyntheticSampler implements Sampler<Long> {
    private final int predicates;
    private final double p;

    SyntheticSampler(int predicates, double p) {
        this.predicates = predicates;
        this.p = p;
    }

    @Override
    public int predicateCount() {
        return predicates;
    }

    @Override
    public Draw<Long> draw(int[] anchor, int n, RandomGenerator rng) {
        long forced = 0;
        for (int a : anchor) {
            forced |= 1L << a;
        }
        List<Long> samples = new ArrayList<>(n);
        PredicateMatrix.Builder b = PredicateMatrix.builder(n, predicates);
        for (int i = 0; i < n; i++) {
            long bits = forced | random(rng);
            samples.add(bits);
            for (int q = 0; q < predicates; q++) {
                b.set(i, q, (bits & (1L << q)) != 0);
            }
        }
        return new Draw<>(samples, b.build());
    }

    @Override
    public PredicateMatrix coverageSet(int n, RandomGenerator rng) {
        return draw(new int[0], n, rng).satisfied();
    }

    private long random(RandomGenerator rng) {
        long bits = 0;
        for (int q = 0; q < predicates; q++) {
            if (rng.nextDouble() < p) {
                bits |= 1L << q;
            }
        }
        return bits;
    }
}
