package io.gatehouse.protocol.config;

/** One upstream server of an API: an absolute http(s) URL, optionally with a path prefix, and its share of traffic. */
public record UpstreamTarget(String url, int weight) {
    public UpstreamTarget {
        if (weight <= 0) {
            weight = 1;
        }
    }
}
