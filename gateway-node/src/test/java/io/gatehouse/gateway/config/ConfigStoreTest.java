package io.gatehouse.gateway.config;

import io.gatehouse.gateway.TestSupport;
import io.gatehouse.gateway.routing.UpstreamHealth;
import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.config.KeyGrant;
import io.gatehouse.protocol.config.SubscriptionGrant;
import io.gatehouse.protocol.keys.ApiKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The disk copy on its own: a snapshot, a log of deltas, and the compaction that folds one into the other. */
class ConfigStoreTest {
    @TempDir
    Path dir;

    @Test
    void aCompactedLogLeavesASnapshotWithoutRevokedKeysThatLoadsToTheSameHash() throws Exception {
        List<KeyGrant> keys = new ArrayList<>(List.of(TestSupport.key("k1", ApiKeys.generate(), "app-1", null)));
        ConfigSnapshot base = TestSupport.snapshot(1, List.of(TestSupport.api("orders", null, "/orders", "http://127.0.0.1:9")), keys,
                List.of(TestSupport.subscription("app-1", "orders")));
        ConfigStore store = new ConfigStore(dir, 3);
        store.save(base);
        ActiveConfig live = ActiveConfig.compile(base);

        ConfigSnapshot current = base;
        for (int v = 2; v <= 5; v++) {
            List<KeyGrant> next = new ArrayList<>(current.keys());
            if (v == 3) {
                next.removeIf(k -> k.id().equals("k1"));
            } else {
                next.add(TestSupport.key("k" + v, ApiKeys.generate(), "app-1", null));
            }
            ConfigSnapshot snapshot = TestSupport.snapshot(v, current.apis(), next, current.subscriptions());
            live.apply(snapshot.deltaFrom(current));
            store.append(snapshot.deltaFrom(current));
            current = snapshot;
        }
        ConfigStore finished = store;
        TestSupport.awaitTrue(Duration.ofSeconds(10), "a compaction", () -> finished.compactions() >= 1);
        store.close();

        assertThat(ConfigStore.snapshotVersion(store.file())).isEqualTo(4);
        assertThat(Files.readAllLines(store.logFile())).as("the delta after the compacted ones").hasSize(1);
        // The compacted snapshot on its own, without the log after it.
        Path alone = dir.resolve("alone");
        Files.createDirectories(alone.resolve("config"));
        Files.copy(store.file(), alone.resolve("config").resolve(store.file().getFileName()));
        ConfigSnapshot compacted = new ConfigStore(alone, 3).load(new UpstreamHealth()).orElseThrow().toSnapshot();
        assertThat(compacted.version()).isEqualTo(4);
        assertThat(compacted.keys()).extracting(KeyGrant::id).doesNotContain("k1").contains("k2", "k4");
        assertThat(compacted.hash()).isEqualTo(compacted.computeHash());

        ActiveConfig loaded = new ConfigStore(dir, 3).load(new UpstreamHealth()).orElseThrow();
        assertThat(loaded.version()).isEqualTo(5);
        assertThat(loaded.hash()).isEqualTo(current.hash()).isEqualTo(live.hash());
        assertThat(loaded.toSnapshot().keys()).isEqualTo(current.keys());
    }

    @Test
    void compactionKeepsEveryKindOfKeyAndFoldsInTheLoggedChanges() throws Exception {
        ConfigSnapshot base = everyKindOfKey(1);
        ConfigStore store = new ConfigStore(dir, 3);
        store.save(base);
        ActiveConfig live = ActiveConfig.compile(base);
        ConfigSnapshot current = base;
        for (int v = 2; v <= 4; v++) {
            List<KeyGrant> next = new ArrayList<>(current.keys());
            KeyGrant changed = next.remove(v * 10);
            if (v == 3) {
                // the same key again, now suspended: replaced in place by compaction
                next.add(new KeyGrant(changed.id(), changed.keyHash(), changed.applicationId(), changed.consumerId(), null, "payment_failed"));
            }
            next.add(TestSupport.key(UUID.randomUUID().toString(), ApiKeys.generate(), "app-3", Instant.parse("2032-01-01T00:00:00Z")));
            ConfigSnapshot snapshot = TestSupport.snapshot(v, current.apis(), next, current.subscriptions());
            live.apply(snapshot.deltaFrom(current));
            store.append(snapshot.deltaFrom(current));
            current = snapshot;
        }
        ConfigStore finished = store;
        TestSupport.awaitTrue(Duration.ofSeconds(10), "a compaction", () -> finished.compactions() >= 1);
        store.close();

        ActiveConfig loaded = new ConfigStore(dir, 3).load(new UpstreamHealth()).orElseThrow();
        assertThat(loaded.version()).isEqualTo(4);
        assertThat(loaded.hash()).isEqualTo(current.hash()).isEqualTo(live.hash());
        ConfigSnapshot back = loaded.toSnapshot();
        assertThat(back.keys()).isEqualTo(current.keys());
        assertThat(back.computeHash()).isEqualTo(current.hash());
    }

