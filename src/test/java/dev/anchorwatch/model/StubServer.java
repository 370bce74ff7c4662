package dev.anchorwatch.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

/** A scripted model server on loopback for fault-injection tests: records every request, answers as told. */
final class StubServer implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    /** One answer: status, headers as name/value pairs, body. */
    record Reply(int status, String body, String... headers) {
        static Reply json(int status, String body, String... headers) {
            return new Reply(status, body, headers);
        }
    }

    /** Decides the answer to the {@code call}-th request (from 1) with the parsed request body. */
    @FunctionalInterface
    interface Script {
        Reply answer(int call, JsonNode request) throws Exception;
    }

    /** A request as received, with its arrival time. */
    record Received(String path, JsonNode body, long nanos) {
    }

    private final HttpServer server;
    private final ExecutorService pool = Executors.newFixedThreadPool(16);
    private final AtomicInteger calls = new AtomicInteger();
    final List<Received> received = new CopyOnWriteArrayList<>();

    StubServer(Script script) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.createContext("/", exchange -> handle(exchange, script));
        server.setExecutor(pool);
        server.start();
    }

    private void handle(HttpExchange exchange, Script script) throws IOException {
        try (exchange) {
            byte[] in = exchange.getRequestBody().readAllBytes();
            JsonNode body = JSON.readTree(in);
            received.add(new Received(exchange.getRequestURI().getPath(), body, System.nanoTime()));
            Reply reply;
            try {
                reply = script.answer(calls.incrementAndGet(), body);
            } catch (Exception e) {
                reply = Reply.json(500, "{\"error\":\"stub failed: " + e + "\"}");
            }
            for (int i = 0; i + 1 < reply.headers().length; i += 2) {
                exchange.getResponseHeaders().add(reply.headers()[i], reply.headers()[i + 1]);
            }
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            byte[] out = reply.body().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(reply.status(), out.length == 0 ? -1 : out.length);
            if (out.length > 0) {
                exchange.getResponseBody().write(out);
            }
        }
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    int calls() {
        return calls.get();
    }

    /** Instances in a V1 or V2 request body. */
    static int instances(JsonNode request) {
        return request.has("instances") ? request.get("instances").size()
                : request.get("inputs").get(0).get("shape").get(0).asInt();
    }

    /** A V1 answer labelling every instance 1. */
    static Reply ones(JsonNode request) {
        return Reply.json(200, "{\"predictions\":[" + String.join(",", Collections.nCopies(instances(request), "1"))
                + "]}");
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
