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

    /**
     * The gateway adds its own headers to the copy without looking for earlier values, so the copy must leave out
     * every spelling a client could forge, from each kind of header map the copy reads: Vert.x's HTTP/1.1 map with
     * names as the decoder gives them (byte strings) or as Strings, and the adaptor over Netty's map (HTTP/2, answers).
     */
    @Test
    void headersTheGatewaySetsAreLeftOutOfTheCopyWhateverMapTheyArriveIn() {
        String[] forged = {"X-Forwarded-For", "x_forwarded_for", "X-FORWARDED-PROTO", "X-Forwarded-Host", "X-Request-Id",
                "X_Request_Id", "x-gatehouse-consumer-id", "X_Gatehouse_Application_Id", "X-Gatehouse-Shadow", "Host", "Forwarded"};
        MultiMap strings = HttpHeaders.headers();
        MultiMap decoded = HttpHeaders.headers();
        MultiMap adapted = new io.vertx.core.http.impl.headers.HeadersAdaptor(new io.netty.handler.codec.http.DefaultHttpHeaders());
        for (String name : forged) {
            strings.add(name, "forged");
            decoded.add(new io.netty.util.AsciiString(name), "forged");
            adapted.add(name, "forged");
        }
        for (MultiMap from : java.util.List.of(strings, decoded, adapted)) {
            from.add("Accept", "a");
            MultiMap to = HttpHeaders.headers();
            ProxyHeaders.copyRequestHeaders(from, to, "x-api-key");
            assertThat(to.names()).as(from.getClass().getSimpleName()).containsExactly("Accept");
        }
    }

    @Test
    void anUpstreamsOwnCorsHeadersGiveWayToTheGatewaysAndStayWhenTheGatewayAnsweredNone() {
        MultiMap upstream = HttpHeaders.headers()
                .add("Content-Type", "application/json")
                .add("Access-Control-Allow-Origin", "*")
                .add("access-control-allow-credentials", "true")
                .add("Vary", "Accept-Encoding");
        MultiMap answered = HttpHeaders.headers().add("Access-Control-Allow-Origin", "https://shop.example").add("Vary", "Origin");
        ProxyHeaders.copyResponseHeaders(upstream, answered);
        assertThat(answered.getAll("Access-Control-Allow-Origin")).containsExactly("https://shop.example");
        assertThat(answered.contains("Access-Control-Allow-Credentials")).isFalse();
        assertThat(answered.getAll("Vary")).containsExactly("Origin", "Accept-Encoding");

        MultiMap untouched = HttpHeaders.headers();
        ProxyHeaders.copyResponseHeaders(upstream, untouched);
        assertThat(untouched.getAll("Access-Control-Allow-Origin")).containsExactly("*");
    }

    @Test
    void everyConnectionHeaderIsReadAsExactTokensAndCannotRemoveFraming() {
        MultiMap from = HttpHeaders.headers()
                .add("Connection", "keep-alive")
                .add("Connection", "X-Hop-One ,x-hop-two, content-length, Host, transfer-encoding")
                .add("Content-Length", "7")
                .add("X-Hop-One", "1")
                .add("X-Hop-Two", "2")
                .add("X-Hop", "a substring of a named header is not named")
                .add("X-Hop-One-More", "nor is a longer name");
        MultiMap to = HttpHeaders.headers();
        ProxyHeaders.copyRequestHeaders(from, to, null);
        assertThat(to.names()).containsExactlyInAnyOrder("Content-Length", "X-Hop", "X-Hop-One-More");

        MultiMap response = HttpHeaders.headers();
        ProxyHeaders.copyResponseHeaders(HttpHeaders.headers().add("Connection", "content-length").add("Content-Length", "3"), response);
        assertThat(response.get("Content-Length")).isEqualTo("3");
    }

    @Test
    void internalHeadersAreDroppedInEverySpelling() {
        MultiMap from = HttpHeaders.headers()
                .add("X-Gatehouse-Shadow", "true")
                .add("X_Gatehouse_Consumer_Id", "forged")
                .add("x_GATEHOUSE-application_ID", "forged")
                .add("X-Gatehouse-Anything-New", "forged")
                .add("X_Forwarded_For", "6.6.6.6")
                .add("x_request_id", "forged")
                .add("X-Gatehouse", "not the prefix: kept")
                .add("X-Gatehousekeeper", "kept");
        MultiMap to = HttpHeaders.headers();
        ProxyHeaders.copyRequestHeaders(from, to, null);
        assertThat(to.names()).containsExactlyInAnyOrder("X-Gatehouse", "X-Gatehousekeeper");
    }

    @Test
    void responseHeadersKeepWhatTheGatewayWouldSetOnRequests() {
        MultiMap from = HttpHeaders.headers().add("X-Request-Id", "up-1").add("Upgrade", "h2c").add("Set-Cookie", "a=1");
        MultiMap to = HttpHeaders.headers();
        ProxyHeaders.copyResponseHeaders(from, to);
        assertThat(to.names()).containsExactlyInAnyOrder("X-Request-Id", "Set-Cookie");
    }
}
