package io.gatehouse.local;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.gateway.GatewayNode;
import io.gatehouse.gateway.NodeSettings;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the whole platform on one machine: PostgreSQL (embedded, unless GATEHOUSE_DB_HOST points elsewhere), the
 * control plane, one gateway node and a demo upstream, seeded with a demo API, plan, consumer and key. Ctrl-C stops
 * everything. Settings are environment variables, listed in docs/configuration.md.
 */
public final class LocalPlatform {
    private final Map<String, String> env;
    private final Path home;
    private EmbeddedDatabase database;
    private DemoUpstream upstream;
    private ControlPlaneProcess controlPlane;
    private GatewayNode gateway;

    private LocalPlatform(Map<String, String> env) {
        this.env = env;
        this.home = Path.of(env.getOrDefault("GATEHOUSE_HOME", ".gatehouse"));
    }

    public static void main(String[] args) throws Exception {
        LocalPlatform platform = new LocalPlatform(System.getenv());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            platform.stop();
            stopped.countDown();
        }, "gatehouse-local-shutdown"));
        try {
            platform.start();
        } catch (Exception e) {
            System.err.println("gatehouse: could not start: " + e.getMessage());
            System.exit(1);
        }
        stopped.await();
    }

    private int port(String name, int fallback) {
        return Integer.parseInt(env.getOrDefault(name, String.valueOf(fallback)));
    }

    void start() throws Exception {
        Files.createDirectories(home);
        int gatewayPort = port("GATEHOUSE_PROXY_PORT", 8000);
        int statusPort = port("GATEHOUSE_STATUS_PORT", 8100);
        int controlPlanePort = port("GATEHOUSE_HTTP_PORT", 8001);
        int upstreamPort = port("GATEHOUSE_DEMO_UPSTREAM_PORT", 9000);
        String adminToken = env.getOrDefault("GATEHOUSE_ADMIN_TOKEN", secret("admin-token"));
        String nodeToken = env.getOrDefault("GATEHOUSE_NODE_TOKEN", secret("node-token"));

        Map<String, String> cpEnv = new HashMap<>();
        if (env.containsKey("GATEHOUSE_DB_HOST")) {
            say("using the PostgreSQL server at " + env.get("GATEHOUSE_DB_HOST"));
        } else {
            say("starting embedded PostgreSQL (data in " + home.resolve("postgres") + ")");
            database = EmbeddedDatabase.start(home.resolve("postgres"), port("GATEHOUSE_LOCAL_DB_PORT", 54329));
            cpEnv.putAll(database.controlPlaneEnvironment());
        }
        upstream = DemoUpstream.start(upstreamPort, "demo");
        say("demo upstream on " + upstream.url());

        cpEnv.put("GATEHOUSE_ADMIN_TOKEN", adminToken);
        cpEnv.put("GATEHOUSE_NODE_TOKEN", nodeToken);
        LocalAccounts accounts = LocalAccounts.prepare(home);
        cpEnv.put("GATEHOUSE_ACCOUNTS_SEED_FILE", accounts.file().toAbsolutePath().toString());
        say("starting the control plane on port " + controlPlanePort);
        controlPlane = ControlPlaneProcess.start(ControlPlaneProcess.locateApp(), controlPlanePort, cpEnv,
                line -> System.out.println("[control-plane] " + line));
        controlPlane.awaitReady(Duration.ofSeconds(120));

        AdminClient admin = new AdminClient(controlPlane.url(), adminToken);
        String key = seed(admin, upstream.url());

        NodeSettings settings = NodeSettings.load(Map.of(
                "GATEHOUSE_PROXY_HOST", env.getOrDefault("GATEHOUSE_PROXY_HOST", "127.0.0.1"),
                "GATEHOUSE_PROXY_PORT", String.valueOf(gatewayPort),
                "GATEHOUSE_STATUS_PORT", String.valueOf(statusPort),
                "GATEHOUSE_CONTROL_PLANE_URL", controlPlane.url(),
                "GATEHOUSE_NODE_TOKEN", nodeToken,
                "GATEHOUSE_NODE_ID", "local-gateway",
                "GATEHOUSE_DATA_DIR", home.resolve("gateway").toString(),
                "GATEHOUSE_CONFIG", home.resolve("gateway.properties").toString()));
        gateway = new GatewayNode(settings).start();
        String demoUrl = "http://127.0.0.1:" + gatewayPort + "/demo/hello?from=gatehouse";
        awaitOk(demoUrl, key);

        System.out.println("""

                Gatehouse is running.
                  gateway         http://127.0.0.1:%d        (status: http://127.0.0.1:%d/status)
                  admin API       http://127.0.0.1:%d/admin  (Authorization: Bearer %s)
                  OpenAPI         http://127.0.0.1:%d/q/openapi
                  demo upstream   %s

                Call the demo API through the gateway:
                  curl -i -H 'X-API-Key: %s' '%s'

                Ctrl-C stops everything; data stays in %s.
                """.formatted(gatewayPort, statusPort, controlPlanePort, adminToken, controlPlanePort, upstream.url(), key, demoUrl,
                home.toAbsolutePath()));
        System.out.println("Console: http://127.0.0.1:%d/console — sign in as (passwords kept in %s):%n%s%n"
                .formatted(controlPlanePort, accounts.file().toAbsolutePath(), accounts.signInLines()));
    }

    /** Creates the demo objects if they are missing, and a fresh key each run (keys are shown only once). */
    static String seed(AdminClient admin, String upstreamUrl) {
        String planId = findOrCreate(admin, "/admin/plans", "name", "demo-gold",
                Map.of("name", "demo-gold", "description", "Demo plan", "ratePerSecond", 50, "burst", 25,
                        "monthlyQuota", 100_000, "quotaMode", "SOFT"));
        String apiId = findOrCreate(admin, "/admin/apis", "name", "demo",
                Map.of("name", "demo", "version", "1", "basePath", "/demo", "status", "PUBLISHED",
                        "targets", List.of(Map.of("url", upstreamUrl))));
        JsonNode api = admin.get("/admin/apis/" + apiId).body();
        if (!upstreamUrl.equals(api.path("targets").path(0).path("url").asText())) {
            // The demo upstream moved (another port): point the API at it.
            admin.put("/admin/apis/" + apiId, Map.of("name", "demo", "version", "1", "basePath", "/demo", "status", "PUBLISHED",
                    "targets", List.of(Map.of("url", upstreamUrl))));
        }
        String consumerId = findOrCreate(admin, "/admin/consumers", "username", "demo-developer",
                Map.of("username", "demo-developer", "email", "developer@example.com"));
        String appPath = "/admin/consumers/" + consumerId + "/applications";
        String appId = findOrCreate(admin, appPath, "name", "demo-app", Map.of("name", "demo-app"));
        boolean subscribed = false;
        for (JsonNode s : admin.get("/admin/subscriptions?applicationId=" + appId).body()) {
            subscribed |= s.path("apiId").asText().equals(apiId) && s.path("status").asText().equals("ACTIVE");
        }
        if (!subscribed) {
            admin.create("/admin/subscriptions", Map.of("applicationId", appId, "apiId", apiId, "planId", planId));
        }
        return admin.create("/admin/applications/" + appId + "/keys", Map.of()).path("key").asText();
    }

    private static String findOrCreate(AdminClient admin, String path, String field, String value, Map<String, Object> body) {
        for (JsonNode item : admin.get(path).body()) {
            if (value.equals(item.path(field).asText())) {
                return item.path("id").asText();
            }
        }
        return admin.create(path, body).path("id").asText();
    }

    private void awaitOk(String url, String key) throws InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create(url)).header("X-API-Key", key).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the gateway did not serve the demo API within 30 s");
    }

    /** A random token kept in GATEHOUSE_HOME, so it stays the same from one run to the next. */
    private String secret(String name) throws IOException {
        Path file = home.resolve(name);
        if (Files.isRegularFile(file)) {
            return Files.readString(file).trim();
        }
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        String token = HexFormat.of().formatHex(bytes);
        Files.writeString(file, token);
        return token;
    }

    void stop() {
        say("stopping");
        if (gateway != null) gateway.stop();
        if (controlPlane != null) controlPlane.close();
        if (upstream != null) upstream.close();
        if (database != null) {
            try {
                database.close();
            } catch (IOException e) {
                System.err.println("gatehouse: PostgreSQL did not stop cleanly: " + e.getMessage());
            }
        }
    }

    private static void say(String message) {
        System.out.println("gatehouse: " + message);
    }
}
