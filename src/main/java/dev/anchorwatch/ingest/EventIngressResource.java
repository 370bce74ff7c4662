package dev.anchorwatch.ingest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.jboss.logging.Logger;

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

    private static final Logger LOG = Logger.getLogger(EventIngressResource.class);

    @Inject
    EventIngress ingress;

    @Inject
    IngestConfig config;

    @Inject
    Admission admission;

    @Inject
    IngestMetrics metrics;

    /**
     * The body arrives as a stream on a worker thread ({@code @Blocking}; quarkus-rest then does not buffer it
     * first), so nothing is read, inflated or parsed, and never on the event loop, before the request holds an
     * admission ticket: the Content-Length (or nothing, chunked) is reserved first, and every further byte is
     * charged before it is kept.
     */
    @POST
    @Consumes(MediaType.WILDCARD)
    @Blocking
    public CompletionStage<Response> receive(@Context HttpHeaders headers, InputStream stream) {
        String ceType = headers.getHeaderString("ce-type");
        long declared = contentLength(headers);
        Admission.Ticket ticket;
        try {
            ticket = admission.admit("ingest", declared);
        } catch (Admission.Refused r) {
            return CompletableFuture.completedFuture(unread(answer(ceType, EventIngress.Reply.refused(r,
                    config.retryAfterSeconds()))));
        }
        byte[] body;
        try {
            body = BodyReader.read(stream, declared, config.maxBodyBytes(), ticket::charge);
        } catch (BodyReader.TooLarge e) {
            ticket.close();
            return CompletableFuture.completedFuture(unread(answer(ceType, new EventIngress.Reply(413, e.getMessage(), null,
                    null, "too_large"))));
        } catch (Admission.Refused r) {
            ticket.close();
            return CompletableFuture.completedFuture(unread(answer(ceType, EventIngress.Reply.refused(r,
                    config.retryAfterSeconds()))));
        } catch (IOException e) {
            ticket.close();
            return CompletableFuture.completedFuture(answer(ceType, new EventIngress.Reply(400,
                    "the body could not be read: " + e.getMessage(), null)));
        } catch (RuntimeException e) {
            ticket.close();
            throw e;
        }
        return ingress.handleHttp(headers.getRequestHeaders(), body, ticket).thenApply(r -> answer(ceType, r));
    }

    /**
     * The body was not read to its end: close the connection after the answer, so that the rest is neither
     * buffered nor read.
     */
    static Response unread(Response r) {
        return Response.fromResponse(r).header("Connection", "close").build();
    }

    static long contentLength(HttpHeaders headers) {
        String v = headers.getHeaderString(HttpHeaders.CONTENT_LENGTH);
        if (v == null || v.isBlank()) {
            return -1;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private Response answer(String ceType, EventIngress.Reply r) {
        metrics.httpEvent(ceType, r);
        if (r.status() == 413) {
            LOG.warnf("event refused with 413: %s", r.message()); // one line, no stack trace
        }
        return response(r);
    }

    private Response response(EventIngress.Reply r) {
        boolean reply = config.ackMode() == IngestConfig.AckMode.REPLY;
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
