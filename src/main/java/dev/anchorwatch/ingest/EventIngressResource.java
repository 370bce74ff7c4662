package dev.anchorwatch.ingest;

import java.util.concurrent.CompletionStage;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import io.smallrye.common.annotation.Blocking;

/**
 * CloudEvents over HTTP, as a Knative Trigger (or KServe's logger directly) delivers them: POST on {@code /}
 * in binary or structured mode, whatever the Content-Type. The answer follows {@link EventIngress}: 202 once
 * the explanation is published, 4xx for events that can never be explained, 429 with Retry-After when busy,
 * 5xx for transient failures. Replies carry no CloudEvent, so the broker injects nothing.
 */
@Path("/")
public class EventIngressResource {

    @Inject
    EventIngress ingress;

    @POST
    @Consumes(MediaType.WILDCARD)
    @Blocking // decoding (gunzip, JSON) and the first sink calls may block
    public CompletionStage<Response> receive(@Context HttpHeaders headers, byte[] body) {
        return ingress.handleHttp(headers.getRequestHeaders(), body == null ? new byte[0] : body)
                .thenApply(reply -> {
                    Response.ResponseBuilder b = Response.status(reply.status());
                    if (reply.retryAfterSeconds() != null) {
                        b.header(HttpHeaders.RETRY_AFTER, reply.retryAfterSeconds());
                    }
                    if (reply.status() >= 400) {
                        b.entity(reply.message()).type(MediaType.TEXT_PLAIN_TYPE);
                    }
                    return b.build();
                });
    }
}
