package io.gatehouse.gateway.config;

import io.gatehouse.gateway.auth.Grants;
import io.gatehouse.gateway.auth.KeyIndex;
import io.gatehouse.gateway.routing.Route;
import io.gatehouse.gateway.routing.RouteTable;
import io.gatehouse.gateway.routing.UpstreamHealth;
import io.gatehouse.protocol.config.ApiDefinition;
import io.gatehouse.protocol.config.Changes;
import io.gatehouse.protocol.config.ConfigDelta;
import io.gatehouse.protocol.config.ConfigHash;
import io.gatehouse.protocol.config.ConfigSection;
import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.config.Identified;
import io.gatehouse.protocol.config.KeyGrant;
import io.gatehouse.protocol.config.PlanDefinition;
import io.gatehouse.protocol.config.SubscriptionGrant;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * The node's configuration, in the structures the request path reads: routes, the compact key index, plans.
 *
 * <p>A full snapshot is built aside ({@link Builder}, off the event loop) and published with one reference swap in
 * {@link ConfigHolder}. A delta changes this object in place ({@link #apply}), costing what it changes: it is checked
 * whole first (references, uniqueness, routes, the resulting content hash) without touching anything, so a refused
 * delta leaves the node exactly as it was; then its entries are applied one by one, additions before what needs them
 * and removals after, so a request may see a delta half applied but never an entry half written nor a subscription
 * without its plan. The content hash is kept as a sum of entry hashes ({@link ConfigHash}) and moved by each change,
 * so acknowledging a version never rehashes a million keys.
 *
 * <p>One writer: the config thread that builds, applies and persists. Readers: every event loop, without locks.
 */
public final class ActiveConfig {
    /** What the node reports: version, content hash, publication time, replaced together. */
    private record Stamp(long version, String hash, Instant publishedAt) {
    }

    private final UpstreamHealth health;
    private final Grants grants;
    private final Map<String, PlanDefinition> plans;
    private volatile RouteTable routes;
    private volatile Stamp stamp;
    private ConfigHash content;
    /**
     * The canonical JSON of entries that hold fields this release does not know ({@link NewerFields}), by section and
     * id: their hash is over these bytes, and the disk copy keeps them. Empty unless the control plane is newer.
     */
    private final Map<String, byte[]> newer;

    private ActiveConfig(UpstreamHealth health, RouteTable routes, Grants grants, Map<String, PlanDefinition> plans,
                         ConfigHash content, Stamp stamp, Map<String, byte[]> newer) {
        this.health = health;
        this.newer = newer;
        this.routes = routes;
        this.grants = grants;
        this.plans = plans;
        this.content = content;
        this.stamp = stamp;
    }

    /** Compiles a whole snapshot, or throws {@link InvalidConfigException} naming what is wrong. Never half-built. */
    public static ActiveConfig compile(ConfigSnapshot snapshot) {
        return compile(snapshot, new UpstreamHealth());
    }

    /** Compiles on the node's upstream target states, which outlive config versions. */
    public static ActiveConfig compile(ConfigSnapshot snapshot, UpstreamHealth health) {
        return compile(snapshot, health, NewerFields.NONE);
    }

    /** Compiles a snapshot some of whose entries hold fields this release does not know, hashing them whole. */
    public static ActiveConfig compile(ConfigSnapshot snapshot, UpstreamHealth health, NewerFields newer) {
        Builder builder = new Builder(health, snapshot.keys().size());
        snapshot.apis().forEach(api -> builder.entry(ConfigSection.APIS, api, newer));
        snapshot.plans().forEach(plan -> builder.entry(ConfigSection.PLANS, plan, newer));
        snapshot.subscriptions().forEach(subscription -> builder.entry(ConfigSection.SUBSCRIPTIONS, subscription, newer));
        snapshot.keys().forEach(key -> builder.entry(ConfigSection.KEYS, key, newer));
        return builder.build(snapshot.version(), snapshot.hash(), snapshot.publishedAt());
    }

    public RouteTable routes() {
        return routes;
    }

    public KeyIndex keys() {
        return grants.keys();
    }

    public Grants grants() {
        return grants;
    }

    public PlanDefinition plan(String planId) {
        return plans.get(planId);
    }

    public long version() {
        return stamp.version;
    }

    public String hash() {
        return stamp.hash;
    }

    public Instant publishedAt() {
        return stamp.publishedAt;
    }

    /**
     * Moves this configuration from its version to {@code delta.version()}, in place. All or nothing: on any problem
     * an {@link InvalidConfigException} says why ({@code base_version_mismatch}, {@code invalid_config},
     * {@code hash_mismatch}) and nothing has changed. Config thread only.
     */
    public void apply(ConfigDelta delta) {
        apply(delta, NewerFields.NONE);
    }

    /** As {@link #apply(ConfigDelta)}, for a delta some of whose entries hold fields this release does not know. */
    public void apply(ConfigDelta delta, NewerFields incoming) {
        Stamp held = stamp;
        if (delta.baseVersion() != held.version) {
            throw new InvalidConfigException("base_version_mismatch",
                    "delta is based on version " + delta.baseVersion() + " but this node holds version " + held.version);
        }
        ConfigHash next = content.copy();
        RouteTable currentRoutes = routes;
        Map<String, ApiDefinition> apis = overlay(delta.apis());
        Map<String, PlanDefinition> planChanges = overlay(delta.plans());
        Grants.Prepared prepared;
        RouteTable nextRoutes = currentRoutes;
        Grants.EntryHashes hashes = new Grants.EntryHashes() {
            @Override
            public byte[] held(ConfigSection section, Identified entry) {
                return entryHash(section, entry, newer.isEmpty() ? null : newer.get(NewerFields.key(section, entry.id())));
            }

            @Override
            public byte[] incoming(ConfigSection section, Identified entry) {
                return entryHash(section, entry, incoming.of(section, entry.id()));
            }
        };
        try {
            apis.forEach((id, after) -> {
                Route before = currentRoutes.byApiId(id);
                next.replace(before == null ? null : hashes.held(ConfigSection.APIS, before.api()),
                        after == null ? null : hashes.incoming(ConfigSection.APIS, after));
            });
            planChanges.forEach((id, after) -> {
                PlanDefinition before = plans.get(id);
                next.replace(before == null ? null : hashes.held(ConfigSection.PLANS, before),
                        after == null ? null : hashes.incoming(ConfigSection.PLANS, after));
            });
            prepared = grants.prepare(delta.keys(), delta.subscriptions(),
                    id -> apis.containsKey(id) ? apis.get(id) != null : currentRoutes.byApiId(id) != null,
                    id -> planChanges.containsKey(id) ? planChanges.get(id) != null : plans.containsKey(id),
                    next, hashes);
            for (Map.Entry<String, ApiDefinition> api : apis.entrySet()) {
                if (api.getValue() == null && grants.subscriptionsOfApi(api.getKey()) + prepared.subscriptionsOfApiChange(api.getKey()) > 0) {
                    throw new IllegalArgumentException("API " + api.getKey() + " is removed but subscriptions still name it");
                }
            }
            for (Map.Entry<String, PlanDefinition> plan : planChanges.entrySet()) {
                if (plan.getValue() == null && grants.subscriptionsOfPlan(plan.getKey()) + prepared.subscriptionsOfPlanChange(plan.getKey()) > 0) {
                    throw new IllegalArgumentException("plan " + plan.getKey() + " is removed but subscriptions still name it");
                }
            }
            if (!apis.isEmpty()) {
                nextRoutes = currentRoutes.with(apis, health);
            }
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException("invalid_config", e.getMessage());
        }
        String computed = next.hex();
        if (!computed.equals(delta.hash())) {
            throw new InvalidConfigException("hash_mismatch", "applying delta " + delta.baseVersion() + "->" + delta.version()
                    + " gave hash " + computed + " instead of " + delta.hash());
        }

        // Everything is checked: from here on nothing can fail.
        planChanges.forEach((id, after) -> {
            if (after != null) {
                plans.put(id, after);
            }
        });
        if (nextRoutes != currentRoutes) {
            nextRoutes.adoptTargets();
            routes = nextRoutes;
        }
        grants.commit(prepared);
        keepNewerFields(ConfigSection.APIS, delta.apis(), incoming);
        keepNewerFields(ConfigSection.PLANS, delta.plans(), incoming);
        keepNewerFields(ConfigSection.KEYS, delta.keys(), incoming);
        keepNewerFields(ConfigSection.SUBSCRIPTIONS, delta.subscriptions(), incoming);
        planChanges.forEach((id, after) -> {
            if (after == null) {
                plans.remove(id);
            }
        });
        content = next;
        stamp = new Stamp(delta.version(), computed, delta.publishedAt());
    }

    private void keepNewerFields(ConfigSection section, Changes<? extends Identified> changes, NewerFields incoming) {
        if (changes == null || (newer.isEmpty() && incoming.isEmpty())) {
            return;
        }
        changes.remove().forEach(id -> newer.remove(NewerFields.key(section, id)));
        for (Identified entry : changes.upsert()) {
            byte[] whole = incoming.of(section, entry.id());
            if (whole == null) {
                newer.remove(NewerFields.key(section, entry.id()));
            } else {
                newer.put(NewerFields.key(section, entry.id()), whole);
            }
        }
    }

    /** An entry's hash: over its canonical JSON as received when that holds more than the record, else over the record. */
    static byte[] entryHash(ConfigSection section, Object entry, byte[] canonicalJson) {
        if (canonicalJson == null) {
            return ConfigHash.entry(section, entry);
        }
        java.security.MessageDigest sha256 = io.gatehouse.protocol.keys.ApiKeys.newDigest();
        sha256.update(section.wireName().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        sha256.update((byte) 0);
        return sha256.digest(canonicalJson);
    }

    /**
     * The canonical JSON of an entry that holds fields this release does not know, as the control plane sent it;
     * null for every other entry (its record is the whole of it). Config thread only.
     */
    public byte[] newerFields(ConfigSection section, String id) {
        return newer.isEmpty() ? null : newer.get(NewerFields.key(section, id));
    }

    /** How many entries hold fields this release does not know (non-zero only while the control plane is newer). */
    public int entriesWithNewerFields() {
        return newer.size();
    }

    /** Every entry, section by section, as the control plane sent it: for the disk copy and for tests. Config thread only. */
    public void forEachEntry(BiConsumer<ConfigSection, Object> action) {
        for (Route route : routes.all()) {
            action.accept(ConfigSection.APIS, route.api());
        }
        plans.values().forEach(plan -> action.accept(ConfigSection.PLANS, plan));
        grants.keys().forEach(key -> action.accept(ConfigSection.KEYS, key));
        grants.forEachSubscription(subscription -> action.accept(ConfigSection.SUBSCRIPTIONS, subscription));
    }

    /** The whole configuration as one snapshot. Costs what the configuration holds: for tests and tools. */
    public ConfigSnapshot toSnapshot() {
        List<ApiDefinition> apis = new ArrayList<>();
        List<PlanDefinition> planList = new ArrayList<>();
        List<KeyGrant> keyList = new ArrayList<>();
        List<SubscriptionGrant> subscriptions = new ArrayList<>();
        forEachEntry((section, entry) -> {
            switch (section) {
                case APIS -> apis.add((ApiDefinition) entry);
                case PLANS -> planList.add((PlanDefinition) entry);
                case KEYS -> keyList.add((KeyGrant) entry);
                case SUBSCRIPTIONS -> subscriptions.add((SubscriptionGrant) entry);
            }
        });
        return new ConfigSnapshot(version(), hash(), publishedAt(), apis, planList, keyList, subscriptions);
    }

    private static <T extends Identified> Map<String, T> overlay(Changes<T> changes) {
        Map<String, T> overlay = new LinkedHashMap<>();
        if (changes != null) {
            changes.remove().forEach(id -> overlay.put(id, null));
            changes.upsert().forEach(item -> overlay.put(item.id(), item));
        }
        return overlay;
    }

    /**
     * A configuration put together entry by entry, in any order (a snapshot streamed in chunks, or read from disk),
     * checked once everything has arrived. Nothing of the node changes until it is built and installed.
     */
    public static final class Builder {
        private final UpstreamHealth health;
        private final Map<String, ApiDefinition> apis = new LinkedHashMap<>();
        private final Map<String, PlanDefinition> plans = new ConcurrentHashMap<>();
        private final Grants grants;
        private final ConfigHash hash = new ConfigHash();
        /** Where {@link #counted} adds entry hashes; null while an entry brings its own. */
        private ConfigHash hashing = hash;
        private final java.security.MessageDigest digest = io.gatehouse.protocol.keys.ApiKeys.newDigest();
        private int entries;
        /** Whether the content hash is taken as given rather than summed entry by entry ({@link #trustingHash}). */
        private boolean trusted;
        private final Map<String, byte[]> newer = new java.util.HashMap<>();

        public Builder(UpstreamHealth health, int expectedKeys) {
            this.health = health;
            this.grants = new Grants(expectedKeys);
        }

        public Builder api(ApiDefinition api) {
            if (apis.putIfAbsent(api.id(), api) != null) {
                throw new InvalidConfigException("invalid_config", "API " + api.id() + " appears twice");
            }
            return counted(ConfigSection.APIS, api);
        }

        public Builder plan(PlanDefinition plan) {
            if (plans.putIfAbsent(plan.id(), plan) != null) {
                throw new InvalidConfigException("invalid_config", "plan " + plan.id() + " appears twice");
            }
            return counted(ConfigSection.PLANS, plan);
        }

        public Builder key(KeyGrant key) {
            try {
                grants.addKey(key);
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigException("invalid_config", e.getMessage());
            }
            return counted(ConfigSection.KEYS, key);
        }

        public Builder subscription(SubscriptionGrant subscription) {
            try {
                grants.addSubscription(subscription);
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigException("invalid_config", e.getMessage());
            }
            return counted(ConfigSection.SUBSCRIPTIONS, subscription);
        }

        /** Adds an entry of any section. */
        public Builder entry(ConfigSection section, Object entry) {
            return switch (section) {
                case APIS -> api((ApiDefinition) entry);
                case PLANS -> plan((PlanDefinition) entry);
                case KEYS -> key((KeyGrant) entry);
                case SUBSCRIPTIONS -> subscription((SubscriptionGrant) entry);
            };
        }

        /**
         * Adds an entry read back from the node's own disk copy, where it was written as its canonical JSON: those
         * bytes are hashed as they are ({@link ConfigHash#entry}'s definition: section name, a zero byte, the JSON),
         * which spares writing a million records out again at every start.
         */
        public Builder entry(ConfigSection section, Object entry, byte[] canonicalJson) {
            ConfigHash skipped = hashing;
            hashing = null;
            try {
                entry(section, entry);
            } finally {
                hashing = skipped;
            }
            digest.reset();
            digest.update(section.wireName().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            digest.update((byte) 0);
            hash.add(digest.digest(canonicalJson));
            return this;
        }

        /** Adds an entry, whole as received if {@code newer} holds its canonical JSON. */
        public Builder entry(ConfigSection section, Object entry, NewerFields newerFields) {
            byte[] whole = newerFields.of(section, ((Identified) entry).id());
            return whole == null ? entry(section, entry) : entryWithNewerFields(section, entry, whole);
        }

        /**
         * Adds an entry whose canonical JSON holds fields this release does not know: hashed over those bytes, and
         * kept with the configuration so that the disk copy and later deltas see the entry whole.
         */
        public Builder entryWithNewerFields(ConfigSection section, Object entry, byte[] canonicalJson) {
            entry(section, entry, canonicalJson);
            newer.put(NewerFields.key(section, ((Identified) entry).id()), canonicalJson);
            return this;
        }

        /**
         * Takes the content hash given to {@link #build} instead of hashing every entry: for the node's own disk
         * copy, whose checksum was verified and whose hash the node checked when it installed that content.
         */
        Builder trustingHash() {
            trusted = true;
            hashing = null;
            return this;
        }

        /** Adds a usual key from the parts the disk copy keeps ({@link SnapshotFile}); only while trusting the hash. */
        Builder key(long[] keyHash, long idHi, long idLo, long expiresMicros, String applicationId, String consumerId) {
            try {
                grants.addKey(keyHash, idHi, idLo, expiresMicros, applicationId, consumerId);
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigException("invalid_config", e.getMessage());
            }
            entries++;
            return this;
        }

        public int entries() {
            return entries;
        }

        /** The content hash of what has arrived so far. */
        public String hash() {
            return hash.hex();
        }

        private Builder counted(ConfigSection section, Object entry) {
            if (hashing != null) {
                hashing.add(ConfigHash.entry(section, entry));
            }
            entries++;
            return this;
        }

        /**
         * Checks the whole and compiles the routes. {@code expectedHash} null accepts whatever the content hashes to
         * (a hand-written snapshot file); otherwise a different content hash is {@code hash_mismatch}.
         */
        public ActiveConfig build(long version, String expectedHash, Instant publishedAt) {
            ConfigHash content = trusted ? ConfigHash.parse(expectedHash) : hash;
            String computed = content.hex();
            if (expectedHash != null && !expectedHash.equals(computed)) {
                throw new InvalidConfigException("hash_mismatch", "snapshot " + version + " does not match its hash " + expectedHash);
            }
            RouteTable routes;
            try {
                grants.checkReferences(apis::containsKey, plans::containsKey);
                routes = RouteTable.build(apis.values(), health);
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigException("invalid_config", e.getMessage());
            }
            routes.adoptTargets();
            return new ActiveConfig(health, routes, grants, plans, content.copy(), new Stamp(version, computed, publishedAt), newer);
        }
    }
}
