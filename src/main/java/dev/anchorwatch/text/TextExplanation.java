package dev.anchorwatch.text;

import java.util.List;

import dev.anchorwatch.anchor.AnchorResult;

/**
 * A text anchor with its readable form.
 *
 * @param result    what the search found; predicate indices refer to the text's {@link TextSampler}
 * @param words     the anchor's words in insertion order (Alibi's {@code anchor} / {@code names})
 * @param tokens    the token index of each anchor word (Alibi's {@code raw.feature})
 * @param positions the character offset of each anchor word in {@code text} (Java {@code String} index; see
 *                  {@link #codePointPositions()} for Python's)
 * @param text      the explained text
 * @param label     the label the model gave the text
 */
public record TextExplanation(AnchorResult<String> result, List<String> words, int[] tokens, int[] positions,
                              String text, int label) {
    public TextExplanation {
        words = List.copyOf(words);
        tokens = tokens.clone();
        positions = positions.clone();
    }

    @Override
    public int[] tokens() {
        return tokens.clone();
    }

    @Override
    public int[] positions() {
        return positions.clone();
    }

    /**
     * The offsets counted in Unicode code points, as Python indexes a {@code str} (and Alibi reports them); equal
     * to {@link #positions()} unless the text has characters outside the Basic Multilingual Plane, such as emoji.
     */
    public int[] codePointPositions() {
        int[] out = new int[positions.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = text.codePointCount(0, positions[i]);
        }
        return out;
    }
}
