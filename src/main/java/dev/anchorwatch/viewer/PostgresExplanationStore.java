package dev.anchorwatch.viewer;

import java.io.IOException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.sql.DataSource;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads the {@code explanation} table that {@code PostgresExplanationSink} writes: the full history. Every query
 * is bounded (a page, a window of one model) and answered from an index (migration {@code V11__viewer.sql}):
 * lists walk {@code (created_at, id)} or {@code (model, created_at, id)} backwards from the cursor, predicates
 * use the GIN index on {@code anchor}, windows the {@code (model, created_at)} range. Each statement has a
 * timeout. The SQL is exposed ({@link #listQuery} and friends) so tests can show the plans.
 */
public final class PostgresExplanationStore implements ExplanationStore {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<LinkedHashMap<String, Long>> TIMINGS = new TypeReference<>() {
    };

    static final String COLUMNS = "id, inference_id, model, namespace, explainer, outcome, reason, anchor, precision,"
            + " coverage, prediction_mismatch, served_prediction::text, explained_prediction::text, timings::text,"
            + " explain_ms, predictor_calls, predictor_rows, created_at";

    private final DataSource dataSource;
    private final Duration timeout;

    /** One SQL statement and its parameters, in order. */
    public record Query(String sql, List<Object> params) {
    }

    public PostgresExplanationStore(DataSource dataSource, Duration timeout) {
        this.dataSource = dataSource;
        this.timeout = timeout;
    }

    @Override
    public String kind() {
        return "postgres";
    }

    // ---- the statements

    public static Query listQuery(ExplanationFilter f) {
        StringBuilder sql = new StringBuilder("SELECT ").append(COLUMNS).append(" FROM explanation WHERE true");
        List<Object> p = new ArrayList<>();
        if (f.model() != null) {
            sql.append(" AND model = ?");
            p.add(f.model());
        }
        if (f.explainer() != null) {
            sql.append(" AND explainer = ?");
            p.add(f.explainer());
        }
        if (f.inferenceId() != null) {
            sql.append(" AND inference_id = ?");
            p.add(f.inferenceId());
        }
        if (f.from() != null) {
            sql.append(" AND created_at >= ?");
            p.add(f.from());
        }
        if (f.to() != null) {
            sql.append(" AND created_at < ?");
            p.add(f.to());
        }
        if (f.outcome() != null) {
            sql.append(" AND outcome = ?");
            p.add(f.outcome().label());
        }
        if (Boolean.TRUE.equals(f.mismatch())) {
            sql.append(" AND prediction_mismatch");
        } else if (Boolean.FALSE.equals(f.mismatch())) {
            sql.append(" AND prediction_mismatch = false");
        }
        if (!f.predicates().isEmpty()) {
            sql.append(" AND anchor @> ?");
            p.add(f.predicates());
        }
        if (f.after() != null) {
            sql.append(" AND (created_at, id) < (?, ?)");
            p.add(f.after().createdAt());
            p.add(f.after().id());
        }
        sql.append(" ORDER BY created_at DESC, id DESC LIMIT ?");
        p.add(f.limit() + 1);
        return new Query(sql.toString(), p);
    }

    private static String window(String explainer, List<Object> p, String model, Instant from, Instant to) {
        p.add(model);
        String sql = " WHERE model = ?";
        if (explainer != null) {
            sql += " AND explainer = ?";
            p.add(explainer);
        }
        p.add(from);
        p.add(to);
        return sql + " AND created_at >= ? AND created_at < ?";
    }

    public static Query statsQuery(String model, String explainer, Instant from, Instant to) {
        List<Object> p = new ArrayList<>();
        String sql = """
                SELECT count(*), count(*) FILTER (WHERE outcome = 'found'), count(*) FILTER (WHERE outcome = 'not_found'),
                       count(*) FILTER (WHERE outcome = 'failed'),
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY precision),
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY coverage),
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY explain_ms),
                       percentile_cont(0.95) WITHIN GROUP (ORDER BY explain_ms),
                       avg(predictor_calls), avg(predictor_rows), coalesce(sum(predictor_rows), 0)
                FROM explanation""" + window(explainer, p, model, from, to);
        return new Query(sql, p);
    }

    public static Query topQuery(String model, String explainer, Instant from, Instant to, int top) {
        List<Object> p = new ArrayList<>();
        String sql = "SELECT pred, count(*) AS n FROM explanation CROSS JOIN LATERAL unnest(anchor) AS pred"
                + window(explainer, p, model, from, to) + " GROUP BY pred ORDER BY n DESC, pred COLLATE \"C\" LIMIT ?";
        p.add(top);
        return new Query(sql, p);
    }

    public static Query seriesQuery(String model, String explainer, Instant from, Instant to, int buckets) {
        long width = MemoryExplanationStore.bucketMicros(from, to, buckets);
        List<Object> p = new ArrayList<>();
        p.add(buckets - 1);
        p.add(from);
        p.add(width);
        String sql = """
                SELECT LEAST(?, floor(extract(epoch FROM (created_at - CAST(? AS timestamptz))) * 1000000 / ?))::int AS b,
                       count(*), count(*) FILTER (WHERE outcome = 'found'), count(*) FILTER (WHERE outcome = 'failed'),
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY explain_ms), avg(predictor_calls), avg(predictor_rows)
                FROM explanation""" + window(explainer, p, model, from, to) + " GROUP BY b ORDER BY b";
        return new Query(sql, p);
    }

    /** Distinct models by skipping through the (model, created_at) index, never reading the whole table. */
    public static Query modelsQuery(int max) {
        return new Query("""
                WITH RECURSIVE m(model) AS (
                    SELECT min(model) FROM explanation
                    UNION ALL
                    SELECT (SELECT min(e.model) FROM explanation e WHERE e.model > m.model) FROM m WHERE m.model IS NOT NULL)
                SELECT model FROM m WHERE model IS NOT NULL LIMIT ?""", List.of(max));
    }

    // ---- running them

    @Override
    public Page list(ExplanationFilter f) {
        List<ExplanationSummary> rows = run(listQuery(f), rs -> {
            List<ExplanationSummary> out = new ArrayList<>();
            while (rs.next()) {
                out.add(summary(rs));
            }
            return out;
        });
        if (rows.size() > f.limit()) {
            List<ExplanationSummary> page = rows.subList(0, f.limit());
            return new Page(page, page.get(page.size() - 1).position());
        }
        return new Page(rows, null);
    }

    @Override
    public Optional<StoredExplanation> get(String explanationId) {
        List<StoredExplanation> found = run(new Query("SELECT " + COLUMNS + ", body::text FROM explanation WHERE id = ?",
                List.of(explanationId)), PostgresExplanationStore::stored);
        return found.stream().findFirst();
    }

    @Override
    public List<StoredExplanation> byInference(String inferenceId, int max) {
        return run(new Query("SELECT " + COLUMNS + ", body::text FROM explanation WHERE inference_id = ?"
                + " ORDER BY created_at DESC, id DESC LIMIT ?", List.of(inferenceId, max)), PostgresExplanationStore::stored);
    }

    @Override
    public ModelStats stats(String model, String explainer, Instant from, Instant to, int top) {
        List<ModelStats.PredicateCount> predicates = run(topQuery(model, explainer, from, to, top), rs -> {
            List<ModelStats.PredicateCount> out = new ArrayList<>();
            while (rs.next()) {
                out.add(new ModelStats.PredicateCount(rs.getString(1), rs.getLong(2)));
            }
            return out;
        });
        return run(statsQuery(model, explainer, from, to), rs -> {
            rs.next();
            long total = rs.getLong(1);
            long found = rs.getLong(2);
            return new ModelStats(model, explainer, from, to, total, found, rs.getLong(3), rs.getLong(4),
                    total == 0 ? null : (double) found / total, dbl(rs, 5), dbl(rs, 6), dbl(rs, 7), dbl(rs, 8),
                    dbl(rs, 9), dbl(rs, 10), rs.getLong(11), predicates);
        });
    }

    @Override
    public List<SeriesPoint> series(String model, String explainer, Instant from, Instant to, int buckets) {
        long width = MemoryExplanationStore.bucketMicros(from, to, buckets);
        SeriesPoint[] points = new SeriesPoint[buckets];
        run(seriesQuery(model, explainer, from, to, buckets), rs -> {
            while (rs.next()) {
                int b = rs.getInt(1);
                points[b] = new SeriesPoint(from.plusNanos(width * 1000 * b), rs.getLong(2), rs.getLong(3),
                        rs.getLong(4), dbl(rs, 5), dbl(rs, 6), dbl(rs, 7));
            }
            return null;
        });
        for (int b = 0; b < buckets; b++) {
            if (points[b] == null) {
                points[b] = new SeriesPoint(from.plusNanos(width * 1000 * b), 0, 0, 0, null, null, null);
            }
        }
        return Arrays.asList(points);
    }

    @Override
    public List<String> models(int max) {
        return run(modelsQuery(max), rs -> {
            List<String> out = new ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        });
    }

    // ---- plumbing

    private interface Reader<T> {
        T read(ResultSet rs) throws SQLException;
    }

    /** Runs one read-only statement with the store's timeout. Database failures surface as {@link StoreException}. */
    private <T> T run(Query q, Reader<T> reader) {
        try (Connection c = dataSource.getConnection()) {
            c.setReadOnly(true);
            try (PreparedStatement s = prepare(c, q)) {
                s.setQueryTimeout((int) Math.max(1, timeout.toSeconds()));
                try (ResultSet rs = s.executeQuery()) {
                    return reader.read(rs);
                }
            } finally {
                c.setReadOnly(false);
            }
        } catch (SQLException e) {
            throw new StoreException("explanation store (postgres): " + e.getMessage(), e);
        }
    }

    /** Prepares a query with its parameters bound (Instants as timestamptz, lists as text[]). */
    public static PreparedStatement prepare(Connection c, Query q) throws SQLException {
        PreparedStatement s = c.prepareStatement(q.sql());
        int i = 1;
        for (Object v : q.params()) {
            if (v instanceof Instant t) {
                s.setObject(i++, OffsetDateTime.ofInstant(t, ZoneOffset.UTC));
            } else if (v instanceof List<?> list) {
                Array a = c.createArrayOf("text", list.toArray());
                s.setArray(i++, a);
            } else if (v instanceof Integer n) {
                s.setInt(i++, n);
            } else if (v instanceof Long n) {
                s.setLong(i++, n);
            } else {
                s.setString(i++, (String) v);
            }
        }
        return s;
    }

    private static List<StoredExplanation> stored(ResultSet rs) throws SQLException {
        List<StoredExplanation> out = new ArrayList<>();
        while (rs.next()) {
            String body = rs.getString(19);
            out.add(new StoredExplanation(summary(rs), body.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        return out;
    }

    private static ExplanationSummary summary(ResultSet rs) throws SQLException {
        Array anchor = rs.getArray(8);
        List<String> predicates = anchor == null ? List.of() : Arrays.asList((String[]) anchor.getArray());
        Map<String, Long> timings;
        try {
            String t = rs.getString(14);
            timings = t == null ? Map.of() : JSON.readValue(t, TIMINGS);
        } catch (IOException e) {
            timings = Map.of();
        }
        Object mismatch = rs.getObject(11);
        return new ExplanationSummary(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                rs.getString(5), Outcome.parse(rs.getString(6)), rs.getString(7), predicates, dbl(rs, 9), dbl(rs, 10),
                (Boolean) mismatch, rs.getString(12), rs.getString(13), lng(rs, 15), lng(rs, 16), lng(rs, 17), timings,
                rs.getObject(18, OffsetDateTime.class).toInstant());
    }

    private static Double dbl(ResultSet rs, int i) throws SQLException {
        double v = rs.getDouble(i);
        return rs.wasNull() ? null : v;
    }

    private static Long lng(ResultSet rs, int i) throws SQLException {
        long v = rs.getLong(i);
        return rs.wasNull() ? null : v;
    }
}
