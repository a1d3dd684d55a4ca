package io.gatehouse.gateway.auth;

import io.gatehouse.gateway.proxy.Exchange;
import io.gatehouse.gateway.proxy.GatewayError;
import io.gatehouse.gateway.proxy.Policy;
import io.gatehouse.protocol.config.SubscriptionGrant;
import io.gatehouse.protocol.keys.ApiKeys;
import io.vertx.core.http.HttpHeaders;

import java.security.MessageDigest;

/**
 * API key authentication. The key comes from the API's key header or from {@code Authorization: Bearer}; it is
 * hashed and looked up, never compared or logged in clear. Unknown and revoked keys get the same answer on purpose:
 * the gateway does not tell a caller which keys once existed.
 */
public final class AuthenticatePolicy implements Policy {

    /**
     * @param hideCredentials remove the header that carried the key before the request goes upstream
     * @param portalUrl       the developer portal's base URL, linked from a 402 so the developer can settle the
     *                        account; null when the node does not know it
     */
    public record Config(boolean hideCredentials, String portalUrl) {
        public Config(boolean hideCredentials) {
            this(hideCredentials, null);
        }
    }

    private static final String BEARER = "Bearer ";
    private final Config config;
    // Per event loop, so reused by every request without locks or allocation: the digest, its output, the lookup's.
    private final MessageDigest sha256 = ApiKeys.newDigest();
    private final byte[] digest = new byte[32];
    private final KeyIndex.Found found = new KeyIndex.Found();
    private final String portal;

    public AuthenticatePolicy(Config config) {
        this.config = config;
        this.portal = config.portalUrl() == null ? null : config.portalUrl() + "/portal";
    }

    @Override
    public void apply(Exchange exchange) {
        var headers = exchange.request().headers();
        String headerName = exchange.route().keyHeader();
        String key = headers.get(headerName);
        if (key == null) {
            String authorization = headers.get(HttpHeaders.AUTHORIZATION);
            if (authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
                key = authorization.substring(BEARER.length()).trim();
                headerName = "authorization";
            }
        }
        if (key == null || key.isEmpty()) {
            exchange.reject(GatewayError.MISSING_API_KEY);
            return;
        }
        // Cheap shape check first: garbage never costs a hash.
        if (!ApiKeys.looksLikeKey(key) || !exchange.config().keys().lookup(hash(key), found)) {
            exchange.reject(GatewayError.INVALID_API_KEY);
            return;
        }
        if (found.expiredAt(System.currentTimeMillis())) {
            exchange.reject(GatewayError.EXPIRED_API_KEY);
            return;
        }
        Credential credential = found.credential();
        SubscriptionGrant subscription = credential.subscriptionTo(exchange.route().apiId());
        String suspension = found.suspension();
        if (suspension != null) {
            // Refused like a 401, before any limit: it spends no quota. Whose key it is stays on the exchange, so
            // the completion counts the refusal against the subscription and the audit record names the consumer.
            exchange.authenticate(credential, subscription, null);
            exchange.reject(GatewayError.PAYMENT_REQUIRED,
                    "This key's consumer is suspended (" + suspension + "); requests are refused until the account is settled.", portal);
            return;
        }
        if (subscription == null) {
            exchange.reject(GatewayError.NOT_SUBSCRIBED);
            return;
        }
        exchange.authenticate(credential, subscription, config.hideCredentials() ? headerName : null);
        exchange.next();
    }

    private byte[] hash(String key) {
        sha256.reset();
        sha256.update(key.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        try {
            sha256.digest(digest, 0, 32);
        } catch (java.security.DigestException e) {
            throw new IllegalStateException("SHA-256 gives 32 bytes", e);
        }
        return digest;
    }
}
