package dev.anchorwatch.publish;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import dev.anchorwatch.testsupport.LoopbackPostgres;

/** The PostgreSQL sink against a real PostgreSQL, with the schema from the real Flyway migration. */
class PostgresExplanationSinkTest {

    static LoopbackPostgres postgres;
    static ExecutorService executor;
    static PostgresExplanationSink sink;

    @BeforeAll
    static void start() {
        postgres = LoopbackPostgres.start();
        Flyway.configure().dataSource(postgres.dataSource()).locations("classpath:db/migration").load().migrate();
        executor = Executors.newFixedThreadPool(2);
        sink = new PostgresExplanationSink(postgres.dataSource(), executor);
    }

    @AfterAll
    static void stop() throws Exception {
        executor.shutdownNow();
        postgres.close();
    }

    @Test
    void upsertTwiceKeepsOneQueryableRow() throws Exception {
        ExplanationRecord r = Samples.explanation("inf-pg-1");
        sink.publish(r).toCompletableFuture().get(30, TimeUnit.SECONDS);
        sink.publish(r).toCompletableFuture().get(30, TimeUnit.SECONDS);

        try (Connection c = postgres.dataSource().getConnection(); Statement s = c.createStatement()) {
            ResultSet rs = s.executeQuery("select count(*) from explanation where inference_id = 'inf-pg-1'");
            rs.next();
            assertEquals(1, rs.getInt(1));

            rs = s.executeQuery("""
                    select id, model, namespace, explainer, type, reason, anchor, precision, coverage,
                           served_prediction::text, timings->>'total', created_at,
                           body->'data'->>'precision', body->'meta'->>'name'
                    from explanation
                    where model = 'adult' and inference_id = 'inf-pg-1' and anchor @> array['Sex = Female'] and body @> '{"data": {"coverage": 0.21}}'
                    """);
            assertTrue(rs.next(), "found by anchor predicate and jsonb containment");
            assertEquals(r.explanationId(), rs.getString(1));
            assertEquals("adult", rs.getString(2));
            assertEquals("default", rs.getString(3));
            assertEquals("AnchorTabular", rs.getString(4));
            assertEquals("dev.anchorwatch.explanation", rs.getString(5));
            assertNull(rs.getString(6));
            assertArrayEquals(new String[] { "Age <= 28.00", "Sex = Female" }, (String[]) rs.getArray(7).getArray());
            assertEquals(0.97, rs.getDouble(8));
            assertEquals(0.21, rs.getDouble(9));
            assertEquals("0", rs.getString(10));
            assertEquals("420", rs.getString(11));
            assertEquals(r.createdAt(), rs.getTimestamp(12).toInstant());
            assertEquals("0.97", rs.getString(13));
            assertEquals("AnchorTabular", rs.getString(14));
        }
    }

