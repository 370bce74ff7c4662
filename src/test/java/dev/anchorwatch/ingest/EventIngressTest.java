package dev.anchorwatch.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import dev.anchorwatch.publish.ExplanationPublisher;
import dev.anchorwatch.publish.ExplanationRecord;
import dev.anchorwatch.publish.ExplanationSink;
import dev.anchorwatch.publish.PublishException;
import dev.anchorwatch.testsupport.CapturingSink;

/** The ingress logic with a capturing sink and the test double explainer, no framework. */
class EventIngressTest {

    final CapturingSink capture = new CapturingSink();
    final List<ExplanationRecord> published = capture.published();

    final EventIngress ingress = new EventIngress(new InferenceEventDecoder(InferenceEventDecoder.Limits.DEFAULT),
            new Pairing(100, Duration.ofMinutes(10), Clock.systemUTC()), new FakeEventExplainer(),
            new ExplanationPublisher(List.of(capture), Duration.ofSeconds(5)), 2, Duration.ofSeconds(5), 3, Clock.systemUTC());

    EventIngress.Reply post(Map<String, String> headers, byte[] body) {
        Map<String, List<String>> multi = new java.util.HashMap<>();
        headers.forEach((k, v) -> multi.put(k, List.of(v)));
        return ingress.handleHttp(multi, body).toCompletableFuture().join();
    }

    static Map<String, String> model(Map<String, String> headers, String model) {
        Map<String, String> h = new java.util.LinkedHashMap<>(headers);
        h.put("Ce-Inferenceservicename", model);
        return h;
    }

    @Test
    void responseFirstThenRequestPublishesWithServedPrediction() {
        assertEquals(202, post(KServeEvents.response("r-1"), KServeEvents.utf8(KServeEvents.V1_RESPONSE)).status());
        assertTrue(published.isEmpty());
        EventIngress.Reply reply = post(KServeEvents.request("r-1"), KServeEvents.gzip(KServeEvents.V1_REQUEST));
        assertEquals(202, reply.status());
        assertEquals(1, published.size());
        assertEquals("0", published.get(0).servedPrediction());
        assertEquals("r-1", published.get(0).inferenceId());

        assertEquals(202, post(KServeEvents.request("r-1"), KServeEvents.gzip(KServeEvents.V1_REQUEST)).status());
        assertEquals(1, published.size(), "a duplicate is acknowledged, not explained again");
    }

    @Test
    void requestWithoutResponseHasNoServedPrediction() {
        assertEquals(202, post(KServeEvents.request("r-2"), KServeEvents.utf8(KServeEvents.V1_REQUEST)).status());
        assertNull(published.get(0).servedPrediction());
    }

    @Test
    void permanentExplainerFailurePublishesAFailureEventAndAnswers422() {
        EventIngress.Reply reply = post(model(KServeEvents.request("r-3"), "unknown-model"),
                KServeEvents.utf8(KServeEvents.V1_REQUEST));
        assertEquals(422, reply.status());
        assertEquals(ExplanationRecord.TYPE_FAILED, published.get(0).type());
        assertEquals("unknown model unknown-model", published.get(0).failureReason());
    }

    @Test
    void transientFailuresAnswer503AndTheRedeliveryIsExplained() {
        assertEquals(503, post(model(KServeEvents.request("r-4"), "flaky"), KServeEvents.utf8(KServeEvents.V1_REQUEST)).status());
        capture.down(new PublishException("capture", "down", true));
        assertEquals(503, post(KServeEvents.request("r-5"), KServeEvents.utf8(KServeEvents.V1_REQUEST)).status());
        capture.down(null);
        assertEquals(202, post(KServeEvents.request("r-5"), KServeEvents.utf8(KServeEvents.V1_REQUEST)).status(),
                "not dropped as a duplicate");
        assertEquals(1, published.size());
    }

