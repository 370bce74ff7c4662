package dev.anchorwatch.api;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;

import org.jboss.logging.Logger;

import dev.anchorwatch.explain.ExplainException;
import dev.anchorwatch.explain.ExplanationService;
import dev.anchorwatch.explain.InferenceRequests;
import dev.anchorwatch.explain.ModelExplainer;
import dev.anchorwatch.explain.Seeds;
import dev.anchorwatch.ingest.Admission;
import dev.anchorwatch.ingest.BodyReader;
import dev.anchorwatch.ingest.InferenceEventDecoder;
import dev.anchorwatch.ingest.IngestConfig;
import dev.anchorwatch.ingest.IngestMetrics;
import io.smallrye.common.annotation.Blocking;
import org.jboss.logging.Logger;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** KServe's synchronous explain endpoint (V1 protocol), a drop-in for the Alibi explainer KServe removed. */
@Path("/v1/models")
@Produces(MediaType.APPLICATION_JSON)
public class ExplainResource {
    private static final Logger LOG = Logger.getLogger(ExplainResource.class);

    @Inject
    ExplanationService service;

    @Inject
    ObjectMapper mapper;

    @Inject
    Admission admission;

    @Inject
    IngestConfig ingestConfig;

    @Inject
    IngestMetrics metrics;

    /**
     * The body arrives as a stream on a worker thread ({@code @Blocking}): it is read and parsed only once the
     * request holds an admission ticket (the same budget as the event ingress), never on the event loop. The
     * request's instances are then admitted together by the explanation service, or refused together.
     */
    @POST
    @Path("{name}:explain")
    @Consumes(MediaType.WILDCARD)
    @Blocking
    public CompletionStage<Response> explain(@PathParam("name") String name,
                                             @jakarta.ws.rs.QueryParam("instances") String mode,
                                             @jakarta.ws.rs.QueryParam("explainer") String which,
                                             @Context HttpHeaders headers, InputStream stream) {
        long start = System.nanoTime();
        // the explainer of that name, or the model's only one; ?explainer= (a name or a type) picks among several
        ModelExplainer explainer = service.registry().require(name, which);
        boolean firstOnly = firstOnly(mode);
        String declaredText = headers.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        long declared = -1;
        try {
            declared = declaredText == null ? -1 : Long.parseLong(declaredText.trim());
        } catch (NumberFormatException e) {
            // treated as chunked
        }
        Admission.Ticket ticket;
        try {
            ticket = admission.admit("explain", declared);
        } catch (Admission.Refused r) {
            throw refused(r);
        }
        CompletableFuture<List<ModelExplainer.Explained>> explained;
        List<JsonNode> instances;
        try {
            byte[] body = BodyReader.read(stream, declared, ingestConfig.maxBodyBytes(), ticket::charge);
            ticket.charge((long) InferenceEventDecoder.PARSE_COST_FACTOR * body.length);
            List<JsonNode> all = instances(body);
            // KServe's Alibi explainer explained the first instance only and answered one object: ?instances=first
            instances = firstOnly && !all.isEmpty() ? all.subList(0, 1) : all;
            ticket.endDecode();
            ticket.shrinkTo(body.length);
            // no inference id here: the seed comes from the spec, or from the explainer and the instance itself,
            // so that the same request always gets the same explanation, however the explainer was addressed
            String seedName = explainer.spec().name();
            List<String> columns = explainer.spec().data() == null ? null : explainer.spec().data().featureNames();
            explained = service.explainAll(explainer, instances, i -> explainer.spec().seed()
                    .orElseGet(() -> Seeds.derive(seedName, seedText(instances.get(i), columns))));
        } catch (Admission.Refused r) {
            ticket.close();
            throw refused(r);
        } catch (BodyReader.TooLarge e) {
            ticket.close();
            metrics.rejected("explain", "too_large");
            LOG.warnf(":explain %s refused with 413: %s", name, e.getMessage());
            throw new ExplainException(ExplainException.Kind.TOO_LARGE, e.getMessage());
        } catch (IOException e) {
            ticket.close();
            throw new ExplainException(ExplainException.Kind.BAD_INPUT, "the body could not be read: " + e.getMessage());
        } catch (ExplainException e) {
            ticket.close();
            if (e.kind() == ExplainException.Kind.BUSY) {
                metrics.rejected("explain", "busy");
            } else if (e.kind() == ExplainException.Kind.TOO_LARGE) {
                metrics.rejected("explain", "too_many_instances");
            }
            throw e;
        } catch (RuntimeException e) {
            ticket.close();
            throw e;
        }
        return explained.whenComplete((r, e) -> ticket.close())
                .whenComplete((results, error) -> log(name, instances.size(), results, error, start))
                .thenApply(results -> {
                    if (results.size() == 1) {
                        return Response.ok(results.get(0).json()).build();
                    }
                    ArrayNode list = mapper.createArrayNode();
                    results.forEach(r -> list.add(r.json()));
                    return Response.ok(list).build();
                });
    }

