package dev.anchorwatch.publish;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.sql.Types;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import javax.sql.DataSource;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Writes each explanation as one row of the {@code explanation} table (Flyway migrations {@code db/migration}):
 * an upsert by explanation id, so a redelivered input updates its row instead of adding one. {@link #publish}
 * completes after the commit. JDBC blocks, so the work runs on the given executor, whose size should not exceed
 * the connection pool's.
 *
 * <ul>
 * <li><b>Nothing known is erased.</b> A redelivered request explained again without its response must not blank
 * what the row knows: the served prediction and the mismatch flag are merged ({@code COALESCE}), never
 * overwritten with NULL.</li>
 * <li><b>Served predictions from anywhere.</b> {@link #served} records the served prediction of an inference in
 * {@code served_prediction} and copies it onto that inference's explanation rows that lack one; {@link #publish}
 * of an explanation without a served prediction takes it from there. Both run under a transaction-level advisory
 * lock on the inference id, so whichever replica writes first, and in whichever order, the row ends with it.</li>
 * <li><b>Starts without the database.</b> The schema is migrated by {@link #start}, in the background, retried with
 * a growing backoff until the database answers; until then every write fails as retryable ("not ready"), so the
 * event path answers 503 and nothing else depends on the database.</li>
 * </ul>
 */
public final class PostgresExplanationSink implements ExplanationSink {

    private static final Logger LOG = Logger.getLogger(PostgresExplanationSink.class);

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
                served_prediction = COALESCE(EXCLUDED.served_prediction, explanation.served_prediction),
                explained_prediction = COALESCE(EXCLUDED.explained_prediction, explanation.explained_prediction),
                prediction_mismatch = COALESCE(EXCLUDED.prediction_mismatch, explanation.prediction_mismatch),
                timings = EXCLUDED.timings, created_at = EXCLUDED.created_at, body = EXCLUDED.body
            """;

    static final String LOCK = "SELECT pg_advisory_xact_lock(hashtext(?))";
    static final String SERVED_OF = "SELECT served_prediction::text FROM served_prediction WHERE inference_id = ?";
    static final String RECORD_SERVED = """
            INSERT INTO served_prediction (inference_id, model, namespace, served_prediction, received_at)
            VALUES (?, ?, ?, CAST(? AS jsonb), ?)
            ON CONFLICT (inference_id) DO NOTHING
            """;
    static final String WITHOUT_SERVED = """
            SELECT id, explained_prediction::text FROM explanation
            WHERE inference_id = ? AND served_prediction IS NULL FOR UPDATE
            """;
    static final String SET_SERVED = """
            UPDATE explanation SET served_prediction = CAST(? AS jsonb),
                prediction_mismatch = COALESCE(?, prediction_mismatch) WHERE id = ?
            """;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Brings the schema up to date (Flyway); throws when the database cannot be reached. */
    public interface Migration {
        void migrate() throws Exception;
    }

    /** The sink's state, for its health check. */
    public record Health(boolean migrated, Optional<String> lastError) {
    }

    private final DataSource dataSource;
    private final Executor executor;
    private volatile boolean migrated;
    private final AtomicReference<String> lastError = new AtomicReference<>();

    /** A sink over a database already migrated (tests, and callers that migrate themselves). */
    public PostgresExplanationSink(DataSource dataSource, Executor executor) {
        this.dataSource = dataSource;
        this.executor = executor;
        this.migrated = true;
    }

    private PostgresExplanationSink(DataSource dataSource, Executor executor, boolean migrated) {
        this.dataSource = dataSource;
        this.executor = executor;
        this.migrated = migrated;
    }

    /**
     * A sink that is ready once {@code migration} succeeds: tried now on {@code timer}, then again after
     * {@code initial}, growing by half each time up to {@code max}, one log line per failure.
     */
    public static PostgresExplanationSink start(DataSource dataSource, Executor executor, Migration migration,
            ScheduledExecutorService timer, Duration initial, Duration max) {
        PostgresExplanationSink sink = new PostgresExplanationSink(dataSource, executor, false);
        sink.lastError.set("schema not migrated yet");
        sink.scheduleMigration(migration, timer, 0, initial, max, 1);
        return sink;
    }

    private void scheduleMigration(Migration migration, ScheduledExecutorService timer, long delayMs, Duration initial,
            Duration max, int attempt) {
        try {
            timer.schedule(() -> {
                try {
                    migration.migrate();
                    migrated = true;
                    lastError.set(null);
                    LOG.infof("postgres sink: schema migrated (attempt %d); explanations are written", attempt);
                } catch (Exception e) {
                    long next = Math.min(max.toMillis(), attempt == 1 ? initial.toMillis() : (long) (delayMs * 1.5));
                    lastError.set("schema not migrated: " + rootMessage(e));
                    LOG.warnf("postgres sink: database not reachable for migration (attempt %d: %s); retrying in %d ms",
                            attempt, rootMessage(e), next);
                    scheduleMigration(migration, timer, next, initial, max, attempt + 1);
                }
            }, delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // shutting down
        }
    }

    public Health health() {
        return new Health(migrated, Optional.ofNullable(lastError.get()));
    }

    @Override
    public CompletionStage<Void> publish(ExplanationRecord r) {
        return run(() -> upsert(r));
    }

    @Override
    public CompletionStage<Void> served(ServedPrediction s) {
        return run(() -> recordServed(s));
    }

    private CompletionStage<Void> run(Runnable work) {
        if (!migrated) {
            return CompletableFuture.failedFuture(new PublishException(name(), "not ready: " + lastError.get(), true));
        }
        try {
            return CompletableFuture.runAsync(() -> {
                try {
                    work.run();
                    lastError.set(null);
                } catch (PublishException e) {
                    if (e.retryable()) {
                        lastError.set(e.getMessage());
                    }
                    throw e;
                }
            }, executor);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(new PublishException(name(), "busy: " + e.getMessage(), true, e));
        }
    }

    void upsert(ExplanationRecord r) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                lock(c, r.inferenceId());
                if (r.servedPrediction() == null) {
                    try (PreparedStatement q = c.prepareStatement(SERVED_OF)) {
                        q.setString(1, r.inferenceId());
                        try (ResultSet rs = q.executeQuery()) {
                            if (rs.next()) {
                                r = r.withServedPrediction(rs.getString(1));
                            }
                        }
                    }
                }
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
                    s.setObject(i++, r.predictionMismatch().orElse(null), Types.BOOLEAN);
                    s.setString(i++, JSON.writeValueAsString(r.timingsMs()));
                    s.setObject(i++, r.createdAt().atOffset(ZoneOffset.UTC));
                    s.setString(i, r.bodyAsString());
                    s.executeUpdate();
                }
                c.commit();
            } catch (SQLException | RuntimeException | JsonProcessingException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new PublishException(name(), e.getMessage(), retryable(e), e);
        } catch (JsonProcessingException e) {
            throw new PublishException(name(), "timings are not JSON: " + e.getMessage(), false, e);
        }
    }

    void recordServed(ServedPrediction served) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                lock(c, served.inferenceId());
                try (PreparedStatement s = c.prepareStatement(RECORD_SERVED)) {
                    s.setString(1, served.inferenceId());
                    s.setString(2, served.model());
                    s.setString(3, served.namespace());
                    s.setString(4, served.servedPrediction());
                    s.setObject(5, served.receivedAt().atOffset(ZoneOffset.UTC));
                    s.executeUpdate();
                }
                List<String[]> rows = new ArrayList<>();
                try (PreparedStatement q = c.prepareStatement(WITHOUT_SERVED)) {
                    q.setString(1, served.inferenceId());
                    try (ResultSet rs = q.executeQuery()) {
                        while (rs.next()) {
                            rows.add(new String[] { rs.getString(1), rs.getString(2) });
                        }
                    }
                }
                for (String[] row : rows) {
                    try (PreparedStatement u = c.prepareStatement(SET_SERVED)) {
                        u.setString(1, served.servedPrediction());
                        u.setObject(2, served.mismatch(row[1]).orElse(null), Types.BOOLEAN);
                        u.setString(3, row[0]);
                        u.executeUpdate();
                    }
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new PublishException(name(), e.getMessage(), retryable(e), e);
        }
    }

    private static void lock(Connection c, String inferenceId) throws SQLException {
        try (PreparedStatement l = c.prepareStatement(LOCK)) {
            l.setString(1, inferenceId);
            l.execute();
        }
    }

    private static void setDouble(PreparedStatement s, int i, Double v) throws SQLException {
        if (v == null) {
            s.setNull(i, Types.DOUBLE);
        } else {
            s.setDouble(i, v);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + t.getMessage() + ")";
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
