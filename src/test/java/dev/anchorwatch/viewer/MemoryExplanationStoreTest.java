package dev.anchorwatch.viewer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;

import dev.anchorwatch.publish.ExplanationRecord;

class MemoryExplanationStoreTest {

    static ExplanationFilter all(int limit, Cursor after) {
        return new ExplanationFilter(null, null, null, null, null, null, null, List.of(), limit, after);
    }

    @Test
    void keepsTheNewestWithinItsByteBudgetAndCountsWhatItDrops() {
        List<ExplanationRecord> records = ViewerRecords.sample();
        long one = MemoryExplanationStore.estimate(Summaries.of(records.get(1)));
        Map<String, Integer> dropped = new ConcurrentHashMap<>();
        MemoryExplanationStore store = new MemoryExplanationStore(one * 10, (reason, n) -> dropped.merge(reason, n, Integer::sum));
        records.forEach(store::publish);
        assertTrue(store.bytes() <= one * 10, store.bytes() + " bytes");
        assertTrue(store.size() >= 5 && store.size() < 60, store.size() + " kept");
        assertEquals(60 - store.size(), dropped.get("bytes"));
        // the ones kept are the newest
        List<ExplanationSummary> kept = store.list(all(200, null)).items();
        assertEquals("inf-59", kept.get(0).inferenceId());
        assertEquals("inf-" + (60 - kept.size()), kept.get(kept.size() - 1).inferenceId());

        MemoryExplanationStore tiny = new MemoryExplanationStore(100, (reason, n) -> dropped.merge(reason, n, Integer::sum));
        tiny.publish(records.get(1)).toCompletableFuture().join(); // never fails the publication
        assertEquals(0, tiny.size());
        assertEquals(1, dropped.get("too_large"));
    }

    @Test
    void aRepublishedExplanationReplacesTheEarlierOne() {
        MemoryExplanationStore store = new MemoryExplanationStore(1 << 20, null);
        ExplanationRecord r = ViewerRecords.sample().get(2);
        store.publish(r);
        long bytes = store.bytes();
        store.publish(r.withServedPrediction("1"));
        assertEquals(1, store.size());
        assertEquals(bytes + 2 * (1 + 24), store.bytes(), "a served prediction of one character (UTF-16, with its overhead)");
        assertEquals(Boolean.TRUE, store.get(r.explanationId()).orElseThrow().summary().mismatch());
    }

    @Test
    void pagesWalkEverythingOnceNewestFirst() {
        MemoryExplanationStore store = new MemoryExplanationStore(1 << 24, null);
        ViewerRecords.sample().forEach(store::publish);
        List<String> seen = new ArrayList<>();
        Cursor after = null;
        do {
            Page p = store.list(all(7, after));
            p.items().forEach(s -> seen.add(s.inferenceId()));
            after = p.next();
        } while (after != null);
        assertEquals(60, seen.size());
        for (int i = 0; i < 60; i++) {
            assertEquals("inf-" + (59 - i), seen.get(i));
        }
        assertNull(store.list(all(60, null)).next(), "no next page after the last");
    }

    @Test
    void filtersAndStatisticsHaveExactValues() {
        MemoryExplanationStore store = new MemoryExplanationStore(1 << 24, null);
        ViewerRecords.sample().forEach(store::publish);
        ExplanationFilter failedIncome = new ExplanationFilter("income", null, null, null, null, Outcome.FAILED, null,
                List.of(), 100, null);
        // income: i = 0, 3, ..., 57; failed where i % 7 == 0: 0, 21, 42
        assertEquals(List.of("inf-42", "inf-21", "inf-0"),
                store.list(failedIncome).items().stream().map(ExplanationSummary::inferenceId).toList());
        ExplanationFilter mismatched = new ExplanationFilter(null, null, null, null, null, null, true, List.of(), 100, null);
        // served "1" where i % 8 == 1 (and not failed): 1, 9, 17, 25, 33, 41, 57 (49 failed)
        assertEquals(List.of("inf-57", "inf-41", "inf-33", "inf-25", "inf-17", "inf-9", "inf-1"),
                store.list(mismatched).items().stream().map(ExplanationSummary::inferenceId).toList());
        ExplanationFilter both = new ExplanationFilter(null, null, null, null, null, null, null,
                List.of("Sex = Female", "Age <= 28"), 100, null);
        for (ExplanationSummary s : store.list(both).items()) {
            assertEquals(List.of("Age <= 28", "Sex = Female"), s.anchor());
        }
        assertThrows(IllegalArgumentException.class, () -> new ExplanationFilter(null, null, null, ViewerRecords.T0,
                ViewerRecords.T0, null, null, List.of(), 1, null));

        // adult: i = 1, 4, ..., 58 (20); failed: 7, 28, 49; not found (i % 5 == 0): 10, 25, 40, 55
        ModelStats s = store.stats("adult", null, ViewerRecords.T0, Instant.parse("2026-12-31T00:00:00Z"), 3);
        assertEquals(20, s.total());
        assertEquals(3, s.failed());
        assertEquals(4, s.notFound());
        assertEquals(13, s.found());
        assertEquals(13 / 20.0, s.successRate(), 1e-12);
        assertEquals(3, s.topPredicates().size());
        assertEquals(0.94, s.medianPrecision(), 1e-12);
        assertEquals(266.5, s.medianLatencyMs(), 1e-9);
        ModelStats full = store.stats("adult", null, ViewerRecords.T0, Instant.parse("2026-12-31T00:00:00Z"), 50);
        long predicates = store.list(new ExplanationFilter("adult", null, null, null, null, null, null, List.of(), 100,
                null)).items().stream().mapToLong(x -> x.anchor().size()).sum();
        assertEquals(predicates, full.topPredicates().stream().mapToLong(ModelStats.PredicateCount::count).sum());
        List<SeriesPoint> series = store.series("adult", null, ViewerRecords.T0, ViewerRecords.T0.plusSeconds(127 * 60 * 60), 4);
        assertEquals(4, series.size());
        assertEquals(20, series.stream().mapToLong(SeriesPoint::total).sum());
        assertEquals(ViewerRecords.T0.plusSeconds(127 * 60 * 15), series.get(1).start());
    }

    @Test
    void cursorsRoundTripAndRefuseForgeries() {
        Cursor c = new Cursor(Instant.parse("2026-11-25T12:00:00.123456Z"), "a|b c");
        assertEquals(c, Cursor.decode(c.encode()));
        for (String bad : List.of("", "x", "Yzl8MXwy", "not base64 !", "YzF8MXwtNXxpZA")) {
            assertThrows(IllegalArgumentException.class, () -> Cursor.decode(bad), bad);
        }
    }
}
