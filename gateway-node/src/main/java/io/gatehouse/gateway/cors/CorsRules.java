package io.gatehouse.gateway.cors;

import io.gatehouse.protocol.config.ApiDefinition;
import io.gatehouse.protocol.config.CorsRule;

import java.util.Set;

/**
 * An API's {@link CorsRule} as the request path reads it, built once when the config is compiled: the origins as a
 * set and the header values as ready strings, so answering costs a lookup and no formatting.
 */
public final class CorsRules {
    /** An API without a rule of its own: only the portal's origin is allowed. */
    private static final CorsRules PORTAL_ONLY = new CorsRules(false, Set.of(), false, ApiDefinition.DEFAULT_KEY_HEADER, java.util.List.of(),
            CorsRule.DEFAULT_MAX_AGE_SECONDS);

    private final boolean declared;
    private final Set<String> origins;
    private final boolean anyOrigin;
    final String allowHeaders;
    final String maxAge;

    private CorsRules(boolean declared, Set<String> origins, boolean anyOrigin, String keyHeader, java.util.List<String> extraHeaders, int maxAge) {
        this.declared = declared;
        this.origins = origins;
        this.anyOrigin = anyOrigin;
        StringBuilder headers = new StringBuilder(keyHeader).append(", Authorization, Content-Type, X-Request-Id");
        for (String header : extraHeaders) {
            headers.append(", ").append(header);
        }
        this.allowHeaders = headers.toString();
        this.maxAge = Integer.toString(maxAge);
    }

    /** Compiles the API's rule; the key header is the API's own, which a page must be allowed to send. */
    public static CorsRules of(ApiDefinition api, String keyHeader) {
        CorsRule rule = api.cors();
        if (rule == null) {
            return ApiDefinition.DEFAULT_KEY_HEADER.equals(keyHeader) ? PORTAL_ONLY
                    : new CorsRules(false, Set.of(), false, keyHeader, java.util.List.of(), CorsRule.DEFAULT_MAX_AGE_SECONDS);
        }
        return new CorsRules(true, Set.copyOf(rule.origins()), rule.origins().contains(CorsRule.ANY_ORIGIN), keyHeader,
                rule.headers(), rule.maxAge());
    }

    /** Whether the API's owner wrote a rule: then the gateway answers every preflight for it, allowed or not. */
    public boolean declared() {
        return declared;
    }

    boolean allows(String origin) {
        return anyOrigin || origins.contains(origin);
    }
}
