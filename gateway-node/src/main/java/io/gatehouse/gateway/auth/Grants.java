package io.gatehouse.gateway.auth;

import io.gatehouse.protocol.config.Changes;
import io.gatehouse.protocol.config.ConfigHash;
import io.gatehouse.protocol.config.ConfigSection;
import io.gatehouse.protocol.config.KeyGrant;
import io.gatehouse.protocol.config.SubscriptionGrant;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Who may call what: the keys (in the compact {@link KeyIndex}), the applications they belong to, and the
 * applications' subscriptions. Changed one entry at a time by the config thread; read by requests through the key
 * index and each application's immutable subscription map.
 *
 * <p>A delta is checked whole before anything changes ({@link #prepare}), looking only at the entries it names and
 * at the indexes (is this hash taken, does this application already subscribe to this API), so a refused delta leaves
 * everything as it was and an accepted one costs what it changes.
 */
public final class Grants {
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
    private final KeyIndex keys;
    private final Map<String, Application> applications = new HashMap<>();
    private final Map<String, SubscriptionGrant> subscriptions = new HashMap<>();
    private final Map<String, int[]> subscriptionsPerApi = new HashMap<>();
    private final Map<String, int[]> subscriptionsPerPlan = new HashMap<>();
    /** API and plan ids are repeated by every subscription: one string each instead of one per subscription. */
    private final Map<String, String> names = new HashMap<>();

    public Grants(int expectedKeys) {
        this.keys = new KeyIndex(expectedKeys);
    }

    public KeyIndex keys() {
        return keys;
    }

    public int subscriptionCount() {
        return subscriptions.size();
    }

    public int applicationCount() {
        return applications.size();
    }

    public SubscriptionGrant subscription(String id) {
        return subscriptions.get(id);
    }

    public int subscriptionsOfApi(String apiId) {
        int[] n = subscriptionsPerApi.get(apiId);
        return n == null ? 0 : n[0];
    }

    public int subscriptionsOfPlan(String planId) {
        int[] n = subscriptionsPerPlan.get(planId);
        return n == null ? 0 : n[0];
    }

    public void forEachSubscription(Consumer<SubscriptionGrant> action) {
        subscriptions.values().forEach(action);
    }

    // ---- a fresh configuration, entry by entry ----

    /** Adds a subscription of a configuration being built; its API and plan are checked once all have arrived. */
    public void addSubscription(SubscriptionGrant s) {
        if (subscriptions.containsKey(s.id())) {
            throw new IllegalArgumentException("subscription " + s.id() + " appears twice");
        }
        SubscriptionGrant taken = existing(s.applicationId(), s.apiId());
        if (taken != null) {
            throw new IllegalArgumentException("application " + s.applicationId() + " has two subscriptions to API " + s.apiId());
        }
        attach(s);
    }

    /** Adds a key of a configuration being built. */
    public void addKey(KeyGrant key) {
        checkHash(key);
        Credential credential = credentialFor(key);
        switch (keys.addNew(key, credential)) {
            case SAME_ID -> {
                forgetIfUnused(credential);
                throw new IllegalArgumentException("key " + key.id() + " appears twice");
            }
            case SAME_HASH -> {
                forgetIfUnused(credential);
                throw new IllegalArgumentException("keys " + keys.idOfHash(key.keyHash()) + " and " + key.id() + " have the same hash");
            }
            case NONE -> {
            }
        }
    }

    /**
     * Adds a usual key of a configuration being built from the parts the node's disk copy keeps (its SHA-256 as four
     * longs, its UUID id as two), sparing a million hex and UUID texts at start.
     */
    public void addKey(long[] hash, long idHi, long idLo, long expiresMicros, String applicationId, String consumerId) {
        Credential credential = applications.computeIfAbsent(applicationId, Application::new).credential(consumerId);
        switch (keys.addNew(hash[0], hash[1], hash[2], hash[3], idHi, idLo, expiresMicros, credential)) {
            case SAME_ID -> {
                forgetIfUnused(credential);
                throw new IllegalArgumentException("key " + new java.util.UUID(idHi, idLo) + " appears twice");
            }
            case SAME_HASH -> {
                forgetIfUnused(credential);
                throw new IllegalArgumentException("two keys have the same hash (one is " + new java.util.UUID(idHi, idLo) + ")");
            }
            case NONE -> {
            }
        }
    }

    /** Every subscription names an API and a plan this configuration has. */
    public void checkReferences(Predicate<String> apiExists, Predicate<String> planExists) {
        for (SubscriptionGrant s : subscriptions.values()) {
            checkReferences(s, apiExists, planExists);
        }
    }

    // ---- deltas ----

    /** A checked delta of keys and subscriptions, ready to {@link #commit}. */
    public static final class Prepared {
        final Map<String, SubscriptionGrant> subscriptions;
        final Map<String, KeyGrant> keys;
        final Map<String, Integer> perApi = new HashMap<>();
        final Map<String, Integer> perPlan = new HashMap<>();

        Prepared(Map<String, SubscriptionGrant> subscriptions, Map<String, KeyGrant> keys) {
            this.subscriptions = subscriptions;
            this.keys = keys;
        }

        /** How many more (or fewer) subscriptions name this API once the delta is applied. */
        public int subscriptionsOfApiChange(String apiId) {
            return perApi.getOrDefault(apiId, 0);
        }

        public int subscriptionsOfPlanChange(String planId) {
            return perPlan.getOrDefault(planId, 0);
        }
    }

    /**
     * An entry's contribution to the content hash, before a delta ({@code held}) or in it ({@code incoming}): an
     * entry holding fields this release does not know is hashed over the JSON it arrived in, not over its record.
     */
    public interface EntryHashes {
        byte[] held(ConfigSection section, io.gatehouse.protocol.config.Identified entry);

        byte[] incoming(ConfigSection section, io.gatehouse.protocol.config.Identified entry);
    }

    /**
     * Checks the keys and subscriptions a delta changes, and moves {@code hash} from the old entries to the new ones.
     * Changes nothing here; throws {@link IllegalArgumentException} naming the first problem.
     *
     * @param apiAfter  whether an API id exists once the delta is applied
     * @param planAfter whether a plan id exists once the delta is applied
     */
    public Prepared prepare(Changes<KeyGrant> keyChanges, Changes<SubscriptionGrant> subscriptionChanges,
                            Predicate<String> apiAfter, Predicate<String> planAfter, ConfigHash hash, EntryHashes entryHashes) {
        // As ConfigSnapshot.apply: removals first, then upserts, so an id in both ends up upserted.
        Map<String, SubscriptionGrant> subs = overlay(subscriptionChanges);
        Map<String, KeyGrant> keyOverlay = overlay(keyChanges);
        Prepared prepared = new Prepared(subs, keyOverlay);

        Map<String, String> claimed = new HashMap<>();
        for (Map.Entry<String, SubscriptionGrant> change : subs.entrySet()) {
            SubscriptionGrant before = subscriptions.get(change.getKey());
            SubscriptionGrant after = change.getValue();
            hash.replace(before == null ? null : entryHashes.held(ConfigSection.SUBSCRIPTIONS, before),
                    after == null ? null : entryHashes.incoming(ConfigSection.SUBSCRIPTIONS, after));
            if (before != null) {
                prepared.perApi.merge(before.apiId(), -1, Integer::sum);
                prepared.perPlan.merge(before.planId(), -1, Integer::sum);
            }
            if (after == null) {
                continue;
            }
            prepared.perApi.merge(after.apiId(), 1, Integer::sum);
            prepared.perPlan.merge(after.planId(), 1, Integer::sum);
            checkReferences(after, apiAfter, planAfter);
            String pair = after.applicationId() + "\n" + after.apiId();
            String other = claimed.put(pair, after.id());
            SubscriptionGrant taken = existing(after.applicationId(), after.apiId());
            if (other == null && taken != null && !taken.id().equals(after.id()) && !subs.containsKey(taken.id())) {
                other = taken.id();
            }
            if (other != null) {
                throw new IllegalArgumentException("application " + after.applicationId() + " would have two subscriptions to API "
                        + after.apiId() + " (" + other + " and " + after.id() + ")");
            }
        }

        Map<String, String> hashes = new HashMap<>();
        for (Map.Entry<String, KeyGrant> change : keyOverlay.entrySet()) {
            KeyGrant before = keys.byId(change.getKey());
            KeyGrant after = change.getValue();
            hash.replace(before == null ? null : entryHashes.held(ConfigSection.KEYS, before),
                    after == null ? null : entryHashes.incoming(ConfigSection.KEYS, after));
            if (after == null) {
                continue;
            }
            checkHash(after);
            String other = hashes.put(after.keyHash(), after.id());
            String holder = keys.idOfHash(after.keyHash());
            if (other == null && holder != null && !holder.equals(after.id()) && !keyOverlay.containsKey(holder)) {
                other = holder;
            }
            if (other != null) {
                throw new IllegalArgumentException("keys " + other + " and " + after.id() + " have the same hash");
            }
        }
        return prepared;
    }

    /** Applies a prepared delta, entry by entry: a new subscription is in place before the keys that need it. */
    public void commit(Prepared prepared) {
        List<String> removedSubscriptions = new ArrayList<>();
        prepared.subscriptions.forEach((id, after) -> {
            if (after == null) {
                removedSubscriptions.add(id);
            } else {
                SubscriptionGrant before = subscriptions.get(id);
                if (before != null && before.applicationId().equals(after.applicationId()) && before.apiId().equals(after.apiId())) {
                    // A new plan or anchor for the same application and API: one map write, so no request sees the
                    // application without its subscription in between.
                    count(subscriptionsPerApi, before.apiId(), -1);
                    count(subscriptionsPerPlan, before.planId(), -1);
                    subscriptions.remove(id);
                    attach(after);
                } else {
                    if (before != null) {
                        detach(before);
                    }
                    attach(after);
                }
            }
        });
        List<String> removedKeys = new ArrayList<>();
        prepared.keys.forEach((id, after) -> {
            if (after == null) {
                removedKeys.add(id);
            } else {
                Credential before = keys.credentialOf(id);
                keys.put(after, credentialFor(after));
                if (before != null) {
                    forgetIfUnused(before.application());
                }
            }
        });
        for (String id : removedKeys) {
            Credential owner = keys.credentialOf(id);
            if (keys.remove(id)) {
                forgetIfUnused(owner.application());
            }
        }
        for (String id : removedSubscriptions) {
            SubscriptionGrant before = subscriptions.get(id);
            if (before != null) {
                detach(before);
            }
        }
    }

    private static <T extends io.gatehouse.protocol.config.Identified> Map<String, T> overlay(Changes<T> changes) {
        Map<String, T> overlay = new LinkedHashMap<>();
        if (changes == null) {
            return overlay;
        }
        changes.remove().forEach(id -> overlay.put(id, null));
        changes.upsert().forEach(item -> overlay.put(item.id(), item));
        return overlay;
    }

    private static void checkHash(KeyGrant key) {
        if (key.id() == null || key.applicationId() == null) {
            throw new IllegalArgumentException("key " + key.id() + " has no id or application");
        }
        if (key.keyHash() == null || !SHA256_HEX.matcher(key.keyHash()).matches()) {
            throw new IllegalArgumentException("key " + key.id() + " has no valid SHA-256 hash");
        }
    }

    private static void checkReferences(SubscriptionGrant s, Predicate<String> apiExists, Predicate<String> planExists) {
        if (!apiExists.test(s.apiId())) {
            throw new IllegalArgumentException("subscription " + s.id() + " names API " + s.apiId() + ", which this config does not have");
        }
        if (!planExists.test(s.planId())) {
            throw new IllegalArgumentException("subscription " + s.id() + " names plan " + s.planId() + ", which this config does not have");
        }
    }

    private SubscriptionGrant existing(String applicationId, String apiId) {
        Application application = applications.get(applicationId);
        return application == null ? null : application.subscriptions().get(apiId);
    }

    private Credential credentialFor(KeyGrant key) {
        return applications.computeIfAbsent(key.applicationId(), Application::new).credential(key.consumerId());
    }

    private void attach(SubscriptionGrant s) {
        Application application = applications.computeIfAbsent(s.applicationId(), Application::new);
        SubscriptionGrant shared = new SubscriptionGrant(s.id(), application.id, name(s.apiId()), name(s.planId()), s.billingAnchor());
        Map<String, SubscriptionGrant> next = new HashMap<>(application.subscriptions());
        next.put(shared.apiId(), shared);
        application.subscriptions(Map.copyOf(next));
        subscriptions.put(shared.id(), shared);
        count(subscriptionsPerApi, shared.apiId(), 1);
        count(subscriptionsPerPlan, shared.planId(), 1);
    }

    private void detach(SubscriptionGrant s) {
        subscriptions.remove(s.id());
        count(subscriptionsPerApi, s.apiId(), -1);
        count(subscriptionsPerPlan, s.planId(), -1);
        Application application = applications.get(s.applicationId());
        if (application == null) {
            return;
        }
        SubscriptionGrant current = application.subscriptions().get(s.apiId());
        if (current != null && current.id().equals(s.id())) {
            Map<String, SubscriptionGrant> next = new HashMap<>(application.subscriptions());
            next.remove(s.apiId());
            application.subscriptions(Map.copyOf(next));
        }
        forgetIfUnused(application);
    }

    private void forgetIfUnused(Credential credential) {
        credential.application().dropIfUnused(credential);
        forgetIfUnused(credential.application());
    }

    private void forgetIfUnused(Application application) {
        if (application.unused()) {
            applications.remove(application.id, application);
        }
    }

    private String name(String id) {
        return names.computeIfAbsent(id, n -> n);
    }

    private static void count(Map<String, int[]> counts, String id, int by) {
        int[] n = counts.computeIfAbsent(id, k -> new int[1]);
        n[0] += by;
        if (n[0] <= 0) {
            counts.remove(id);
        }
    }
}