    @Test
    void mismatchBetweenServedAndExplainedPredictionIsQueryable() throws Exception {
        ExplanationRecord agree = Samples.explanation("inf-pg-3");
        ExplanationRecord differ = Samples.explanation("inf-pg-4").withServedPrediction("[0.2, 0.8]");
        ExplanationRecord unknown = Samples.explanation("inf-pg-5").withServedPrediction(null);
        for (ExplanationRecord r : new ExplanationRecord[] {agree, differ, unknown}) {
            sink.publish(r).toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        try (Connection c = postgres.dataSource().getConnection(); Statement s = c.createStatement()) {
            ResultSet rs = s.executeQuery("""
                    select inference_id, prediction_mismatch from explanation
                    where inference_id in ('inf-pg-3', 'inf-pg-4', 'inf-pg-5') order by inference_id""");
            rs.next();
            assertEquals(false, rs.getObject(2));
            rs.next();
            assertEquals(true, rs.getObject(2));
            rs.next();
            assertNull(rs.getObject(2));
        }
    }

    @Test
    void laterOutcomeOfTheSameInputReplacesTheRow() throws Exception {
        ExplanationRecord failed = Samples.failure("inf-pg-2", "predictor timed out");
        sink.publish(failed).toCompletableFuture().get(30, TimeUnit.SECONDS);
        ExplanationRecord ok = Samples.explanation("inf-pg-2");
        assertEquals(failed.explanationId(), ok.explanationId());
        sink.publish(ok).toCompletableFuture().get(30, TimeUnit.SECONDS);
        try (Connection c = postgres.dataSource().getConnection(); Statement s = c.createStatement()) {
            ResultSet rs = s.executeQuery("select count(*), min(type), min(reason) from explanation where inference_id = 'inf-pg-2'");
            rs.next();
            assertEquals(1, rs.getInt(1));
            assertEquals("dev.anchorwatch.explanation", rs.getString(2));
            assertNull(rs.getString(3));
        }
    }

    @Test
    void databaseDownFailsRetryably() throws Exception {
        PGSimpleDataSource down = new PGSimpleDataSource();
        down.setUrl("jdbc:postgresql://127.0.0.1:" + LoopbackPostgres.freeLoopbackPort() + "/postgres");
        down.setUser("postgres");
        down.setConnectTimeout(2);
        PostgresExplanationSink broken = new PostgresExplanationSink(down, executor);
        CompletionException e = assertThrows(CompletionException.class,
                () -> broken.publish(Samples.explanation("inf-pg-3")).toCompletableFuture().join());
        PublishException p = assertInstanceOf(PublishException.class, e.getCause());
        assertTrue(p.retryable(), p.getMessage());
    }

    @Test
    void invalidJsonIsAPermanentFailure() {
        ExplanationRecord bad = ExplanationRecord.builder().explanationId("bad-1").inferenceId("inf-pg-4").model("adult")
                .explainer("AnchorTabular").explanation("{not json").build();
        CompletionException e = assertThrows(CompletionException.class,
                () -> sink.publish(bad).toCompletableFuture().join());
        PublishException p = assertInstanceOf(PublishException.class, e.getCause());
        assertTrue(!p.retryable(), p.getMessage());
    }

    static Object[] row(String inferenceId) throws Exception {
        try (Connection c = postgres.dataSource().getConnection(); Statement s = c.createStatement()) {
            ResultSet rs = s.executeQuery("select count(*), min(served_prediction::text), bool_or(prediction_mismatch)"
                    + " from explanation where inference_id = '" + inferenceId + "'");
            rs.next();
            return new Object[] { rs.getInt(1), rs.getString(2), rs.getObject(3) };
        }
    }

    static ServedPrediction served(String inferenceId, String json) {
        ExplanationRecord r = Samples.explanation(inferenceId);
        return new ServedPrediction("resp-" + inferenceId, inferenceId, r.explanationId(), "adult", "default", json,
                java.time.Instant.parse("2026-11-25T12:00:01Z"));
    }

    @Test
    void aRedeliveredRequestNeverErasesTheServedPrediction() throws Exception {
        ExplanationRecord withServed = Samples.explanation("inf-pg-6").withServedPrediction("[0.1, 0.9]");
        sink.publish(withServed).toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertArrayEquals(new Object[] { 1, "[0.1, 0.9]", true }, row("inf-pg-6"));
        // explained again after a crash, its response no longer in memory
        sink.publish(Samples.explanation("inf-pg-6").withServedPrediction(null)).toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        assertArrayEquals(new Object[] { 1, "[0.1, 0.9]", true }, row("inf-pg-6"), "served prediction and flag kept");
    }

    @Test
    void aServedPredictionRecordedFirstIsMergedWhenTheExplanationIsWritten() throws Exception {
        sink.served(served("inf-pg-7", "[1]")).toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertArrayEquals(new Object[] { 0, null, null }, row("inf-pg-7"));
        sink.publish(Samples.explanation("inf-pg-7").withServedPrediction(null)).toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        assertArrayEquals(new Object[] { 1, "[1]", true }, row("inf-pg-7"), "explained 0, served 1");
    }

    @Test
    void aServedPredictionArrivingLaterUpdatesTheWrittenExplanation() throws Exception {
        sink.publish(Samples.explanation("inf-pg-8").withServedPrediction(null)).toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        assertArrayEquals(new Object[] { 1, null, null }, row("inf-pg-8"));
        sink.served(served("inf-pg-8", "[0]")).toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertArrayEquals(new Object[] { 1, "[0]", false }, row("inf-pg-8"));
        // a second copy of the response changes nothing, and neither does another served value
        sink.served(served("inf-pg-8", "[1]")).toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertArrayEquals(new Object[] { 1, "[0]", false }, row("inf-pg-8"));
    }

    @Test
    void concurrentRequestAndResponseFromTwoReplicasAlwaysMerge() throws Exception {
        ExecutorService two = Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < 20; i++) {
                String id = "inf-pg-race-" + i;
                var a = CompletableFuture.runAsync(() -> sink.upsert(Samples.explanation(id).withServedPrediction(null)), two);
                var b = CompletableFuture.runAsync(() -> sink.recordServed(served(id, "[1]")), two);
                CompletableFuture.allOf(a, b).get(30, TimeUnit.SECONDS);
                assertArrayEquals(new Object[] { 1, "[1]", true }, row(id), id);
            }
        } finally {
            two.shutdownNow();
        }
    }

    @Test
    void aSinkStartedBeforeTheDatabaseMigratesOnceItAnswersAndRefusesRetryablyUntilThen() throws Exception {
        java.util.concurrent.atomic.AtomicInteger attempts = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.CountDownLatch migrated = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try {
            PostgresExplanationSink late = PostgresExplanationSink.start(postgres.dataSource(), executor, () -> {
                if (attempts.incrementAndGet() < 3) {
                    throw new java.sql.SQLException("Connection refused", "08001");
                }
                migrated.countDown();
            }, timer, java.time.Duration.ofMillis(10), java.time.Duration.ofMillis(50));
            assertTrue(migrated.await(10, TimeUnit.SECONDS));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!late.health().migrated() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(3, attempts.get());
            assertEquals(new PostgresExplanationSink.Health(true, java.util.Optional.empty()), late.health());
            late.publish(Samples.explanation("inf-pg-9")).toCompletableFuture().get(30, TimeUnit.SECONDS);

            PostgresExplanationSink never = PostgresExplanationSink.start(postgres.dataSource(), executor, () -> {
                throw new java.sql.SQLException("Connection refused", "08001");
            }, timer, java.time.Duration.ofSeconds(60), java.time.Duration.ofSeconds(60));
            CompletionException e = assertThrows(CompletionException.class,
                    () -> never.publish(Samples.explanation("inf-pg-10")).toCompletableFuture().join());
            PublishException p = assertInstanceOf(PublishException.class, e.getCause());
            assertTrue(p.retryable());
            assertTrue(p.getMessage().startsWith("postgres: not ready: schema not migrated"), p.getMessage());
            assertEquals(false, never.health().migrated());
        } finally {
            timer.shutdownNow();
        }
    }
}
