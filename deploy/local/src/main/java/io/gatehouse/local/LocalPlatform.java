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
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the whole platform on one machine: PostgreSQL (embedded, unless GATEHOUSE_DB_HOST points elsewhere), the
 * control plane, one gateway node and a demo upstream, seeded with a demo API, plan, consumer and key. Ctrl-C stops
 * everything. Settings are environment variables, listed in docs/configuration.md.
 */
public final class LocalPlatform {
    static final String NODE_ID = "local-gateway";
    private final Map<String, String> env;
    private final Path homeDir;
    private LocalHome home;
    private EmbeddedDatabase database;
    private DemoUpstream upstream;
    private ControlPlaneProcess controlPlane;
    private GatewayNode gateway;
    private LocalKafka kafka;

    private LocalPlatform(Map<String, String> env) {
        this.env = env;
        this.homeDir = Path.of(env.getOrDefault("GATEHOUSE_HOME", ".gatehouse"));
    }

    public static void main(String[] args) throws Exception {
        // The embedded PostgreSQL narrates its start line by line; its warnings and errors are what a user needs.
        System.setProperty("org.slf4j.simpleLogger.log.io.zonky", System.getProperty("org.slf4j.simpleLogger.log.io.zonky", "warn"));
        io.gatehouse.gateway.GatewayNode.runtimeDefaults(); // before the demo upstream's Vert.x loads Netty
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
        home = LocalHome.open(homeDir);
        int gatewayPort = port("GATEHOUSE_PROXY_PORT", 8000);
        int statusPort = port("GATEHOUSE_STATUS_PORT", 8100);
        int controlPlanePort = port("GATEHOUSE_HTTP_PORT", 8001);
        int upstreamPort = port("GATEHOUSE_DEMO_UPSTREAM_PORT", 9000);
        String adminToken = env.containsKey("GATEHOUSE_ADMIN_TOKEN") ? env.get("GATEHOUSE_ADMIN_TOKEN") : home.secret("admin-token");

        Map<String, String> cpEnv = new HashMap<>();
        if (env.containsKey("GATEHOUSE_DB_HOST")) {
            say("using the PostgreSQL server at " + env.get("GATEHOUSE_DB_HOST"));
        } else {
            say("starting embedded PostgreSQL (data in " + home.resolve("postgres") + ")");
            database = EmbeddedDatabase.start(home.resolve("postgres"), port("GATEHOUSE_LOCAL_DB_PORT", 54329), home.secret("db-password"));
            cpEnv.putAll(database.controlPlaneEnvironment());
        }
        upstream = DemoUpstream.start(upstreamPort, "demo");
        say("demo upstream on " + upstream.url());

        String auditKafka = startAuditKafka();
        cpEnv.put("GATEHOUSE_AUDIT_KAFKA_BOOTSTRAP", auditKafka);
        cpEnv.put("GATEHOUSE_ADMIN_TOKEN", adminToken);
        String controlPlaneHost = env.getOrDefault("GATEHOUSE_HTTP_HOST", "127.0.0.1");
        cpEnv.put("GATEHOUSE_HTTP_HOST", controlPlaneHost);
        say("starting the control plane on " + controlPlaneHost + ":" + controlPlanePort);
        LocalAccounts accounts = LocalAccounts.prepare(home.dir());
        cpEnv.put("GATEHOUSE_ACCOUNTS_SEED_FILE", accounts.file().toAbsolutePath().toString());
        cpEnv.putIfAbsent("GATEHOUSE_PORTAL_GATEWAY_URL", "http://127.0.0.1:" + gatewayPort);
        controlPlane = ControlPlaneProcess.start(ControlPlaneProcess.locateApp(), controlPlanePort, cpEnv,
                line -> System.out.println("[control-plane] " + line));
        controlPlane.awaitReady(Duration.ofSeconds(120));

        AdminClient admin = new AdminClient(controlPlane.url(), adminToken);
        String key = seed(admin, upstream.url());
        String nodeToken = env.containsKey("GATEHOUSE_NODE_TOKEN") ? env.get("GATEHOUSE_NODE_TOKEN") : nodeCredential(admin, home);

        Map<String, String> nodeEnv = new java.util.HashMap<>(Map.of(
                "GATEHOUSE_PROXY_HOST", env.getOrDefault("GATEHOUSE_PROXY_HOST", "127.0.0.1"),
                "GATEHOUSE_PROXY_PORT", String.valueOf(gatewayPort),
                "GATEHOUSE_STATUS_PORT", String.valueOf(statusPort),
                "GATEHOUSE_CONTROL_PLANE_URL", controlPlane.url(),
                "GATEHOUSE_NODE_TOKEN", nodeToken,
                "GATEHOUSE_NODE_ID", NODE_ID,
                "GATEHOUSE_DATA_DIR", home.resolve("gateway").toString(),
                "GATEHOUSE_CONFIG", home.resolve("gateway.properties").toString(),
                "GATEHOUSE_AUDIT_KAFKA_BOOTSTRAP", auditKafka,
                // Beside the other local state rather than between this launcher's own lines.
                "GATEHOUSE_ACCESS_LOG", env.getOrDefault("GATEHOUSE_ACCESS_LOG", home.resolve("access.log").toString())));
        // The portal is the control plane: its origin may call every API from a browser ("try it").
        nodeEnv.put("GATEHOUSE_PORTAL_URL", env.getOrDefault("GATEHOUSE_PORTAL_URL", controlPlane.url()));
        NodeSettings settings = NodeSettings.load(nodeEnv);
        gateway = new GatewayNode(settings).start();
        admin.put("/admin/nodes/local-gateway/audit-key", Map.of("publicKey", gateway.audit().publicKey()));
        String demoUrl = "http://127.0.0.1:" + gatewayPort + "/demo/hello?from=gatehouse";
        awaitOk(demoUrl, key);

        System.out.println("""

                Gatehouse is running.
                  gateway         http://127.0.0.1:%d        (status: http://127.0.0.1:%d/status)
                  admin API       http://127.0.0.1:%d/admin  (Authorization: Bearer %s)
                  OpenAPI         http://127.0.0.1:%d/q/openapi
                  API catalog     http://127.0.0.1:%d/portal/apis
                  demo upstream   %s
                  access log      %s

                Call the demo API through the gateway:
                  curl -i -H 'X-API-Key: %s' '%s'

                Ctrl-C stops everything; data stays in %s.
                """.formatted(gatewayPort, statusPort, controlPlanePort, adminToken, controlPlanePort, controlPlanePort, upstream.url(),
                settings.accessLog().target(), key, demoUrl,
                home.dir().toAbsolutePath()));
        System.out.println("Console: http://127.0.0.1:%d/console — sign in as (passwords kept in %s):%n%s%n"
                .formatted(controlPlanePort, accounts.file().toAbsolutePath(), accounts.signInLines()));
    }

