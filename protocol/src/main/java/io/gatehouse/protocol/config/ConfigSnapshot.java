package io.gatehouse.protocol.config;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Everything a gateway node needs to decide a request, at one version. Snapshots are immutable; every section is
 * sorted by id so that the same content always has the same {@link #hash()}, whoever computed it.
 *
 * <p>The version orders snapshots published by one control plane; the hash identifies content. A node reports both,
 * so the control plane can tell a node that is behind from one that holds something else.
 */
public record ConfigSnapshot(
        long version,
        String hash,
        Instant publishedAt,
        List<ApiDefinition> apis,
        List<PlanDefinition> plans,
        List<KeyGrant> keys,
        List<SubscriptionGrant> subscriptions) {

    public ConfigSnapshot {
        apis = sorted(apis);
        plans = sorted(plans);
        keys = sorted(keys);
        subscriptions = sorted(subscriptions);
    }

    /** Builds a snapshot and computes its hash. */
    public static ConfigSnapshot of(long version, Instant publishedAt, List<ApiDefinition> apis, List<PlanDefinition> plans,
                                    List<KeyGrant> keys, List<SubscriptionGrant> subscriptions) {
        ConfigSnapshot unsigned = new ConfigSnapshot(version, null, publishedAt, apis, plans, keys, subscriptions);
        return unsigned.withHash(unsigned.computeHash());
    }

    public static ConfigSnapshot empty() {
        return of(0, Instant.EPOCH, List.of(), List.of(), List.of(), List.of());
    }

    /** The sum of the entry hashes ({@link ConfigHash}); version and time are not content. */
    public String computeHash() {
        return contentHash().hex();
    }

    /** The content hash as an accumulator, to be updated one entry at a time from here. */
    public ConfigHash contentHash() {
        ConfigHash sum = new ConfigHash();
        apis.forEach(api -> sum.add(ConfigHash.entry(ConfigSection.APIS, api)));
        plans.forEach(plan -> sum.add(ConfigHash.entry(ConfigSection.PLANS, plan)));
        keys.forEach(key -> sum.add(ConfigHash.entry(ConfigSection.KEYS, key)));
        subscriptions.forEach(subscription -> sum.add(ConfigHash.entry(ConfigSection.SUBSCRIPTIONS, subscription)));
        return sum;
    }

    @JsonIgnore
    public boolean isIntact() {
        return Objects.equals(hash, computeHash());
    }

    public ConfigSnapshot withHash(String newHash) {
        return new ConfigSnapshot(version, newHash, publishedAt, apis, plans, keys, subscriptions);
    }

    public ConfigSnapshot withVersion(long newVersion, Instant newPublishedAt) {
        return new ConfigSnapshot(newVersion, hash, newPublishedAt, apis, plans, keys, subscriptions);
    }

    /** Whether two snapshots hold the same content, whatever their versions. */
    public boolean sameContentAs(ConfigSnapshot other) {
        return other != null && Objects.equals(hash, other.hash);
    }

    /** The delta that turns {@code base} into this snapshot. */
    public ConfigDelta deltaFrom(ConfigSnapshot base) {
        return new ConfigDelta(base.version, version, hash, publishedAt,
                changes(base.apis, apis), changes(base.plans, plans), changes(base.keys, keys),
                changes(base.subscriptions, subscriptions));
    }

    /**
     * Applies a delta made against this snapshot. All or nothing: on any mismatch this snapshot is untouched and a
     * {@link ConfigMismatchException} says why.
     */
    public ConfigSnapshot apply(ConfigDelta delta) {
        if (delta.baseVersion() != version) {
            throw new ConfigMismatchException("base_version_mismatch",
                    "delta is based on version " + delta.baseVersion() + " but this node holds version " + version);
        }
        ConfigSnapshot next = new ConfigSnapshot(delta.version(), null, delta.publishedAt(),
                merge(apis, delta.apis()), merge(plans, delta.plans()), merge(keys, delta.keys()),
                merge(subscriptions, delta.subscriptions()));
        String computed = next.computeHash();
        if (!computed.equals(delta.hash())) {
            throw new ConfigMismatchException("hash_mismatch",
                    "applying delta " + delta.baseVersion() + "->" + delta.version() + " gave hash " + computed
                            + " instead of " + delta.hash());
        }
        return next.withHash(computed);
    }

    private static <T extends Identified> Changes<T> changes(List<T> before, List<T> after) {
        Map<String, T> old = byId(before);
        List<T> upsert = new ArrayList<>();
        for (T item : after) {
            T previous = old.remove(item.id());
            if (!item.equals(previous)) {
                upsert.add(item);
            }
        }
        return new Changes<>(upsert, new ArrayList<>(old.keySet()));
    }

    private static <T extends Identified> List<T> merge(List<T> current, Changes<T> changes) {
        if (changes == null || changes.isEmpty()) {
            return current;
        }
        Map<String, T> merged = byId(current);
        changes.remove().forEach(merged::remove);
        changes.upsert().forEach(item -> merged.put(item.id(), item));
        return new ArrayList<>(merged.values());
    }

    private static <T extends Identified> Map<String, T> byId(List<T> items) {
        Map<String, T> map = new LinkedHashMap<>();
        for (T item : items) {
            map.put(item.id(), item);
        }
        return map;
    }

    private static <T extends Identified> List<T> sorted(List<T> items) {
        if (items == null) {
            return List.of();
        }
        List<T> copy = new ArrayList<>(items);
        copy.sort(Comparator.comparing((Function<T, String>) Identified::id));
        return List.copyOf(copy);
    }
}
