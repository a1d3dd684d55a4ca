package io.gatehouse.protocol.config;

import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.sync.ControlMessage;
import io.gatehouse.protocol.sync.NodeMessage;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigSnapshotTest {

    static ApiDefinition api(String id, String basePath) {
        return new ApiDefinition(id, "orders-" + id, "1", null, basePath, true,
                List.of(new UpstreamTarget("http://127.0.0.1:9000", 1)), "X-API-Key", 1000, 5000, "PUBLISHED", null, null, null);
    }

    static KeyGrant key(String id) {
        return new KeyGrant(id, "hash-" + id, "app-1", "consumer-1", null);
    }

    static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");

    @Test
    void sameContentInAnyOrderHasTheSameHash() {
        ConfigSnapshot a = ConfigSnapshot.of(1, T0, List.of(api("a", "/a"), api("b", "/b")), List.of(),
                List.of(key("k1"), key("k2")), List.of());
        ConfigSnapshot b = ConfigSnapshot.of(7, T0.plusSeconds(60), List.of(api("b", "/b"), api("a", "/a")), List.of(),
                List.of(key("k2"), key("k1")), List.of());
        assertThat(a.hash()).isEqualTo(b.hash()).hasSize(64);
        ConfigSnapshot c = ConfigSnapshot.of(1, T0, List.of(api("a", "/a"), api("b", "/c")), List.of(),
                List.of(key("k1"), key("k2")), List.of());
        assertThat(c.hash()).isNotEqualTo(a.hash());
    }

    @Test
    void aDeltaTurnsTheBaseIntoTheTarget() {
        ConfigSnapshot base = ConfigSnapshot.of(3, T0, List.of(api("a", "/a"), api("b", "/b")), List.of(),
                List.of(key("k1"), key("k2")), List.of());
        ConfigSnapshot target = ConfigSnapshot.of(4, T0.plusSeconds(1), List.of(api("a", "/a2"), api("c", "/c")), List.of(),
                List.of(key("k2"), key("k3")), List.of(new SubscriptionGrant("s1", "app-1", "a", "p1", null)));

        ConfigDelta delta = target.deltaFrom(base);
        assertThat(delta.apis().upsert()).extracting(ApiDefinition::id).containsExactly("a", "c");
        assertThat(delta.apis().remove()).containsExactly("b");
        assertThat(delta.keys().upsert()).extracting(KeyGrant::id).containsExactly("k3");
        assertThat(delta.keys().remove()).containsExactly("k1");

        ConfigDelta overTheWire = Json.read(Json.write(delta), ConfigDelta.class);
        ConfigSnapshot applied = base.apply(overTheWire);
        assertThat(applied).isEqualTo(target);
        assertThat(applied.isIntact()).isTrue();
    }

    @Test
    void aDeltaForAnotherBaseIsRefusedWithoutChangingAnything() {
        ConfigSnapshot base = ConfigSnapshot.of(3, T0, List.of(api("a", "/a")), List.of(), List.of(), List.of());
        ConfigSnapshot target = ConfigSnapshot.of(5, T0, List.of(api("a", "/b")), List.of(), List.of(), List.of());
        ConfigDelta delta = target.deltaFrom(base.withVersion(4, T0));

        assertThatThrownBy(() -> base.apply(delta))
                .isInstanceOf(ConfigMismatchException.class)
                .satisfies(e -> assertThat(((ConfigMismatchException) e).code()).isEqualTo("base_version_mismatch"));
        assertThat(base.apis().get(0).basePath()).isEqualTo("/a");
    }

    @Test
    void aDeltaThatDoesNotProduceTheAnnouncedHashIsRefused() {
        ConfigSnapshot base = ConfigSnapshot.of(3, T0, List.of(api("a", "/a")), List.of(), List.of(), List.of());
        ConfigSnapshot target = ConfigSnapshot.of(4, T0, List.of(api("a", "/b")), List.of(), List.of(), List.of());
        ConfigDelta delta = target.deltaFrom(base);
        ConfigDelta tampered = new ConfigDelta(delta.baseVersion(), delta.version(), "0".repeat(64), delta.publishedAt(),
                delta.apis(), delta.plans(), delta.keys(), delta.subscriptions());

        assertThatThrownBy(() -> base.apply(tampered))
                .isInstanceOf(ConfigMismatchException.class)
                .hasMessageContaining("hash");
    }

    @Test
    void messagesSurviveTheWireWithTheirType() {
        ConfigSnapshot snapshot = ConfigSnapshot.of(9, T0, List.of(api("a", "/a")), List.of(), List.of(key("k")), List.of());
        ControlMessage sent = new ControlMessage.Snapshot(snapshot);
        String wire = Json.write(sent);
        assertThat(wire).contains("\"type\":\"snapshot\"");
        ControlMessage received = Json.read(wire, ControlMessage.class);
        assertThat(received).isEqualTo(sent);
        assertThat(((ControlMessage.Snapshot) received).snapshot().isIntact()).isTrue();

        NodeMessage nack = Json.read("{\"type\":\"nack\",\"version\":4,\"heldVersion\":3,\"code\":\"invalid_config\",\"error\":\"x\",\"future\":1}",
                NodeMessage.class);
        assertThat(nack).isEqualTo(new NodeMessage.Nack(4, 3, "invalid_config", "x"));
    }

    @Test
    void malformedJsonIsReportedAsSuch() {
        assertThatThrownBy(() -> Json.read("{\"type\":\"ack\",", NodeMessage.class))
                .isInstanceOf(Json.MalformedMessageException.class);
        assertThatThrownBy(() -> Json.read("{\"type\":\"launch-missiles\"}", NodeMessage.class))
                .isInstanceOf(Json.MalformedMessageException.class);
    }
}
