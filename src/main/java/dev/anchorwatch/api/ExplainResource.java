package dev.anchorwatch.api;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;

import dev.anchorwatch.explain.ExplainException;
import dev.anchorwatch.explain.ExplanationService;
import dev.anchorwatch.explain.ModelExplainer;
import dev.anchorwatch.explain.Seeds;
import org.jboss.logging.Logger;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
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
    ServiceMetrics metrics;

    @POST
    @Path("{name}:explain")
    @Consumes(MediaType.WILDCARD)
    public CompletionStage<Response> explain(@PathParam("name") String name, byte[] body) {
        long start = System.nanoTime();
        ModelExplainer explainer = service.registry().require(name);
        List<JsonNode> instances = instances(body);
        // no inference id here: the seed comes from the spec, or from the model and the instance itself,
        // so that the same request always gets the same explanation
        CompletionStage<List<ModelExplainer.Explained>> explained;
        try {
            explained = service.explainAll(name, instances, i -> explainer.spec().seed()
                    .orElseGet(() -> Seeds.derive(name, instances.get(i).toString())));
        } catch (ExplainException e) {
            if (e.kind() == ExplainException.Kind.BUSY) {
                metrics.rejected("explain", "busy");
            } else if (e.kind() == ExplainException.Kind.TOO_LARGE) {
                metrics.rejected("explain", "too_many_instances");
            }
            throw e;
        }
        return explained
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
                    + "predictor_rows=%d total_ms=%d", model, i, r.success() ? "found" : "not_found", r.elapsedMillis(),
                    r.predictorCalls(), r.predictorRows(), totalMs);
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
    public Response model(@PathParam("name") String name) {
        ModelExplainer explainer = service.registry().require(name);
        return Response.ok(mapper.createObjectNode().put("name", name).put("ready", true)
                .put("explainer", explainer.spec().type().label())).build();
    }

    @GET
    public Response models() {
        ArrayNode names = mapper.createArrayNode();
        service.registry().names().forEach(names::add);
        return Response.ok(mapper.createObjectNode().set("models", names)).build();
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
        JsonNode list = root == null ? null : root.get("instances");
        if (list == null || !list.isArray()) {
            throw new ExplainException(ExplainException.Kind.BAD_INPUT,
                    "body must be a JSON object with an \"instances\" list");
        }
        List<JsonNode> out = new ArrayList<>(list.size());
        list.forEach(out::add);
        return out;
    }
}
