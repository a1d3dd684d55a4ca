package io.gatehouse.gateway.proxy;

import io.gatehouse.gateway.audit.BodyDigests;
import io.gatehouse.gateway.auth.Credential;
import io.gatehouse.gateway.config.ActiveConfig;
import io.gatehouse.gateway.routing.Route;
import io.gatehouse.gateway.routing.TargetState;
import io.gatehouse.protocol.config.SubscriptionGrant;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * One request on its way through the policy chain: the only object the gateway allocates per request on purpose.
 * Policies fill in what they decide (route, credential, upstream) for the ones after them.
 */
public final class Exchange {
    private final HttpServerRequest request;
    private final Policy[] chain;
    private final String requestId;
    private final ActiveConfig config;
    private final long startNanos;
    private final BodyDigests bodies;
    private int position;
    private GatewayError error;

    private Route route;
    private Credential credential;
    private SubscriptionGrant subscription;
    private String credentialHeader;
    private TargetState upstream;
    private long leaseDeadlineNanos;
    private boolean canary;

    Exchange(HttpServerRequest request, Policy[] chain, String requestId, ActiveConfig config, BodyDigests bodies) {
        this.bodies = bodies;
        this.request = request;
        this.chain = chain;
        this.requestId = requestId;
        this.config = config;
        this.startNanos = System.nanoTime();
    }

    /** Hands the exchange to the next policy. */
    public void next() {
        if (position < chain.length) {
            chain[position++].apply(this);
        }
    }

    /** Ends the exchange with a gateway error. */
    public void reject(GatewayError error) {
        HttpServerResponse response = request.response();
        if (response.headWritten() || response.closed()) {
            return;
        }
        response.setStatusCode(error.status())
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(ProxyHeaders.REQUEST_ID, requestId);
        if (error.status() == 401) {
            response.putHeader("WWW-Authenticate", "Bearer realm=\"gatehouse\"");
        }
        if (error == GatewayError.PAYLOAD_TOO_LARGE) {
            // The unread body would otherwise be parsed as the next request on this connection.
            response.putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
        }
        this.error = error;
        io.vertx.core.buffer.Buffer body = io.vertx.core.buffer.Buffer.buffer(error.body(requestId));
        bodies.responseChunk(body);
        response.end(body);
    }

    /** The body hashes of the audit record (a no-op when audit is off). */
    public BodyDigests bodies() {
        return bodies;
    }

    /** The error the gateway answered with itself, or null. */
    public GatewayError error() {
        return error;
    }

    public HttpServerRequest request() {
        return request;
    }

    public String requestId() {
        return requestId;
    }

    public ActiveConfig config() {
        return config;
    }

    public long startNanos() {
        return startNanos;
    }

    public void routeTo(Route matched) {
        this.route = matched;
    }

    /** @param carriedBy the header that carried the key, to drop before going upstream; null keeps it */
    public void authenticate(Credential who, SubscriptionGrant under, String carriedBy) {
        this.credential = who;
        this.subscription = under;
        this.credentialHeader = carriedBy;
    }

    public void sendTo(TargetState target) {
        this.upstream = target;
    }

    /** Until when this request may wait for a lease (0: it has not waited yet). */
    public long leaseDeadlineNanos() {
        return leaseDeadlineNanos;
    }

    public void leaseDeadlineNanos(long deadline) {
        this.leaseDeadlineNanos = deadline;
    }

    public void canary(boolean toCanary) {
        this.canary = toCanary;
    }

    /** Whether this request goes to the canary variant of its API. */
    public boolean canary() {
        return canary;
    }

    public String credentialHeader() {
        return credentialHeader;
    }

    public Route route() {
        return route;
    }

    public Credential credential() {
        return credential;
    }

    public SubscriptionGrant subscription() {
        return subscription;
    }

    public TargetState upstream() {
        return upstream;
    }
}
