package io.gatehouse.system;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.gateway.GatewayNode;
import io.gatehouse.protocol.Json;

import java.io.IOException;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Plain HTTP calls to gateways, as a client would make them: each request on a connection of its own, written on a
 * plain socket ({@link KeepAliveConnection}) rather than with java.net.http, whose connection pool on JDK 17 can lose
 * a reused connection's answer and fail or silently retry the request. A failed call here is the gateway's doing.
 */
final class Http {
    private static final int CALL_TIMEOUT_MS = 10_000;
    private static final int STATUS_TIMEOUT_MS = 5_000;

    private Http() {
    }

    /** An answer: its status, its header fields (looked up in any case), its body. */
    record Response(int statusCode, HttpHeaders headers, String body) {
    }

    static Response call(GatewayNode node, String method, String pathAndQuery, String body, String... headers) {
        return exchange(node.settings().proxyPort(), CALL_TIMEOUT_MS, method, pathAndQuery, body, headers);
    }

    static int status(GatewayNode node, String path, String key) {
        return call(node, "GET", path, null, "X-API-Key", key).statusCode();
    }

    static Response nodeStatus(GatewayNode node, String path) {
        return exchange(node.settings().statusPort(), STATUS_TIMEOUT_MS, "GET", path, null);
    }

    static JsonNode json(Response response) {
        return Json.read(response.body(), JsonNode.class);
    }

    private static Response exchange(int port, int timeoutMs, String method, String pathAndQuery, String body, String... headers) {
        try (KeepAliveConnection connection = new KeepAliveConnection("127.0.0.1", port, timeoutMs)) {
            KeepAliveConnection.Answer answer = connection.exchange(method, pathAndQuery, body, headers);
            return new Response(answer.status(), HttpHeaders.of(answer.headers(), (name, value) -> true), answer.body());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + pathAndQuery + " on port " + port + ": " + e, e);
        }
    }

    /** Polls until the condition holds; returns the time it took. Fails with the description after the timeout. */
    static Duration await(Duration timeout, String what, BooleanSupplier condition) {
        long start = System.nanoTime();
        while (System.nanoTime() - start < timeout.toNanos()) {
            if (condition.getAsBoolean()) {
                return Duration.ofNanos(System.nanoTime() - start);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
        throw new AssertionError("not within " + timeout + ": " + what);
    }
}
