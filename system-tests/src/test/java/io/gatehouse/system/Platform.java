package io.gatehouse.system;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.gateway.GatewayNode;
import io.gatehouse.gateway.NodeSettings;
import io.gatehouse.local.AdminClient;
import io.gatehouse.local.ControlPlaneProcess;
import io.gatehouse.local.DemoUpstream;
import io.gatehouse.local.EmbeddedDatabase;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The real thing, on one machine: PostgreSQL, the packaged control plane as its own process, gateway nodes, an upstream. */
final class Platform implements AutoCloseable {
    static final String ADMIN_TOKEN = "system-test-admin";
    /** The password the test database accepts (it accepts no connection without it). */
    static final String DATABASE_PASSWORD = "system-test-" + UUID.randomUUID().toString().substring(0, 8);
    /** Every control plane instance's output, appended: what an operator reads, mail kept in the outbox included. */
    static final Path CONTROL_PLANE_LOG = Path.of("target", "control-plane.log");

    final Path dir;
    final EmbeddedDatabase database;
    final DemoUpstream upstream;
    final int controlPlanePort = freePort();
    final AdminClient admin;
    private final PrintWriter controlPlaneLog;
    /** What this platform's control plane printed, start after start, for tests of what an operator reads. */
    private final List<String> controlPlaneOutput = new CopyOnWriteArrayList<>();
    private final List<GatewayNode> gateways = new ArrayList<>();
    /** Each node id's credential, issued once: a restarted node presents the same one. */
    private final Map<String, String> credentials = new HashMap<>();
    private final Map<String, String> controlPlaneSettings;
    private ControlPlaneProcess controlPlane;
    private final List<ControlPlaneProcess> others = new ArrayList<>();

    Platform(Path dir) throws IOException {
        this(dir, Map.of());
    }

    /** The same, with more environment for the control plane (e.g. GATEHOUSE_ACCOUNTS_SEED_FILE for console users). */
    Platform(Path dir, Map<String, String> controlPlaneSettings) throws IOException {
        this.dir = dir;
        this.controlPlaneSettings = Map.copyOf(controlPlaneSettings);
        this.database = EmbeddedDatabase.start(null, 0, DATABASE_PASSWORD);
        this.upstream = DemoUpstream.start(0, "inventory");
        this.controlPlaneLog = new PrintWriter(Files.newBufferedWriter(CONTROL_PLANE_LOG, StandardOpenOption.CREATE, StandardOpenOption.APPEND), true);
        this.admin = new AdminClient("http://127.0.0.1:" + controlPlanePort, ADMIN_TOKEN);
        startControlPlane();
    }

