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

    /** @param hideCredentials remove the header that carried the key before the request goes upstream */
    public record Config(boolean hideCredentials) {
    }

    private static final String BEARER = "Bearer ";
    private final Config config;
    private final MessageDigest sha256 = ApiKeys.newDigest();

    public AuthenticatePolicy(Config config) {
        this.config = config;
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
        Credential credential = ApiKeys.looksLikeKey(key) ? exchange.config().keys().lookup(ApiKeys.hash(sha256, key)) : null;
        if (credential == null) {
            exchange.reject(GatewayError.INVALID_API_KEY);
            return;
        }
        if (credential.expiredAt(System.currentTimeMillis())) {
            exchange.reject(GatewayError.EXPIRED_API_KEY);
            return;
        }
        SubscriptionGrant subscription = credential.subscriptionTo(exchange.route().apiId());
        if (subscription == null) {
            exchange.reject(GatewayError.NOT_SUBSCRIBED);
            return;
        }
        exchange.authenticate(credential, subscription, config.hideCredentials() ? headerName : null);
        exchange.next();
    }
}
