package io.gatehouse.gateway.auth;

import io.gatehouse.protocol.config.SubscriptionGrant;

import java.util.Map;

/**
 * Whose key it is: one application of one consumer, and which APIs the application may call under which plan. Every
 * key of the application shares this one object (a million keys of a hundred thousand applications hold a hundred
 * thousand of these), so issuing a key allocates nothing here and changing a subscription changes it for all of
 * them at once.
 */
public final class Credential {
    private final Application application;
    private final String consumerId;
    /** Keys pointing here; the key index drops the credential when none is left. Config thread only. */
    int keys;

    Credential(Application application, String consumerId) {
        this.application = application;
        this.consumerId = consumerId;
    }

    /** A credential outside any key index, for tests and tools that need an authenticated exchange. */
    public static Credential of(String applicationId, String consumerId, Map<String, SubscriptionGrant> subscriptionsByApi) {
        Application application = new Application(applicationId);
        application.subscriptions(Map.copyOf(subscriptionsByApi));
        return new Credential(application, consumerId);
    }

    public String applicationId() {
        return application.id;
    }

    public String consumerId() {
        return consumerId;
    }

    Application application() {
        return application;
    }

    public SubscriptionGrant subscriptionTo(String apiId) {
        return application.subscriptions().get(apiId);
    }
}