    /** Keys of every shape the compact form has to bring back exactly, the usual ones and the rare ones. */
    static ConfigSnapshot everyKindOfKey(long version) {
        List<KeyGrant> keys = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            keys.add(new KeyGrant(UUID.randomUUID().toString(), ApiKeys.hash(ApiKeys.generate()), "app-" + (i % 7),
                    i % 3 == 0 ? null : "consumer-" + (i % 7), i % 5 == 0 ? Instant.parse("2031-02-03T04:05:06.123456Z") : null));
        }
        keys.add(new KeyGrant("legacy-key-id", ApiKeys.hash(ApiKeys.generate()), "app-1", "consumer-1", null));
        keys.add(new KeyGrant(UUID.randomUUID().toString().toUpperCase(java.util.Locale.ROOT), ApiKeys.hash(ApiKeys.generate()), "app-1", "consumer-1", null));
        keys.add(new KeyGrant(UUID.randomUUID().toString(), ApiKeys.hash(ApiKeys.generate()), "app-1", "consumer-1",
                Instant.parse("2031-02-03T04:05:06.123456789Z")));
        keys.add(new KeyGrant(UUID.randomUUID().toString(), ApiKeys.hash(ApiKeys.generate()), "app-2", "consumer-2", null, "payment_failed"));
        keys.add(new KeyGrant(UUID.randomUUID().toString(), ApiKeys.hash(ApiKeys.generate()), "app-\u00e9t\u00e9", "consumer-\u4e2d", Instant.EPOCH.minusSeconds(1)));
        List<SubscriptionGrant> subscriptions = new ArrayList<>();
        for (String app : List.of("app-0", "app-1", "app-2", "app-3", "app-4", "app-5", "app-6", "app-\u00e9t\u00e9")) {
            subscriptions.add(TestSupport.subscription(app, "orders"));
        }
        return TestSupport.snapshot(version, List.of(TestSupport.api("orders", null, "/orders", "http://127.0.0.1:9")), keys, subscriptions);
    }

    @Test
    void aSavedSnapshotComesBackWithEveryKeyAsSentAndTheSameHash() throws Exception {
        ConfigSnapshot sent = everyKindOfKey(7);
        ConfigStore store = new ConfigStore(dir, 100);
        store.save(sent);
        store.close();

        long start = System.nanoTime();
        ActiveConfig loaded = new ConfigStore(dir, 100).load(new UpstreamHealth()).orElseThrow();
        System.out.printf("%d keys loaded in %d ms%n", sent.keys().size(), (System.nanoTime() - start) / 1_000_000);
        ConfigSnapshot back = loaded.toSnapshot();
        assertThat(back.keys()).isEqualTo(sent.keys());
        assertThat(back.subscriptions()).isEqualTo(sent.subscriptions());
        assertThat(back.apis()).isEqualTo(sent.apis());
        assertThat(back.plans()).isEqualTo(sent.plans());
        assertThat(loaded.version()).isEqualTo(7);
        assertThat(loaded.publishedAt()).isEqualTo(sent.publishedAt());
        assertThat(loaded.hash()).isEqualTo(sent.hash()).isEqualTo(back.computeHash());
        KeyGrant usual = sent.keys().get(0);
        assertThat(loaded.keys().lookup(usual.keyHash())).as("a usual key is found by its hash").isNotNull();
    }

    @Test
    void aSnapshotFileDamagedOnDiskIsRefusedWhole() throws Exception {
        ConfigStore store = new ConfigStore(dir, 100);
        store.save(everyKindOfKey(1));
        store.close();
        Path file = store.file();
        byte[] good = Files.readAllBytes(file);

        byte[] flipped = good.clone();
        flipped[good.length / 2] ^= 0x01; // one bit of one key's hash, say: the file still parses
        Files.write(file, flipped);
        assertRefused("a flipped bit");

        Files.write(file, java.util.Arrays.copyOf(good, good.length - 100));
        assertRefused("a file cut short");

        Files.write(file, java.util.Arrays.copyOf(good, 10));
        assertRefused("a file cut to its first bytes");

        Files.write(file, good);
        assertThat(new ConfigStore(dir, 100).load(new UpstreamHealth())).as("the same bytes, undamaged").isPresent();
    }

    private void assertRefused(String what) {
        assertThatThrownBy(() -> new ConfigStore(dir, 100).load(new UpstreamHealth()))
                .as(what).isInstanceOf(java.io.IOException.class).hasMessageContaining("damaged");
    }

    @Test
    void aNodeUpgradedFromTheJsonLinesCopyServesItAndItsLogThenRewritesIt() throws Exception {
        ConfigSnapshot v1 = everyKindOfKey(1);
        Path config = dir.resolve("config");
        Files.createDirectories(config);
        // The copy as earlier releases wrote it: a header line, then one "<section>\t<canonical JSON>" line per entry.
        StringBuilder lines = new StringBuilder("{\"format\":\"gatehouse-config/1\",\"version\":1,\"hash\":\"" + v1.hash()
                + "\",\"publishedAt\":\"" + v1.publishedAt() + "\",\"keys\":0}\n");
        v1.apis().forEach(a -> lines.append("apis\t").append(Json.write(a)).append('\n'));
        v1.plans().forEach(p -> lines.append("plans\t").append(Json.write(p)).append('\n'));
        v1.keys().forEach(k -> lines.append("keys\t").append(Json.write(k)).append('\n'));
        v1.subscriptions().forEach(s -> lines.append("subscriptions\t").append(Json.write(s)).append('\n'));
        Files.writeString(config.resolve("snapshot.jsonl"), lines);
        List<KeyGrant> keys = new ArrayList<>(v1.keys());
        keys.remove(0);
        keys.add(TestSupport.key(UUID.randomUUID().toString(), ApiKeys.generate(), "app-1", null));
        ConfigSnapshot v2 = TestSupport.snapshot(2, v1.apis(), keys, v1.subscriptions());
        Files.writeString(config.resolve("log.jsonl"), Json.write(v2.deltaFrom(v1)) + "\n");

        ConfigStore store = new ConfigStore(dir, 100);
        ActiveConfig upgraded = store.load(new UpstreamHealth()).orElseThrow();
        store.close();
        assertThat(upgraded.version()).isEqualTo(2);
        assertThat(upgraded.hash()).isEqualTo(v2.hash());
        assertThat(config.resolve("snapshot.jsonl")).as("the old copy, once rewritten").doesNotExist();
        assertThat(config.resolve("log.jsonl")).as("its log, folded into the new snapshot").doesNotExist();
        assertThat(ConfigStore.snapshotVersion(store.file())).isEqualTo(2);

        ActiveConfig restarted = new ConfigStore(dir, 100).load(new UpstreamHealth()).orElseThrow();
        assertThat(restarted.version()).isEqualTo(2);
        assertThat(restarted.hash()).isEqualTo(v2.hash());
        assertThat(restarted.toSnapshot().keys()).isEqualTo(v2.keys());
    }

    @Test
    void aJsonLinesCopyThatDoesNotMatchItsHeaderIsRefused() throws Exception {
        ConfigSnapshot v1 = everyKindOfKey(1);
        Path config = dir.resolve("config");
        Files.createDirectories(config);
        StringBuilder lines = new StringBuilder("{\"format\":\"gatehouse-config/1\",\"version\":1,\"hash\":\"" + v1.hash() + "\"}\n");
        v1.apis().forEach(a -> lines.append("apis\t").append(Json.write(a)).append('\n'));
        v1.plans().forEach(p -> lines.append("plans\t").append(Json.write(p)).append('\n'));
        v1.keys().forEach(k -> lines.append("keys\t").append(Json.write(k).replace("\"app-1\"", "\"app-2\"")).append('\n'));
        v1.subscriptions().forEach(s -> lines.append("subscriptions\t").append(Json.write(s)).append('\n'));
        Files.writeString(config.resolve("snapshot.jsonl"), lines);

        assertThatThrownBy(() -> new ConfigStore(dir, 100).load(new UpstreamHealth()))
                .isInstanceOfSatisfying(InvalidConfigException.class, e -> assertThat(e.code()).isEqualTo("hash_mismatch"));
        assertThat(config.resolve("snapshot.jsonl")).as("left for the control plane's snapshot to replace").exists();
    }
}
