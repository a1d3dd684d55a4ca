package io.gatehouse.gateway.auth;

import io.gatehouse.protocol.config.KeyGrant;
import io.gatehouse.protocol.config.SubscriptionGrant;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Key hash to credential, built once per config so a request costs one hash and one map lookup. */
public final class KeyIndex {
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
    private final Map<String, Credential> byHash;

    private KeyIndex(Map<String, Credential> byHash) {
        this.byHash = byHash;
    }

    public static KeyIndex build(List<KeyGrant> keys, List<SubscriptionGrant> subscriptions, Set<String> apiIds, Set<String> planIds) {
        Map<String, Map<String, SubscriptionGrant>> byApplication = new HashMap<>();
        for (SubscriptionGrant s : subscriptions) {
            if (!apiIds.contains(s.apiId())) {
                throw new IllegalArgumentException("subscription " + s.id() + " names API " + s.apiId() + ", which this config does not have");
            }
            if (!planIds.contains(s.planId())) {
                throw new IllegalArgumentException("subscription " + s.id() + " names plan " + s.planId() + ", which this config does not have");
            }
            SubscriptionGrant previous = byApplication.computeIfAbsent(s.applicationId(), a -> new HashMap<>()).put(s.apiId(), s);
            if (previous != null) {
                throw new IllegalArgumentException("application " + s.applicationId() + " has two subscriptions to API " + s.apiId());
            }
        }
        Map<String, Credential> byHash = new HashMap<>(keys.size() * 2);
        for (KeyGrant key : keys) {
            if (key.keyHash() == null || !SHA256_HEX.matcher(key.keyHash()).matches()) {
                throw new IllegalArgumentException("key " + key.id() + " has no valid SHA-256 hash");
            }
            Map<String, SubscriptionGrant> subs = byApplication.getOrDefault(key.applicationId(), Map.of());
            long expires = key.expiresAt() == null ? Long.MAX_VALUE : key.expiresAt().toEpochMilli();
            Credential previous = byHash.put(key.keyHash(),
                    new Credential(key.id(), key.applicationId(), key.consumerId(), expires, Map.copyOf(subs)));
            if (previous != null) {
                throw new IllegalArgumentException("keys " + previous.keyId() + " and " + key.id() + " have the same hash");
            }
        }
        return new KeyIndex(byHash);
    }

    public Credential lookup(String keyHash) {
        return byHash.get(keyHash);
    }

    public int size() {
        return byHash.size();
    }
}
