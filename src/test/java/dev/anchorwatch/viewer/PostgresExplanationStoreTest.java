package dev.anchorwatch.viewer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import dev.anchorwatch.publish.ExplanationRecord;
import dev.anchorwatch.publish.PostgresExplanationSink;
import dev.anchorwatch.testsupport.LoopbackPostgres;

/**
 * The PostgreSQL store against a real PostgreSQL with the app's Flyway migrations: it answers exactly as the
 * in-memory store does for the same explanations (written by the real sink), and its list and window queries
 * are index scans on a table of 50,000 rows (EXPLAIN shows no sequential scan of the table).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PostgresExplanationStoreTest {

    static LoopbackPostgres postgres;
    static ExecutorService executor;
    static PostgresExplanationStore store;
    static MemoryExplanationStore memory;
    static final Instant END = Instant.parse("2026-12-31T00:00:00Z");

    @BeforeAll
    static void start() throws Exception {
        postgres = LoopbackPostgres.start();
        Flyway.configure().dataSource(postgres.dataSource()).locations("classpath:db/migration").load().migrate();
        executor = Executors.newFixedThreadPool(2);
        PostgresExplanationSink sink = new PostgresExplanationSink(postgres.dataSource(), executor);
        memory = new MemoryExplanationStore(1 << 24, null);
        for (ExplanationRecord r : ViewerRecords.sample()) {
            sink.publish(r).toCompletableFuture().get(30, TimeUnit.SECONDS);
            memory.publish(r);
        }
        store = new PostgresExplanationStore(postgres.dataSource(), Duration.ofSeconds(10));
    }

    @AfterAll
    static void stop() throws Exception {
        executor.shutdownNow();
        postgres.close();
    }

    static List<ExplanationFilter> filters(Cursor after) {
        List<ExplanationFilter> out = new ArrayList<>();
        Instant from = ViewerRecords.T0.plusSeconds(3600 * 20);
        Instant to = ViewerRecords.T0.plusSeconds(3600 * 100);
        out.add(new ExplanationFilter(null, null, null, null, null, null, null, List.of(), 7, after));
        out.add(new ExplanationFilter("adult", null, null, null, null, null, null, List.of(), 4, after));
        out.add(new ExplanationFilter(null, "AnchorText", null, from, to, null, null, List.of(), 3, after));
        out.add(new ExplanationFilter(null, null, null, null, null, Outcome.NOT_FOUND, null, List.of(), 2, after));
        out.add(new ExplanationFilter("income", null, null, null, null, Outcome.FAILED, null, List.of(), 2, after));
        out.add(new ExplanationFilter(null, null, null, null, null, null, true, List.of(), 3, after));
        out.add(new ExplanationFilter(null, null, null, null, null, null, false, List.of(), 3, after));
        out.add(new ExplanationFilter(null, null, null, null, null, null, null, List.of("Sex = Female"), 5, after));
        out.add(new ExplanationFilter(null, null, null, null, null, null, null,
                List.of("<b>odd \"name\"</b> = 'x'"), 5, after));
        out.add(new ExplanationFilter(null, null, "inf-13", null, null, null, null, List.of(), 5, after));
        return out;
    }

    @Test
    @Order(1)
    void everyListPagesExactlyAsTheMemoryStoreDoes() {
        for (int f = 0; f < filters(null).size(); f++) {
            Cursor pgAfter = null;
            Cursor memAfter = null;
            int pages = 0;
            do {
                Page pg = store.list(filters(pgAfter).get(f));
                Page mem = memory.list(filters(memAfter).get(f));
                assertEquals(mem.items(), pg.items(), "filter " + f + " page " + pages);
                assertEquals(mem.next(), pg.next());
                pgAfter = pg.next();
                memAfter = mem.next();
                pages++;
            } while (pgAfter != null);
            assertTrue(pages >= 1);
        }
        assertEquals(memory.get("exp-113").orElseThrow().summary(), store.get("exp-113").orElseThrow().summary());
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        try {
            assertEquals(json.readTree(ViewerRecords.sample().get(13).body()),
                    json.readTree(store.get("exp-113").orElseThrow().body()), "the same JSON (jsonb orders keys its own way)");
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        assertEquals(1, store.byInference("inf-13", 5).size());
        assertEquals(List.of("adult", "income", "movie"), store.models(10));
    }

    @Test
    @Order(2)
    void statisticsAndSeriesEqualTheMemoryStore() {
        for (String model : List.of("adult", "income", "movie")) {
            for (Instant from : List.of(ViewerRecords.T0, ViewerRecords.T0.plusSeconds(3600 * 30))) {
                ModelStats pg = store.stats(model, null, from, END, 10);
                ModelStats mem = memory.stats(model, null, from, END, 10);
                assertEquals(mem.total(), pg.total());
                assertEquals(mem.found(), pg.found());
                assertEquals(mem.notFound(), pg.notFound());
                assertEquals(mem.failed(), pg.failed());
                assertEquals(mem.successRate(), pg.successRate());
                assertEquals(mem.medianPrecision(), pg.medianPrecision(), 1e-9);
                assertEquals(mem.medianCoverage(), pg.medianCoverage(), 1e-9);
                assertEquals(mem.medianLatencyMs(), pg.medianLatencyMs(), 1e-9);
                assertEquals(mem.p95LatencyMs(), pg.p95LatencyMs(), 1e-9);
                assertEquals(mem.meanPredictorCalls(), pg.meanPredictorCalls(), 1e-9);
                assertEquals(mem.meanPredictorRows(), pg.meanPredictorRows(), 1e-9);
                assertEquals(mem.totalPredictorRows(), pg.totalPredictorRows());
                assertEquals(mem.topPredicates(), pg.topPredicates());
                List<SeriesPoint> ps = store.series(model, null, from, END, 13);
                List<SeriesPoint> ms = memory.series(model, null, from, END, 13);
                assertEquals(13, ps.size());
                for (int b = 0; b < 13; b++) {
                    assertEquals(ms.get(b).start(), ps.get(b).start());
                    assertEquals(ms.get(b).total(), ps.get(b).total(), model + " bucket " + b);
                    assertEquals(ms.get(b).found(), ps.get(b).found());
                    assertEquals(ms.get(b).failed(), ps.get(b).failed());
                    assertEquals(ms.get(b).medianLatencyMs(), ps.get(b).medianLatencyMs());
                }
            }
        }
        ModelStats empty = store.stats("nobody", null, ViewerRecords.T0, END, 10);
        assertEquals(0, empty.total());
        assertEquals(null, empty.successRate());
    }

    @Test
    @Order(2)
    void aDatabaseThatCannotAnswerIsAStoreExceptionNamingIt() throws Exception {
        org.postgresql.ds.PGSimpleDataSource down = new org.postgresql.ds.PGSimpleDataSource();
        down.setServerNames(new String[] {"127.0.0.1"});
        down.setPortNumbers(new int[] {LoopbackPostgres.freeLoopbackPort()}); // nothing listens there
        down.setConnectTimeout(2);
        PostgresExplanationStore unreachable = new PostgresExplanationStore(down, Duration.ofSeconds(2));
        StoreException e = org.junit.jupiter.api.Assertions.assertThrows(StoreException.class,
                () -> unreachable.list(filters(null).get(0)));
        assertTrue(e.getMessage().startsWith("explanation store (postgres): "), e.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(StoreException.class,
                () -> unreachable.stats("adult", null, ViewerRecords.T0, END, 5));
    }

    /** Runs last: it adds 50,000 rows, and removes them at the end. */
    @Test
    @Order(3)
    void listAndWindowQueriesUseIndexesOnALargeTable() throws Exception {
        try (Connection c = postgres.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("""
                    INSERT INTO explanation (id, inference_id, model, namespace, explainer, type, reason, anchor, precision,
                                             coverage, served_prediction, explained_prediction, prediction_mismatch,
                                             timings, created_at, body)
                    SELECT 'gen-' || g, 'gen-inf-' || g, 'model-' || (g % 50), 'default', 'AnchorTabular',
                           CASE WHEN g % 20 = 0 THEN 'dev.anchorwatch.explanation.failed' ELSE 'dev.anchorwatch.explanation' END,
                           CASE WHEN g % 20 = 0 THEN 'predictor down' END,
                           CASE WHEN g % 20 = 0 THEN '{}'::text[] ELSE ARRAY['f' || (g % 97) || ' = x', 'g' || (g % 13) || ' <= 3'] END,
                           0.95, 0.1, '0', '0', g % 50 = 1,
                           '{"explain": 100, "predictor_calls": 10, "predictor_rows": 1000}',
                           TIMESTAMPTZ '2026-12-01 00:00:00+00' - (g || ' minutes')::interval,
                           (CASE WHEN g % 20 = 0 THEN '{"error": {}}' ELSE '{"data": {"raw": {"success": true}}}' END)::jsonb
                    FROM generate_series(1, 50000) g""");
            s.execute("ANALYZE explanation");
        }
        Instant to = Instant.parse("2026-12-01T00:00:00Z");
        Instant from = to.minus(Duration.ofDays(7));
        Cursor after = new Cursor(Instant.parse("2026-11-20T00:00:00Z"), "gen-1");
        List<PostgresExplanationStore.Query> queries = List.of(
                PostgresExplanationStore.listQuery(filter(null, null, null, null, List.of(), null)),
                PostgresExplanationStore.listQuery(filter(null, null, null, null, List.of(), after)),
                PostgresExplanationStore.listQuery(filter("model-7", null, null, null, List.of(), null)),
                PostgresExplanationStore.listQuery(filter("model-7", from, to, null, List.of(), after)),
                PostgresExplanationStore.listQuery(filter("model-7", null, null, Outcome.FAILED, List.of(), null)),
                PostgresExplanationStore.listQuery(new ExplanationFilter("model-1", null, null, null, null, null, true,
                        List.of(), 50, null)),
                PostgresExplanationStore.listQuery(filter(null, null, null, null, List.of("f5 = x"), null)),
                PostgresExplanationStore.listQuery(filter(null, null, null, null, List.of("f5 = x", "g5 <= 3"), null)),
                PostgresExplanationStore.listQuery(new ExplanationFilter(null, null, "gen-inf-77", null, null, null, null,
                        List.of(), 50, null)),
                PostgresExplanationStore.statsQuery("model-7", null, from, to),
                PostgresExplanationStore.topQuery("model-7", null, from, to, 10),
                PostgresExplanationStore.seriesQuery("model-7", null, from, to, 28),
                PostgresExplanationStore.modelsQuery(1000));
        // lists across every model that few rows match: each must read its own index, not walk the newest-first
        // one and filter (which reads the whole table when nothing matches)
        Map<String, PostgresExplanationStore.Query> selective = new LinkedHashMap<>();
        selective.put("explanation_outcome_created_at_id", PostgresExplanationStore.listQuery(
                filter(null, null, null, Outcome.NOT_FOUND, List.of(), null)));
        selective.put("explanation_outcome_created_at_id ", PostgresExplanationStore.listQuery(
                filter(null, from, to, Outcome.FAILED, List.of(), after)));
        selective.put("explanation_explainer_created_at_id", PostgresExplanationStore.listQuery(
                new ExplanationFilter(null, "AnchorText", null, null, null, null, null, List.of(), 50, null)));
        selective.put("explanation_mismatch_created_at_id", PostgresExplanationStore.listQuery(
                new ExplanationFilter(null, null, null, null, null, null, true, List.of(), 50, null)));
        try (Connection c = postgres.dataSource().getConnection()) {
            for (PostgresExplanationStore.Query q : queries) {
                String plan = plan(c, q);
                System.out.println("EXPLAIN " + q.sql().replaceAll("\\s+", " ") + "\n" + plan);
                assertFalse(plan.contains("Seq Scan on explanation"), q.sql() + "\n" + plan);
                assertTrue(plan.contains("Index"), plan);
            }
            for (Map.Entry<String, PostgresExplanationStore.Query> q : selective.entrySet()) {
                String plan = plan(c, q.getValue());
                System.out.println("EXPLAIN " + q.getValue().sql().replaceAll("\\s+", " ") + "\n" + plan);
                assertTrue(plan.contains(q.getKey().trim()), q.getValue().sql() + "\n" + plan);
                assertFalse(plan.contains("explanation_created_at_id "), "no walk of every row: " + plan);
            }
        } finally {
            try (Connection c = postgres.dataSource().getConnection(); Statement s = c.createStatement()) {
                s.execute("DELETE FROM explanation WHERE id LIKE 'gen-%'");
            }
        }
    }

    static ExplanationFilter filter(String model, Instant from, Instant to, Outcome outcome, List<String> predicates,
                                    Cursor after) {
        return new ExplanationFilter(model, null, null, from, to, outcome, null, predicates, 50, after);
    }

    static String plan(Connection c, PostgresExplanationStore.Query q) throws Exception {
        StringBuilder out = new StringBuilder();
        try (PreparedStatement s = PostgresExplanationStore.prepare(c,
                new PostgresExplanationStore.Query("EXPLAIN " + q.sql(), q.params())); ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                out.append(rs.getString(1)).append('\n');
            }
        }
        return out.toString();
    }
}
