package dev.anchorwatch.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import dev.anchorwatch.anchor.AnchorParams;
import dev.anchorwatch.anchor.AnchorStep;
import dev.anchorwatch.anchor.Draw;
import dev.anchorwatch.anchor.Oracle;

/** A synthetic black box whose rule is known: positive iff the text contains the word "superb". */
class AnchorTextTest {
    static final AnchorParams TEXT_DEFAULTS = AnchorParams.DEFAULTS.withStopOnFirst(true);
    static final String TEXT = "The acting was superb, and the long second act never drags.";

    static int model(String text) {
        return Arrays.asList(text.toLowerCase().split("[^a-z']+")).contains("superb") ? 1 : 0;
    }

    static Oracle<String> sameLabelAs(int label, AtomicLong rows, AtomicLong calls) {
        return samples -> {
            calls.incrementAndGet();
            rows.addAndGet(samples.size());
            boolean[] same = new boolean[samples.size()];
            for (int i = 0; i < same.length; i++) {
                same[i] = model(samples.get(i)) == label;
            }
            return same;
        };
    }

    @Test
    void theAnchorIsExactlyTheTriggerWord() throws Exception {
        AnchorText explainer = new AnchorText(TextOptions.DEFAULTS);
        assertEquals(1, model(TEXT));
        AtomicLong rows = new AtomicLong();
        AtomicLong calls = new AtomicLong();
        TextExplanation e = explainer.explain(TEXT, 1, sameLabelAs(1, rows, calls), TEXT_DEFAULTS,
                new SplittableRandom(11));

        assertEquals(List.of("superb"), e.words());
        assertTrue(e.result().success());
        assertEquals("found", e.result().stopReason());
        assertArrayEquals(new int[] {3}, e.tokens());
        assertArrayEquals(new int[] {TEXT.indexOf("superb")}, e.positions());
        assertArrayEquals(e.positions(), e.codePointPositions());
        assertEquals(TEXT, e.text());
        assertEquals(1, e.label());
        assertEquals(1.0, e.result().precision());
        // 11 words each kept with probability 1/2 in the coverage set
        assertEquals(0.5, e.result().coverage(), 4.5 * Math.sqrt(0.25 / 10_000));
        AnchorStep<String> step = e.result().steps().get(0);
        assertEquals(10, step.coveredTrue().size());
        assertTrue(step.coveredFalse().isEmpty());
        for (String example : step.coveredTrue()) {
            assertTrue(example.contains("superb"), example);
        }
        assertTrue(rows.get() >= e.result().samples());
        assertTrue(calls.get() <= 10, "one oracle call per round: " + calls.get());

        // re-measured on fresh samples of the anchor, with another seed: the precision holds
        TextSampler sampler = explainer.sampler(TEXT);
        Draw<String> fresh = sampler.draw(e.result().predicates(), 5000, new SplittableRandom(999));
        long same = fresh.samples().stream().filter(s -> model(s) == 1).count();
        assertTrue(same / 5000.0 >= 0.95, "fresh precision " + same / 5000.0);
    }

    @Test
    void theTriggerIsFoundWhereverItIsAndWithoutOtherPunctuationSettings() throws Exception {
        AnchorText explainer = new AnchorText(TextOptions.DEFAULTS.withPerturbPunctuation(true).withSampleProba(0.3));
        String text = "Superb!";
        TextExplanation e = explainer.explain(text, 1, sameLabelAs(1, new AtomicLong(), new AtomicLong()),
                TEXT_DEFAULTS, new SplittableRandom(4));
        assertEquals(List.of("Superb"), e.words());
        assertArrayEquals(new int[] {0}, e.positions());
    }

    @Test
    void aNegativeTextWithoutTheTriggerNeedsNoAnchor() throws Exception {
        AnchorText explainer = new AnchorText(TextOptions.DEFAULTS);
        String text = "a plain story told plainly";
        TextExplanation e = explainer.explain(text, 0, sameLabelAs(0, new AtomicLong(), new AtomicLong()),
                TEXT_DEFAULTS, new SplittableRandom(4));
        assertEquals(List.of(), e.words(), "every perturbation is negative: the empty anchor is enough");
        assertTrue(e.result().success());
        assertEquals(1.0, e.result().coverage());
    }

    @Test
    void sameSeedSameExplanation() throws Exception {
        AnchorText explainer = new AnchorText(TextOptions.DEFAULTS);
        TextExplanation a = explainer.explain(TEXT, 1, sameLabelAs(1, new AtomicLong(), new AtomicLong()),
                TEXT_DEFAULTS, new SplittableRandom(21));
        TextExplanation b = explainer.explain(TEXT, 1, sameLabelAs(1, new AtomicLong(), new AtomicLong()),
                TEXT_DEFAULTS, new SplittableRandom(21));
        assertEquals(a.words(), b.words());
        assertEquals(a.result().coverage(), b.result().coverage());
        assertEquals(a.result().samples(), b.result().samples());
        assertEquals(a.result().steps().get(0).coveredTrue(), b.result().steps().get(0).coveredTrue());
    }

    @Test
    void positionsCountCodePointsForPython() throws Exception {
        AnchorText explainer = new AnchorText(TextOptions.DEFAULTS);
        String text = "\uD83C\uDFAC great cast, superb";
        TextExplanation e = explainer.explain(text, 1, sameLabelAs(1, new AtomicLong(), new AtomicLong()),
                TEXT_DEFAULTS, new SplittableRandom(2));
        assertEquals(List.of("superb"), e.words());
        assertArrayEquals(new int[] {text.indexOf("superb")}, e.positions());
        assertArrayEquals(new int[] {text.indexOf("superb") - 1}, e.codePointPositions(),
                "the clapper board emoji is two Java chars but one Python character");
    }

    @Test
    void similarityNeedsVectorsAndTooLongTextsAreRefusedBeforeTheModel() {
        assertThrows(IllegalArgumentException.class,
                () -> new AnchorText(TextOptions.DEFAULTS.withStrategy(TextOptions.Strategy.SIMILARITY), null));
        AnchorText explainer = new AnchorText(TextOptions.DEFAULTS.withMaxTokens(3));
        Oracle<String> mustNotBeCalled = samples -> {
            throw new AssertionError("the model was called");
        };
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> explainer.explain("one two three four", 0, mustNotBeCalled, TEXT_DEFAULTS, new SplittableRandom(1)));
        assertEquals("text has 4 tokens; at most 3 are accepted (max_tokens)", e.getMessage());
    }
}
