package dev.anchorwatch.anchor;

import java.util.random.RandomGenerator;

/** The Anchors search (KL-LUCB beam). Implementation in progress. */
public final class AnchorSearch {
    private AnchorSearch() {
    }

    public static <S> AnchorResult<S> run(Sampler<S> sampler, Oracle<S> oracle, AnchorParams params,
                                          RandomGenerator rng) throws Exception {
        throw new UnsupportedOperationException("not yet");
    }
}
