/**
 * Anchors for text models (ANCHORS.md §4), as a plain library: no framework, only the JDK.
 *
 * <p>{@link dev.anchorwatch.text.Tokenizer} splits a text into words and punctuation with character offsets;
 * {@link dev.anchorwatch.text.TextSampler} perturbs it, replacing words outside the anchor by {@code UNK} or by
 * similar words from {@link dev.anchorwatch.text.WordVectors} (a GloVe-style text file);
 * {@link dev.anchorwatch.text.AnchorText} ties them to {@link dev.anchorwatch.anchor.AnchorSearch} and names the
 * anchor's words and their positions ({@link dev.anchorwatch.text.TextExplanation}).
 */
package dev.anchorwatch.text;