    /** {@code ?instances=all} (default: every instance, a list when several) or {@code first} (KServe's old behaviour). */
    private static boolean firstOnly(String mode) {
        if (mode == null || mode.isEmpty() || mode.equals("all")) {
            return false;
        }
        if (mode.equals("first")) {
            return true;
        }
        throw new ExplainException(ExplainException.Kind.BAD_INPUT,
                "query parameter instances must be all (explain every instance) or first (the first only, as KServe's "
                        + "Alibi explainer did), got '" + (mode.length() > 40 ? mode.substring(0, 40) + "..." : mode) + "'");
    }

    /** Exactly one INFO line per explanation (here: per instance), never the instance itself. */
    private static void log(String model, int instances, List<ModelExplainer.Explained> results, Throwable error, long start) {
        long totalMs = (System.nanoTime() - start) / 1_000_000;
        if (error != null) {
            Throwable cause = ExplanationService.cause(error);
            LOG.infof("explanation model=%s inference=- outcome=failed instances=%d total_ms=%d error=%s", model,
                    instances, totalMs, cause instanceof ExplainException e ? e.kind() : cause.getClass().getSimpleName());
            return;
        }
        for (int i = 0; i < results.size(); i++) {
            ModelExplainer.Explained r = results.get(i);
            LOG.infof("explanation model=%s inference=- instance=%d outcome=%s explain_ms=%d predictor_calls=%d "
                    + "predictor_rows=%d sent_rows=%d total_ms=%d", model, i, r.success() ? "found" : "not_found",
                    r.elapsedMillis(), r.predictorCalls(), r.predictorRows(), r.sentRows(), totalMs);
        }
    }

    /** KServe answers a GET on :explain with 405; so does this, as JSON like every other error. */
    @GET
    @Path("{name}:explain")
    public Response explainGet(@PathParam("name") String name) {
        return Response.status(405).header("Allow", "POST").entity(mapper.createObjectNode()
                .put("error", "use POST with {\"instances\": [...]} to explain with model '" + name + "'")).build();
    }

    @GET
    @Path("{name}")
    public Response model(@PathParam("name") String name, @QueryParam("explainer") String which) {
        ModelExplainer explainer = service.registry().require(name, which);
        var node = mapper.createObjectNode().put("name", name).put("ready", true)
                .put("explainer", explainer.spec().type().label());
        ArrayNode all = node.putArray("explainers");
        java.util.LinkedHashSet<ModelExplainer> related = new java.util.LinkedHashSet<>();
        related.add(explainer);
        related.addAll(service.registry().forModel(explainer.spec().model()));
        related.forEach(e -> all.addObject().put("name", e.spec().name()).put("model", e.spec().model())
                .put("type", e.spec().type().label()));
        return Response.ok(node).build();
    }

    @GET
    public Response models() {
        ArrayNode names = mapper.createArrayNode();
        service.registry().names().forEach(names::add);
        ArrayNode explainers = mapper.createArrayNode();
        service.registry().all().forEach(e -> explainers.addObject().put("name", e.spec().name())
                .put("model", e.spec().model()).put("type", e.spec().type().label()));
        return Response.ok(mapper.createObjectNode().<com.fasterxml.jackson.databind.node.ObjectNode>set("models", names)
                .set("explainers", explainers)).build();
    }

    private ExplainException refused(Admission.Refused r) {
        metrics.rejected("explain", r.reason().tag());
        return new ExplainException(r.permanent() ? ExplainException.Kind.TOO_LARGE : ExplainException.Kind.BUSY,
                r.getMessage());
    }

    private List<JsonNode> instances(byte[] body) {
        if (body == null || body.length == 0) {
            throw new ExplainException(ExplainException.Kind.BAD_INPUT,
                    "empty body; expected {\"instances\": [...]}");
        }
        JsonNode root;
        try {
            root = mapper.readTree(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ExplainException(ExplainException.Kind.BAD_INPUT, "body is not valid JSON: "
                    + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ExplainException(ExplainException.Kind.BAD_INPUT, "body cannot be read: " + e.getMessage());
        }
        // {"instances": [...]}, or {"inputs": [...]} (KServe's V1 server reads either; V2 tensors are read too)
        return InferenceRequests.instances(root);
    }

    /**
     * The text an instance's seed derives from: the instance as sent, except that a V1 record ({@code {"Age": 52,
     * ...}}) counts as its values in the spec's column order, so that the same row gets the same explanation whatever
     * the order of its keys, and a record of codes the same as the list {@code [52, ...]}.
     */
    static String seedText(JsonNode instance, List<String> columns) {
        if (instance == null || !instance.isObject() || columns == null || columns.size() != instance.size()) {
            return String.valueOf(instance);
        }
        com.fasterxml.jackson.databind.node.ArrayNode row = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
                .arrayNode(columns.size());
        for (String c : columns) {
            JsonNode v = instance.get(c);
            if (v == null) {
                return instance.toString(); // not a record of these columns: refused when parsed
            }
            row.add(v);
        }
        return row.toString();
    }
}