    void startControlPlane() {
        Map<String, String> env = new HashMap<>(database.controlPlaneEnvironment());
        env.put("GATEHOUSE_ADMIN_TOKEN", ADMIN_TOKEN);
        env.putAll(controlPlaneSettings);
        try {
            controlPlane = ControlPlaneProcess.start(ControlPlaneProcess.locateApp(), controlPlanePort, env, line -> {
                controlPlaneLog.println(line);
                controlPlaneOutput.add(line);
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        controlPlane.awaitReady(Duration.ofSeconds(90));
    }

    /** Another control plane instance on the same database, as a second replica behind a load balancer would be. */
    ControlPlaneProcess startAnotherControlPlane(int port) {
        Map<String, String> env = new HashMap<>(database.controlPlaneEnvironment());
        env.put("GATEHOUSE_ADMIN_TOKEN", ADMIN_TOKEN);
        env.putAll(controlPlaneSettings);
        try {
            ControlPlaneProcess another = ControlPlaneProcess.start(ControlPlaneProcess.locateApp(), port, env,
                    line -> controlPlaneLog.println("[" + port + "] " + line));
            others.add(another);
            return another.awaitReady(Duration.ofSeconds(90));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void stopControlPlane() {
        controlPlane.close();
    }

    /** Kills the control plane process with SIGKILL, as a crash or the OOM killer would: no shutdown hook runs. */
    void killControlPlane() {
        ProcessHandle.of(controlPlane.pid()).ifPresent(ProcessHandle::destroyForcibly);
        Http.await(Duration.ofSeconds(30), "the killed control plane to be gone", () -> !controlPlane.alive());
    }

    /** The lines the control plane printed so far, from its first start on this platform's new database. */
    List<String> controlPlaneOutput() {
        return List.copyOf(controlPlaneOutput);
    }

    String controlPlaneUrl() {
        return "http://127.0.0.1:" + controlPlanePort;
    }

    /** A gateway node with its own credential, issued through the admin API the first time this id starts. */
    GatewayNode startGateway(String nodeId) {
        return startGateway(nodeId, credential(nodeId));
    }

    /** The credential of a node id, issued through the admin API once. */
    String credential(String nodeId) {
        return credentials.computeIfAbsent(nodeId, id -> admin.create("/admin/nodes/credentials", Map.of("nodeId", id)).path("token").asText());
    }

    /** A new credential for a node id, each call; returns {id, token}. */
    String[] issueCredential(String nodeId) {
        JsonNode issued = admin.create("/admin/nodes/credentials", Map.of("nodeId", nodeId));
        return new String[] {issued.path("id").asText(), issued.path("token").asText()};
    }

    GatewayNode startGateway(String nodeId, String token) {
        return startGateway(nodeId, token, nodeId);
    }

    /** A gateway node whose data directory is named apart from its id (each running node needs its own). */
    GatewayNode startGateway(String nodeId, String token, String dataDirName) {
        return startGateway(nodeId, token, dataDirName, controlPlaneUrl());
    }

    /** A gateway node connected to the control plane instance at {@code controlPlaneUrl}. */
    GatewayNode startGateway(String nodeId, String token, String dataDirName, String controlPlaneUrl) {
        return startGateway(nodeId, token, dataDirName, controlPlaneUrl, Map.of());
    }

    /** A gateway node with more settings (environment names), which win over the ones chosen here. */
    GatewayNode startGateway(String nodeId, Map<String, String> settings) {
        return startGateway(nodeId, credential(nodeId), nodeId, controlPlaneUrl(), settings);
    }

    private GatewayNode startGateway(String nodeId, String token, String dataDirName, String controlPlaneUrl, Map<String, String> extra) {
        Map<String, String> env = nodeEnvironment(nodeId, token, dataDirName, controlPlaneUrl);
        env.putAll(extra);
        NodeSettings settings = NodeSettings.load(env);
        GatewayNode node = new GatewayNode(settings).start();
        gateways.add(node);
        return node;
    }

    /**
     * A node's settings as the environment an operator gives it, in this JVM or its own: ports chosen by the OS, a
     * data directory of its own under this platform's, a quick reconnect, no config file.
     */
    Map<String, String> nodeEnvironment(String nodeId, String token, String dataDirName, String controlPlaneUrl) {
        Map<String, String> env = new HashMap<>();
        env.put("GATEHOUSE_PROXY_HOST", "127.0.0.1");
        env.put("GATEHOUSE_PROXY_PORT", String.valueOf(freePort()));
        env.put("GATEHOUSE_STATUS_PORT", String.valueOf(freePort()));
        env.put("GATEHOUSE_CONTROL_PLANE_URL", controlPlaneUrl);
        env.put("GATEHOUSE_NODE_TOKEN", token);
        env.put("GATEHOUSE_NODE_ID", nodeId);
        env.put("GATEHOUSE_DATA_DIR", dir.resolve(dataDirName).toString());
        env.put("GATEHOUSE_EVENT_LOOPS", "2");
        env.put("GATEHOUSE_RECONNECT_MIN_MS", "100");
        env.put("GATEHOUSE_RECONNECT_MAX_MS", "1000");
        env.put("GATEHOUSE_CONFIG", "/nonexistent");
        // The portal is served by the control plane: a 402 links the developer to it.
        env.put("GATEHOUSE_PORTAL_URL", controlPlaneUrl);
        return env;
    }

    /** An API on the upstream, a plan, a consumer with an application subscribed to it, and one key. */
    Tenant newTenant(String label) {
        return newTenant(label, Map.of());
    }

    /** The same, with a plan of the given limits (ratePerSecond, burst, monthlyQuota, quotaMode, failureMode). */
    Tenant newTenant(String label, Map<String, Object> limits) {
        return newTenant(label, limits, upstream.url() + "/inventory");
    }

    /** The same, for an API on another upstream. */
    Tenant newTenant(String label, Map<String, Object> limits, String upstreamUrl) {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String basePath = "/" + label + "-" + suffix;
        String apiId = admin.create("/admin/apis", Map.of("name", label + "-" + suffix, "version", "1", "basePath", basePath,
                "status", "PUBLISHED", "targets", List.of(Map.of("url", upstreamUrl)))).path("id").asText();
        Map<String, Object> plan = new HashMap<>(limits);
        plan.put("name", "plan-" + suffix);
        String planId = admin.create("/admin/plans", plan).path("id").asText();
        String consumerId = admin.create("/admin/consumers", Map.of("username", "dev-" + suffix)).path("id").asText();
        String appId = admin.create("/admin/consumers/" + consumerId + "/applications", Map.of("name", "app")).path("id").asText();
        admin.create("/admin/subscriptions", Map.of("applicationId", appId, "apiId", apiId, "planId", planId));
        JsonNode key = admin.create("/admin/applications/" + appId + "/keys", Map.of());
        return new Tenant(apiId, planId, consumerId, appId, basePath, key.path("key").asText(), key.path("id").asText());
    }

    record Tenant(String apiId, String planId, String consumerId, String applicationId, String basePath, String key, String keyId) {
    }

    /** The verification link the outbox logged for this address (the control plane's log, as an operator reads it). */
    static String verificationLink(String email) {
        Pattern link = Pattern.compile("mail to " + Pattern.quote(email) + " kept in the outbox[\\s\\S]*?(/portal/verify/[A-Za-z0-9_-]+)");
        String[] found = new String[1];
        Http.await(Duration.ofSeconds(10), "the verification mail in the control plane's log", () -> {
            try {
                Matcher m = link.matcher(Files.readString(CONTROL_PLANE_LOG));
                if (m.find()) {
                    found[0] = m.group(1);
                    return true;
                }
                return false;
            } catch (IOException e) {
                return false;
            }
        });
        return found[0];
    }

    static int freePort() {
        return io.gatehouse.testing.FreePorts.next();
    }

    @Override
    public void close() throws IOException {
        gateways.forEach(GatewayNode::stop);
        others.forEach(ControlPlaneProcess::close);
        if (controlPlane != null) controlPlane.close();
        upstream.close();
        database.close();
        controlPlaneLog.close();
    }
}
