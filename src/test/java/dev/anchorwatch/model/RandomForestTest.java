package dev.anchorwatch.model;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

public class RandomForestTest {
    static LabeledData train;
    static LabeledData test;
    static ExecutorService pool;

    public static LabeledData adult(String file) throws IOException {
        try (Reader in = new InputStreamReader(RandomForestTest.class.getResourceAsStream("/demo/adult/" + file),
                StandardCharsets.UTF_8)) {
            return LabeledData.readCsv(in, "label");
        }
    }

    @BeforeAll
    static void load() throws IOException {
        train = adult("adult_train.csv");
        test = adult("adult_test.csv");
        pool = Executors.newFixedThreadPool(2);
    }

    @AfterAll
    static void stop() {
        pool.shutdownNow();
    }

    @Test
    void readsTheVendoredAdultData() {
        assertEquals(30_000, train.size());
        assertEquals(2_560, test.size());
        assertEquals(12, train.featureNames().size());
        assertEquals("Age", train.featureNames().get(0));
        assertEquals("Country", train.featureNames().get(11));
    }

    @Test
    void reachesTheReferenceAccuracyOnAdult() {
        long start = System.nanoTime();
        RandomForest forest = RandomForest.train(train, RandomForest.Params.DEFAULTS, pool);
        double seconds = (System.nanoTime() - start) / 1e9;
        double accuracy = forest.accuracy(test.x(), test.y());
        System.out.printf("RandomForest on Adult: %d trees, %d nodes, trained in %.2f s, test accuracy %.4f%n",
                forest.trees(), forest.nodes(), seconds, accuracy);
        assertEquals(50, forest.trees());
        assertEquals(2, forest.classes());
        assertEquals(12, forest.features());
        assertTrue(accuracy >= 0.84, "test accuracy " + accuracy);
    }

    @Test
    void sameSeedSamePredictionsWhateverTheExecutor() {
        RandomForest.Params params = RandomForest.Params.DEFAULTS.withTrees(10).withSeed(42);
        RandomForest parallel = RandomForest.train(train, params, pool);
        RandomForest sequential = RandomForest.train(train, params, null);
        RandomForest other = RandomForest.train(train, params.withSeed(43), pool);
        assertEquals(parallel.nodes(), sequential.nodes());
        boolean differs = false;
        for (double[] row : test.x()) {
            assertArrayEquals(parallel.probabilities(row), sequential.probabilities(row));
            differs |= !Arrays.equals(parallel.probabilities(row), other.probabilities(row));
        }
        assertArrayEquals(parallel.predictAll(test.x()), sequential.predictAll(test.x()));
        assertTrue(differs, "another seed should grow other trees");
    }

    @Test
    void batchAndRowPredictionsAgree() {
        RandomForest forest = RandomForest.train(train, RandomForest.Params.DEFAULTS.withTrees(7), pool);
        int[] batch = forest.predictAll(test.x());
        double[][] probabilities = forest.probabilitiesAll(test.x());
        assertTrue(test.size() > 256, "more rows than one block of the batch evaluation");
        for (int i = 0; i < test.size(); i++) {
            assertArrayEquals(forest.probabilities(test.x()[i]), probabilities[i], 0.0, "bit for bit, row " + i);
            assertEquals(Classifier.argmax(forest.probabilities(test.x()[i])), batch[i]);
            assertEquals(batch[i], forest.predict(test.x()[i]));
        }
    }

    @Test
    void learnsAnInteractionNoSingleFeatureShows() {
        // XOR of two thresholds, plus a noise feature: a depth-2 interaction with no marginal signal.
        SplittableRandom rng = new SplittableRandom(1);
        double[][] x = new double[2_000][3];
        int[] y = new int[x.length];
        for (int i = 0; i < x.length; i++) {
            x[i][0] = rng.nextDouble();
            x[i][1] = rng.nextDouble();
            x[i][2] = rng.nextDouble();
            y[i] = (x[i][0] > 0.5) ^ (x[i][1] > 0.5) ? 1 : 0;
        }
        RandomForest forest = RandomForest.train(x, y, RandomForest.Params.DEFAULTS.withTrees(20).withMaxFeatures(3),
                null);
        assertEquals(1, forest.predict(new double[]{0.9, 0.1, 0.5}));
        assertEquals(1, forest.predict(new double[]{0.1, 0.9, 0.5}));
        assertEquals(0, forest.predict(new double[]{0.9, 0.9, 0.5}));
        assertEquals(0, forest.predict(new double[]{0.1, 0.1, 0.5}));
    }

    @Test
    void honoursDepthAndLeafSize() {
        RandomForest stumps = RandomForest.train(train, RandomForest.Params.DEFAULTS.withTrees(5).withMaxDepth(1), pool);
        assertEquals(5 * 3, stumps.nodes(), "a depth-1 tree is one split and two leaves");
        RandomForest coarse = RandomForest.train(train, RandomForest.Params.DEFAULTS.withTrees(5).withMinSamplesLeaf(
                5_000), pool);
        assertTrue(coarse.nodes() <= 5 * (2 * (30_000 / 5_000) - 1), "leaves of >= 5000 samples: " + coarse.nodes());
    }

    @Test
    void probabilitiesAreLeafFrequencies() {
        // One feature separating classes perfectly: every tree is a single split into two pure leaves.
        double[][] x = {{1}, {2}, {3}, {10}, {11}, {12}};
        int[] y = {0, 0, 0, 1, 1, 1};
        RandomForest forest = RandomForest.train(x, y, RandomForest.Params.DEFAULTS.withTrees(3).withMinSamplesLeaf(1),
                null);
        assertArrayEquals(new double[]{1, 0}, forest.probabilities(new double[]{0}));
        assertArrayEquals(new double[]{0, 1}, forest.probabilities(new double[]{20}));
    }

    @Test
    void rejectsBadInputsClearly() {
        assertThrows(IllegalArgumentException.class, () -> new RandomForest.Params(0, 0, 1, 0, 256, 0));
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> RandomForest.train(new double[][]{{1}, {Double.NaN}}, new int[]{0, 1},
                        RandomForest.Params.DEFAULTS, null));
        assertTrue(nan.getMessage().contains("finite"), nan.getMessage());
        IllegalArgumentException mismatch = assertThrows(IllegalArgumentException.class,
                () -> RandomForest.train(new double[][]{{1}, {2}}, new int[]{0}, RandomForest.Params.DEFAULTS, null));
        assertTrue(mismatch.getMessage().contains("labels"), mismatch.getMessage());
        RandomForest forest = RandomForest.train(new double[][]{{1}, {2}}, new int[]{0, 1},
                RandomForest.Params.DEFAULTS.withTrees(1), null);
        assertThrows(IllegalArgumentException.class, () -> forest.predict(new double[]{1, 2}));
        assertFalse(forest.nodes() < 1);
    }
}
