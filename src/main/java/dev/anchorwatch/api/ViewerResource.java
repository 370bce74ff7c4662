package dev.anchorwatch.api;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;

import jakarta.inject.Inject;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.anchorwatch.explain.ExplainerRegistry;
import dev.anchorwatch.explain.ModelExplainer;
import dev.anchorwatch.viewer.Cursor;
import dev.anchorwatch.viewer.ExplanationFilter;
import dev.anchorwatch.viewer.ExplanationStore;
import dev.anchorwatch.viewer.ExplanationSummary;
import dev.anchorwatch.viewer.ExplanationViews;
import dev.anchorwatch.viewer.ModelStats;
import dev.anchorwatch.viewer.Outcome;
import dev.anchorwatch.viewer.Page;
import dev.anchorwatch.viewer.SeriesPoint;
import dev.anchorwatch.viewer.StoreException;
import dev.anchorwatch.viewer.StoredExplanation;
import dev.anchorwatch.viewer.ViewerConfig;
import dev.anchorwatch.viewer.ViewerLimits;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.common.annotation.Blocking;

/**
 * The explanation query API (read-only JSON, see docs/api.md) that the viewer's pages at {@code /ui} use. Every
 * answer is bounded: page sizes, window lengths, bucket and predicate counts are capped by {@link ViewerLimits};
 * bad parameters answer 400 naming the parameter; a store that cannot answer, 503 with Retry-After.
 */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class ViewerResource {
    private static final Logger LOG = Logger.getLogger(ViewerResource.class);
    static final int MAX_TEXT = 1000;
    static final int MAX_PREDICATES = 10;
    static final int MAX_PER_INFERENCE = 20;
    static final Duration DEFAULT_WINDOW = Duration.ofDays(7);
    static final int DEFAULT_BUCKETS = 24;
    static final int DEFAULT_TOP = 10;

    @Inject
    ExplanationStore store;

    @Inject
    ExplainerRegistry registry;

    @Inject
    ViewerConfig config;

    @Inject
    ObjectMapper mapper;

    @Inject
    MeterRegistry meters;

    @Inject
    Tracing tracing;

    @GET
    @Path("/explanations")
    public ObjectNode list(@QueryParam("model") String model, @QueryParam("explainer") String explainer,
                           @QueryParam("inference_id") String inferenceId, @QueryParam("from") String from,
                           @QueryParam("to") String to, @QueryParam("outcome") String outcome,
                           @QueryParam("mismatch") String mismatch, @QueryParam("predicate") List<String> predicates,
                           @QueryParam("limit") Integer limit, @QueryParam("cursor") String cursor) {
        return timed("list", () -> {
            ViewerLimits limits = config.limits();
            int size = count("limit", limit, limits.defaultPageSize(), limits.maxPageSize());
            List<String> preds = new ArrayList<>();
            for (String p : predicates == null ? List.<String>of() : predicates) {
                if (p != null && !p.isBlank()) {
                    preds.add(text("predicate", p));
                }
            }
            if (preds.size() > MAX_PREDICATES) {
                throw new BadRequestException("at most " + MAX_PREDICATES + " predicate parameters");
            }
            ExplanationFilter filter;
            try {
                filter = new ExplanationFilter(text("model", model), text("explainer", explainer),
                        text("inference_id", inferenceId), instant("from", from), instant("to", to),
                        blank(outcome) ? null : Outcome.parse(outcome), bool("mismatch", mismatch), preds, size,
                        blank(cursor) ? null : Cursor.decode(cursor));
            } catch (IllegalArgumentException e) {
                throw new BadRequestException(e.getMessage());
            }
            Page page = store.list(filter);
            ObjectNode out = mapper.createObjectNode();
            ArrayNode items = out.putArray("items");
            page.items().forEach(s -> items.add(summary(s)));
            out.put("next_cursor", page.next() == null ? null : page.next().encode());
            return withStore(out);
        });
    }

    @GET
    @Path("/explanations/{id}")
    public ObjectNode one(@PathParam("id") String id) {
        return timed("get", () -> {
            StoredExplanation e = store.get(text("id", id))
                    .orElseThrow(() -> new NotFoundException("no explanation with id '" + id + "'"));
            return detail(e);
        });
    }

    @GET
    @Path("/inferences/{inferenceId}")
    public ObjectNode byInference(@PathParam("inferenceId") String inferenceId) {
        return timed("inference", () -> {
            List<StoredExplanation> found = store.byInference(text("inference_id", inferenceId), MAX_PER_INFERENCE);
            if (found.isEmpty()) {
                throw new NotFoundException("no explanation of inference '" + inferenceId + "'");
            }
            ObjectNode out = mapper.createObjectNode();
            out.put("inference_id", inferenceId);
            ArrayNode list = out.putArray("explanations");
            found.forEach(e -> list.add(detail(e)));
            return out;
        });
    }

    @GET
    @Path("/models")
    public ObjectNode models() {
        return timed("models", () -> {
            // models, not explainer names: an explainer "adult-shap" of model "adult" lists under "adult"
            Map<String, ObjectNode> byName = new TreeMap<>();
            for (ModelExplainer x : registry.all()) {
                byName.computeIfAbsent(x.spec().model(), name -> {
                    ObjectNode m = mapper.createObjectNode().put("name", name).put("registered", true);
                    List<ModelExplainer> each = registry.forModel(name);
                    m.put("explainer", each.get(0).spec().type().label());
                    ArrayNode explainers = m.putArray("explainers");
                    each.forEach(e -> explainers.addObject().put("name", e.spec().name())
                            .put("type", e.spec().type().label()));
                    return m;
                });
            }
            for (String name : store.models(1000)) {
                byName.computeIfAbsent(name, n -> mapper.createObjectNode().put("name", n).put("registered", false));
            }
            ObjectNode out = mapper.createObjectNode();
            ArrayNode list = out.putArray("models");
            byName.values().forEach(list::add);
            return withStore(out);
        });
    }

    @GET
    @Path("/models/{model}/stats")
    public ObjectNode stats(@PathParam("model") String model, @QueryParam("explainer") String explainer,
                            @QueryParam("from") String from, @QueryParam("to") String to,
                            @QueryParam("top") Integer top) {
        return timed("stats", () -> {
            ModelWindow w = modelWindow(model, explainer, from, to);
            int n = count("top", top, DEFAULT_TOP, config.maxTop());
            ModelStats s = store.stats(w.model(), w.explainer(), w.from(), w.to(), n);
            ObjectNode out = mapper.createObjectNode();
            out.put("model", s.model());
            out.put("explainer", s.explainer());
            out.put("from", s.from().toString());
            out.put("to", s.to().toString());
            out.put("total", s.total());
            out.put("found", s.found());
            out.put("not_found", s.notFound());
            out.put("failed", s.failed());
            out.put("success_rate", s.successRate());
            out.put("median_precision", s.medianPrecision());
            out.put("median_coverage", s.medianCoverage());
            ObjectNode latency = out.putObject("latency_ms");
            latency.put("median", s.medianLatencyMs());
            latency.put("p95", s.p95LatencyMs());
            ObjectNode cost = out.putObject("predictor");
            cost.put("mean_calls", s.meanPredictorCalls());
            cost.put("mean_rows", s.meanPredictorRows());
            cost.put("total_rows", s.totalPredictorRows());
            ArrayNode preds = out.putArray("top_predicates");
            long explained = s.found() + s.notFound();
            for (ModelStats.PredicateCount p : s.topPredicates()) {
                preds.addObject().put("predicate", p.predicate()).put("count", p.count())
                        .put("share", explained == 0 ? 0.0 : (double) p.count() / explained);
            }
            return withStore(out);
        });
    }

    @GET
    @Path("/models/{model}/series")
    public ObjectNode series(@PathParam("model") String model, @QueryParam("explainer") String explainer,
                             @QueryParam("from") String from, @QueryParam("to") String to,
                             @QueryParam("buckets") Integer buckets) {
        return timed("series", () -> {
            ModelWindow w = modelWindow(model, explainer, from, to);
            int n = count("buckets", buckets, DEFAULT_BUCKETS, config.maxBuckets());
            List<SeriesPoint> points = store.series(w.model(), w.explainer(), w.from(), w.to(), n);
            ObjectNode out = mapper.createObjectNode();
            out.put("model", model);
            out.put("from", w.from().toString());
            out.put("to", w.to().toString());
            out.put("bucket_seconds", Duration.between(w.from(), w.to()).toMillis() / 1000.0 / n);
            ArrayNode list = out.putArray("points");
            for (SeriesPoint p : points) {
                list.addObject().put("start", p.start().toString()).put("total", p.total()).put("found", p.found())
                        .put("failed", p.failed()).put("success_rate", p.successRate())
                        .put("median_latency_ms", p.medianLatencyMs()).put("mean_predictor_calls", p.meanPredictorCalls())
                        .put("mean_predictor_rows", p.meanPredictorRows());
            }
            return withStore(out);
        });
    }

    // ---- errors: the store could not answer

    @ServerExceptionMapper
    public Response storeDown(StoreException e) {
        LOG.warnf("viewer query failed: %s", e.getMessage());
        return Response.status(503).header("Retry-After", "5").type(MediaType.APPLICATION_JSON)
                .entity(mapper.createObjectNode().put("error", "explanation store unavailable: " + e.getMessage()))
                .build();
    }

    // ---- helpers

    /** Times one query under {@code anchorwatch.viewer.queries{endpoint, outcome}} and logs it at DEBUG. */
    private ObjectNode timed(String endpoint, Supplier<ObjectNode> query) {
        long start = System.nanoTime();
        String outcome = "ok";
        // a child of the request's server span: the store's share of a slow page shows in the trace
        io.opentelemetry.api.trace.Span span = tracing.child("viewer.query", io.opentelemetry.api.trace.SpanKind.INTERNAL);
        span.setAttribute("anchorwatch.viewer.endpoint", endpoint);
        span.setAttribute("anchorwatch.viewer.store", store.kind());
        try {
            return query.get();
        } catch (WebApplicationException e) {
            outcome = e.getResponse().getStatus() == 404 ? "not_found" : "bad_request";
            throw e;
        } catch (RuntimeException e) {
            outcome = "error";
            Tracing.failed(span, e);
            throw e;
        } finally {
            span.setAttribute("anchorwatch.viewer.outcome", outcome);
            span.end();
            long nanos = System.nanoTime() - start;
            Timer.builder("anchorwatch.viewer.queries").tag("endpoint", endpoint).tag("outcome", outcome)
                    .tag("store", store.kind()).description("explanation viewer queries").register(meters)
                    .record(Duration.ofNanos(nanos));
            LOG.debugf("viewer %s (%s store): %s in %.1f ms", endpoint, store.kind(), outcome, nanos / 1e6);
        }
    }

    /** An answer that lists explanations also says which store they came from. */
    private ObjectNode withStore(ObjectNode out) {
        out.put("store", store.kind());
        return out;
    }

    /** What a statistics or series query is about: a model (and explainer) over a window of time. */
    private record ModelWindow(String model, String explainer, Instant from, Instant to) {
    }

    /** Checks the window (default: the last 7 days, at most max-window), then the model and explainer text. */
    private ModelWindow modelWindow(String model, String explainer, String from, String to) {
        Instant end = blank(to) ? Instant.now() : instant("to", to);
        Instant start = blank(from) ? end.minus(DEFAULT_WINDOW) : instant("from", from);
        if (!start.isBefore(end)) {
            throw new BadRequestException("'from' must be before 'to'");
        }
        if (Duration.between(start, end).compareTo(config.maxWindow()) > 0) {
            throw new BadRequestException("the window from 'from' to 'to' may be at most " + config.maxWindow()
                    .toDays() + " days (anchorwatch.viewer.max-window)");
        }
        return new ModelWindow(text("model", model), text("explainer", explainer), start, end);
    }

    /** A count parameter: {@code fallback} (at most {@code max}) when absent, else between 1 and {@code max}. */
    private static int count(String name, Integer value, int fallback, int max) {
        int n = value == null ? Math.min(fallback, max) : value;
        if (n < 1 || n > max) {
            throw new BadRequestException(name + " must be between 1 and " + max);
        }
        return n;
    }

    private ObjectNode detail(StoredExplanation e) {
        ObjectNode out = summary(e.summary());
        Optional<ModelExplainer> model = explainerOf(registry, e.summary().model(), e.summary().explainer());
        JsonNode body;
        try {
            body = mapper.readTree(e.body());
        } catch (IOException ex) {
            body = mapper.getNodeFactory().textNode(e.bodyAsString());
        }
        out.set("view", ExplanationViews.view(e, model));
        out.set("explanation", body);
        return out;
    }

    /**
     * The registered explainer that made an explanation, for its spec's feature names, categories and classes: the
     * model's explainer of that type (the one named as the model first), else the explainer named as the model.
     */
    static Optional<ModelExplainer> explainerOf(ExplainerRegistry registry, String model, String type) {
        return registry.forModel(model).stream().filter(x -> x.spec().type().label().equals(type)).findFirst()
                .or(() -> registry.find(model));
    }

    private ObjectNode summary(ExplanationSummary s) {
        ObjectNode o = mapper.createObjectNode();
        o.put("id", s.id());
        o.put("inference_id", s.inferenceId());
        o.put("model", s.model());
        o.put("namespace", s.namespace());
        o.put("explainer", s.explainer());
        o.put("outcome", s.outcome().label());
        o.put("reason", s.reason());
        ArrayNode anchor = o.putArray("anchor");
        s.anchor().forEach(anchor::add);
        o.put("precision", s.precision());
        o.put("coverage", s.coverage());
        o.put("prediction_mismatch", s.mismatch());
        o.set("served_prediction", json(s.servedPrediction()));
        o.set("explained_prediction", json(s.explainedPrediction()));
        o.put("latency_ms", s.latencyMs());
        o.put("predictor_calls", s.predictorCalls());
        o.put("predictor_rows", s.predictorRows());
        ObjectNode timings = o.putObject("timings");
        s.timingsMs().forEach(timings::put);
        o.put("created_at", s.createdAt().toString());
        return o;
    }

    private JsonNode json(String text) {
        if (text == null) {
            return mapper.getNodeFactory().nullNode();
        }
        try {
            return mapper.readTree(text);
        } catch (IOException e) {
            return mapper.getNodeFactory().textNode(text);
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static String text(String name, String value) {
        if (blank(value)) {
            return null;
        }
        if (value.length() > MAX_TEXT) {
            throw new BadRequestException(name + " is longer than " + MAX_TEXT + " characters");
        }
        return value;
    }

    private static Instant instant(String name, String value) {
        if (blank(value)) {
            return null;
        }
        try {
            return Instant.parse(value.trim());
        } catch (DateTimeParseException e) {
            throw new BadRequestException(name + " must be an ISO-8601 instant such as 2026-11-25T12:00:00Z, not '"
                    + (value.length() > 64 ? value.substring(0, 64) + "..." : value) + "'");
        }
    }

    private static Boolean bool(String name, String value) {
        if (blank(value)) {
            return null;
        }
        return switch (value.trim()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new BadRequestException(name + " must be true or false");
        };
    }
}
