package dev.anchorwatch.tabular;

import java.util.random.RandomGenerator;

/**
 * An immutable set of training-row indices as a bitset, with a per-word rank index so a uniformly random
 * member is found by binary search instead of materialising the member list (the sampler draws from these
 * sets on every call, so this keeps its allocation to one small int array per set).
 */
final class RowSet {
    private final long[] bits;
    private final int[] rank; // rank[w] = members in words before w; rank[words] = size
    private final int size;

    RowSet(long[] bits) {
        this.bits = bits;
        this.rank = new int[bits.length + 1];
        int c = 0;
        for (int w = 0; w < bits.length; w++) {
            rank[w] = c;
            c += Long.bitCount(bits[w]);
        }
        rank[bits.length] = c;
        this.size = c;
    }

    static int wordsFor(int rows) {
        return (rows + 63) >>> 6;
    }

    int size() {
        return size;
    }

    boolean contains(int row) {
        return (bits[row >>> 6] & (1L << row)) != 0;
    }

    /** The intersection, as a new set. */
    RowSet and(RowSet other) {
        long[] b = new long[bits.length];
        for (int w = 0; w < b.length; w++) {
            b[w] = bits[w] & other.bits[w];
        }
        return new RowSet(b);
    }

    /** The member of rank {@code r} (0-based, ascending). */
    int select(int r) {
        if (r < 0 || r >= size) {
            throw new IndexOutOfBoundsException("rank " + r + " of " + size);
        }
        int lo = 0;
        int hi = bits.length - 1;
        while (lo < hi) { // last word whose rank is <= r
            int mid = (lo + hi + 1) >>> 1;
            if (rank[mid] <= r) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        // several words may share a rank when some are empty: the last of them is the one holding the bit
        long word = bits[lo];
        for (int k = r - rank[lo]; k > 0; k--) {
            word &= word - 1;
        }
        return (lo << 6) + Long.numberOfTrailingZeros(word);
    }

    /** A uniformly random member; the set must not be empty. */
    int random(RandomGenerator rng) {
        return select(rng.nextInt(size));
    }

    /** The smallest member at or after {@code from}, or -1. */
    int nextMember(int from) {
        int w = from >>> 6;
        if (w >= bits.length) {
            return -1;
        }
        long word = bits[w] & (-1L << from);
        while (true) {
            if (word != 0) {
                return (w << 6) + Long.numberOfTrailingZeros(word);
            }
            if (++w == bits.length) {
                return -1;
            }
            word = bits[w];
        }
    }
}
