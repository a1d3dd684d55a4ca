import io.gatehouse.gateway.config.ActiveConfig;
import io.gatehouse.gateway.config.ConfigStore;
import io.gatehouse.gateway.routing.UpstreamHealth;
import io.gatehouse.protocol.config.ApiDefinition;
import io.gatehouse.protocol.config.Changes;
import io.gatehouse.protocol.config.ConfigDelta;
import io.gatehouse.protocol.config.ConfigHash;
import io.gatehouse.protocol.config.ConfigSection;
import io.gatehouse.protocol.config.KeyGrant;
import io.gatehouse.protocol.config.PlanDefinition;
import io.gatehouse.protocol.config.SubscriptionGrant;
import io.gatehouse.protocol.config.UpstreamTarget;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * A real gateway node process started on a large disk copy with its control plane away: time to ready
 * ({@code /status/ready} 200), time until a key of the copy is accepted, RSS at ready and after a full GC, and heap
 * after a full GC. The disk copy is written by the node's own code (snapshot plus 1,000 logged single-key deltas),
 * so a jar of an earlier release measures that release's format. Run by bench/node-coldstart.sh.
 *
 * java -Xmx1500m -cp GATEWAY_JAR:PROBE_CLASSES bench/NodeColdStart.java GATEWAY_JAR [keys] [rounds]
 * (PROBE_CLASSES: bench/support/ProcessProbe.java compiled, as the script does)
 * env: NODE_JAVA_OPTS  the node's JVM options (default: the ones docs/operations.md gives for a million keys)
 *      MALLOC_ARENA_MAX  the node's glibc malloc arenas (default 2, as the manifests set it)
 *      BENCH_NMT=1     also print the JVM's native memory summary at the end of each round
 */
public class NodeColdStart {
    static final HexFormat HEX = HexFormat.of();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /** A key of the shape the node accepts (ApiKeys: "ghk_" and 43 base64url characters). */
    static final String SECRET = "ghk_" + "c".repeat(43);
    /** As deploy/kubernetes/base/gateway.yaml runs a node. */
    static final String DEFAULT_OPTS = "-Xms128m -Xmx320m -XX:+UseParallelGC -XX:MaxMetaspaceSize=128m -XX:ReservedCodeCacheSize=64m "
            + "-XX:MaxDirectMemorySize=64m -Xss512k";

