package io.gatehouse.gateway;

import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.config.ApiDefinition;
import io.gatehouse.protocol.config.ConfigSnapshot;
import io.gatehouse.protocol.config.UpstreamPolicy;
import io.gatehouse.protocol.config.UpstreamTarget;
import io.gatehouse.protocol.keys.ApiKeys;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.gatehouse.gateway.TestSupport.*;
import static org.assertj.core.api.Assertions.assertThat;

/** DNS service discovery against a real DNS server whose answers change while the gateway runs. */
class DiscoveryTest extends StandaloneGateway {
    static final String KEY = ApiKeys.generate();
    TestDnsServer dns;

    @AfterEach
    void stopDns() {
        if (dns != null) dns.close();
    }

    EchoUpstream upstream(String name, String host, int port) throws Exception {
        return upstream(name, host, port, 0);
    }

    void gateway(UpstreamTarget target, UpstreamPolicy policy) throws Exception {
        ApiDefinition api = new ApiDefinition("svc", "svc", "1", null, "/svc", true, List.of(target), "X-API-Key", 500, 5_000,
                "PUBLISHED", policy, null, null);
        startNode(snapshot(1, List.of(api), List.of(key("k", KEY, "app", null)), List.of(subscription("app", "svc"))),
                Map.of("gatehouse.dns.server", dns.address(), "gatehouse.dns.refresh-ms", "100"));
    }

    HttpResponse<String> call() {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.settings().proxyPort() + "/svc/x")).GET(), "X-API-Key", KEY);
    }

    @Test
    void aDnsTargetFollowsItsAddressesAsTheyChange() throws Exception {
        dns = new TestDnsServer();
        EchoUpstream first = upstream("first", "127.0.0.1", 0);
        int port = first.port();
        EchoUpstream second = upstream("second", "127.0.0.2", port);
        dns.a.put("orders.test", List.of("127.0.0.1"));
        gateway(new UpstreamTarget("http://orders.test:" + port, 1, "DNS"), null);

        awaitTrue(Duration.ofSeconds(5), "the name to be resolved", () -> call().statusCode() == 200);
        HttpResponse<String> response = call();
        assertThat(new JsonObject(response.body()).getJsonObject("headers").getString("host")).as("dialled by address, named by name")
                .isEqualTo("orders.test:" + port);
        assertThat(second.requests.get()).isZero();

        dns.a.put("orders.test", List.of("127.0.0.1", "127.0.0.2"));
        awaitTrue(Duration.ofSeconds(5), "the new address to take traffic", () -> {
            call();
            return second.requests.get() > 0;
        });

        dns.a.put("orders.test", List.of("127.0.0.2"));
        awaitTrue(Duration.ofSeconds(5), "the old address to leave", () -> {
            int before = first.requests.get();
            for (int i = 0; i < 10; i++) {
                assertThat(call().statusCode()).isEqualTo(200);
            }
            return first.requests.get() == before;
        });

        dns.a.put("orders.test", List.of());
        for (int i = 0; i < 10; i++) {
            assertThat(call().statusCode()).as("an empty answer keeps the known endpoints").isEqualTo(200);
        }
    }

    @Test
    void anSrvTargetTakesHostsPortsAndWeightsFromItsRecords() throws Exception {
        dns = new TestDnsServer();
        EchoUpstream light = upstream("light", "127.0.0.1", 0);
        EchoUpstream heavy = upstream("heavy", "127.0.0.1", 0);
        dns.srv.put("_http._tcp.orders.test", List.of(new TestDnsServer.Srv(0, 1, light.port(), "a.orders.test"),
                new TestDnsServer.Srv(0, 3, heavy.port(), "b.orders.test")));
        dns.a.put("a.orders.test", List.of("127.0.0.1"));
        dns.a.put("b.orders.test", List.of("127.0.0.1"));
        gateway(new UpstreamTarget("http://_http._tcp.orders.test", 1, "SRV"), UpstreamPolicy.of("ROUND_ROBIN", 0, 5, 10_000, "/", 500));

        awaitTrue(Duration.ofSeconds(5), "the SRV records to be resolved", () -> call().statusCode() == 200);
        int lightBefore = light.requests.get();
        int heavyBefore = heavy.requests.get();
        for (int i = 0; i < 40; i++) {
            assertThat(call().statusCode()).isEqualTo(200);
        }
        System.out.printf("SRV weights 1:3 -> %d:%d requests%n", light.requests.get() - lightBefore, heavy.requests.get() - heavyBefore);
        assertThat(light.requests.get() - lightBefore).isEqualTo(10);
        assertThat(heavy.requests.get() - heavyBefore).isEqualTo(30);
    }
}
