package io.gatehouse.gateway.routing;

import io.gatehouse.gateway.config.ActiveConfig;
import io.gatehouse.gateway.config.ConfigHolder;
import io.gatehouse.protocol.config.UpstreamUrl;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.dns.DnsClient;
import io.vertx.core.dns.DnsClientOptions;
import io.vertx.core.dns.SrvRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * DNS service discovery for targets that ask for it. Every refresh, a DNS target's host is resolved (A and AAAA) and
 * each address becomes an endpoint; an SRV target's records give host, port and weight, and each host is resolved in
 * turn. Endpoints are dialled by address with the original name as Host. An endpoint found again keeps its state
 * (requests in flight, ejection); a failed or empty answer keeps the previous endpoints rather than leave an API with
 * none.
 */
public final class Discovery {
    private static final Logger LOG = LoggerFactory.getLogger(Discovery.class);
    private final ConfigHolder config;
    private final UpstreamHealth health;
    private DnsClient dns;
    private boolean running;

    public Discovery(ConfigHolder config, UpstreamHealth health) {
        this.config = config;
        this.health = health;
    }

    /** @param server "host:port" of the DNS server to ask; null for the system's */
    public void start(Vertx vertx, String server, long refreshMs) {
        DnsClientOptions options = new DnsClientOptions().setQueryTimeout(2_000);
        if (server != null) {
            int colon = server.lastIndexOf(':');
            options.setHost(server.substring(0, colon)).setPort(Integer.parseInt(server.substring(colon + 1)));
        }
        dns = vertx.createDnsClient(options);
        vertx.setPeriodic(50, Math.max(100, refreshMs), id -> refresh());
    }

    private void refresh() {
        ActiveConfig current = config.current();
        if (current == null || running) {
            return;
        }
        List<Future<?>> all = new ArrayList<>();
        for (Route route : current.routes().all()) {
            for (TargetGroup group : route.groups()) {
                for (TargetGroup.Spec spec : group.specs()) {
                    if (spec.target.discovered()) {
                        all.add(resolve(spec).onSuccess(found -> update(route, group, spec, found)));
                    }
                }
            }
        }
        if (!all.isEmpty()) {
            running = true;
            Future.join(all).onComplete(done -> running = false);
        }
    }

    private record Endpoint(String address, int port, int weight, String authority) {
    }

    private Future<List<Endpoint>> resolve(TargetGroup.Spec spec) {
        UpstreamUrl url = spec.url;
        if ("SRV".equals(spec.target.discovery())) {
            return dns.resolveSRV(url.host()).compose(records -> {
                List<Future<List<Endpoint>>> hosts = new ArrayList<>();
                for (SrvRecord record : records) {
                    String host = trimDot(record.target());
                    int weight = Math.max(1, Math.min(100, record.weight()));
                    hosts.add(addresses(host).map(ips -> ips.stream()
                            .map(ip -> new Endpoint(ip, record.port(), weight, host + ":" + record.port())).toList()));
                }
                return Future.join(hosts).map(done -> {
                    List<Endpoint> found = new ArrayList<>();
                    for (Future<List<Endpoint>> f : hosts) {
                        if (f.succeeded()) {
                            found.addAll(f.result());
                        }
                    }
                    return found;
                });
            });
        }
        int weight = Math.max(1, spec.target.weight());
        String authority = url.host() + (url.port() == (url.ssl() ? 443 : 80) ? "" : ":" + url.port());
        return addresses(url.host()).map(ips -> ips.stream().map(ip -> new Endpoint(ip, url.port(), weight, authority)).toList());
    }

    /** A and AAAA records together; either may be missing. */
    private Future<List<String>> addresses(String host) {
        Future<List<String>> v4 = dns.resolveA(host).otherwise(List.of());
        Future<List<String>> v6 = dns.resolveAAAA(host).otherwise(List.of());
        return Future.all(v4, v6).map(both -> {
            List<String> ips = new ArrayList<>(v4.result());
            ips.addAll(v6.result());
            return ips;
        });
    }

    private void update(Route route, TargetGroup group, TargetGroup.Spec spec, List<Endpoint> found) {
        if (found.isEmpty()) {
            LOG.warn("DNS gave no address for {}; keeping {} known endpoints", spec.url.host(), spec.endpoints.length);
            return;
        }
        Map<String, TargetState> previous = new HashMap<>();
        for (TargetState t : spec.endpoints) {
            previous.put(t.url().host() + ":" + t.url().port() + "/" + t.weight(), t);
        }
        List<TargetState> next = new ArrayList<>();
        for (Endpoint e : found) {
            String host = e.address().contains(":") ? "[" + e.address() + "]" : e.address();
            TargetState same = previous.get(host + ":" + e.port() + "/" + e.weight());
            next.add(same != null ? same : new TargetState(
                    new UpstreamUrl(spec.url.url(), host, e.port(), spec.url.ssl(), spec.url.pathPrefix()), e.weight(), e.authority()));
        }
        if (!sameEndpoints(spec.endpoints, next)) {
            LOG.info("{} now resolves to {}", spec.url.host(), found.stream().map(e -> e.address() + ":" + e.port()).toList());
        }
        spec.endpoints = next.toArray(TargetState[]::new);
        group.rebuild();
        health.discovered(spec.apiId, spec.target, next, route.policy());
    }

    private static boolean sameEndpoints(TargetState[] before, List<TargetState> after) {
        return before.length == after.size() && List.of(before).containsAll(after);
    }

    private static String trimDot(String name) {
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }
}
