package io.gatehouse.local;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.gatehouse.protocol.Json;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small upstream service that answers every request with what it received, as JSON: the demo API of the local
 * platform, and a real upstream for the system tests.
 */
public final class DemoUpstream implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(8, r -> {
        Thread t = new Thread(r, "demo-upstream");
        t.setDaemon(true);
        return t;
    });
    private final String name;
    private final AtomicLong requests = new AtomicLong();

    private DemoUpstream(HttpServer server, String name) {
        this.server = server;
        this.name = name;
    }

    public static DemoUpstream start(int port, String name) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 256);
        DemoUpstream upstream = new DemoUpstream(server, name);
        server.createContext("/", upstream::handle);
        server.setExecutor(upstream.executor);
        server.start();
        return upstream;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String url() {
        return "http://127.0.0.1:" + port();
    }

    public long requests() {
        return requests.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        ObjectNode echo = Json.mapper().createObjectNode();
        echo.put("service", name);
        echo.put("method", exchange.getRequestMethod());
        echo.put("path", exchange.getRequestURI().getRawPath());
        echo.put("query", exchange.getRequestURI().getRawQuery());
        ObjectNode headers = echo.putObject("headers");
        for (Map.Entry<String, List<String>> header : exchange.getRequestHeaders().entrySet()) {
            headers.put(header.getKey().toLowerCase(Locale.ROOT), String.join(",", header.getValue()));
        }
        echo.put("body", new String(body, StandardCharsets.UTF_8));
        byte[] response = Json.writeBytes(echo);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("X-Demo-Upstream", name);
        exchange.sendResponseHeaders(200, response.length);
        exchange.getResponseBody().write(response);
        exchange.close();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
