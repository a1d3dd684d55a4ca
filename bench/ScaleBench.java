import io.gatehouse.local.ControlPlaneProcess;
import io.gatehouse.local.EmbeddedDatabase;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The config log at the size of a large public API program: seeds keys, consumers with one application and one
 * subscription each, and APIs straight into PostgreSQL, then runs the packaged control plane and three gateway
 * nodes (separate processes, so their memory is their own) and measures what an operator would:
 * <ul>
 *   <li>time from an admin call (issue a key, revoke it) to enforcement on all three nodes: p50 and p99 over
 *       BENCH_CHANGES issues and as many revocations;</li>
 *   <li>control plane heap (after a full GC) and RSS; node heap and RSS holding every key;</li>
 *   <li>a node's cold start from its disk copy with the control plane away, and a new node's full snapshot.</li>
 * </ul>
 * Run by bench/scale.sh, which builds what it needs. Prints one RESULT line.
 */
public class ScaleBench {
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static final String ADMIN = "scale-bench-admin";

    public static void main(String[] args) throws Exception {
        int keys = Integer.parseInt(env("BENCH_KEYS", "1000000"));
        int consumers = Integer.parseInt(env("BENCH_CONSUMERS", String.valueOf(Math.max(1, keys / 10))));
        int apis = Integer.parseInt(env("BENCH_APIS", "1000"));
        int changes = Integer.parseInt(env("BENCH_CHANGES", "100"));
        Path gatewayJar = Path.of(args[0]);
        Path controlPlaneApp = Path.of(args[1]);
        Path work = Files.createTempDirectory("gatehouse-scale");
        String password = "scale-" + UUID.randomUUID().toString().substring(0, 8);
        List<Process> processes = new ArrayList<>();
        ControlPlaneProcess[] started = new ControlPlaneProcess[1];
        try (EmbeddedDatabase database = EmbeddedDatabase.start(work.resolve("db"), 0, password)) {
            int cpPort = ProcessProbe.freePort();
            Map<String, String> env = new HashMap<>(database.controlPlaneEnvironment());
            env.put("GATEHOUSE_ADMIN_TOKEN", ADMIN);
            env.put("GATEHOUSE_CONTROL_PLANE_HEAP", env("BENCH_CONTROL_PLANE_HEAP", "512m"));
            ControlPlaneProcess controlPlane = ControlPlaneProcess.start(controlPlaneApp, cpPort, env, line -> {
                if (line.contains("ERROR") || line.contains("published versions")) {
                    System.err.println("control-plane: " + line);
                }
            });
            String cp = "http://127.0.0.1:" + cpPort;
            started[0] = controlPlane;
            controlPlane.awaitReady(Duration.ofSeconds(120));

            // A tenant the benchmark calls with: one API on a local upstream, a plan with limits never reached.
            int upstreamPort = ProcessProbe.freePort();
            com.sun.net.httpserver.HttpServer upstream = com.sun.net.httpserver.HttpServer.create(
                    new java.net.InetSocketAddress("127.0.0.1", upstreamPort), 64);
            upstream.createContext("/", exchange -> {
                byte[] body = "ok".getBytes();
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            upstream.start();
            String apiId = field(post(cp, "/admin/apis", "{\"name\":\"scale-bench\",\"version\":\"1\",\"basePath\":\"/scale\",\"status\":\"PUBLISHED\","
                    + "\"targets\":[{\"url\":\"http://127.0.0.1:" + upstreamPort + "\"}]}"), "id");
            String planId = field(post(cp, "/admin/plans", "{\"name\":\"scale-gold\",\"ratePerSecond\":100000,\"burst\":1000,"
                    + "\"monthlyQuota\":100000000,\"quotaMode\":\"HARD\"}"), "id");
            String consumerId = field(post(cp, "/admin/consumers", "{\"username\":\"scale-bench\"}"), "id");
            String appId = field(post(cp, "/admin/consumers/" + consumerId + "/applications", "{\"name\":\"app\"}"), "id");
            post(cp, "/admin/subscriptions", "{\"applicationId\":\"" + appId + "\",\"apiId\":\"" + apiId + "\",\"planId\":\"" + planId + "\"}");

            long seeding = System.nanoTime();
            try (Connection sql = DriverManager.getConnection(database.jdbcUrl(), "postgres", password);
                 Statement statement = sql.createStatement()) {
                statement.execute("insert into apis (id, name, version, base_path, targets, connect_timeout_ms, read_timeout_ms, status, created_at, updated_at) "
                        + "select gen_random_uuid(), 'scale-api-' || n, '1', '/scale-api-' || n, '[{\"url\":\"http://127.0.0.1:9\",\"weight\":1}]', "
                        + "5000, 60000, 'PUBLISHED', now(), now() from generate_series(1, " + apis + ") n");
                statement.execute("insert into consumers (id, username, created_at) select gen_random_uuid(), 'scale-dev-' || n, now() "
                        + "from generate_series(1, " + consumers + ") n");
                statement.execute("insert into applications (id, consumer_id, name, created_at) select gen_random_uuid(), id, 'app', now() "
                        + "from consumers where username like 'scale-dev-%'");
                statement.execute("insert into subscriptions (id, application_id, api_id, plan_id, status, created_at) "
                        + "select gen_random_uuid(), numbered.id, api.id, '" + planId + "', 'ACTIVE', now() "
                        + "from (select a.id, row_number() over (order by a.id) as n from applications a join consumers c on c.id = a.consumer_id "
                        + "      where c.username like 'scale-dev-%') numbered "
                        + "join apis api on api.name = 'scale-api-' || (1 + numbered.n % " + apis + ")");
                statement.execute("insert into api_keys (id, application_id, key_hash, prefix, created_at) "
                        + "select gen_random_uuid(), a.id, encode(sha256(convert_to(gen_random_uuid()::text, 'UTF8')), 'hex'), 'ghk_seed00', now() "
                        + "from applications a join consumers c on c.id = a.consumer_id, generate_series(1, " + Math.max(1, keys / consumers) + ") g "
                        + "where c.username like 'scale-dev-%'");
            }
            long seeded = System.nanoTime();
            long expectedKeys = (long) Math.max(1, keys / consumers) * consumers;
            ProcessProbe.await(Duration.ofMinutes(30), () -> longField(get(cp, "/admin/config"), "keys") >= expectedKeys);
            long published = System.nanoTime();
            log("seeded %d keys, %d consumers and subscriptions, %d APIs in %d s; published in %d s", expectedKeys, consumers, apis,
                    secs(seeded - seeding), secs(published - seeded));

            List<Node> nodes = new ArrayList<>();
            long snapshotStart = System.nanoTime();
            for (int i = 1; i <= 3; i++) {
                nodes.add(Node.start(gatewayJar, cp, "scale-" + i, work, processes));
            }
            String tenantKey = field(post(cp, "/admin/applications/" + appId + "/keys", "{}"), "key");
            for (Node node : nodes) {
                ProcessProbe.await(Duration.ofMinutes(10), () -> node.status(tenantKey) == 200);
            }
            long fullSnapshot = System.nanoTime() - snapshotStart;
            log("three new nodes serving every key %d ms after they started", millis(fullSnapshot));

            List<Long> issue = new ArrayList<>();
            List<Long> revoke = new ArrayList<>();
            for (int i = 0; i < changes; i++) {
                long start = System.nanoTime();
                String issued = post(cp, "/admin/applications/" + appId + "/keys", "{}");
                String key = field(issued, "key");
                for (Node node : nodes) {
                    ProcessProbe.await(Duration.ofSeconds(30), () -> node.status(key) == 200);
                }
                issue.add(System.nanoTime() - start);
                start = System.nanoTime();
                post(cp, "/admin/keys/" + field(issued, "id") + "/revoke", "{}");
                for (Node node : nodes) {
                    ProcessProbe.await(Duration.ofSeconds(30), () -> node.status(key) == 401);
                }
                revoke.add(System.nanoTime() - start);
            }

            long cpHeap = ProcessProbe.heapAfterGc(controlPlane.pid());
            long cpRss = ProcessProbe.rss(controlPlane.pid());
            long nodeHeap = ProcessProbe.heapAfterGc(nodes.get(0).process.pid());
            long nodeRss = ProcessProbe.rss(nodes.get(0).process.pid());

            // Cold start: the first node stops, then starts again with the control plane unreachable.
            Node first = nodes.get(0);
            first.process.destroy();
            first.process.waitFor();
            long coldStart = System.nanoTime();
            Node restarted = Node.start(gatewayJar, "http://127.0.0.1:" + ProcessProbe.freePort(), "scale-1", work, processes);
            ProcessProbe.await(Duration.ofMinutes(5), restarted::ready);
            long cold = System.nanoTime() - coldStart;
            ProcessProbe.await(Duration.ofMinutes(5), () -> restarted.status(tenantKey) == 200);
            long coldServing = System.nanoTime() - coldStart;

            long newNodeStart = System.nanoTime();
            Node fresh = Node.start(gatewayJar, cp, "scale-4", work, processes);
            ProcessProbe.await(Duration.ofMinutes(10), fresh::ready);
            long newNode = System.nanoTime() - newNodeStart;

            upstream.stop(0);
            String result = String.format("RESULT keys=%d consumers=%d apis=%d issue_p50_ms=%d issue_p99_ms=%d revoke_p50_ms=%d revoke_p99_ms=%d "
                            + "cp_heap_mb=%d cp_rss_mb=%d node_heap_mb=%d node_rss_mb=%d cold_start_ready_ms=%d cold_start_first_200_ms=%d "
                            + "new_node_ready_ms=%d publish_seeded_s=%d",
                    expectedKeys, consumers, apis, pct(issue, 50), pct(issue, 99), pct(revoke, 50), pct(revoke, 99),
                    cpHeap >> 20, cpRss >> 20, nodeHeap >> 20, nodeRss >> 20, millis(cold), millis(coldServing), millis(newNode),
                    secs(published - seeded));
            System.out.println(result);
            controlPlane.close();
        } finally {
            if (started[0] != null) {
                started[0].close();
            }
            for (Process process : processes) {
                process.destroyForcibly();
            }
        }
    }

    record Node(Process process, int proxyPort, int statusPort) {
        static Node start(Path jar, String controlPlane, String nodeId, Path work, List<Process> processes) throws Exception {
            String token = nodeId.equals("none") ? "" : credential(controlPlane, nodeId);
            int proxyPort = ProcessProbe.freePort();
            int statusPort = ProcessProbe.freePort();
            // The JVM options docs/operations.md gives for a node at a million keys, so RSS is measured as deployed.
            List<String> command = new java.util.ArrayList<>(List.of(javaBin()));
            command.addAll(List.of(env("BENCH_NODE_OPTS", "-Xms128m -Xmx" + env("BENCH_NODE_HEAP", "320m")
                    + " -XX:+UseParallelGC -XX:MaxMetaspaceSize=128m -XX:ReservedCodeCacheSize=64m -XX:MaxDirectMemorySize=64m -Xss512k")
                    .trim().split("\\s+")));
            command.addAll(List.of("-cp", jar.toString(), "io.gatehouse.gateway.GatewayMain"));
            ProcessBuilder builder = new ProcessBuilder(command);
            Map<String, String> e = builder.environment();
            e.put("MALLOC_ARENA_MAX", env("MALLOC_ARENA_MAX", "2"));
            e.put("GATEHOUSE_PROXY_HOST", "127.0.0.1");
            e.put("GATEHOUSE_PROXY_PORT", String.valueOf(proxyPort));
            e.put("GATEHOUSE_STATUS_PORT", String.valueOf(statusPort));
            e.put("GATEHOUSE_CONTROL_PLANE_URL", controlPlane);
            e.put("GATEHOUSE_NODE_TOKEN", token);
            e.put("GATEHOUSE_NODE_ID", nodeId);
            e.put("GATEHOUSE_DATA_DIR", work.resolve(nodeId).toString());
            e.put("GATEHOUSE_ACCESS_LOG", "off");
            e.put("GATEHOUSE_AUDIT_ENABLED", "false");
            e.put("GATEHOUSE_CONFIG", "/nonexistent");
            builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve(nodeId + ".log").toFile()));
            Process process = builder.start();
            processes.add(process);
            return new Node(process, proxyPort, statusPort);
        }

        /** Ready: the node holds a config (from disk or the control plane) and serves it. */
        boolean ready() {
            try {
                HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + statusPort + "/status/ready"))
                        .timeout(Duration.ofSeconds(5)).build();
                return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
            } catch (Exception e) {
                return false;
            }
        }

        int status(String key) {
            try {
                HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxyPort + "/scale/x"))
                        .header("X-API-Key", key).timeout(Duration.ofSeconds(5)).build();
                return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (Exception e) {
                return -1;
            }
        }
    }

    /** Node credentials are issued once per node id and kept, so a restarted node presents the same one. */
    static final Map<String, String> CREDENTIALS = new HashMap<>();

    static String credential(String controlPlane, String nodeId) throws Exception {
        String known = CREDENTIALS.get(nodeId);
        if (known != null) {
            return known;
        }
        String token = field(post(controlPlane, "/admin/nodes/credentials", "{\"nodeId\":\"" + nodeId + "\"}"), "token");
        CREDENTIALS.put(nodeId, token);
        return token;
    }

    static long pct(List<Long> nanos, int percentile) {
        List<Long> sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        int index = (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1;
        return millis(sorted.get(Math.max(0, index)));
    }

    static String post(String base, String path, String json) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + ADMIN)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IllegalStateException(path + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }

    static String get(String base, String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + ADMIN).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            return "{}";
        }
    }

    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
        if (!m.find()) {
            throw new IllegalStateException("no " + name + " in " + json);
        }
        return m.group(1);
    }

    static long longField(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*(\\d+)").matcher(json);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    static String javaBin() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    static long millis(long nanos) {
        return Duration.ofNanos(nanos).toMillis();
    }

    static long secs(long nanos) {
        return Duration.ofNanos(nanos).toSeconds();
    }

    static void log(String format, Object... args) {
        System.out.printf("scale: " + format + "%n", args);
    }
}
