package io.gatehouse.local;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.protocol.Json;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A thin client of the admin API, for seeding the local platform and for the system tests. */
public final class AdminClient {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final String baseUrl;
    private final String token;

    public AdminClient(String baseUrl, String token) {
        this.baseUrl = baseUrl;
        this.token = token;
    }

    public record Reply(int status, JsonNode body) {
        public String id() {
            return body.path("id").asText();
        }
    }

    public Reply get(String path) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).GET());
    }

    public Reply post(String path, Object body) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.writeBytes(body))));
    }

    public Reply put(String path, Object body) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(Json.writeBytes(body))));
    }

    public Reply send(String method, String path) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + path)).method(method, HttpRequest.BodyPublishers.noBody()));
    }

    /**
     * Every item of a paginated admin list ({@code {"items", "nextCursor", "total"}}), walked page by page with its
     * cursor. {@code path} may carry filters; keep them narrow, since this reads the whole walk.
     */
    public java.util.List<JsonNode> all(String path) {
        java.util.List<JsonNode> items = new java.util.ArrayList<>();
        String cursor = null;
        do {
            String page = path + (path.contains("?") ? "&" : "?") + "limit=1000"
                    + (cursor == null ? "" : "&cursor=" + java.net.URLEncoder.encode(cursor, java.nio.charset.StandardCharsets.UTF_8));
            Reply reply = get(page);
            if (reply.status() != 200) {
                throw new IllegalStateException("GET " + page + " answered " + reply.status() + ": " + reply.body());
            }
            reply.body().path("items").forEach(items::add);
            cursor = reply.body().path("nextCursor").isTextual() ? reply.body().path("nextCursor").asText() : null;
        } while (cursor != null);
        return items;
    }

    /** POST that must succeed; returns the body. */
    public JsonNode create(String path, Object body) {
        Reply reply = post(path, body);
        if (reply.status() / 100 != 2) {
            throw new IllegalStateException("POST " + path + " answered " + reply.status() + ": " + reply.body());
        }
        return reply.body();
    }

    private Reply send(HttpRequest.Builder request) {
        try {
            HttpResponse<byte[]> response = http.send(request.header("Authorization", "Bearer " + token)
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
            JsonNode body = response.body().length == 0 ? Json.mapper().missingNode() : Json.mapper().readTree(response.body());
            return new Reply(response.statusCode(), body);
        } catch (IOException e) {
            throw new IllegalStateException("admin API " + baseUrl + " unreachable: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