    public static void main(String[] args) throws Exception {
        Path jar = Path.of(args[0]);
        int keys = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        int applications = Math.max(1, keys / 10);
        String opts = System.getenv().getOrDefault("NODE_JAVA_OPTS", DEFAULT_OPTS);
        Path work = Files.createTempDirectory("node-cold-start");
        Path data = work.resolve("data");

        long start = System.nanoTime();
        writeDiskCopy(data, keys, applications);
        System.out.printf("disk copy of %,d keys (%,d applications, 1,000 APIs) written in %,d ms: %s%n", keys, applications,
                (System.nanoTime() - start) / 1_000_000, sizes(data.resolve("config")));
        System.gc();

        for (int round = 1; round <= rounds; round++) {
            int proxyPort = ProcessProbe.freePort();
            int statusPort = ProcessProbe.freePort();
            List<String> command = new ArrayList<>();
            command.add(ProcessHandle.current().info().command().orElse("java"));
            command.addAll(List.of(opts.trim().split("\\s+")));
            if ("1".equals(System.getenv("BENCH_NMT"))) {
                command.add("-XX:NativeMemoryTracking=summary");
            }
            command.addAll(List.of("-cp", jar.toString(), "io.gatehouse.gateway.GatewayMain"));
            ProcessBuilder builder = new ProcessBuilder(command);
            var env = builder.environment();
            env.put("GATEHOUSE_PROXY_HOST", "127.0.0.1");
            env.put("GATEHOUSE_PROXY_PORT", String.valueOf(proxyPort));
            env.put("GATEHOUSE_STATUS_PORT", String.valueOf(statusPort));
            env.put("GATEHOUSE_CONTROL_PLANE_URL", "http://127.0.0.1:" + ProcessProbe.freePort()); // nobody listens: the node serves its disk copy
            env.put("GATEHOUSE_NODE_TOKEN", "bench-token");
            env.put("GATEHOUSE_NODE_ID", "cold-start");
            env.put("GATEHOUSE_DATA_DIR", data.toString());
            env.put("GATEHOUSE_ACCESS_LOG", "off");
            env.put("GATEHOUSE_AUDIT_ENABLED", "false");
            env.put("GATEHOUSE_CONFIG", "/nonexistent");
            env.put("MALLOC_ARENA_MAX", System.getenv().getOrDefault("MALLOC_ARENA_MAX", "2"));
            builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(work.resolve("node.log").toFile()));
            long started = System.nanoTime();
            Process node = builder.start();
            try {
                ProcessProbe.await(Duration.ofMinutes(3), () -> status("http://127.0.0.1:" + statusPort + "/status/ready", null) == 200);
                long ready = System.nanoTime() - started;
                long rssReady = ProcessProbe.rss(node.pid());
                long cpuReady = cpuMillis(node.pid());
                // The upstream does not listen: an accepted key gets the upstream's failure, not 401 or not_ready.
                ProcessProbe.await(Duration.ofMinutes(1), () -> {
                    String answer = answer("http://127.0.0.1:" + proxyPort + "/api-0/x", SECRET);
                    return answer != null && !answer.startsWith("401") && !answer.contains("not_ready");
                });
                long keyAccepted = System.nanoTime() - started;
                long heap = ProcessProbe.heapAfterGc(node.pid());
                long rssAfterGc = ProcessProbe.rss(node.pid());
                System.out.printf("RESULT round=%d keys=%d ready_ms=%d cpu_at_ready_ms=%d key_accepted_ms=%d rss_at_ready_mb=%d heap_after_gc_mb=%d "
                                + "rss_after_gc_mb=%d load=\"%s\" opts=\"%s\"%n", round, keys, ready / 1_000_000, cpuReady, keyAccepted / 1_000_000,
                        rssReady >> 20, heap >> 20,
                        rssAfterGc >> 20, loadAverage(), opts);
                if ("1".equals(System.getenv("BENCH_NMT"))) {
                    System.out.println(ProcessProbe.run("jcmd", String.valueOf(node.pid()), "VM.native_memory", "summary"));
                }
            } finally {
                node.destroy();
                node.waitFor();
            }
        }
        System.out.println("node log: " + work.resolve("node.log"));
    }

    /** 1,000 APIs, 3 plans, one subscription per application, the keys, and 1,000 logged single-key deltas. */
    static void writeDiskCopy(Path data, int keys, int applications) throws Exception {
        ActiveConfig.Builder builder = new ActiveConfig.Builder(new UpstreamHealth(), keys);
        for (int a = 0; a < 1_000; a++) {
            builder.entry(ConfigSection.APIS, new ApiDefinition("api-" + a, "api-" + a, "1", null, "/api-" + a, true,
                    List.of(new UpstreamTarget("http://127.0.0.1:9", 1)), "X-API-Key", 1_000, 5_000, "PUBLISHED", null, null, null));
        }
        for (String plan : List.of("free", "gold", "platinum")) {
            builder.entry(ConfigSection.PLANS, new PlanDefinition(plan, plan, 1_000_000L, 1_000_000L, null, "HARD", "OPEN"));
        }
        for (int i = 0; i < applications; i++) {
            builder.entry(ConfigSection.SUBSCRIPTIONS, new SubscriptionGrant(new UUID(0x3000_0000_0000_0000L, i).toString(), app(i),
                    "api-" + (i % 1_000), List.of("free", "gold", "platinum").get(i % 3), null));
        }
        Random random = new Random(1);
        builder.entry(ConfigSection.KEYS, new KeyGrant(UUID.randomUUID().toString(), sha256(SECRET), app(0), consumer(0), null));
        for (int k = 1; k < keys; k++) {
            int a = k % applications;
            byte[] hash = new byte[32];
            random.nextBytes(hash);
            builder.entry(ConfigSection.KEYS, new KeyGrant(UUID.randomUUID().toString(), HEX.formatHex(hash), app(a), consumer(a), null));
        }
        ActiveConfig config = builder.build(1, null, Instant.now());
        ConfigStore store = new ConfigStore(data, Long.MAX_VALUE);
        try (ConfigStore.SnapshotWriter writer = store.startSnapshot(1, config.hash(), config.publishedAt(), keys)) {
            config.forEachEntry((section, entry) -> {
                try {
                    writer.write(section, entry);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            writer.commit();
        }
        long version = 1;
        for (int i = 0; i < 1_000; i++) {
            ConfigHash hash = ConfigHash.parse(config.hash());
            byte[] h = new byte[32];
            random.nextBytes(h);
            KeyGrant issued = new KeyGrant(new UUID(0x7000_0000_0000_0000L, i).toString(), HEX.formatHex(h), app(i % applications),
                    consumer(i % applications), null);
            hash.add(ConfigHash.entry(ConfigSection.KEYS, issued));
            ConfigDelta delta = new ConfigDelta(version, version + 1, hash.hex(), Instant.now(), new Changes<>(null, null),
                    new Changes<>(null, null), new Changes<>(List.of(issued), List.of()), new Changes<>(null, null));
            config.apply(delta);
            store.append(delta);
            version++;
        }
        store.close();
    }

    static String app(int i) {
        return new UUID(0x1000_0000_0000_0000L, i).toString();
    }

    static String consumer(int i) {
        return new UUID(0x2000_0000_0000_0000L, i).toString();
    }

    static String sha256(String s) throws Exception {
        return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    static String sizes(Path dir) throws Exception {
        StringBuilder out = new StringBuilder();
        try (var files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                out.append(f.getFileName()).append(' ').append(Files.size(f) >> 20).append(" MB; ");
            }
        }
        return out.toString();
    }

    static int status(String url, String key) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5));
            if (key != null) {
                request.header("X-API-Key", key);
            }
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }

    static String answer(String url, String key) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
                    .header("X-API-Key", key).build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() + " " + response.body();
        } catch (Exception e) {
            return null;
        }
    }

    /** CPU the process has used (all its threads: JIT and GC included), from /proc/<pid>/stat. */
    static long cpuMillis(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime (fields 14 and 15)
        return ticks * 1000 / 100; // USER_HZ is 100 on Linux
    }

    static String loadAverage() throws Exception {
        return Files.readString(Path.of("/proc/loadavg")).trim();
    }

}
