package io.gatehouse.gateway.proxy;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ProxyHeadersTest {

    @Test
    void requestHeadersLoseHopByHopForgedAndCredentialHeadersWhateverTheirCase() {
        MultiMap from = HttpHeaders.headers()
                .add("Content-Type", "application/json")
                .add("CONNECTION", "keep-alive, X-Drop-Me")
                .add("x-drop-me", "1")
                .add("Keep-Alive", "timeout=5")
                .add("TE", "trailers")
                .add("Transfer-Encoding", "chunked")
                .add("Host", "client.example")
                .add("X-Forwarded-For", "10.0.0.1")
                .add("X-GATEHOUSE-CONSUMER-ID", "forged")
                .add("X-Api-Key", "secret")
                .add("Accept", "a")
                .add("Accept", "b");
        MultiMap to = HttpHeaders.headers();
        ProxyHeaders.copyRequestHeaders(from, to, "x-api-key");
        assertThat(to.names()).containsExactlyInAnyOrder("Content-Type", "Accept");
        assertThat(to.getAll("Accept")).containsExactly("a", "b");
    }

    @Test
    void responseHeadersKeepWhatTheGatewayWouldSetOnRequests() {
        MultiMap from = HttpHeaders.headers().add("X-Request-Id", "up-1").add("Upgrade", "h2c").add("Set-Cookie", "a=1");
        MultiMap to = HttpHeaders.headers();
        ProxyHeaders.copyResponseHeaders(from, to);
        assertThat(to.names()).containsExactlyInAnyOrder("X-Request-Id", "Set-Cookie");
    }
}
