package dev.anchorwatch.ingest;

import java.io.ByteArrayOutputStream;
import java.util.concurrent.CompletionStage;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.anchorwatch.publish.ExplanationEvents;
import dev.anchorwatch.publish.ExplanationRecord;
import io.cloudevents.CloudEvent;
import io.cloudevents.http.HttpMessageFactory;
import io.smallrye.common.annotation.Blocking;

/**
 * CloudEvents over HTTP, as a Knative Trigger (or KServe's logger directly) delivers them: POST on {@code /}
 * in binary or structured mode, whatever the Content-Type. The answer follows {@link EventIngress}: 4xx for
 * events that can never be explained, 429 with Retry-After when busy, 5xx for transient failures, and, once the
 * explanation is published, by {@code anchorwatch.ingest.ack-mode}:
 * <ul>
 * <li>{@code sink} (default): 202 with no body, so the broker injects nothing;</li>
 * <li>{@code reply}: 200 with the explanation CloudEvent in HTTP binary mode ({@code ce-*} headers, the explanation
 * JSON as body), which the broker republishes; a duplicate of a handled request gets the same event again, as
 * the first reply may have been lost. Response events still get 202 with no body.</li>
 * </ul>
 */
@Path("/")
public class EventIngressResource {

    @Inject
    EventIngress ingress;

    @Inject
    IngestConfig config;

    @POST
    @Consumes(MediaType.WILDCARD)
    @Blocking // decoding (gunzip, JSON) and the first sink calls may block
    public CompletionStage<Response> receive(@Context HttpHeaders headers, byte[] body) {
        boolean reply = config.ackMode() == IngestConfig.AckMode.REPLY;
        return ingress.handleHttp(headers.getRequestHeaders(), body == null ? new byte[0] : body)
                .thenApply(r -> {
                    if (reply && r.status() == 202 && r.explanation() != null && !r.explanation().failed()) {
                        return withEvent(r.explanation());
                    }
                    Response.ResponseBuilder b = Response.status(r.status());
                    if (r.retryAfterSeconds() != null) {
                        b.header(HttpHeaders.RETRY_AFTER, r.retryAfterSeconds());
                    }
                    if (r.status() >= 400) {
                        b.entity(r.message()).type(MediaType.TEXT_PLAIN_TYPE);
                    }
                    return b.build();
                });
    }

    /** 200 with the explanation as a CloudEvent in binary mode, written by the CloudEvents SDK's HTTP binding. */
    static Response withEvent(ExplanationRecord record) {
        CloudEvent event = ExplanationEvents.toCloudEvent(record);
        Response.ResponseBuilder b = Response.ok();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        String[] contentType = { null };
        HttpMessageFactory.createWriter((name, value) -> {
            if (HttpHeaders.CONTENT_TYPE.equalsIgnoreCase(name)) {
                contentType[0] = value;
            } else {
                b.header(name, value);
            }
        }, bytes -> {
            if (bytes != null) {
                body.writeBytes(bytes);
            }
        }).writeBinary(event);
        return b.entity(body.toByteArray()).type(contentType[0] == null ? ExplanationEvents.CONTENT_TYPE : contentType[0])
                .build();
    }
}
