package dev.anchorwatch.model;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tiny forest (src/test/resources/model/tiny_rf.json): Age and Hours ordinal (mean 40/38, scale 10/4), Color
 * categorical {0,1,2}. Tree 0: z(Age) <= 0.1 ? (Color==0 ? [0,2] : [3,1]) : [1,4]. Tree 1: z(Hours) <= -0.375 ?
 * [5,0] : (Color==2 ? [0,0] : [1,2]). Tree 2: a single leaf [2,2]. Expected values follow the format's rules by
 * hand, with the sums written in tree order so the doubles are bit-identical.
 */
class ReferenceForestTest {

    static ReferenceForest load(ReferenceForest.Evaluation evaluation) throws IOException {
        try (InputStream in = ReferenceForestTest.class.getResourceAsStream("/model/tiny_rf.json")) {
            return ReferenceForest.load(in, evaluation);
        }
    }

    private static void assertExact(double[] expected, double[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Double.doubleToLongBits(expected[i]), Double.doubleToLongBits(actual[i]),
                    "class " + i + ": expected " + expected[i] + " got " + actual[i]);
        }
    }

    @Test
    void probabilitiesAreExactInBothSpaces() throws IOException {
        for (ReferenceForest.Evaluation evaluation : ReferenceForest.Evaluation.values()) {
            ReferenceForest forest = load(evaluation);
            assertEquals(3, forest.trees());
            assertEquals(2, forest.classes());
            assertEquals(3, forest.features());

            // Young, red, 40 h: tree 0 -> [0,2]; tree 1 -> [1,2]; tree 2 -> [2,2].
            double[] young = {30, 0, 40};
            assertExact(new double[]{(0.0 + 1.0 / 3 + 0.5) / 3, (1.0 + 2.0 / 3 + 0.5) / 3}, forest.probabilities(young));
            assertEquals(1, forest.predict(young));

            // Age 41: z = 0.1 exactly in double, but float32(0.1) > 0.1, so tree 0 goes RIGHT -> [1,4].
            double[] fortyOne = {41, 1, 30};
            assertExact(new double[]{(0.2 + 1.0 + 0.5) / 3, (0.8 + 0.0 + 0.5) / 3}, forest.probabilities(fortyOne));
            assertEquals(0, forest.predict(fortyOne));

            // Blue reaches tree 1's all-zero leaf, which stays [0,0]: probabilities need not sum to 1.
            double[] blue = {50, 2, 38};
            assertExact(new double[]{(0.2 + 0.0 + 0.5) / 3, (0.8 + 0.0 + 0.5) / 3}, forest.probabilities(blue));
            assertEquals(1, forest.predict(blue));

            // Unknown colour 7 is an all-zero one-hot block (left); Hours just above 36.5 still rounds to
            // float32(-0.375) and goes left.
            double[] unknown = {35, 7, 36.50000005};
            assertExact(new double[]{(0.75 + 1.0 + 0.5) / 3, (0.25 + 0.0 + 0.5) / 3}, forest.probabilities(unknown));
            assertEquals(0, forest.predict(unknown));

            double[][] four = {young, fortyOne, blue, unknown};
            assertArrayEquals(new int[]{1, 0, 1, 0}, forest.predictAll(four));
            double[][] batch = forest.probabilitiesAll(four);
            for (int i = 0; i < four.length; i++) {
                assertExact(forest.probabilities(four[i]), batch[i]);
            }
        }
    }

    @Test
    void rawAndTransformedAgreeBitForBitNearEveryThreshold() throws IOException {
        ReferenceForest raw = load(ReferenceForest.Evaluation.RAW);
        ReferenceForest transformed = load(ReferenceForest.Evaluation.TRANSFORMED);
        SplittableRandom rng = new SplittableRandom(7);
        double[] ages = {41, 40.99999997764826, Math.nextUp(40.99999997764826), 30, 50};
        double[] hours = {36.5, 36.500000059604645, Math.nextUp(36.500000059604645), 20, 60};
        for (int i = 0; i < 20_000; i++) {
            double age = rng.nextBoolean() ? ages[rng.nextInt(ages.length)] + rng.nextInt(-2, 3) * Math.ulp(41.0)
                    : rng.nextDouble(20, 60);
            double hour = rng.nextBoolean() ? hours[rng.nextInt(hours.length)] + rng.nextInt(-2, 3) * Math.ulp(36.5)
                    : rng.nextDouble(20, 60);
            double[] row = {age, rng.nextInt(-1, 4), hour};
            assertExact(transformed.probabilities(row), raw.probabilities(row));
        }
    }

    @Test
    void rejectsRowsOfTheWrongWidth() throws IOException {
        ReferenceForest forest = load(ReferenceForest.Evaluation.RAW);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> forest.probabilities(new double[]{1, 2}));
        assertTrue(e.getMessage().contains("expected 3 values"), e.getMessage());
    }

    @Test
    void rejectsFilesOfAnotherFormatWithAClearMessage() {
        String other = "{\"format\": \"something else\", \"classes\": [0, 1], \"trees\": []}";
        IOException e = assertThrows(IOException.class, () -> ReferenceForest.load(
                new ByteArrayInputStream(other.getBytes(StandardCharsets.UTF_8)), ReferenceForest.Evaluation.RAW));
        assertTrue(e.getMessage().contains("format is 'something else'"), e.getMessage());
    }

    @Test
    void rejectsTreesWhoseChildrenLeaveTheTree() throws IOException {
        String text;
        try (InputStream in = ReferenceForestTest.class.getResourceAsStream("/model/tiny_rf.json")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String broken = text.replace("\"right\": [4, 3, -1, -1, -1]", "\"right\": [9, 3, -1, -1, -1]");
        IOException e = assertThrows(IOException.class, () -> ReferenceForest.load(
                new ByteArrayInputStream(broken.getBytes(StandardCharsets.UTF_8)), ReferenceForest.Evaluation.RAW));
        assertTrue(e.getMessage().contains("tree 0 node 0"), e.getMessage());
    }
}
