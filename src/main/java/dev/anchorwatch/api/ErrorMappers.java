package dev.anchorwatch.api;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.anchorwatch.explain.ExplainException;
import dev.anchorwatch.explain.ExplanationService;
import jakarta.inject.Inject;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** Every error answers JSON {"error": "..."} with a status that says whether to retry; never a stack trace. */
public class ErrorMappers {
    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    @Inject
    ObjectMapper mapper;

    /** Status of each failure kind; shared with the event ingress so both speak the same language. */
    public static int status(ExplainException.Kind kind) {
        return switch (kind) {
            case UNKNOWN_MODEL -> 404;
            case BAD_INPUT -> 400;
            case TOO_LARGE -> 413;
            case PREDICTOR_ERROR -> 502;
            case PREDICTOR_UNAVAILABLE -> 503;
            case BUSY -> 429;
        };
    }

    @ServerExceptionMapper
    public Response explainFailure(ExplainException e) {
        Response.ResponseBuilder r = Response.status(status(e.kind())).type(MediaType.APPLICATION_JSON)
                .entity(mapper.createObjectNode().put("error", e.getMessage()));
        if (e.isTransient()) {
            r.header("Retry-After", "1");
        }
        if (e.kind() == ExplainException.Kind.TOO_LARGE || e.kind() == ExplainException.Kind.BUSY) {
            r.header("Connection", "close"); // the body may not have been read: neither buffer nor read the rest
        }
        return r.build();
    }

    @ServerExceptionMapper
    public Response webFailure(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        String message = status == 413 ? "request body too large" : e.getMessage();
        return Response.status(status).type(MediaType.APPLICATION_JSON)
                .entity(mapper.createObjectNode().put("error", message)).build();
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable t) {
        Throwable cause = ExplanationService.cause(t);
        if (cause instanceof ExplainException e) {
            return explainFailure(e);
        }
        if (cause instanceof WebApplicationException e) {
            return webFailure(e);
        }
        LOG.error("unexpected failure", cause);
        return Response.status(500).type(MediaType.APPLICATION_JSON)
                .entity(mapper.createObjectNode().put("error", "internal error: " + cause.getClass().getSimpleName()
                        + (cause.getMessage() == null ? "" : ": " + cause.getMessage())))
                .build();
    }
}
