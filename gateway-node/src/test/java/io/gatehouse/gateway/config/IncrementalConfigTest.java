package io.gatehouse.gateway.config;

import io.gatehouse.gateway.routing.Route;
import io.gatehouse.gateway.routing.UpstreamHealth;
import io.gatehouse.gateway.routing.UpstreamOutcome;
import io.gatehouse.protocol.config.ApiDefinition;
import io.gatehouse.protocol.config.ConfigDelta;
import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.config.KeyGrant;
import io.gatehouse.protocol.config.LoadBalancing;
import io.gatehouse.protocol.config.PlanDefinition;
import io.gatehouse.protocol.config.SubscriptionGrant;
import io.gatehouse.protocol.config.UpstreamPolicy;
import io.gatehouse.protocol.config.UpstreamTarget;
import io.gatehouse.protocol.keys.ApiKeys;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Deltas applied in place against the protocol's reference: {@link ConfigSnapshot#apply} rebuilds and rehashes the
 * whole, the node moves its hash entry by entry; the two must agree at every step, and a refused delta must leave
 * the node exactly as it was.
 */
class IncrementalConfigTest {
    static final UpstreamPolicy TRIPWIRE = new UpstreamPolicy(LoadBalancing.P2C, 0, 0, null, null, null, null, 50, 3, 10_000, 60_000,
            null, null, null, null, null);

    static ApiDefinition api(String id, int readTimeoutMs) {
        return new ApiDefinition(id, "api-" + id, "1", null, "/" + id, true, List.of(new UpstreamTarget("http://127.0.0.1:9", 1)),
                "X-API-Key", 1_000, readTimeoutMs, "PUBLISHED", TRIPWIRE, null, null);
    }

    static PlanDefinition plan(String id, long rate) {
        return new PlanDefinition(id, id, rate, rate, 100_000L, "HARD", "OPEN");
    }

    /** A configuration as plain maps, changed at random and turned into the next snapshot. */
    static final class Model {
        final Map<String, ApiDefinition> apis = new LinkedHashMap<>();
        final Map<String, PlanDefinition> plans = new LinkedHashMap<>();
        final Map<String, KeyGrant> keys = new LinkedHashMap<>();
        final Map<String, SubscriptionGrant> subscriptions = new LinkedHashMap<>();

        ConfigSnapshot snapshot(long version) {
            return ConfigSnapshot.of(version, Instant.ofEpochSecond(1_700_000_000L + version), new ArrayList<>(apis.values()),
                    new ArrayList<>(plans.values()), new ArrayList<>(keys.values()), new ArrayList<>(subscriptions.values()));
        }

        boolean subscribed(String app, String api) {
            return subscriptions.values().stream().anyMatch(s -> s.applicationId().equals(app) && s.apiId().equals(api));
        }

        boolean apiInUse(String api) {
            return subscriptions.values().stream().anyMatch(s -> s.apiId().equals(api));
        }

        <T> T any(Map<String, T> map, Random random) {
            return new ArrayList<>(map.values()).get(random.nextInt(map.size()));
        }

        void change(Random random, int step) {
            String app = "app-" + random.nextInt(20);
            switch (random.nextInt(13)) {
                case 0, 1, 2 -> {
                    String id = random.nextBoolean() ? UUID.randomUUID().toString() : "key-" + step;
                    Instant expiry = random.nextBoolean() ? null : Instant.ofEpochSecond(2_000_000_000L + random.nextInt(1_000_000), random.nextInt(1_000_000) * 1_000L);
                    keys.put(id, new KeyGrant(id, ApiKeys.hash(ApiKeys.generate()), app, "consumer-of-" + app, expiry, null));
                }
                case 3 -> {
                    if (!keys.isEmpty()) keys.remove(any(keys, random).id());
                }
                case 4 -> {
                    if (!keys.isEmpty()) {
                        KeyGrant k = any(keys, random);
                        keys.put(k.id(), new KeyGrant(k.id(), k.keyHash(), k.applicationId(), k.consumerId(), k.expiresAt(),
                                k.suspension() == null ? "payment_failed" : null));
                    }
                }
                case 5, 6 -> {
                    String api = any(apis, random).id();
                    if (!subscribed(app, api)) {
                        String id = "sub-" + step;
                        subscriptions.put(id, new SubscriptionGrant(id, app, api, any(plans, random).id(), null));
                    }
                }
                case 7 -> {
                    if (!subscriptions.isEmpty()) subscriptions.remove(any(subscriptions, random).id());
                }
                case 8 -> {
                    PlanDefinition p = any(plans, random);
                    plans.put(p.id(), plan(p.id(), 1 + random.nextInt(1_000)));
                }
                case 9 -> {
                    ApiDefinition a = any(apis, random);
                    apis.put(a.id(), api(a.id(), 1_000 + random.nextInt(10_000)));
                }
                case 11 -> {
                    if (!subscriptions.isEmpty()) {
                        SubscriptionGrant moved = any(subscriptions, random);
                        subscriptions.put(moved.id(), new SubscriptionGrant(moved.id(), moved.applicationId(), moved.apiId(),
                                any(plans, random).id(), null));
                    }
                }
                case 12 -> {
                    boolean inUse = subscriptions.values().stream().anyMatch(sub -> sub.planId().equals("bronze"));
                    if (plans.containsKey("bronze") && !inUse) {
                        plans.remove("bronze");
                    } else {
                        plans.put("bronze", plan("bronze", 5));
                    }
                }
                default -> {
                    String id = "api-extra-" + random.nextInt(3);
                    if (apis.containsKey(id) && !apiInUse(id)) {
                        apis.remove(id);
                    } else {
                        apis.put(id, api(id, 5_000));
                    }
                }
            }
        }
    }