    @Test
    void aRetryAfterOneSinkFailedSendsTheOtherSinkNoSecondCopyEvenWhenTheResponseArrivedMeanwhile() {
        // "events" takes everything (as Kafka does); "store" is down for the first attempt (as PostgreSQL was)
        List<ExplanationRecord> events = new CopyOnWriteArrayList<>();
        List<ExplanationRecord> stored = new CopyOnWriteArrayList<>();
        List<String> eventsServed = new CopyOnWriteArrayList<>();
        List<String> storeServed = new CopyOnWriteArrayList<>();
        AtomicReference<PublishException> storeDown = new AtomicReference<>(new PublishException("store", "down", true));
        ExplanationSink eventSink = new ExplanationSink() {
            @Override
            public CompletionStage<Void> publish(ExplanationRecord r) {
                events.add(r);
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public CompletionStage<Void> served(dev.anchorwatch.publish.ServedPrediction s) {
                eventsServed.add(s.servedPrediction());
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public String name() {
                return "events";
            }
        };
        ExplanationSink store = new ExplanationSink() {
            @Override
            public CompletionStage<Void> publish(ExplanationRecord r) {
                if (storeDown.get() != null) {
                    return CompletableFuture.failedFuture(storeDown.get());
                }
                stored.add(r);
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public CompletionStage<Void> served(dev.anchorwatch.publish.ServedPrediction s) {
                if (storeDown.get() != null) {
                    return CompletableFuture.failedFuture(storeDown.get());
                }
                storeServed.add(s.servedPrediction());
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public String name() {
                return "store";
            }
        };
        EventIngress twoSinks = new EventIngress(new InferenceEventDecoder(InferenceEventDecoder.Limits.DEFAULT),
                new Pairing(100, Duration.ofMinutes(10), Clock.systemUTC()), new FakeEventExplainer(),
                new ExplanationPublisher(List.of(eventSink, store), Duration.ofSeconds(5)), 2, Duration.ofSeconds(5), 3,
                Clock.systemUTC());
        Map<String, List<String>> request = new java.util.HashMap<>();
        KServeEvents.request("r-9").forEach((k, v) -> request.put(k, List.of(v)));
        Map<String, List<String>> response = new java.util.HashMap<>();
        KServeEvents.response("r-9").forEach((k, v) -> response.put(k, List.of(v)));

        assertEquals(503, twoSinks.handleHttp(request, KServeEvents.utf8(KServeEvents.V1_REQUEST)).toCompletableFuture()
                .join().status());
        assertEquals(1, events.size());
        assertNull(events.get(0).servedPrediction());
        storeDown.set(null);
        assertEquals(202, twoSinks.handleHttp(response, KServeEvents.utf8(KServeEvents.V1_RESPONSE)).toCompletableFuture()
                .join().status());
        assertEquals(202, twoSinks.handleHttp(request, KServeEvents.utf8(KServeEvents.V1_REQUEST)).toCompletableFuture()
                .join().status());

        assertEquals(1, events.size(), "the sink that took the first attempt gets no second copy");
        assertEquals(1, stored.size());
        assertEquals(events.get(0), stored.get(0), "both sinks hold the identical record");
        assertTrue(storeServed.contains("0"), "the served prediction reached the store as an update: " + storeServed);
        assertTrue(eventsServed.contains("0"), "and the event sink: " + eventsServed);
    }

    @Test
    void publishedRecordIsInTheReplyAndRememberedForDuplicatesOnlyWhenAsked() {
        EventIngress.Reply reply = post(KServeEvents.request("r-7"), KServeEvents.utf8(KServeEvents.V1_REQUEST));
        assertEquals(202, reply.status());
        assertEquals(published.get(0), reply.explanation());
        assertNull(post(KServeEvents.request("r-7"), KServeEvents.utf8(KServeEvents.V1_REQUEST)).explanation(),
                "sink mode keeps no records in the window");

        EventIngress remembering = new EventIngress(new InferenceEventDecoder(InferenceEventDecoder.Limits.DEFAULT),
                new Pairing(100, Duration.ofMinutes(10), Clock.systemUTC()), new FakeEventExplainer(),
                new ExplanationPublisher(List.of(capture), Duration.ofSeconds(5)), 2, Duration.ofSeconds(5), 3,
                Clock.systemUTC(), true);
        Map<String, List<String>> headers = new java.util.HashMap<>();
        KServeEvents.request("r-8").forEach((k, v) -> headers.put(k, List.of(v)));
        EventIngress.Reply first = remembering.handleHttp(headers, KServeEvents.utf8(KServeEvents.V1_REQUEST))
                .toCompletableFuture().join();
        EventIngress.Reply duplicate = remembering.handleHttp(headers, KServeEvents.utf8(KServeEvents.V1_REQUEST))
                .toCompletableFuture().join();
        assertEquals(202, duplicate.status());
        assertEquals("duplicate", duplicate.message());
        assertEquals(first.explanation(), duplicate.explanation());
        assertEquals(2, published.size(), "the duplicate was not explained nor published again");
    }

    @Test
    void undecodableEventsAnswer400() {
        EventIngress.Reply reply = post(KServeEvents.request("r-6"), KServeEvents.utf8("instances=1"));
        assertEquals(400, reply.status());
        assertTrue(reply.message().startsWith("body is not JSON"), reply.message());
    }

    @Test
    void everyOutcomeIsReportedAndADrainingIngressRefusesNewEventsWith503() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        ingress.observedBy((source, type, outcome, reason) -> seen.add(source + " " + type + " " + outcome + " " + reason));
        post(KServeEvents.response("o-1"), KServeEvents.utf8(KServeEvents.V1_RESPONSE));
        post(KServeEvents.request("o-1"), KServeEvents.utf8(KServeEvents.V1_REQUEST));
        post(KServeEvents.request("o-1"), KServeEvents.utf8(KServeEvents.V1_REQUEST));
        post(Map.of("Ce-Specversion", "1.0"), KServeEvents.utf8(KServeEvents.V1_REQUEST));
        assertEquals(List.of("http response paired null", "http request explained null", "http request duplicate null",
                "http other refused malformed"), seen);

        ingress.beginDrain();
        EventIngress.Reply refused = post(KServeEvents.request("o-2"), KServeEvents.utf8(KServeEvents.V1_REQUEST));
        assertEquals(503, refused.status(), refused.message());
        assertEquals("http request retried unavailable", seen.get(seen.size() - 1));
        assertEquals(1, published.size(), "nothing new is explained while draining");
        assertTrue(ingress.awaitIdle(Duration.ofSeconds(1)), "nothing in flight");
        assertEquals(0, ingress.inFlight());
    }
}
