package dev.anchorwatch.bench;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;

import org.flywaydb.core.Flyway;

import dev.anchorwatch.publish.ExplanationRecord;
import dev.anchorwatch.testsupport.LoopbackPostgres;
import dev.anchorwatch.viewer.ExplanationFilter;
import dev.anchorwatch.viewer.ExplanationStore;
import dev.anchorwatch.viewer.MemoryExplanationStore;
import dev.anchorwatch.viewer.Outcome;
import dev.anchorwatch.viewer.PostgresExplanationStore;

/**
 * How fast the viewer's queries answer: the in-memory store filled to its default 32 MiB with Adult-sized
 * explanations, and a real PostgreSQL with {@code --rows} explanations (default 200,000) over 60 days and 50
 * models. Prints the median and 95th percentile of each query over {@code --passes} runs.
 */
final class ViewerBenchmark {
    private ViewerBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rows = 200_000;
        int passes = 50;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rows" -> rows = Integer.parseInt(args[++i]);
                case "--passes" -> passes = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Instant now = Instant.parse("2026-12-01T00:00:00Z");
        MemoryExplanationStore memory = new MemoryExplanationStore(32L << 20, null);
        String body = adultBody();
        long t0 = System.nanoTime();
        int published = 0;
        for (int i = 0; memory.size() == i; i++) { // until the first eviction
            memory.publish(record(i, now, body));
            published++;
        }
        System.out.printf("memory store: %d explanations of %d bytes of JSON kept in %d estimated bytes (%.1f s to fill)%n",
                memory.size(), body.length(), memory.bytes(), (System.nanoTime() - t0) / 1e9);
        run("memory", memory, now, passes);

