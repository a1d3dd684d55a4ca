package io.gatehouse.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP upstream for tests. It answers what it received as JSON; {@code /slow} waits before answering,
 * {@code /download?bytes=N} streams N bytes in chunks, and a request with a large body gets its SHA-256 back.
 */
public final class EchoUpstream implements AutoCloseable {
    private final Vertx vertx = Vertx.vertx();
    private final HttpServer server;
    private final String name;
    /** Requests received whole. */
    public final AtomicInteger requests = new AtomicInteger();

    private final long delayMs;
    /** Requests being answered now, and the most at once. */
    public final AtomicInteger inFlight = new AtomicInteger();
    public final AtomicInteger maxInFlight = new AtomicInteger();
    /** Status of GET /health; health checks are not counted in {@link #requests}. */
    public volatile int healthStatus = 200;
    public final AtomicInteger healthChecks = new AtomicInteger();
    /** Connections the gateway (or anyone) closed on this upstream. */
    public final AtomicInteger connectionsClosed = new AtomicInteger();
    /** When set, every answer has this status: an upstream that fails on command. */
    public volatile int forcedStatus;

    public EchoUpstream(String name) throws Exception {
        this(name, 0, 0);
    }

    /** @param port 0 for any; @param delayMs how long every answer takes */
    public EchoUpstream(String name, int port, long delayMs) throws Exception {
        this(name, "127.0.0.1", port, delayMs);
    }

    /** @param host the loopback address to listen on (127.0.0.2 and so on are loopback too) */
    public EchoUpstream(String name, String host, int port, long delayMs) throws Exception {
        this.name = name;
        this.delayMs = delayMs;
        this.server = vertx.createHttpServer()
                .connectionHandler(connection -> connection.closeHandler(v -> connectionsClosed.incrementAndGet()))
                .requestHandler(this::handle).listen(port, host).await(10, TimeUnit.SECONDS);
    }

    public int port() {
        return server.actualPort();
    }

    public String url() {
        return "http://127.0.0.1:" + port();
    }

    private void handle(HttpServerRequest request) {
        if (request.path().equals("/health")) {
            healthChecks.incrementAndGet();
            request.response().setStatusCode(healthStatus).end();
            return;
        }
        if (request.path().endsWith("/download")) {
            int bytes = Integer.parseInt(request.getParam("bytes"));
            var response = request.response().setChunked(true).putHeader("Content-Type", "application/octet-stream");
            byte[] chunk = new byte[64 * 1024];
            for (int i = 0; i < chunk.length; i++) {
                chunk[i] = (byte) ('a' + i % 26);
            }
            int sent = 0;
            while (sent < bytes) {
                int n = Math.min(chunk.length, bytes - sent);
                response.write(Buffer.buffer(chunk).slice(0, n));
                sent += n;
            }
            response.end();
            requests.incrementAndGet();
            return;
        }
        request.body().onSuccess(body -> {
            requests.incrementAndGet();
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            JsonObject headers = new JsonObject();
            request.headers().forEach(h -> {
                Object existing = headers.getValue(h.getKey().toLowerCase());
                headers.put(h.getKey().toLowerCase(), existing == null ? h.getValue() : existing + "," + h.getValue());
            });
            JsonObject echo = new JsonObject()
                    .put("upstream", name)
                    .put("method", request.method().name())
                    .put("uri", request.uri())
                    .put("path", request.path())
                    .put("query", request.query())
                    .put("headers", headers)
                    .put("bodyLength", body.length())
                    .put("bodySha256", sha256(body.getBytes()))
                    .put("body", body.length() <= 4096 ? body.toString() : null);
            long delay = request.path().endsWith("/slow") ? Long.parseLong(request.getParam("ms", "2000")) : delayMs;
            Runnable answer = () -> {
                inFlight.decrementAndGet();
                request.response()
                    .setStatusCode(forcedStatus > 0 ? forcedStatus : request.path().endsWith("/created") ? 201 : 200)
                    .putHeader("Content-Type", "application/json")
                    .putHeader("X-Upstream", name)
                    .end(echo.encode());
            };
            if (delay > 0) {
                vertx.setTimer(delay, t -> answer.run());
            } else {
                answer.run();
            }
        });
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws Exception {
        vertx.close().await(10, TimeUnit.SECONDS);
    }

}
