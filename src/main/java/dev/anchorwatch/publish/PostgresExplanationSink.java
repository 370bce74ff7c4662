package dev.anchorwatch.publish;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.sql.Types;
import java.time.ZoneOffset;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import javax.sql.DataSource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Writes each explanation as one row of the {@code explanation} table (Flyway migration
 * {@code db/migration/V1__explanation.sql}): an upsert by explanation id, so a redelivered input updates its
 * row instead of adding one. {@link #publish} completes after the commit. JDBC blocks, so the work runs on the
 * given executor, whose size should not exceed the connection pool's.
 */
public final class PostgresExplanationSink implements ExplanationSink {

    static final String UPSERT = """
            INSERT INTO explanation (id, inference_id, model, namespace, explainer, type, reason, anchor,
                                     precision, coverage, served_prediction, explained_prediction, prediction_mismatch,
                                     timings, created_at, body)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS jsonb), CAST(? AS jsonb), ?, CAST(? AS jsonb), ?,
                    CAST(? AS jsonb))
            ON CONFLICT (id) DO UPDATE SET
                inference_id = EXCLUDED.inference_id, model = EXCLUDED.model, namespace = EXCLUDED.namespace,
                explainer = EXCLUDED.explainer, type = EXCLUDED.type, reason = EXCLUDED.reason,
                anchor = EXCLUDED.anchor, precision = EXCLUDED.precision, coverage = EXCLUDED.coverage,
                served_prediction = EXCLUDED.served_prediction, explained_prediction = EXCLUDED.explained_prediction,
                prediction_mismatch = EXCLUDED.prediction_mismatch, timings = EXCLUDED.timings, created_at = EXCLUDED.created_at, body = EXCLUDED.body
            """;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final DataSource dataSource;
    private final Executor executor;

    public PostgresExplanationSink(DataSource dataSource, Executor executor) {
        this.dataSource = dataSource;
        this.executor = executor;
    }

    @Override
    public CompletionStage<Void> publish(ExplanationRecord r) {
        try {
            return CompletableFuture.runAsync(() -> upsert(r), executor);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new PublishException(name(), "busy: " + e.getMessage(), true, e));
        }
    }

    void upsert(ExplanationRecord r) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement s = c.prepareStatement(UPSERT)) {
                Array anchor = c.createArrayOf("text", r.anchor().toArray());
                int i = 1;
                s.setString(i++, r.explanationId());
                s.setString(i++, r.inferenceId());
                s.setString(i++, r.model());
                s.setString(i++, r.namespace());
                s.setString(i++, r.explainer());
                s.setString(i++, r.type());
                s.setString(i++, r.failureReason());
                s.setArray(i++, anchor);
                setDouble(s, i++, r.precision());
                setDouble(s, i++, r.coverage());
                s.setString(i++, r.servedPrediction());
                s.setString(i++, r.explainedPrediction());
                s.setObject(i++, r.predictionMismatch().orElse(null), java.sql.Types.BOOLEAN);
                s.setString(i++, JSON.writeValueAsString(r.timingsMs()));
                s.setObject(i++, r.createdAt().atOffset(ZoneOffset.UTC));
                s.setString(i, r.bodyAsString());
                s.executeUpdate();
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new PublishException(name(), e.getMessage(), retryable(e), e);
        } catch (JsonProcessingException e) {
            throw new PublishException(name(), "timings are not JSON: " + e.getMessage(), false, e);
        }
    }

    private static void setDouble(PreparedStatement s, int i, Double v) throws SQLException {
        if (v == null) {
            s.setNull(i, Types.DOUBLE);
        } else {
            s.setDouble(i, v);
        }
    }

    /**
     * Connection problems, timeouts, serialization failures and pool exhaustion are worth retrying; bad data
     * (SQLState class 22, 23: invalid JSON, constraint violations) is not.
     */
    static boolean retryable(SQLException e) {
        String state = e.getSQLState();
        if (e instanceof SQLTransientException || state == null) {
            return true;
        }
        return !(state.startsWith("22") || state.startsWith("23") || state.startsWith("42"));
    }

    @Override
    public String name() {
        return "postgres";
    }
}
