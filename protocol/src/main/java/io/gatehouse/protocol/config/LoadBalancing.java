package io.gatehouse.protocol.config;

/** How a request's upstream target is chosen among an API's targets. */
public enum LoadBalancing {
    /** Two weighted random picks; the one with fewer requests in flight per unit of weight wins. The default. */
    P2C,
    /** The target with the fewest requests in flight per unit of weight. */
    LEAST_REQUEST,
    /** Weighted round robin. */
    ROUND_ROBIN
}
