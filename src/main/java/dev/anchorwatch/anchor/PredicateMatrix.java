package dev.anchorwatch.anchor;

import java.util.Arrays;

/**
 * Which of P predicates each of n samples satisfies, packed row-major as bitsets
 * ({@code ceil(P/64)} longs per row). Immutable once built; build with {@link Builder}.
 */
public final class PredicateMatrix {
    private final int rows;
    private final int predicates;
    private final int words;
    private final long[] bits;

    private PredicateMatrix(int rows, int predicates, long[] bits) {
        this.rows = rows;
        this.predicates = predicates;
        this.words = wordsFor(predicates);
        this.bits = bits;
    }

    static int wordsFor(int predicates) {
        return Math.max(1, (predicates + 63) >>> 6);
    }

    public int rows() {
        return rows;
    }

    public int predicates() {
        return predicates;
    }

    public boolean get(int row, int predicate) {
        return (bits[row * words + (predicate >>> 6)] & (1L << predicate)) != 0;
    }

    /** True iff the row satisfies every predicate set in {@code mask} (as from {@link #mask}). */
    public boolean satisfiesAll(int row, long[] mask) {
        int base = row * words;
        for (int w = 0; w < words; w++) {
            if ((bits[base + w] & mask[w]) != mask[w]) {
                return false;
            }
        }
        return true;
    }

    /** Copies row {@code row} into {@code dest} at word offset {@code destOffset}. */
    void copyRow(int row, long[] dest, int destOffset) {
        System.arraycopy(bits, row * words, dest, destOffset, words);
    }

    /** A bitset mask with the given predicates set, sized for matrices of {@code predicates} columns. */
    public static long[] mask(int predicates, int... set) {
        long[] m = new long[wordsFor(predicates)];
        for (int p : set) {
            m[p >>> 6] |= 1L << p;
        }
        return m;
    }

    public static Builder builder(int rows, int predicates) {
        return new Builder(rows, predicates);
    }

    /** Fills a matrix row by row; not thread-safe, used once. */
    public static final class Builder {
        private final int rows;
        private final int predicates;
        private final int words;
        private long[] bits;

        private Builder(int rows, int predicates) {
            if (rows < 0 || predicates < 0) {
                throw new IllegalArgumentException("rows and predicates must be >= 0");
            }
            this.rows = rows;
            this.predicates = predicates;
            this.words = wordsFor(predicates);
            this.bits = new long[Math.multiplyExact(rows, words)];
        }

        public Builder set(int row, int predicate) {
            if (predicate < 0 || predicate >= predicates) {
                throw new IndexOutOfBoundsException("predicate " + predicate + " of " + predicates);
            }
            bits[row * words + (predicate >>> 6)] |= 1L << predicate;
            return this;
        }

        public Builder set(int row, int predicate, boolean value) {
            return value ? set(row, predicate) : this;
        }

        public PredicateMatrix build() {
            long[] b = bits;
            bits = null;
            return new PredicateMatrix(rows, predicates, b);
        }
    }

    @Override
    public String toString() {
        return "PredicateMatrix[" + rows + "x" + predicates + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PredicateMatrix m && m.rows == rows && m.predicates == predicates
                && Arrays.equals(m.bits, bits);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bits) * 31 + rows;
    }
}
