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
    void anExplanationsViewSeesOtherExplanationsSamplesOnlyThroughTheSharedTier() {
        PredictionCache model = new PredictionCache(1 << 20);
        model.putTraining(new double[][] {{1}}, new int[] {1});
        PredictionCache first = model.forExplanation();
        first.put(new double[] {5}, 0);
        PredictionCache second = model.forExplanation();
        assertEquals(1, second.get(new double[] {1}));
        assertEquals(-1, second.get(new double[] {5}), "another explanation's samples are not in this one's own tier");
        assertEquals(0, second.shared(new double[] {5}), "but in the shared tier");
        assertEquals(0, second.get(new double[] {5}), "and, once met, in its own tier");
        assertEquals(-1, second.shared(new double[] {6}));
        assertEquals(-1, model.shared(new double[] {5}), "the model's cache is not a view");
        assertEquals(0, first.get(new double[] {5}));
        assertThrows(IllegalStateException.class, first::forExplanation);
    }

    @Test
    void theSharedTierStaysWithinTheBoundWhatSoEverTheViewsPut() {
        long entry = PredictionCache.entryBytes(1);
        PredictionCache model = new PredictionCache(5 * entry);
        model.putTraining(new double[][] {{0}, {1}}, new int[] {0, 1});
        for (int v = 0; v < 4; v++) {
            PredictionCache view = model.forExplanation();
            for (int i = 0; i < 10; i++) {
                view.put(new double[] {100 * v + i + 2}, 1);
                assertTrue(view.bytes() <= 5 * entry, "view " + v + ": " + view.bytes());
            }
        }
        assertEquals(5 * entry, model.bytes(), "2 training labels and the 3 samples most recently sent");
        PredictionCache late = model.forExplanation();
        assertEquals(1, late.shared(new double[] {311}));
        assertEquals(-1, late.shared(new double[] {308}), "evicted");
        assertEquals(1, late.get(new double[] {1}), "training labels are never evicted");
    }

    @Test
    void aBoxCountsAsItsCostWhatOnlyTheSharedTierHeldButDoesNotSendIt() {
        SignModel model = new SignModel();
        PredictionCache cache = new PredictionCache(1 << 20);
        BlackBox first = new BlackBox("m", model, 2, cache.forExplanation());
        first.predict(new Instances.Rows(new double[][] {{1}, {-1}, {2}}));
        assertEquals(List.of(3), model.batches);
        assertEquals(3, first.sentRows());
        BlackBox second = new BlackBox("m", model, 2, cache.forExplanation());
        int[] labels = second.predict(new Instances.Rows(new double[][] {{2}, {-1}, {-3}, {2}}));
        assertEquals(List.of(1, 0, 0, 1), java.util.Arrays.stream(labels).boxed().toList());
        assertEquals(List.of(3, 1), model.batches, "only {-3} is sent: the first explanation labelled the others");
        assertEquals(3, second.rows(), "its cost alone: the three distinct rows it met");
        assertEquals(2, second.calls(), "three rows at 2 per request");
        assertEquals(1, second.sentRows());
        assertEquals(1, second.sentCalls());
        second.predict(new Instances.Rows(new double[][] {{2}, {-3}}));
        assertEquals(3, second.rows(), "rows it met before cost nothing again");
        assertEquals(List.of(3, 1), model.batches);
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
