package io.gatehouse.gateway.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gatehouse.gateway.TestSupport;
import io.gatehouse.gateway.routing.UpstreamHealth;
import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.config.ApiDefinition;
import io.gatehouse.protocol.config.ConfigDelta;
import io.gatehouse.protocol.config.ConfigSection;
import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.config.KeyGrant;
import io.gatehouse.protocol.config.PlanDefinition;
import io.gatehouse.protocol.config.SubscriptionGrant;
import io.gatehouse.protocol.keys.ApiKeys;
import io.gatehouse.protocol.sync.ControlMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static io.gatehouse.gateway.config.NewerControlPlane.newerHash;
import static io.gatehouse.gateway.config.NewerControlPlane.withNewerFields;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * A node one release behind its control plane reads config entries carrying fields it does not know (whatever the
 * next release adds to an API, plan, key or subscription). The version-skew rule of docs/operations.md ("Upgrades"):
 * the node serves each entry as it understands it, but keeps the entry whole, so the content hash the control plane
 * computed over the whole entries verifies, on the wire, after a delta and after a restart from the disk copy; a
 * config whose hash does not match what was sent is still refused.
 */
class UnknownFieldSkewTest {
    static final PlanDefinition SILVER = new PlanDefinition("plan-silver", "silver", 50L, 10L, 100_000L, "HARD", "OPEN");

    @TempDir
    Path dir;

    static ConfigSnapshot v1() {
        return ConfigSnapshot.of(1, Instant.parse("2026-11-30T10:00:00Z"),
                List.of(TestSupport.api("orders", null, "/orders", "http://127.0.0.1:9")), List.of(SILVER),
                List.of(new KeyGrant("k1", ApiKeys.hash("key-one"), "app-1", "consumer-1", null)),
                List.of(new SubscriptionGrant("sub-1", "app-1", "orders", SILVER.id(), null)));
    }

    /** Every kind of entry changes: the API moves, the plan's rate changes, a key is replaced, a subscription added. */
    static ConfigSnapshot v2() {
        ApiDefinition orders = TestSupport.api("orders", null, "/orders/v2", "http://127.0.0.1:9");
        return ConfigSnapshot.of(2, Instant.parse("2026-11-30T11:00:00Z"),
                List.of(orders, TestSupport.api("billing", null, "/billing", "http://127.0.0.1:9")),
                List.of(new PlanDefinition("plan-silver", "silver", 60L, 10L, 100_000L, "HARD", "OPEN")),
                List.of(new KeyGrant("k2", ApiKeys.hash("key-two"), "app-1", "consumer-1", null)),
                List.of(new SubscriptionGrant("sub-1", "app-1", "orders", SILVER.id(), null),
                        new SubscriptionGrant("sub-2", "app-1", "billing", SILVER.id(), null)));
    }

    /** Back to entries without the newer fields: their hashes are over the records again. */
    static ConfigSnapshot v3() {
        ConfigSnapshot v2 = v2();
        return ConfigSnapshot.of(3, Instant.parse("2026-11-30T12:00:00Z"), v2.apis(), v2.plans(),
                List.of(new KeyGrant("k3", ApiKeys.hash("key-three"), "app-1", "consumer-1", null)), v2.subscriptions());
    }

    static <T> NewerFields.Read<T> received(ObjectNode json, Class<T> type) throws Exception {
        return NewerFields.read(Json.mapper().writeValueAsBytes(json), type);
    }

    /** The newer control plane's snapshot message, its hash over the entries as it holds them. */
    static NewerFields.Read<ControlMessage> newerSnapshot(ConfigSnapshot snapshot) throws Exception {
        ObjectNode message = withNewerFields(new ControlMessage.Snapshot(snapshot));
        ((ObjectNode) message.get("snapshot")).put("hash", newerHash(snapshot));
        return received(message, ControlMessage.class);
    }

    static NewerFields.Read<ConfigDelta> newerDelta(ConfigSnapshot from, ConfigSnapshot to) throws Exception {
        ObjectNode delta = withNewerFields(to.deltaFrom(from));
        delta.put("hash", newerHash(to));
        return received(delta, ConfigDelta.class);
    }