        try (LoopbackPostgres pg = LoopbackPostgres.start()) {
            Flyway.configure().dataSource(pg.dataSource()).locations("classpath:db/migration").load().migrate();
            long t1 = System.nanoTime();
            try (Connection c = pg.dataSource().getConnection(); Statement s = c.createStatement()) {
                s.execute("INSERT INTO explanation (id, inference_id, model, namespace, explainer, type, reason, anchor,"
                        + " precision, coverage, served_prediction, explained_prediction, prediction_mismatch, timings,"
                        + " created_at, body) SELECT 'gen-' || g, 'inf-' || g, 'model-' || (g % 50), 'default',"
                        + " 'AnchorTabular', CASE WHEN g % 20 = 0 THEN 'dev.anchorwatch.explanation.failed' ELSE"
                        + " 'dev.anchorwatch.explanation' END, CASE WHEN g % 20 = 0 THEN 'predictor down' END,"
                        + " CASE WHEN g % 20 = 0 THEN '{}'::text[] ELSE ARRAY['Feature ' || (g % 97) || ' = x',"
                        + " 'Age <= ' || (g % 13)] END, 0.95, 0.1, '0', '0', g % 50 = 1,"
                        + " jsonb_build_object('explain', 100 + g % 900, 'predictor_calls', 10 + g % 7, 'predictor_rows', 1000 + g % 2000),"
                        + " TIMESTAMPTZ '2026-12-01 00:00:00+00' - ((g::bigint * 5184000 / " + rows + ") || ' seconds')::interval,"
                        + " (CASE WHEN g % 20 = 0 THEN '{\"error\": {}}' ELSE '" + body.replace("'", "''") + "' END)::jsonb"
                        + " FROM generate_series(1, " + rows + ") g");
                s.execute("ANALYZE explanation");
            }
            System.out.printf("postgres: %d explanations over 60 days, 50 models (%.1f s to load)%n", rows,
                    (System.nanoTime() - t1) / 1e9);
            PostgresExplanationStore store = new PostgresExplanationStore(pg.dataSource(), Duration.ofSeconds(30));
            run("postgres", store, now, passes);
            // lists across every model that few or no rows match, with V13's indexes and without them
            crossModel("postgres", store, passes);
            try (Connection c = pg.dataSource().getConnection(); Statement s = c.createStatement()) {
                s.execute("DROP INDEX explanation_outcome_created_at_id; DROP INDEX explanation_explainer_created_at_id;"
                        + " DROP INDEX explanation_mismatch_created_at_id; ANALYZE explanation");
            }
            crossModel("pg-noV13", store, passes);
        }
    }

    private static void crossModel(String name, ExplanationStore store, int passes) {
        time(name, "list, failures of every model", passes, () -> store.list(filter(null, Outcome.FAILED, List.of())));
        time(name, "list, not found (none) of every model", passes,
                () -> store.list(filter(null, Outcome.NOT_FOUND, List.of())));
        time(name, "list, mismatches of every model", passes, () -> store.list(
                new ExplanationFilter(null, null, null, null, null, null, true, List.of(), 50, null)));
        time(name, "list, explainer AnchorText (none)", passes, () -> store.list(
                new ExplanationFilter(null, "AnchorText", null, null, null, null, null, List.of(), 50, null)));
    }

    private static void run(String name, ExplanationStore store, Instant now, int passes) {
        Instant weekAgo = now.minus(Duration.ofDays(7));
        String model = "model-7";
        time(name, "list, newest 50", passes, () -> store.list(filter(null, null, List.of())));
        time(name, "list, one model", passes, () -> store.list(filter(model, null, List.of())));
        time(name, "list, failures of one model", passes, () -> store.list(filter(model, Outcome.FAILED, List.of())));
        time(name, "list, anchors with 2 predicates", passes,
                () -> store.list(filter(null, null, List.of("Feature 5 = x", "Age <= 5"))));
        time(name, "stats, one model, 7 days", passes, () -> store.stats(model, null, weekAgo, now, 10));
        time(name, "series, one model, 14 days x 28", passes,
                () -> store.series(model, null, now.minus(Duration.ofDays(14)), now, 28));
    }

    private static ExplanationFilter filter(String model, Outcome outcome, List<String> predicates) {
        return new ExplanationFilter(model, null, null, null, null, outcome, null, predicates, 50, null);
    }

    private static void time(String store, String query, int passes, Supplier<?> q) {
        for (int i = 0; i < 5; i++) {
            q.get();
        }
        double[] ms = new double[passes];
        for (int i = 0; i < passes; i++) {
            long t = System.nanoTime();
            q.get();
            ms[i] = (System.nanoTime() - t) / 1e6;
        }
        System.out.printf("  %-9s %-38s median %8.2f ms   p95 %8.2f ms%n", store, query, Stats.median(ms),
                Stats.quantile(ms, 0.95));
    }

    private static ExplanationRecord record(int i, Instant now, String body) {
        ExplanationRecord.Builder b = ExplanationRecord.builder().explanationId("exp-" + i).inferenceId("inf-" + i)
                .model("model-" + (i % 50)).namespace("default").explainer("AnchorTabular")
                .createdAt(now.minusSeconds(i * 10L)).timing("explain", 100 + i % 900)
                .timing("predictor_calls", 10 + i % 7).timing("predictor_rows", 1000 + i % 2000);
        if (i % 20 == 0) {
            return b.failed("predictor down").build();
        }
        return b.anchor(List.of("Feature " + (i % 97) + " = x", "Age <= " + (i % 13))).precision(0.95).coverage(0.1)
                .servedPrediction("0").explainedPrediction(i % 50 == 1 ? "1" : "0").explanation(body).build();
    }

    /** An explanation the size of a real Adult one (two steps, ten examples each). */
    private static String adultBody() {
        StringBuilder rows = new StringBuilder();
        for (int r = 0; r < 10; r++) {
            rows.append(r == 0 ? "" : ",").append("[47.0,4.0,4.0,2.0,7.0,0.0,4.0,1.0,0.0,0.0,47.0,9.0]");
        }
        String examples = "{\"covered_true\":[" + rows + "],\"covered_false\":[" + rows
                + "],\"uncovered_true\":[],\"uncovered_false\":[]}";
        return "{\"meta\":{\"name\":\"AnchorTabular\",\"type\":[\"blackbox\"],\"explanations\":[\"local\"],"
                + "\"params\":{\"seed\":1,\"threshold\":0.95},\"version\":\"anchorwatch-0.1.0\"},\"data\":{\"anchor\":"
                + "[\"Marital Status = Separated\",\"Sex = Female\"],\"precision\":0.95,\"coverage\":0.1,\"raw\":{"
                + "\"feature\":[3,7],\"mean\":[0.88,0.95],\"precision\":[0.88,0.95],\"coverage\":[0.18,0.1],"
                + "\"examples\":[" + examples + "," + examples + "],\"all_precision\":0,\"num_preds\":1000000,"
                + "\"success\":true,\"names\":[\"Marital Status = Separated\",\"Sex = Female\"],\"prediction\":[0],"
                + "\"instance\":[52.0,4.0,0.0,2.0,8.0,4.0,2.0,0.0,0.0,0.0,60.0,9.0],\"predictor_calls\":13,"
                + "\"predictor_rows\":2301,\"samples\":2300,\"search_rounds\":12,\"stop_reason\":\"found\","
                + "\"elapsed_ms\":1698}}}";
    }
}
