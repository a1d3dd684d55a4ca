package io.gatehouse.gateway.proxy;

import io.gatehouse.gateway.audit.BodyDigests;
import io.gatehouse.gateway.auth.Credential;
import io.gatehouse.gateway.config.ActiveConfig;
import io.gatehouse.gateway.limits.QuotaAccount;
import io.gatehouse.gateway.limits.SubscriptionLimits;
import io.gatehouse.gateway.routing.Route;
import io.gatehouse.gateway.routing.TargetState;
import io.gatehouse.gateway.routing.UpstreamOutcome;
import io.gatehouse.protocol.config.SubscriptionGrant;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request on its way through the policy chain: the only object the gateway allocates per request on purpose.
 * Policies fill in what they decide (route, credential, upstream) for the ones after them.
 *
 * <p>The exchange is its response's end and close handler (so watching for the end costs no allocation): whichever
 * comes first runs the {@link Completion} once. After that, {@link #next()} does nothing, so a request resumed from a
 * lease wait after its client left goes no further.
 */
public final class Exchange implements Handler<Void> {
    private static final Logger LOG = LoggerFactory.getLogger(Exchange.class);
    /** No upstream outcome yet for the attempt in flight. */
    public static final int NO_ANSWER = 0;
    /** The attempt failed without an answer (refused, reset, timed out). */
    public static final int FAILED = -1;

    private final HttpServerRequest request;
    private final Policy[] chain;
    private final Completion completion;
    private final CharSequence requestId;
    private final ActiveConfig config;
    private final long startNanos;
    private final BodyDigests bodies;
    private final io.gatehouse.gateway.drain.Drain drain;
    private int position;
    private boolean completed;
    /** Close the connection as the answer ends, before anything after it on the connection is read as a request. */
    private boolean closeWhenDone;
    private int bodyHolds;
    /** HTTP/2: the stream ended with the request's headers, so no body follows (HTTP/2 need not send a Content-Length). */
    private boolean endedWithHeaders;

    private Route route;
    private String operation;
    private Credential credential;
    private SubscriptionGrant subscription;
    private String credentialHeader;
    private TargetState upstream;
    private long leaseDeadlineNanos;
    private boolean canary;
    private boolean circuitTrial;
    private SubscriptionLimits usage;
    private QuotaAccount quotaTaken;
    private Buffer body;
    /** The request path as routing and forwarding see it, set by the request guard; null: the path as received. */
    private String path;
    /** The W3C traceparent sent upstream; null until dispatch (then the client's, if valid, or a new one). */
    private CharSequence traceparent;
    /** Whether the direct peer is a trusted proxy whose X-Forwarded-* headers are kept; set by the request guard. */
    private boolean fromTrustedProxy;

    private int retryPosition = -1;
    private int attempts;
    /** When the first attempt went upstream (for the upstream latency); meaningful once attempts > 0. */
    private long upstreamStartNanos;
    private TargetState attemptTarget;
    private int attemptStatus;
    private int lastStatus;
    private boolean retryDenied;
    private HttpClientResponse heldAnswer;
    private Throwable heldFailure;
    private GatewayError error;
    /** The upstream connection the attempt in flight was lent, null if it came from the client's pool. */
    private UpstreamConnections.Lease lease;
    /** Whether the attempt's request went upstream whole, and its answer was read to the end. */
    private boolean leaseRequestSent;
    private boolean leaseAnswerRead;
    /** The consumer's in-flight count this request holds a slot of, given back at completion; null if none. */
    private java.util.concurrent.atomic.AtomicInteger consumerSlot;

    // The wait for an upstream answer, in this event loop's UpstreamDeadlines list: links, request, deadline.
    private Exchange prevWaiting;
    private Exchange nextWaiting;
    private io.vertx.core.http.HttpClientRequest awaitedUpstream;
    private long answerDeadlineNanos;

    /** The sentinel of an {@link UpstreamDeadlines} list: an exchange of no request, linked to itself. */
    static Exchange listHead() {
        Exchange head = new Exchange();
        head.prevWaiting = head;
        head.nextWaiting = head;
        return head;
    }

    private Exchange() {
        this.request = null;
        this.chain = null;
        this.completion = null;
        this.requestId = null;
        this.config = null;
        this.startNanos = 0;
        this.bodies = null;
        this.drain = null;
    }

    Exchange(HttpServerRequest request, Policy[] chain, Completion completion, CharSequence requestId, ActiveConfig config,
             BodyDigests bodies, io.gatehouse.gateway.drain.Drain drain) {
        this.bodies = bodies;
        this.drain = drain;
        this.request = request;
        this.chain = chain;
        this.completion = completion;
        this.requestId = requestId;
        this.config = config;
        this.startNanos = System.nanoTime();
        HttpServerResponse response = request.response();
        response.endHandler(this);
        response.closeHandler(this);
    }

    void linkAfter(Exchange head) {
        unlink();
        nextWaiting = head.nextWaiting;
        prevWaiting = head;
        head.nextWaiting.prevWaiting = this;
        head.nextWaiting = this;
    }

    void unlink() {
        if (prevWaiting != null) {
            prevWaiting.nextWaiting = nextWaiting;
            nextWaiting.prevWaiting = prevWaiting;
            prevWaiting = null;
            nextWaiting = null;
        }
    }

    Exchange nextWaiting() {
        return nextWaiting;
    }

    void awaitingAnswer(io.vertx.core.http.HttpClientRequest upstream, long deadlineNanos) {
        this.awaitedUpstream = upstream;
        this.answerDeadlineNanos = deadlineNanos;
    }

    io.vertx.core.http.HttpClientRequest awaitedUpstream() {
        return awaitedUpstream;
    }

    long answerDeadlineNanos() {
        return answerDeadlineNanos;
    }

    /** Hands the exchange to the next policy; nothing happens once the exchange is complete. */
    public void next() {
        if (completed || position >= chain.length) {
            return;
        }
        Policy policy = chain[position++];
        try {
            policy.apply(this);
        } catch (RuntimeException e) {
            LOG.error("request {}: {} failed", requestId, policy.getClass().getSimpleName(), e);
            reject(GatewayError.INTERNAL_ERROR);
        }
    }

    /**
     * Sends the exchange back to the balancing policy after a failed attempt: it picks another target or says the
     * request may not be retried ({@link #retryDenied()}), and the chain goes on from there to dispatch again.
     */
    public void retry() {
        if (retryPosition < 0) {
            throw new IllegalStateException("no balancing policy in the chain to retry through");
        }
        position = retryPosition;
        next();
    }

    /** Called by the balancing policy: retries come back to it. */
    public void markRetryPoint() {
        if (retryPosition < 0) {
            retryPosition = position - 1;
        }
    }

    /** Ends the exchange with a gateway error. */
    public void reject(GatewayError error) {
        answer(error, false, null);
    }

    /** Ends the exchange with a gateway error whose body says more than the catalogue's message (see {@link GatewayError#body(String, String, String)}). */
    public void reject(GatewayError error, String message, String portal) {
        answer(error, false, error.body(requestId.toString(), message, portal));
    }

    /**
     * Ends the exchange with a gateway error and closes the connection once it is sent: for requests whose framing
     * cannot be trusted, where whatever follows on the connection might be read as another request.
     */
    public void rejectAndClose(GatewayError error) {
        answer(error, true, null);
    }

    private void answer(GatewayError error, boolean close, String body) {
        HttpServerResponse response = request.response();
        if (response.headWritten() || response.closed()) {
            if (close && !response.closed()) {
                if (request.version() == io.vertx.core.http.HttpVersion.HTTP_2) {
                    response.reset();
                } else {
                    request.connection().close();
                }
            }
            return;
        }
        this.error = error;
        response.setStatusCode(error.status())
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(ProxyHeaders.REQUEST_ID, requestId);
        if (error.status() == 401) {
            response.putHeader("WWW-Authenticate", "Bearer realm=\"gatehouse\"");
        }
        // HTTP/2 frames each stream apart: an unread body or a refused stream leaves the connection's other streams
        // intact, so it stays open (and Connection is not an HTTP/2 header).
        boolean h2 = request.version() == io.vertx.core.http.HttpVersion.HTTP_2;
        if (!h2 && (close || error == GatewayError.PAYLOAD_TOO_LARGE)) {
            // The unread body would otherwise be parsed as the next request on this connection.
            response.putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
        } else {
            drain.closeAfter(response);
        }
        Buffer answer = Buffer.buffer(body != null ? body : error.body(requestId.toString()));
        bodies.responseChunk(answer);
        closeWhenDone = close && !h2;
        response.end(answer);
        if (bodyHolds > 0) {
            // A refused request held while it waited: let the rest of its body be read and dropped.
            bodyHolds = 0;
            request.resume();
        }
    }

    /** Cuts an answer already under way: the only honest way to say it is incomplete. */
    public void cut(GatewayError cause) {
        this.error = cause;
        HttpServerResponse response = request.response();
        if (!response.closed()) {
            response.reset();
        }
    }

    /** An HTTP/2 request whose stream ended with its headers: it has no body, and is as repeatable as HTTP/1.1's. */
    public void endedWithHeaders() {
        endedWithHeaders = true;
    }

    /**
     * Whether a body follows the request's head: HTTP/1.1 announces one with Content-Length or Transfer-Encoding;
     * HTTP/2 may send a Content-Length, and otherwise says there is none only by ending the stream with the headers.
     *
     * @param length the announced Content-Length, or {@link RequestBody#UNKNOWN}
     */
    boolean bodyFollows(long length) {
        if (length != RequestBody.UNKNOWN) {
            return length > 0;
        }
        if (request.version() == io.vertx.core.http.HttpVersion.HTTP_2) {
            return !endedWithHeaders && !request.isEnded();
        }
        return request.headers().contains(io.vertx.core.http.HttpHeaders.TRANSFER_ENCODING);
    }

    /** Stops reading the request body until as many {@link #releaseBody()} calls: its bytes wait in the connection. */
    public void holdBody() {
        if (bodyHolds++ == 0) {
            request.pause();
        }
    }

    public void releaseBody() {
        if (bodyHolds > 0 && --bodyHolds == 0) {
            request.resume();
        }
    }

    /** The response ended or the connection closed: runs the completion, once. */
    @Override
    public void handle(Void ignored) {
        if (completed) {
            return;
        }
        completed = true;
        if (closeWhenDone) {
            request.connection().close();
        }
        completion.run(this);
    }

    public boolean completed() {
        return completed;
    }

    // ---- upstream attempts ----

    /** An attempt to the current target begins: it counts as in flight on the target until it ends. */
    public void attemptStarted() {
        if (attempts == 0) {
            upstreamStartNanos = System.nanoTime();
        }
        attemptTarget = upstream;
        attemptStatus = NO_ANSWER;
        attempts++;
        upstream.started();
    }

    /** The attempt's answer began with this status. */
    public void attemptAnswered(int status) {
        attemptStatus = status;
        lastStatus = status;
    }

    /** The attempt failed without an answer. */
    public void attemptFailed() {
        attemptStatus = FAILED;
        lastStatus = FAILED;
    }

    /**
     * Ends the attempt in flight, if any, and records its outcome on its target and the circuit. Called for an
     * attempt that is retried, and by the completion for the last one.
     */
    public void endAttempt() {
        UpstreamConnections.Lease lent = lease;
        if (lent != null) {
            lease = null;
            lent.giveBack(leaseRequestSent && leaseAnswerRead);
        }
        TargetState target = attemptTarget;
        if (target == null) {
            return;
        }
        attemptTarget = null;
        target.finished();
        if (attemptStatus != NO_ANSWER) {
            UpstreamOutcome.attemptEnded(route, target, attemptStatus, circuitTrial);
            circuitTrial = false;
        }
    }

    /** The attempt in flight runs on this connection, given back (or closed) when the attempt ends. */
    void lend(UpstreamConnections.Lease lent) {
        lease = lent;
        leaseRequestSent = false;
        leaseAnswerRead = false;
    }

    /** The attempt's request, body included, was handed to the upstream connection whole. */
    void upstreamRequestSent() {
        leaseRequestSent = true;
    }

    /** The attempt's answer was read to its end: its connection may be lent again. */
    void upstreamAnswerRead(io.vertx.core.http.HttpClientResponse answer) {
        if (lease != null) {
            lease.answerRead(answer);
            leaseAnswerRead = true;
        }
    }

    /** How many attempts went (or are going) upstream. */
    public int attempts() {
        return attempts;
    }

    /** Status of the last upstream answer, {@link #FAILED} if the last attempt had none, 0 before any. */
    public int lastUpstreamStatus() {
        return lastStatus;
    }

    public void holdAnswer(HttpClientResponse answer, Throwable failure) {
        this.heldAnswer = answer;
        this.heldFailure = failure;
    }

    public HttpClientResponse heldAnswer() {
        return heldAnswer;
    }

    public Throwable heldFailure() {
        return heldFailure;
    }

    /** The balancing policy found no other target or no retry budget: the held outcome is the answer. */
    public void denyRetry() {
        this.retryDenied = true;
    }

    public boolean retryDenied() {
        return retryDenied;
    }

    // ---- the outcome, for completion listeners ----

    /** The status answered; 0 if nothing was. */
    public int status() {
        HttpServerResponse response = request.response();
        return response.headWritten() ? response.getStatusCode() : 0;
    }

    /** The gateway's own error, if it answered one (or cut an answer); null otherwise. */
    public GatewayError error() {
        return error;
    }

    public long bytesIn() {
        return request.bytesRead();
    }

    public long bytesOut() {
        return request.response().bytesWritten();
    }

    /**
     * Whether the request went upstream and the gateway did not refuse it itself: what counts as usage. An upstream
     * that could not be reached or timed out still counts (the gateway did its part); a refusal does not, even one
     * discovered after sending began (a body over the limit).
     */
    public boolean forwarded() {
        return attempts > 0 && (error == null || error.fromUpstream());
    }

    /** The connection closed before the answer was complete, and not because the gateway cut it. */
    public boolean clientGone() {
        return !request.response().ended() && error == null;
    }

    public long durationNanos(long now) {
        return now - startNanos;
    }

    /** When the first attempt went upstream; meaningful only when {@link #attempts()} is above 0. */
    public long upstreamStartNanos() {
        return upstreamStartNanos;
    }

    /** The node's drain: an answer relayed while it drains closes its connection. */
    io.gatehouse.gateway.drain.Drain drain() {
        return drain;
    }

    // ---- what policies decided ----

    public void holdConsumerSlot(java.util.concurrent.atomic.AtomicInteger pending) {
        this.consumerSlot = pending;
    }

    /** The consumer slot this request held, cleared so it can be given back once only. */
    public java.util.concurrent.atomic.AtomicInteger takeConsumerSlot() {
        java.util.concurrent.atomic.AtomicInteger slot = consumerSlot;
        consumerSlot = null;
        return slot;
    }

    /** The normalised request path (without the query) that routing and forwarding use instead of the raw one. */
    public String path() {
        return path != null ? path : request.path();
    }

    public void normalisedPath(String normalised) {
        this.path = normalised;
    }

    /** The traceparent of this request: the one sent upstream, else the client's (which may be invalid), else null. */
    public CharSequence traceparent() {
        return traceparent != null ? traceparent : request.getHeader(io.gatehouse.gateway.accesslog.Traceparent.HEADER);
    }

    void traceparent(CharSequence sent) {
        this.traceparent = sent;
    }

    public boolean fromTrustedProxy() {
        return fromTrustedProxy;
    }

    public void fromTrustedProxy(boolean trusted) {
        this.fromTrustedProxy = trusted;
    }

    /** The body hashes of the audit record (a no-op when audit is off). */
    public BodyDigests bodies() {
        return bodies;
    }

    public HttpServerRequest request() {
        return request;
    }

    public CharSequence requestId() {
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
        matched.meters().started();
    }

    /** The documented operation the request reached ({@code GET /orders/{id}}); unset for a pass-through API. */
    public void operation(String documented) {
        this.operation = documented;
    }

    public String operation() {
        return operation;
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

    /** This request is the circuit's half-open trial: its outcome closes or reopens the circuit. */
    public void circuitTrial(boolean trial) {
        this.circuitTrial = trial;
    }

    public boolean circuitTrial() {
        return circuitTrial;
    }

    /** The plan limits this request was counted under, and the quota unit it took (null if none). */
    public void usage(SubscriptionLimits limits, QuotaAccount took) {
        this.usage = limits;
        this.quotaTaken = took;
    }

    public SubscriptionLimits usage() {
        return usage;
    }

    public QuotaAccount quotaTaken() {
        return quotaTaken;
    }

    /** The request body when it was read whole (to send it again on a retry, or to mirror it). */
    public void body(Buffer whole) {
        bodies.requestChunk(whole);
        this.body = whole;
    }

    public Buffer body() {
        return body;
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
