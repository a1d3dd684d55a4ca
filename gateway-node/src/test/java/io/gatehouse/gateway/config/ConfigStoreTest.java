package io.gatehouse.gateway.config;

import io.gatehouse.gateway.TestSupport;
import io.gatehouse.gateway.routing.UpstreamHealth;
import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.config.KeyGrant;
import io.gatehouse.protocol.keys.ApiKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

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

        List<String> lines = Files.readAllLines(store.file());
        assertThat(lines.get(0)).contains("\"version\":4");
        assertThat(lines).noneMatch(line -> line.contains("\"id\":\"k1\""));
        assertThat(lines).anyMatch(line -> line.startsWith("keys\t") && line.contains("\"id\":\"k4\""));
        assertThat(Files.readAllLines(store.logFile())).as("the delta after the compacted ones").hasSize(1);

        ActiveConfig loaded = new ConfigStore(dir, 3).load(new UpstreamHealth()).orElseThrow();
        assertThat(loaded.version()).isEqualTo(5);
        assertThat(loaded.hash()).isEqualTo(current.hash()).isEqualTo(live.hash());
        assertThat(loaded.toSnapshot().keys()).isEqualTo(current.keys());
    }

    @Test
    void aSnapshotFileThatDoesNotMatchItsHeaderIsRefused() throws Exception {
        ConfigSnapshot base = TestSupport.snapshot(1, List.of(TestSupport.api("orders", null, "/orders", "http://127.0.0.1:9")),
                List.of(TestSupport.key("k1", ApiKeys.generate(), "app-1", null)), List.of(TestSupport.subscription("app-1", "orders")));
        ConfigStore store = new ConfigStore(dir, 100);
        store.save(base);
        store.close();
        Path file = store.file();
        Files.writeString(file, Files.readString(file).replace("\"app-1\"", "\"app-2\""));

        try {
            new ConfigStore(dir, 100).load(new UpstreamHealth());
            throw new AssertionError("a snapshot whose entries changed on disk was loaded");
        } catch (InvalidConfigException e) {
            assertThat(e.code()).isEqualTo("hash_mismatch");
        }
    }
}
