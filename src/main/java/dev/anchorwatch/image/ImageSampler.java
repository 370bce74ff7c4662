package dev.anchorwatch.image;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

import dev.anchorwatch.anchor.Draw;
import dev.anchorwatch.anchor.PredicateMatrix;
import dev.anchorwatch.anchor.Sampler;

/**
 * Perturbs an image by superpixels (ANCHORS.md §5). Predicate s is "superpixel s shows the image's own pixels".
 * A sample under an anchor keeps the anchor's superpixels and switches each other one off with probability
 * {@code pSample}; with a background fill it also draws which background image fills them. The coverage set
 * keeps each superpixel with probability 0.5, whatever {@code pSample} is. Immutable and thread-safe.
 */
public final class ImageSampler implements Sampler<Perturbation> {
    private final int segments;
    private final double pSample;
    private final int backgrounds;

    /**
     * @param segments    number of superpixels K
     * @param pSample     probability that a superpixel outside the anchor is switched off, in [0, 1]
     * @param backgrounds background images to draw from; 0 when the fill is not a background
     */
    public ImageSampler(int segments, double pSample, int backgrounds) {
        if (segments < 1) {
            throw new IllegalArgumentException("an image needs at least one segment");
        }
        if (!(pSample >= 0 && pSample <= 1)) {
            throw new IllegalArgumentException("p_sample must be in [0, 1], got " + pSample);
        }
        if (backgrounds < 0) {
            throw new IllegalArgumentException("backgrounds must be >= 0");
        }
        this.segments = segments;
        this.pSample = pSample;
        this.backgrounds = backgrounds;
    }

    @Override
    public int predicateCount() {
        return segments;
    }

    @Override
    public Draw<Perturbation> draw(int[] anchor, int n, RandomGenerator rng) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0");
        }
        long[] fixed = new long[Perturbation.words(segments)];
        for (int s : anchor) {
            if (s < 0 || s >= segments) {
                throw new IndexOutOfBoundsException("predicate " + s + " of " + segments);
            }
            fixed[s >>> 6] |= 1L << s;
        }
        List<Perturbation> samples = new ArrayList<>(n);
        PredicateMatrix.Builder m = PredicateMatrix.builder(n, segments);
        for (int i = 0; i < n; i++) {
            long[] kept = fixed.clone();
            for (int s = 0; s < segments; s++) {
                if ((kept[s >>> 6] & (1L << s)) == 0 && rng.nextDouble() >= pSample) {
                    kept[s >>> 6] |= 1L << s;
                }
            }
            for (int s = 0; s < segments; s++) {
                if ((kept[s >>> 6] & (1L << s)) != 0) {
                    m.set(i, s);
                }
            }
            samples.add(new Perturbation(segments, kept, backgrounds > 0 ? rng.nextInt(backgrounds) : -1));
        }
        return new Draw<>(samples, m.build());
    }

    @Override
    public PredicateMatrix coverageSet(int n, RandomGenerator rng) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be >= 0");
        }
        PredicateMatrix.Builder m = PredicateMatrix.builder(n, segments);
        for (int i = 0; i < n; i++) {
            for (int s = 0; s < segments; s++) {
                if (rng.nextBoolean()) {
                    m.set(i, s);
                }
            }
        }
        return m.build();
    }
}