    static Model startingModel() {
        Model model = new Model();
        model.apis.put("a", api("a", 5_000));
        model.apis.put("b", api("b", 5_000));
        model.plans.put("gold", plan("gold", 100));
        model.plans.put("silver", plan("silver", 10));
        model.keys.put("k1", new KeyGrant("k1", ApiKeys.hash(ApiKeys.generate()), "app-1", "consumer-of-app-1", null, null));
        model.subscriptions.put("s1", new SubscriptionGrant("s1", "app-1", "a", "gold", null));
        return model;
    }

    static void assertSameContent(ActiveConfig config, ConfigSnapshot expected) {
        ConfigSnapshot held = config.toSnapshot();
        assertThat(held.apis()).isEqualTo(expected.apis());
        assertThat(held.plans()).isEqualTo(expected.plans());
        assertThat(held.keys()).isEqualTo(expected.keys());
        assertThat(held.subscriptions()).isEqualTo(expected.subscriptions());
        // What a request sees: each key's application subscribes to exactly the expected APIs, under the expected plan.
        for (KeyGrant key : expected.keys()) {
            var credential = config.keys().lookup(key.keyHash());
            assertThat(credential.applicationId()).isEqualTo(key.applicationId());
            for (ApiDefinition api : expected.apis()) {
                SubscriptionGrant wanted = expected.subscriptions().stream()
                        .filter(s -> s.applicationId().equals(key.applicationId()) && s.apiId().equals(api.id())).findFirst().orElse(null);
                assertThat(credential.subscriptionTo(api.id())).as("key %s to API %s", key.id(), api.id()).isEqualTo(wanted);
            }
        }
    }

    @Test
    void theNodesHashFollowsEveryDeltaAsARehashOfTheWholeWould() {
        Model model = startingModel();
        ConfigSnapshot reference = model.snapshot(1);
        ActiveConfig config = ActiveConfig.compile(reference);
        Random random = new Random(7);
        for (int step = 2; step < 400; step++) {
            int changes = 1 + random.nextInt(6);
            for (int i = 0; i < changes; i++) {
                model.change(random, step * 10 + i);
            }
            ConfigSnapshot next = model.snapshot(step);
            ConfigDelta delta = next.deltaFrom(reference);
            ConfigSnapshot replayed = reference.apply(delta);
            config.apply(delta);
            assertThat(config.version()).isEqualTo(step);
            assertThat(config.hash()).as("hash after step %d", step).isEqualTo(replayed.computeHash()).isEqualTo(next.hash());
            if (step % 25 == 0) {
                assertSameContent(config, next);
            }
            reference = next;
        }
        assertSameContent(config, reference);
        System.out.printf("after 400 deltas: %d keys, %d subscriptions, hash %s%n", reference.keys().size(),
                reference.subscriptions().size(), config.hash());
    }

