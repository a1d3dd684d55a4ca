package io.gatehouse.gateway.auth;

import io.gatehouse.protocol.config.SubscriptionGrant;

import java.util.Map;

/** An active API key, resolved: whose it is, until when, and which APIs it may call under which plan. */
public record Credential(String keyId, String applicationId, String consumerId, long expiresAtMillis,
                         Map<String, SubscriptionGrant> subscriptionsByApi) {

    public boolean expiredAt(long nowMillis) {
        return nowMillis >= expiresAtMillis;
    }

    public SubscriptionGrant subscriptionTo(String apiId) {
        return subscriptionsByApi.get(apiId);
    }
}
