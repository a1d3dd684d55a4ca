package io.gatehouse.gateway.proxy;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** How an upstream's Connection and Keep-Alive headers are read when deciding whether, and how long, a connection may be lent again. */
class UpstreamConnectionsTest {

    @Test
    void keepAliveTimeoutIsReadInAnyCaseAndPosition() {
        assertThat(UpstreamConnections.keepAliveTimeout("timeout=5")).isEqualTo(5);
        assertThat(UpstreamConnections.keepAliveTimeout("max=100, Timeout=15")).isEqualTo(15);
        assertThat(UpstreamConnections.keepAliveTimeout("timeout=0")).isZero();
    }

    @Test
    void aKeepAliveHeaderWithoutATimeoutChangesNothing() {
        assertThat(UpstreamConnections.keepAliveTimeout("max=100")).isEqualTo(-1);
        assertThat(UpstreamConnections.keepAliveTimeout("timeout=")).isEqualTo(-1);
        assertThat(UpstreamConnections.keepAliveTimeout("timeout=abc")).isEqualTo(-1);
        // Nine digits at most: a huge value cannot overflow into a negative time.
        assertThat(UpstreamConnections.keepAliveTimeout("timeout=99999999999999999999")).isEqualTo(999_999_999L);
    }

    static io.vertx.core.http.HttpClientResponse answer(io.vertx.core.http.HttpVersion version, io.vertx.core.MultiMap headers) {
        return (io.vertx.core.http.HttpClientResponse) java.lang.reflect.Proxy.newProxyInstance(UpstreamConnectionsTest.class.getClassLoader(),
                new Class<?>[] {io.vertx.core.http.HttpClientResponse.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "headers" -> headers;
                    case "getHeader" -> headers.get((CharSequence) args[0]);
                    case "version" -> version;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    static boolean closes(io.vertx.core.http.HttpVersion version, boolean nettyMap, String... connection) {
        io.vertx.core.MultiMap headers = io.vertx.core.MultiMap.caseInsensitiveMultiMap();
        for (String value : connection) {
            headers.add("Connection", value);
        }
        if (!nettyMap) {
            // What Vert.x's HTTP/1.1 client hands over: Netty's headers behind an adaptor.
            io.vertx.core.MultiMap plain = new io.vertx.core.http.impl.headers.HeadersAdaptor(new io.netty.handler.codec.http.DefaultHttpHeaders());
            plain.addAll(headers);
            assertThat(plain).isNotInstanceOf(io.netty.handler.codec.http.HttpHeaders.class);
            headers = plain;
        }
        return UpstreamConnections.closesConnection(answer(version, headers));
    }

    /**
     * The connection an answer closes is never lent again (Vert.x closes it, and on io_uring its close handler runs
     * only on a later turn of the event loop): a close token in any Connection header, or HTTP/1.0 without keep-alive.
     */
    @Test
    void anAnswerThatAsksToCloseItsConnectionIsRecognisedInEveryForm() {
        var h11 = io.vertx.core.http.HttpVersion.HTTP_1_1;
        var h10 = io.vertx.core.http.HttpVersion.HTTP_1_0;
        for (boolean nettyMap : new boolean[] {true, false}) {
            assertThat(closes(h11, nettyMap, "close")).isTrue();
            assertThat(closes(h11, nettyMap, "Close")).isTrue();
            assertThat(closes(h11, nettyMap, "x-trace, close")).isTrue();
            assertThat(closes(h11, nettyMap, "keep-alive", "close")).isTrue();
            assertThat(closes(h10, nettyMap)).isTrue();
            assertThat(closes(h10, nettyMap, "x-trace")).isTrue();

            assertThat(closes(h11, nettyMap)).isFalse();
            assertThat(closes(h11, nettyMap, "keep-alive")).isFalse();
            assertThat(closes(h11, nettyMap, "closed")).isFalse();
            assertThat(closes(h10, nettyMap, "Keep-Alive")).isFalse();
            assertThat(closes(h10, nettyMap, "x-trace, keep-alive")).isFalse();
        }
    }
}
