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
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** KServe's synchronous explain endpoint (V1 protocol), a drop-in for the Alibi explainer KServe removed. */
@Path("/v1/models")
@Produces(MediaType.APPLICATION_JSON)
public class ExplainResource {

    @Inject
    ExplanationService service;

    @Inject
    ObjectMapper mapper;

    @POST
    @Path("{name}:explain")
    @Consumes(MediaType.WILDCARD)
    public CompletionStage<Response> explain(@PathParam("name") String name,
                                             @QueryParam("explainer") String which, byte[] body) {
        // the explainer of that name, or the model's only one; ?explainer= (a name or a type) picks among several
        ModelExplainer explainer = service.registry().require(name, which);
        List<JsonNode> instances = instances(body);
        // no inference id here: the seed comes from the spec, or from the explainer and the instance itself,
        // so that the same request always gets the same explanation, however the explainer was addressed
        String seedName = explainer.spec().name();
        return service.explainAll(explainer, instances, i -> explainer.spec().seed()
                        .orElseGet(() -> Seeds.derive(seedName, instances.get(i).toString())))
                .thenApply(results -> {
                    if (results.size() == 1) {
                        return Response.ok(results.get(0).json()).build();
                    }
                    ArrayNode list = mapper.createArrayNode();
                    results.forEach(r -> list.add(r.json()));
                    return Response.ok(list).build();
                });
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
