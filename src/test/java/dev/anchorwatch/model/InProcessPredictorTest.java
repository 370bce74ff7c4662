package dev.anchorwatch.model;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InProcessPredictorTest {

    /** Class 1 iff the first value is positive; two features. */
    static final Classifier SIGN = new Classifier() {
        @Override
        public double[] probabilities(double[] row) {
            return row[0] > 0 ? new double[]{0.2, 0.8} : new double[]{0.9, 0.1};
        }

        @Override
        public int classes() {
            return 2;
        }

        @Override
        public int features() {
            return 2;
        }
    };

    static PredictorException failure(java.util.concurrent.CompletableFuture<int[]> future) {
        CompletionException e = assertThrows(CompletionException.class, future::join);
        return assertInstanceOf(PredictorException.class, e.getCause());
    }

    @Test
    void labelsEachTensorAsItsRowAndRefusesAWrongSizeOne() {
        // the row buffer is reused between tensors: the second tensor's label must not see the first's values
        Instances.Tensors tensors = new Instances.Tensors(new float[][]{{1, 0}, {-1, 0}, {0.5f, -2}}, new int[]{2});
        InProcessPredictor predictor = Predictors.inProcess(SIGN);
        assertArrayEquals(new int[]{1, 0, 1}, predictor.predict(tensors).join());
        assertEquals(1, predictor.requests());
        assertEquals(3, predictor.rowsSent());

        PredictorException e = failure(predictor.predict(
                new Instances.Tensors(new float[][]{{1, 0}, {1, 0, 0}}, new int[]{2})));
        assertFalse(e.isTransient(), "a tensor of the wrong size never fits: permanent");
        assertTrue(e.getMessage().contains("row 1 has 3"), e.getMessage());
    }

    @Test
    void labelsRowsOnTheCallingThreadOrAnExecutor() {
        Instances.Rows rows = new Instances.Rows(new double[][]{{1, 0}, {-1, 0}, {3, 3}});
        InProcessPredictor direct = Predictors.inProcess(SIGN);
        assertArrayEquals(new int[]{1, 0, 1}, direct.predict(rows).join());
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            InProcessPredictor pooled = Predictors.inProcess(SIGN, pool);
            assertArrayEquals(new int[]{1, 0, 1}, pooled.predict(rows).join());
            pooled.predict(rows).join();
            assertEquals(2, pooled.requests());
            assertEquals(6, pooled.rowsSent());
            PredictorStats stats = pooled;
            assertEquals(6, stats.rowsSent());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void otherInputsAndBadRowsArePermanentFailures() {
        InProcessPredictor predictor = new InProcessPredictor(SIGN);
        PredictorException texts = failure(predictor.predict(new Instances.Texts(List.of("a"))));
        assertFalse(texts.isTransient());
        assertTrue(texts.getMessage().contains("tensors only, got texts"), texts.getMessage());
        PredictorException width = failure(predictor.predict(new Instances.Rows(new double[][]{{1, 2}, {1}})));
        assertFalse(width.isTransient());
        assertTrue(width.getMessage().contains("expects 2 values per row, row 1 has 1"), width.getMessage());
    }

    @Test
    void aShutDownExecutorIsATransientFailure() {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        pool.shutdown();
        PredictorException e = failure(new InProcessPredictor(SIGN, pool)
                .predict(new Instances.Rows(new double[][]{{1, 0}})));
        assertTrue(e.isTransient());
    }
}
