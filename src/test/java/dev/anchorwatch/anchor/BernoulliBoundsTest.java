package dev.anchorwatch.anchor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Exact values from the specification (ANCHORS.md §1), which the reference implementation produces. */
class BernoulliBoundsTest {
    private static final double LN10_100 = Math.log(10) / 100;

    @Test
    void klDivergence() {
        assertEquals(0.0366900140347506, BernoulliBounds.kl(0.9, 0.8), 1e-16);
        assertEquals(0.05129329438754673, BernoulliBounds.kl(1.0, 0.95), 1e-16);
        assertEquals(0.10535902357072391, BernoulliBounds.kl(0.0, 0.1), 1e-16);
    }

    @Test
    void upperAndLowerBounds() {
        assertEquals(0.9834365844726561, BernoulliBounds.upper(0.9, 0.1), 0.0);
        assertEquals(0.7176200231913816, BernoulliBounds.lower(0.9, 0.1), 0.0);
        assertEquals(0.6542440302809791, BernoulliBounds.upper(0.5, 0.05), 0.0);
        assertEquals(0.3457559697190209, BernoulliBounds.lower(0.5, 0.05), 0.0);
        assertEquals(1.0, BernoulliBounds.upper(1.0, LN10_100), 0.0);
        assertEquals(0.977235785194758, BernoulliBounds.lower(1.0, LN10_100), 0.0);
        assertEquals(0.9837471008300782, BernoulliBounds.upper(0.95, LN10_100), 0.0);
        assertEquals(0.889233757731835, BernoulliBounds.lower(0.95, LN10_100), 0.0);
        assertEquals(0.18127509633973032, BernoulliBounds.upper(0.0, 0.2), 0.0);
        assertEquals(0.0, BernoulliBounds.lower(0.0, 0.2), 0.0);
    }

    @Test
    void explorationRate() {
        assertEquals(12.97211544436091, BernoulliBounds.beta(10, 1, 0.1), 1e-12);
        assertEquals(13.590531209426803, BernoulliBounds.beta(3, 5, 0.1), 1e-12);
        assertEquals(19.899142372114085, BernoulliBounds.beta(20, 100, 0.05), 1e-12);
    }
}