    /** Each delta is checked on what it changes, with a correct hash so only the check can refuse it. */
    @Test
    void aRefusedDeltaLeavesTheNodeAsItWas() {
        Model model = startingModel();
        model.keys.put("k2", new KeyGrant("k2", ApiKeys.hash(ApiKeys.generate()), "app-2", "consumer-of-app-2", null, null));
        ConfigSnapshot good = model.snapshot(1);
        ActiveConfig config = ActiveConfig.compile(good);
        Route routeBefore = config.routes().byApiId("a");

        record Bad(String why, ConfigSnapshot next, String code) {
        }
        KeyGrant k1 = model.keys.get("k1");
        List<Bad> bad = List.of(
                new Bad("a second key with the same hash", with(good, s -> s.keys.put("k3",
                        new KeyGrant("k3", k1.keyHash(), "app-3", "c3", null, null))), "invalid_config"),
                new Bad("a key whose hash is not SHA-256 hex", with(good, s -> s.keys.put("k3",
                        new KeyGrant("k3", "ABC", "app-3", "c3", null, null))), "invalid_config"),
                new Bad("a subscription to an API the config lacks", with(good, s -> s.subscriptions.put("s9",
                        new SubscriptionGrant("s9", "app-2", "nowhere", "gold", null))), "invalid_config"),
                new Bad("a subscription under a plan the config lacks", with(good, s -> s.subscriptions.put("s9",
                        new SubscriptionGrant("s9", "app-2", "a", "platinum", null))), "invalid_config"),
                new Bad("a second subscription of one application to one API", with(good, s -> s.subscriptions.put("s9",
                        new SubscriptionGrant("s9", "app-1", "a", "silver", null))), "invalid_config"),
                new Bad("an API removed while a subscription names it", with(good, s -> s.apis.remove("a")), "invalid_config"),
                new Bad("a plan removed while a subscription names it", with(good, s -> s.plans.remove("gold")), "invalid_config"),
                new Bad("two APIs on one path", with(good, s -> s.apis.put("a2", new ApiDefinition("a2", "a2", "1", null, "/a", true,
                        List.of(new UpstreamTarget("http://127.0.0.1:9", 1)), "X-API-Key", 1_000, 5_000, "PUBLISHED", null, null, null))),
                        "invalid_config"));
        for (Bad b : bad) {
            ConfigDelta delta = b.next.deltaFrom(good);
            assertThatThrownBy(() -> config.apply(delta)).as(b.why).isInstanceOfSatisfying(InvalidConfigException.class,
                    e -> assertThat(e.code()).isEqualTo(b.code));
            assertThat(config.version()).isEqualTo(1);
            assertThat(config.hash()).as("hash after %s", b.why).isEqualTo(good.hash());
            assertSameContent(config, good);
        }
        ConfigSnapshot changed = with(good, s -> s.keys.remove("k2"));
        ConfigDelta wrongHash = new ConfigDelta(1, 2, "0".repeat(64), Instant.now(), changed.deltaFrom(good).apis(),
                changed.deltaFrom(good).plans(), changed.deltaFrom(good).keys(), changed.deltaFrom(good).subscriptions());
        assertThatThrownBy(() -> config.apply(wrongHash)).isInstanceOfSatisfying(InvalidConfigException.class,
                e -> assertThat(e.code()).isEqualTo("hash_mismatch"));
        ConfigDelta wrongBase = changed.deltaFrom(good.withVersion(7, good.publishedAt()));
        assertThatThrownBy(() -> config.apply(wrongBase)).isInstanceOfSatisfying(InvalidConfigException.class,
                e -> assertThat(e.code()).isEqualTo("base_version_mismatch"));
        assertSameContent(config, good);
        assertThat(config.keys().lookup(model.keys.get("k2").keyHash())).as("k2 still valid").isNotNull();
        assertThat(config.routes().byApiId("a")).isSameAs(routeBefore);

        // And the node still takes a good delta after all that.
        config.apply(changed.deltaFrom(good));
        assertThat(config.hash()).isEqualTo(changed.hash());
        assertThat(config.keys().lookup(model.keys.get("k2").keyHash())).as("k2 revoked").isNull();
    }

    @Test
    void aKeyDeltaRebuildsNoRouteAndAnApiChangeLeavesOtherCircuitsAlone() {
        UpstreamHealth health = new UpstreamHealth();
        Model model = startingModel();
        ConfigSnapshot v1 = model.snapshot(1);
        ActiveConfig config = ActiveConfig.compile(v1, health);
        Route a = config.routes().byApiId("a");
        Route b = config.routes().byApiId("b");
        for (int i = 0; i < 3; i++) {
            UpstreamOutcome.attemptEnded(a, a.targets()[0], 500, false);
        }
        assertThat(a.circuitOpen()).isTrue();

        model.keys.put("k-new", new KeyGrant("k-new", ApiKeys.hash(ApiKeys.generate()), "app-1", "consumer-of-app-1", null, null));
        ConfigSnapshot v2 = model.snapshot(2);
        var tableBefore = config.routes();
        config.apply(v2.deltaFrom(v1));
        assertThat(config.routes()).as("the route table after a key was issued").isSameAs(tableBefore);

        model.apis.put("b", api("b", 9_000));
        ConfigSnapshot v3 = model.snapshot(3);
        config.apply(v3.deltaFrom(v2));
        assertThat(config.routes().byApiId("a")).as("API a's route after API b changed").isSameAs(a);
        assertThat(config.routes().byApiId("a").circuitOpen()).as("API a's circuit").isTrue();
        assertThat(config.routes().byApiId("b")).as("API b's route, recompiled").isNotSameAs(b);
        assertThat(config.routes().byApiId("b").readTimeoutMs()).isEqualTo(9_000);

        // A full build on the same health keeps the open circuit too (the existing rule), as a control.
        ActiveConfig rebuilt = ActiveConfig.compile(v3, health);
        assertThat(rebuilt.routes().byApiId("a").circuitOpen()).isTrue();
        assertThat(config.hash()).isEqualTo(v3.hash());
    }

    static ConfigSnapshot with(ConfigSnapshot base, java.util.function.Consumer<Model> change) {
        Model model = new Model();
        base.apis().forEach(a -> model.apis.put(a.id(), a));
        base.plans().forEach(p -> model.plans.put(p.id(), p));
        base.keys().forEach(k -> model.keys.put(k.id(), k));
        base.subscriptions().forEach(s -> model.subscriptions.put(s.id(), s));
        change.accept(model);
        return model.snapshot(base.version() + 1);
    }
}