    @Test
    void aSnapshotWhoseEntriesCarryFieldsTheNodeDoesNotKnowIsVerifiedWholeAndServedAsUnderstood() throws Exception {
        ConfigSnapshot v1 = v1();
        NewerFields.Read<ControlMessage> read = newerSnapshot(v1);
        assertThat(read.newer().size()).as("each entry kept whole: API, plan, key, subscription").isEqualTo(4);
        ConfigSnapshot understood = ((ControlMessage.Snapshot) read.message()).snapshot();
        assertThat(understood.apis()).as("the entries as this release understands them").isEqualTo(v1.apis());
        assertThat(understood.keys()).isEqualTo(v1.keys());

        ActiveConfig config = ActiveConfig.compile(understood, new UpstreamHealth(), read.newer());
        assertThat(config.hash()).isEqualTo(newerHash(v1)).isNotEqualTo(v1.hash());
        assertThat(config.entriesWithNewerFields()).isEqualTo(4);
        assertThat(config.routes().byApiId("orders")).isNotNull();
        assertThat(config.keys().byId("k1")).isEqualTo(v1.keys().get(0));
        assertThat(new String(config.newerFields(ConfigSection.PLANS, "plan-silver"))).contains("\"nextRelease\"");
    }

    @Test
    void aDeltaWhoseEntriesCarryFieldsTheNodeDoesNotKnowMovesTheHashAsTheControlPlaneDoes() throws Exception {
        NewerFields.Read<ControlMessage> first = newerSnapshot(v1());
        ActiveConfig config = ActiveConfig.compile(((ControlMessage.Snapshot) first.message()).snapshot(), new UpstreamHealth(), first.newer());

        NewerFields.Read<ConfigDelta> delta = newerDelta(v1(), v2());
        config.apply(delta.message(), delta.newer());
        assertThat(config.version()).isEqualTo(2);
        assertThat(config.hash()).isEqualTo(newerHash(v2()));
        assertThat(config.routes().byApiId("orders").api().basePath()).isEqualTo("/orders/v2");
        assertThat(config.keys().byId("k1")).as("replaced").isNull();
        assertThat(config.entriesWithNewerFields()).as("2 APIs, the plan, k2, 2 subscriptions").isEqualTo(6);

        // The next delta's entries carry no newer field: the ones it replaces or removes are hashed as they were held.
        ConfigDelta plain = v3().deltaFrom(v2());
        ConfigDelta towardsNewerHash = new ConfigDelta(plain.baseVersion(), plain.version(), expectedHashAfterPlain(),
                plain.publishedAt(), plain.apis(), plain.plans(), plain.keys(), plain.subscriptions());
        config.apply(towardsNewerHash);
        assertThat(config.hash()).isEqualTo(expectedHashAfterPlain());
        assertThat(config.entriesWithNewerFields()).as("k2 removed, k3 plain").isEqualTo(5);
    }

    /** v3 as the newer control plane holds it: every entry with the newer fields except the plain key k3. */
    static String expectedHashAfterPlain() {
        ConfigSnapshot v3 = v3();
        ConfigSnapshot withoutKeys = ConfigSnapshot.of(3, v3.publishedAt(), v3.apis(), v3.plans(), List.of(), v3.subscriptions());
        io.gatehouse.protocol.config.ConfigHash sum = io.gatehouse.protocol.config.ConfigHash.parse(newerHash(withoutKeys));
        sum.add(io.gatehouse.protocol.config.ConfigHash.entry(ConfigSection.KEYS, v3.keys().get(0)));
        return sum.hex();
    }

    @Test
    void theDiskCopyKeepsTheNewerFieldsSoARestartAndACompactionStillVerify() throws Exception {
        NewerFields.Read<ControlMessage> first = newerSnapshot(v1());
        ConfigSnapshot understood = ((ControlMessage.Snapshot) first.message()).snapshot().withHash(newerHash(v1()));
        ConfigStore store = new ConfigStore(dir, 1_000);
        store.save(understood, first.newer());
        NewerFields.Read<ConfigDelta> delta = newerDelta(v1(), v2());
        ActiveConfig live = ActiveConfig.compile(understood, new UpstreamHealth(), first.newer());
        live.apply(delta.message(), delta.newer());
        store.append(delta.message(), delta.newer());
        store.close();

        // Restart: the snapshot file and the logged delta, replayed and checked against the delta's hash.
        ActiveConfig restarted = new ConfigStore(dir, 1_000).load(new UpstreamHealth()).orElseThrow();
        assertThat(restarted.version()).isEqualTo(2);
        assertThat(restarted.hash()).isEqualTo(newerHash(v2()));
        assertThat(restarted.entriesWithNewerFields()).isEqualTo(6);
        // Only entries held whole let a later delta that replaces them add up to the control plane's hash.
        restarted.apply(withHash(v3().deltaFrom(v2()), expectedHashAfterPlain()));
        assertThat(restarted.hash()).isEqualTo(expectedHashAfterPlain());

        // The disk copy written from a live configuration, and a log compacted into it, keep them too.
        ConfigStore compacting = new ConfigStore(dir.resolve("second"), 1);
        compacting.save(live);
        NewerFields.Read<ConfigDelta> again = received(withHash(withNewerFields(v3().deltaFrom(v2())), newerHash(v3())), ConfigDelta.class);
        live.apply(again.message(), again.newer());
        compacting.append(again.message(), again.newer());
        TestSupport.awaitTrue(Duration.ofSeconds(10), "the log compacted", () -> compacting.compactions() >= 1);
        compacting.close();
        ActiveConfig fromCompacted = new ConfigStore(dir.resolve("second"), 1).load(new UpstreamHealth()).orElseThrow();
        assertThat(fromCompacted.version()).isEqualTo(3);
        assertThat(fromCompacted.hash()).isEqualTo(newerHash(v3())).isEqualTo(live.hash());
        assertThat(fromCompacted.entriesWithNewerFields()).isEqualTo(6);
        ConfigSnapshot v4 = ConfigSnapshot.of(4, Instant.parse("2026-11-30T13:00:00Z"), v3().apis(), v3().plans(), List.of(), v3().subscriptions());
        fromCompacted.apply(withHash(v4.deltaFrom(v3()), newerHash(v4)));
        assertThat(fromCompacted.hash()).isEqualTo(newerHash(v4));
    }

