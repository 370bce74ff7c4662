package dev.anchorwatch.viewer;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import dev.anchorwatch.publish.ExplanationRecord;

/** Deterministic records for the store tests: several models, outcomes, anchors, predictions and times. */
final class ViewerRecords {

    static final Instant T0 = Instant.parse("2026-11-20T00:00:00Z");

    private ViewerRecords() {
    }

    static String body(List<String> anchor, double precision, double coverage, boolean success) {
        StringBuilder a = new StringBuilder();
        for (String p : anchor) {
            a.append(a.length() == 0 ? "" : ",").append('"').append(p.replace("\"", "\\\"")).append('"');
        }
        return "{\"meta\": {\"name\": \"AnchorTabular\"}, \"data\": {\"anchor\": [" + a + "], \"precision\": " + precision
                + ", \"coverage\": " + coverage + ", \"raw\": {\"success\": " + success + ", \"feature\": [],"
                + " \"instance\": [1, 2]}}}";
    }

    /** 60 records, one every 2 hours and 7 minutes from T0; every 7th failed, every 5th not found. */
    static List<ExplanationRecord> sample() {
        List<ExplanationRecord> out = new ArrayList<>();
        String[][] anchors = {{"Sex = Female"}, {"Age <= 28", "Sex = Female"}, {"Marital Status = Never-Married"},
                {"Age <= 28"}, {"<b>odd \"name\"</b> = 'x'"}};
        for (int i = 0; i < 60; i++) {
            String model = i % 3 == 0 ? "income" : i % 3 == 1 ? "adult" : "movie";
            Instant at = T0.plus(Duration.ofMinutes(127L * i));
            ExplanationRecord.Builder b = ExplanationRecord.builder().explanationId("exp-" + (100 + i))
                    .inferenceId("inf-" + i).model(model).namespace("default")
                    .explainer(model.equals("movie") ? "AnchorText" : "AnchorTabular").createdAt(at)
                    .timing("explain", 100 + 37L * (i % 11)).timing("predictor_calls", 5 + i % 4)
                    .timing("predictor_rows", 500 + 100L * (i % 9));
            if (i % 7 == 0) {
                b.failed("predictor answered 500");
            } else {
                List<String> anchor = List.of(anchors[i % anchors.length]);
                double precision = 0.9 + (i % 10) / 100.0;
                double coverage = 0.05 + (i % 6) / 50.0;
                boolean success = i % 5 != 0;
                b.anchor(anchor).precision(precision).coverage(coverage)
                        .explanation(body(anchor, precision, coverage, success)).explainedPrediction("0");
            }
            if (i % 4 == 1) {
                b.servedPrediction(i % 8 == 1 ? "1" : "0"); // some disagree, some agree, the rest unknown
            }
            out.add(b.build());
        }
        return out;
    }
}
