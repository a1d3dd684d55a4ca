package io.gatehouse.protocol.config;

/**
 * One upstream server of an API: an absolute http(s) URL, optionally with a path prefix, and its share of traffic.
 *
 * @param discovery STATIC (default): the URL's host as it is. DNS: the host is re-resolved periodically and every
 *                  address (A and AAAA records) becomes a target of its own, with its own health. SRV: the host is an
 *                  SRV name ({@code _http._tcp.orders.internal}); each record's host and port become targets, weighted
 *                  by the record's weight, and the URL's port is not used.
 */
public record UpstreamTarget(String url, int weight, String discovery) {
    public UpstreamTarget {
        if (weight <= 0) {
            weight = 1;
        }
    }

    public UpstreamTarget(String url, int weight) {
        this(url, weight, null);
    }

    public boolean discovered() {
        return "DNS".equals(discovery) || "SRV".equals(discovery);
    }
}
