package dev.anchorwatch.tabular;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RowSetTest {

    private static RowSet of(int rows, int... members) {
        long[] bits = new long[RowSet.wordsFor(rows)];
        for (int m : members) {
            bits[m >>> 6] |= 1L << m;
        }
        return new RowSet(bits);
    }

    @Test
    void selectFindsEveryMemberByRankAcrossEmptyWords() {
        // members in word 0, none in words 1-3, some in word 4 and at the very last row
        int[] members = {0, 5, 63, 256, 300, 319};
        RowSet s = of(320, members);
        assertEquals(members.length, s.size());
        for (int r = 0; r < members.length; r++) {
            assertEquals(members[r], s.select(r), "rank " + r);
        }
        assertThrows(IndexOutOfBoundsException.class, () -> s.select(members.length));
        List<Integer> iterated = new ArrayList<>();
        for (int m = s.nextMember(0); m >= 0; m = s.nextMember(m + 1)) {
            iterated.add(m);
        }
        assertEquals(List.of(0, 5, 63, 256, 300, 319), iterated);
        assertTrue(s.contains(63));
        assertFalse(s.contains(64));
    }

    @Test
    void andIntersectsAndRandomIsUniformOverMembers() {
        RowSet a = of(200, 1, 2, 3, 70, 150, 199);
        RowSet b = of(200, 2, 3, 4, 150, 199);
        RowSet both = a.and(b);
        assertEquals(4, both.size());
        int[] counts = new int[200];
        SplittableRandom rng = new SplittableRandom(7);
        for (int i = 0; i < 40_000; i++) {
            counts[both.random(rng)]++;
        }
        for (int m : new int[]{2, 3, 150, 199}) {
            assertEquals(10_000, counts[m], 400, "member " + m);
        }
        assertEquals(40_000, counts[2] + counts[3] + counts[150] + counts[199], "only members are drawn");
        assertEquals(0, of(10).size());
        assertEquals(-1, of(10).nextMember(0));
    }
}
