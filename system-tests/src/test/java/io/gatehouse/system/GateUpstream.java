package io.gatehouse.system;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.gatehouse.protocol.Json;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** An upstream that answers with the size of the body it received, and can hold requests until released. */
final class GateUpstream implements AutoCloseable {
    final HttpServer server;
    final AtomicInteger held = new AtomicInteger();
    private volatile CountDownLatch gate = new CountDownLatch(0);

    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    GateUpstream() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            CountDownLatch current = gate;
            if (current.getCount() > 0) {
                held.incrementAndGet();
                try {
                    current.await(120, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    held.decrementAndGet();
                }
            }
            byte[] answer = ("received " + body.length).getBytes(StandardCharsets.UTF_8);
            try (OutputStream out = exchange.getResponseBody()) {
                exchange.sendResponseHeaders(200, answer.length);
                out.write(answer);
            } catch (IOException e) {
                // The gateway that asked is gone.
            }
        });
        server.start();
    }

    /** A client's POST of a JSON body with its key, to an API of a gateway in front of this upstream. */
    static HttpResponse<String> post(URI uri, String key, String body) throws IOException, InterruptedException {
        return CLIENT.send(HttpRequest.newBuilder(uri).header("X-API-Key", key).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * What the client saw: "200" when this upstream answered having received the whole body (the request was
     * forwarded and answered), "200 body lost" when it received less, else the status and the gateway's error code.
     */
    static String outcome(HttpResponse<String> response, String body) {
        if (response.statusCode() == 200) {
            return response.body().equals("received " + body.getBytes(StandardCharsets.UTF_8).length) ? "200" : "200 body lost";
        }
        return response.statusCode() + " " + Json.read(response.body(), JsonNode.class).path("code").asText();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    void hold() {
        gate = new CountDownLatch(1);
    }

    void release() {
        gate.countDown();
    }

    @Override
    public void close() {
        release();
        server.stop(0);
    }
}
