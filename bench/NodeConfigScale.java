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

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.function.BiConsumer;

/**
 * What a large configuration costs a gateway node: heap held by the compiled config (routes, compact key index,
 * applications and subscriptions), the time to build it, to write it to disk, to load it back (cold start: snapshot
 * plus a log of deltas), and to apply one delta. Run with the gateway's jar on the class path:
 * java -Xmx1g -cp gateway-node/target/gatehouse-gateway-node-*.jar bench/NodeConfigScale.java [keys] [keysPerApplication]
 */
public class NodeConfigScale {
    static final HexFormat HEX = HexFormat.of();

    public static void main(String[] args) throws Exception {
        int keys = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int perApplication = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int applications = Math.max(1, keys / perApplication);
        System.out.printf("%,d keys over %,d applications (one subscription each), 1,000 APIs, 3 plans%n", keys, applications);

        // The same APIs, plans, applications and subscriptions without a key: what the keys themselves cost is the rest.
        long before = usedHeap();
        ActiveConfig.Builder withoutKeys = new ActiveConfig.Builder(new UpstreamHealth(), 0);
        entries(0, applications, withoutKeys::entry);
        ActiveConfig base = withoutKeys.build(1, null, Instant.now());
        long baseHeld = usedHeap() - before;
        System.out.printf("without keys: %,d MB (%,d APIs, %,d subscriptions)%n", baseHeld >> 20, base.routes().size(),
                base.grants().subscriptionCount());
        base = null;
        withoutKeys = null;

        before = usedHeap();
        long start = System.nanoTime();
        ActiveConfig.Builder builder = new ActiveConfig.Builder(new UpstreamHealth(), keys);
        entries(keys, applications, builder::entry);
        ActiveConfig config = builder.build(1, null, Instant.now());
        long buildMs = (System.nanoTime() - start) / 1_000_000;
        long held = usedHeap() - before;
        System.out.printf("built in %,d ms; heap held by the config: %,d MB, of which the keys %,d MB (%d bytes per key)%n", buildMs,
                held >> 20, (held - baseHeld) >> 20, (held - baseHeld) / keys);

        Path dir = Files.createTempDirectory("node-config-scale");
        ConfigStore store = new ConfigStore(dir, Long.MAX_VALUE);
        start = System.nanoTime();
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
        System.out.printf("snapshot written in %,d ms (%,d MB on disk)%n", (System.nanoTime() - start) / 1_000_000,
                Files.size(store.file()) >> 20);

        // 1,000 deltas, one key each (issued, or an earlier one revoked), applied in place and logged.
        Random random = new Random(99);
        long applyNanos = 0;
        long version = 1;
        for (int i = 0; i < 1_000; i++) {
            ConfigHash hash = ConfigHash.parse(config.hash());
            Changes<KeyGrant> change;
            if (i % 4 == 3) {
                KeyGrant revoked = config.keys().byId(keyId(i - 1));
                hash.subtract(ConfigHash.entry(ConfigSection.KEYS, revoked));
                change = new Changes<>(List.of(), List.of(revoked.id()));
            } else {
                KeyGrant issued = new KeyGrant(keyId(i), HEX.formatHex(randomBytes(random)), app(i % applications), consumer(i % applications), null);
                hash.add(ConfigHash.entry(ConfigSection.KEYS, issued));
                change = new Changes<>(List.of(issued), List.of());
            }
            ConfigDelta delta = new ConfigDelta(version, version + 1, hash.hex(), Instant.now(), new Changes<>(null, null),
                    new Changes<>(null, null), change, new Changes<>(null, null));
            long t = System.nanoTime();
            config.apply(delta);
            applyNanos += System.nanoTime() - t;
            store.append(delta);
            version++;
        }
        System.out.printf("1,000 single-key deltas applied in place: %,d µs each on average (hash kept incrementally)%n", applyNanos / 1_000 / 1_000);
        String expected = config.hash();
        config = null;
        builder = null;
        store.close();

        for (int round = 1; round <= 2; round++) {
            start = System.nanoTime();
            long cpu = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
            ActiveConfig loaded = new ConfigStore(dir, Long.MAX_VALUE).load(new UpstreamHealth()).orElseThrow();
            long ms = (System.nanoTime() - start) / 1_000_000;
            long cpuMs = (java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - cpu) / 1_000_000;
            System.out.printf("cold start %d (snapshot + 1,000 logged deltas): %,d ms (%,d ms of CPU), version %d, hash %s%n", round, ms, cpuMs,
                    loaded.version(), loaded.hash().equals(expected) ? "as acknowledged" : "DIFFERENT");
            loaded = null;
            usedHeap();
        }
    }

    static String keyId(int i) {
        return new UUID(0x7000_0000_0000_0000L, i).toString();
    }

    static String app(int i) {
        return new UUID(0x1000_0000_0000_0000L, i).toString();
    }

    static String consumer(int i) {
        return new UUID(0x2000_0000_0000_0000L, i).toString();
    }

    static byte[] randomBytes(Random random) {
        byte[] b = new byte[32];
        random.nextBytes(b);
        return b;
    }

    /** The entries, generated as they are added, so the measurement holds the config and nothing else. */
    static void entries(int keys, int applications, BiConsumer<ConfigSection, Object> into) {
        for (int a = 0; a < 1_000; a++) {
            into.accept(ConfigSection.APIS, new ApiDefinition("api-" + a, "api-" + a, "1", null, "/api-" + a, true,
                    List.of(new UpstreamTarget("http://127.0.0.1:" + (10_000 + a), 1)), "X-API-Key", 1_000, 5_000, "PUBLISHED", null, null, null));
        }
        for (String plan : List.of("free", "gold", "platinum")) {
            into.accept(ConfigSection.PLANS, new PlanDefinition(plan, plan, 10L, 20L, 100_000L, "HARD", "OPEN"));
        }
        for (int i = 0; i < applications; i++) {
            into.accept(ConfigSection.SUBSCRIPTIONS, new SubscriptionGrant(new UUID(0x3000_0000_0000_0000L, i).toString(), app(i),
                    "api-" + (i % 1_000), List.of("free", "gold", "platinum").get(i % 3), null));
        }
        Random random = new Random(1);
        for (int k = 0; k < keys; k++) {
            int a = k % applications;
            into.accept(ConfigSection.KEYS, new KeyGrant(UUID.randomUUID().toString(), HEX.formatHex(randomBytes(random)), app(a), consumer(a), null));
        }
    }

    static long usedHeap() {
        Runtime runtime = Runtime.getRuntime();
        for (int i = 0; i < 4; i++) {
            System.gc();
        }
        return runtime.totalMemory() - runtime.freeMemory();
    }
}
