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
}
