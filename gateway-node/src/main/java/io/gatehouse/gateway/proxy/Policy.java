package io.gatehouse.gateway.proxy;

/**
 * One step of the request path. A policy either ends the exchange ({@link Exchange#reject}, or by answering it) or
 * passes it on with {@link Exchange#next()}, now or later: a policy may wait on something asynchronous, but must
 * never block the event loop it runs on.
 *
 * <p>Instances are created per event loop, so a policy may keep single-threaded scratch state (a digest, a buffer).
 */
public interface Policy {
    void apply(Exchange exchange);
}
