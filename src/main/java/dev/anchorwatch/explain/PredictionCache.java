package dev.anchorwatch.explain;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The labels one model gave to tabular rows, bounded in bytes. Three tiers: the labels of the training rows
 * (fetched once per explainer and shared by its explanations: a perturbation equal to a training row needs no
 * call), the labels of the samples all explanations of the explainer have sent (the shared tier), and, in a
 * {@link #forExplanation() view} one explanation works on, the labels of the samples that explanation has met
 * (its own tier). Sample tiers evict the least recently used first when the bytes run out.
 *
 * <p>A label is a function of the row as long as the model does not change, so a cached label gives an
 * explanation exactly the label a call would have: same seed, same explanation, fewer calls (the training tier
 * also lets the search plan its first request, see {@link #trainingLabel}, so it shapes which samples are drawn;
 * being fixed per explainer, it never makes a retry differ). The shared tier saves calls only when explanations
 * draw the same samples (keyed sample streams); what an explanation reports as its cost counts the rows its own
 * tier lacks ({@link #get}), which never depends on other explanations, while the shared tier
 * ({@link #shared}) decides what is actually sent. Thread-safe.
 */
public final class PredictionCache {
    /** Estimated heap bytes of one entry beside its values: key object, array header, map entry, boxed label. */
    static final long ENTRY_OVERHEAD = 112;

    private final long maxBytes;
    private final PredictionCache parent; // the explainer's cache, whose sample tier is shared; null for it
    private final Map<Key, Integer> training;
    private final LinkedHashMap<Key, Integer> samples = new LinkedHashMap<>(1024, 0.75f, true);
    private long trainingBytes;
    private long sampleBytes;
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();
    private final AtomicLong evictions = new AtomicLong();

    /** @param maxBytes bound on the bytes held by both tiers; must be positive */
    public PredictionCache(long maxBytes) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("prediction cache bytes must be > 0, got " + maxBytes);
        }
        this.maxBytes = maxBytes;
        this.parent = null;
        this.training = new HashMap<>();
    }

    private PredictionCache(PredictionCache parent) {
        this.maxBytes = parent.maxBytes;
        this.parent = parent;
        this.training = parent.training;
        this.trainingBytes = parent.trainingBytes;
    }

    /**
     * A cache for one explanation: the training labels of this one (shared, never modified through the view),
     * an empty sample tier of its own bounded by what the training labels leave of the bytes, and this one's
     * sample tier as the shared tier.
     */
    public synchronized PredictionCache forExplanation() {
        if (parent != null) {
            throw new IllegalStateException("a view has no views");
        }
        return new PredictionCache(this);
    }

    static long entryBytes(int features) {
        return ENTRY_OVERHEAD + 8L * features;
    }

    /** Whether training labels of {@code rows} rows of {@code features} values fit within the bound. */
    public boolean fitsTraining(int rows, int features) {
        return rows * entryBytes(features) <= maxBytes;
    }

    /** Stores the training rows' labels (once; later calls are ignored). */
    public synchronized void putTraining(double[][] rows, int[] labels) {
        if (!training.isEmpty()) {
            return;
        }
        for (int i = 0; i < rows.length; i++) {
            if (training.put(new Key(rows[i]), labels[i]) == null) {
                trainingBytes += entryBytes(rows[i].length);
            }
        }
        evictSamples();
    }

    public synchronized boolean hasTraining() {
        return !training.isEmpty();
    }

    /** The cached label of {@code row}, or -1. Counts a hit or a miss. */
    public synchronized int get(double[] row) {
        Key k = new Key(row);
        Integer label = training.get(k);
        if (label == null) {
            label = samples.get(k);
        }
        if (label == null) {
            misses.incrementAndGet();
            return -1;
        }
        hits.incrementAndGet();
        return label;
    }

    /**
     * The training label of {@code row}, or -1 when it is not a training row: a look that neither counts as a hit
     * or miss nor touches the sample tier's order.
     */
    public synchronized int trainingLabel(double[] row) {
        Integer label = training.get(new Key(row));
        return label == null ? -1 : label;
    }

    /**
     * The label of {@code row} in the shared tier (the samples other explanations of the model sent), or -1; a
     * label found there is also kept in this view's own tier. -1 on a cache that is not a view.
     */
    public int shared(double[] row) {
        return shared(new Key(row));
    }

    /** As {@link #shared(double[])}, for a row already keyed (its values are copied if kept). */
    int shared(Key row) {
        if (parent == null) {
            return -1;
        }
        int label = parent.sampleLabel(row);
        if (label >= 0) {
            putOwn(new Key(row.values.clone()), label);
        }
        return label;
    }

    private synchronized int sampleLabel(Key row) {
        Integer label = samples.get(row);
        return label == null ? -1 : label;
    }

    /** Keeps a label the model gave; a view also hands it to the shared tier (one copy of the row for both). */
    public void put(double[] row, int label) {
        Key k = new Key(row.clone());
        putOwn(k, label);
        if (parent != null) {
            parent.putOwn(k, label);
        }
    }

    private synchronized void putOwn(Key k, int label) {
        if (training.containsKey(k)) {
            return;
        }
        if (samples.put(k, label) == null) {
            sampleBytes += entryBytes(k.values.length);
            evictSamples();
        }
    }

    private void evictSamples() {
        Iterator<Map.Entry<Key, Integer>> it = samples.entrySet().iterator();
        while (trainingBytes + sampleBytes > maxBytes && it.hasNext()) {
            Key k = it.next().getKey();
            it.remove();
            sampleBytes -= entryBytes(k.values.length);
            evictions.incrementAndGet();
        }
    }

    public synchronized long bytes() {
        return trainingBytes + sampleBytes;
    }

    public synchronized int entries() {
        return training.size() + samples.size();
    }

    public long hits() {
        return hits.get();
    }

    public long misses() {
        return misses.get();
    }

    public long evictions() {
        return evictions.get();
    }

    public long maxBytes() {
        return maxBytes;
    }

    /** A row by value (-0.0 and 0.0 are the same value to a model reading decimals). */
    static final class Key {
        final double[] values;
        final int hash;

        Key(double[] values) {
            this.values = values;
            int h = 1;
            for (double v : values) {
                long bits = Double.doubleToLongBits(v == 0 ? 0.0 : v);
                h = 31 * h + (int) (bits ^ (bits >>> 32));
            }
            this.hash = h;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Key k) || k.hash != hash || k.values.length != values.length) {
                return false;
            }
            for (int i = 0; i < values.length; i++) {
                if (values[i] != k.values[i] && !(Double.isNaN(values[i]) && Double.isNaN(k.values[i]))) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public String toString() {
            return Arrays.toString(values);
        }
    }
}