    @Test
    void aConfigWhoseHashDoesNotMatchWhatWasSentIsStillRefused() throws Exception {
        // The hash an older node would compute if it dropped the fields: not the hash of what was sent.
        ObjectNode message = withNewerFields(new ControlMessage.Snapshot(v1()));
        NewerFields.Read<ControlMessage> read = received(message, ControlMessage.class);
        InvalidConfigException refused = catchThrowableOfType(InvalidConfigException.class,
                () -> ActiveConfig.compile(((ControlMessage.Snapshot) read.message()).snapshot(), new UpstreamHealth(), read.newer()));
        assertThat(refused).isNotNull();
        assertThat(refused.code()).isEqualTo("hash_mismatch");

        // A field changed on its way: the entry kept whole no longer adds up to the hash sent.
        ObjectNode tampered = withNewerFields(new ControlMessage.Snapshot(v1()));
        ((ObjectNode) tampered.get("snapshot")).put("hash", newerHash(v1()));
        ((ObjectNode) tampered.get("snapshot").get("plans").get(0).get("nextRelease")).put("weight", 4);
        NewerFields.Read<ControlMessage> changed = received(tampered, ControlMessage.class);
        assertThat(catchThrowableOfType(InvalidConfigException.class,
                () -> ActiveConfig.compile(((ControlMessage.Snapshot) changed.message()).snapshot(), new UpstreamHealth(), changed.newer()))
                .code()).isEqualTo("hash_mismatch");

        NewerFields.Read<ControlMessage> first = newerSnapshot(v1());
        ActiveConfig config = ActiveConfig.compile(((ControlMessage.Snapshot) first.message()).snapshot(), new UpstreamHealth(), first.newer());
        NewerFields.Read<ConfigDelta> wrong = received(withHash(withNewerFields(v2().deltaFrom(v1())), v2().hash()), ConfigDelta.class);
        assertThat(catchThrowableOfType(InvalidConfigException.class, () -> config.apply(wrong.message(), wrong.newer())).code())
                .isEqualTo("hash_mismatch");
        assertThat(config.version()).as("nothing applied").isEqualTo(1);
        assertThat(config.hash()).isEqualTo(newerHash(v1()));
    }

    @Test
    void messagesWithoutNewerFieldsOnEntriesAreReadAtTheUsualCost() throws Exception {
        ConfigSnapshot v1 = v1();
        assertThat(NewerFields.read(Json.write(new ControlMessage.Snapshot(v1)), ControlMessage.class).newer().isEmpty()).isTrue();
        // A field the node does not know around the entries (not part of any entry's hash) keeps nothing either.
        ObjectNode message = Json.mapper().valueToTree(new ControlMessage.Snapshot(v1));
        ((ObjectNode) message.get("snapshot")).put("region", "eu");
        NewerFields.Read<ControlMessage> read = received(message, ControlMessage.class);
        assertThat(read.newer().isEmpty()).isTrue();
        assertThat(ActiveConfig.compile(((ControlMessage.Snapshot) read.message()).snapshot()).hash()).isEqualTo(v1.hash());
    }

    static ConfigDelta withHash(ConfigDelta delta, String hash) {
        return new ConfigDelta(delta.baseVersion(), delta.version(), hash, delta.publishedAt(), delta.apis(), delta.plans(),
                delta.keys(), delta.subscriptions());
    }

    static ObjectNode withHash(ObjectNode delta, String hash) {
        return delta.put("hash", hash);
    }
}
