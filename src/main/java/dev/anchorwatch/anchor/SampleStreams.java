package dev.anchorwatch.anchor;

/**
 * Where a search's samples come from.
 *
 * <p>{@link #RNG}: the explanation's own RNG, as in the reference: two explanations of one model never draw the
 * same sample, so nothing one labels helps another.
 *
 * <p>{@link #keyed(long)}: one stream per anchor, keyed by its predicates ({@link Sampler#predicateKey}) and
 * {@code seed}. The j-th sample an explanation draws for an anchor is then the same in every explanation that
 * draws it (same seed, same anchor), so a label cache shared by the explanations of one model labels it once.
 * Within one explanation the samples of an anchor are still independent draws of its perturbation distribution,
 * and different anchors' streams are independent; the search's fresh validation samples come from a stream of
 * their own. What is shared across explanations is only which samples are drawn, never a result.
 *
 * @param keyed whether samples come from anchor-keyed streams
 * @param seed  the streams' seed (ignored unless keyed)
 */
public record SampleStreams(boolean keyed, long seed) {
    public static final SampleStreams RNG = new SampleStreams(false, 0);

    public static SampleStreams keyed(long seed) {
        return new SampleStreams(true, seed);
    }

    /** The seed of block {@code index} of an anchor's stream for {@code purpose} (0 search, 1 validation). */
    static long blockSeed(long seed, long anchorKey, int purpose, long index) {
        return mix(mix(seed ^ mix(anchorKey + purpose)) + index);
    }

    /** An order-independent key of a set of predicates. */
    static long anchorKey(Sampler<?> sampler, int[] anchor) {
        long key = 0x5DEECE66DL;
        for (int p : anchor) {
            key += mix(sampler.predicateKey(p));
        }
        return key;
    }

    /** SplitMix64's finaliser: a bijection that spreads every input bit over the output. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
