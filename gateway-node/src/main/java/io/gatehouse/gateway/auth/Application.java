package io.gatehouse.gateway.auth;

import io.gatehouse.protocol.config.SubscriptionGrant;

import java.util.Map;

/**
 * An application's active subscriptions by API. The map is immutable and replaced whole when one subscription
 * changes (an application has a handful): a request reads it through one volatile read and never sees it half
 * changed, and the change costs the application's subscriptions, not the configuration's.
 */
final class Application {
    final String id;
    private volatile Map<String, SubscriptionGrant> byApi = Map.of();
    /** The credentials of this application, one per consumer (normally exactly one). Config thread only. */
    Credential[] credentials = new Credential[0];

    Application(String id) {
        this.id = id;
    }

    Map<String, SubscriptionGrant> subscriptions() {
        return byApi;
    }

    void subscriptions(Map<String, SubscriptionGrant> next) {
        this.byApi = next;
    }

    Credential credential(String consumerId) {
        for (Credential c : credentials) {
            if (java.util.Objects.equals(c.consumerId(), consumerId)) {
                return c;
            }
        }
        Credential created = new Credential(this, consumerId);
        Credential[] grown = java.util.Arrays.copyOf(credentials, credentials.length + 1);
        grown[credentials.length] = created;
        credentials = grown;
        return created;
    }

    void dropIfUnused(Credential credential) {
        if (credential.keys > 0) {
            return;
        }
        int n = 0;
        Credential[] kept = new Credential[credentials.length];
        for (Credential c : credentials) {
            if (c != credential) {
                kept[n++] = c;
            }
        }
        credentials = java.util.Arrays.copyOf(kept, n);
    }

    boolean unused() {
        return credentials.length == 0 && byApi.isEmpty();
    }
}
