package dev.anchorwatch.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import dev.anchorwatch.model.Instances;
import dev.anchorwatch.model.Predictor;

class PredictionCacheTest {
    /** A model that labels a row by the sign of its first value and records every batch it is sent. */
    static final class SignModel implements Predictor {
        final List<Integer> batches = new ArrayList<>();

        @Override
        public CompletableFuture<int[]> predict(Instances batch) {
            double[][] rows = ((Instances.Rows) batch).rows();
            batches.add(rows.length);
            int[] out = new int[rows.length];
            for (int i = 0; i < rows.length; i++) {
                out[i] = rows[i][0] > 0 ? 1 : 0;
            }
            return CompletableFuture.completedFuture(out);
        }

        @Override
        public void close() {
        }
    }

    @Test
    void rowsAreKeyedByValue() {
        PredictionCache c = new PredictionCache(1 << 20);
        c.put(new double[] {1.5, 2}, 1);
        assertEquals(1, c.get(new double[] {1.5, 2}));
        assertEquals(1, c.get(new double[] {1.5, 2.0}));
        assertEquals(-1, c.get(new double[] {1.5, 2.0000001}));
        c.put(new double[] {0.0, 1}, 0);
        assertEquals(0, c.get(new double[] {-0.0, 1}), "-0.0 and 0.0 are the same input");
        assertEquals(3, c.hits());
        assertEquals(1, c.misses());
    }

    @Test
    void samplesAreEvictedLeastRecentlyUsedFirstWithinTheByteBound() {
        long entry = PredictionCache.entryBytes(2);
        PredictionCache c = new PredictionCache(3 * entry);
        c.put(new double[] {1, 0}, 1);
        c.put(new double[] {2, 0}, 1);
        c.put(new double[] {3, 0}, 1);
        assertEquals(1, c.get(new double[] {1, 0})); // now the most recently used
        c.put(new double[] {4, 0}, 1);
        assertEquals(3 * entry, c.bytes());
        assertEquals(-1, c.get(new double[] {2, 0}), "least recently used went first");
        assertEquals(1, c.get(new double[] {1, 0}));
        assertEquals(1, c.evictions());
        assertTrue(c.bytes() <= c.maxBytes());
    }

    @Test
    void trainingLabelsStayAndCountAgainstTheBound() {
        long entry = PredictionCache.entryBytes(1);
        PredictionCache c = new PredictionCache(3 * entry);
        assertTrue(c.fitsTraining(3, 1));
        assertFalse(c.fitsTraining(4, 1));
        c.put(new double[] {9}, 1);
        c.putTraining(new double[][] {{1}, {2}}, new int[] {0, 1});
        assertEquals(3 * entry, c.bytes());
        c.put(new double[] {8}, 1); // evicts the sample 9, never a training row
        assertEquals(-1, c.get(new double[] {9}));
        assertEquals(0, c.get(new double[] {1}));
        assertEquals(1, c.get(new double[] {2}));
        assertThrows(IllegalArgumentException.class, () -> new PredictionCache(0));
    }

    @Test
    void anExplanationsViewSharesTrainingLabelsButNotSamples() {
        PredictionCache model = new PredictionCache(1 << 20);
        model.putTraining(new double[][] {{1}}, new int[] {1});
        PredictionCache first = model.forExplanation();
        first.put(new double[] {5}, 0);
        PredictionCache second = model.forExplanation();
        assertEquals(1, second.get(new double[] {1}));
        assertEquals(-1, second.get(new double[] {5}), "another explanation's samples are not visible");
        assertEquals(0, first.get(new double[] {5}));
        assertEquals(-1, model.get(new double[] {5}));
    }

    @Test
    void blackBoxSendsOnlyDistinctMissingRowsAndCountsOnlyThem() {
        SignModel model = new SignModel();
        PredictionCache cache = new PredictionCache(1 << 20);
        BlackBox box = new BlackBox("m", model, 2, cache);
        int[] first = box.predict(new Instances.Rows(new double[][] {{1}, {-1}, {1}, {2}}));
        assertEquals(List.of(3), model.batches, "the duplicate row {1} is sent once");
        assertEquals(List.of(1, 0, 1, 1), java.util.Arrays.stream(first).boxed().toList());
        assertEquals(3, box.rows());
        assertEquals(2, box.calls(), "3 rows at 2 per request");
        int[] second = box.predict(new Instances.Rows(new double[][] {{2}, {-1}}));
        assertEquals(List.of(1, 0), java.util.Arrays.stream(second).boxed().toList());
        assertEquals(List.of(3), model.batches, "all cached: no call");
        assertEquals(2, box.calls());
        box.predict(new Instances.Rows(new double[][] {{2}, {-5}}));
        assertEquals(List.of(3, 1), model.batches);
        assertEquals(4, box.rows());
        assertEquals(3, box.calls());
    }
}