    /** Creates the demo objects if they are missing, and a fresh key each run (keys are shown only once). */
    static String seed(AdminClient admin, String upstreamUrl) {
        String apiId = findOrCreate(admin, "/admin/apis?namePrefix=demo", "name", "demo",
                Map.of("name", "demo", "version", "1", "basePath", "/demo", "status", "PUBLISHED",
                        "targets", List.of(Map.of("url", upstreamUrl))));
        JsonNode api = admin.get("/admin/apis/" + apiId).body();
        if (!upstreamUrl.equals(api.path("targets").path(0).path("url").asText())) {
            // The demo upstream moved (another port): point the API at it.
            admin.put("/admin/apis/" + apiId, Map.of("name", "demo", "version", "1", "basePath", "/demo", "status", "PUBLISHED",
                    "targets", List.of(Map.of("url", upstreamUrl))));
        }
        // Created as a plan the demo API offers, so the portal's catalog lists it with the API.
        String planId = findOrCreate(admin, "/admin/plans?namePrefix=demo-gold", "name", "demo-gold", "/admin/apis/" + apiId + "/plans",
                Map.of("name", "demo-gold", "description", "Demo plan", "ratePerSecond", 50, "burst", 25,
                        "monthlyQuota", 100_000, "quotaMode", "SOFT"));
        String consumerId = findOrCreate(admin, "/admin/consumers?usernamePrefix=demo-developer", "username", "demo-developer",
                Map.of("username", "demo-developer", "email", "developer@example.com"));
        String appPath = "/admin/consumers/" + consumerId + "/applications";
        String appId = findOrCreate(admin, appPath + "?namePrefix=demo-app", "name", "demo-app", Map.of("name", "demo-app"));
        boolean subscribed = false;
        for (JsonNode s : admin.all("/admin/subscriptions?applicationId=" + appId + "&apiId=" + apiId)) {
            subscribed |= s.path("apiId").asText().equals(apiId) && s.path("status").asText().equals("ACTIVE");
        }
        if (!subscribed) {
            admin.create("/admin/subscriptions", Map.of("applicationId", appId, "apiId", apiId, "planId", planId));
        }
        return admin.create("/admin/applications/" + appId + "/keys", Map.of()).path("key").asText();
    }

    /** {@code query} narrows the list to names starting with the value; the exact one is picked from those. */
    private static String findOrCreate(AdminClient admin, String query, String field, String value, Map<String, Object> body) {
        return findOrCreate(admin, query, field, value, query.substring(0, query.indexOf('?')), body);
    }

    private static String findOrCreate(AdminClient admin, String query, String field, String value, String createAt, Map<String, Object> body) {
        for (JsonNode item : admin.all(query)) {
            if (value.equals(item.path(field).asText())) {
                return item.path("id").asText();
            }
        }
        return admin.create(createAt, body).path("id").asText();
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

    /**
     * A fresh credential for the local gateway node each run, kept in {@code node-token} (0600); the previous ones are
     * revoked, so only one is ever in force.
     */
    static String nodeCredential(AdminClient admin, LocalHome home) throws IOException {
        for (JsonNode credential : admin.all("/admin/nodes/credentials?nodeId=" + NODE_ID)) {
            if ("ACTIVE".equals(credential.path("state").asText())) {
                admin.send("DELETE", "/admin/nodes/credentials/" + credential.path("id").asText());
            }
        }
        String token = admin.create("/admin/nodes/credentials", Map.of("nodeId", NODE_ID)).path("token").asText();
        home.write("node-token", token);
        return token;
    }

    /** The audit trail's Kafka: the one at GATEHOUSE_AUDIT_KAFKA_BOOTSTRAP, or a broker started here. */
    private String startAuditKafka() throws IOException {
        String configured = env.get("GATEHOUSE_AUDIT_KAFKA_BOOTSTRAP");
        if (configured != null && !configured.isBlank()) {
            say("audit records go to Kafka at " + configured);
            return configured;
        }
        say("starting Kafka for the audit trail (data in " + home.resolve("kafka") + ")");
        kafka = LocalKafka.start(home.resolve("kafka"), port("GATEHOUSE_LOCAL_KAFKA_PORT", 9092));
        return kafka.bootstrap();
    }

    void stop() {
        say("stopping");
        if (gateway != null) gateway.stop();
        if (controlPlane != null) controlPlane.close();
        if (kafka != null) kafka.close();
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
