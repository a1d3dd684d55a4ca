package io.gatehouse.gateway.tls;

import io.gatehouse.gateway.NodeSettings;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;

import java.util.List;
import java.util.concurrent.TimeUnit;

/** The options of the gateway's two listeners: plain HTTP/1.1, and TLS with HTTP/2 by ALPN. */
public final class Listeners {
    private Listeners() {
    }

    /**
     * HTTP/1.1 only: clients that try the h2c upgrade stay on HTTP/1.1 (HTTP/2 is offered over TLS only). The
     * gateway serves no WebSockets, so no WebSocket extension handler sits in every connection's pipeline looking at
     * every request for an upgrade.
     */
    public static HttpServerOptions plain() {
        return new HttpServerOptions()
                .setTcpNoDelay(true)
                .setHttp2ClearTextEnabled(false)
                .setPerFrameWebSocketCompressionSupported(false)
                .setPerMessageWebSocketCompressionSupported(false)
                .setCompressionSupported(false)
                .setHandle100ContinueAutomatically(true);
    }

    /**
     * The plain options plus TLS: HTTP/2 when the client offers it by ALPN, else HTTP/1.1; the TLS versions and
     * suites of {@link TlsSettings}; SNI over the certificates; and HTTP/2's per-connection limits. A handshake must
     * finish within the header timeout, so a client that opens TLS and stalls is held no longer than one that
     * stalls a request head.
     */
    public static HttpServerOptions tls(HttpServerOptions plain, TlsSettings tls, ServerSSLOptions ssl, NodeSettings.ClientSide client) {
        HttpServerOptions options = new HttpServerOptions(plain)
                .setSsl(true)
                .setUseAlpn(true)
                .setAlpnVersions(List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1))
                .setSni(true)
                .setKeyCertOptions(((PemKeyCertOptions) ssl.getKeyCertOptions()).copy())
                .setEnabledSecureTransportProtocols(new java.util.LinkedHashSet<>(ssl.getEnabledSecureTransportProtocols()))
                .setSslHandshakeTimeout(client.headerTimeoutMs())
                .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS)
                .setInitialSettings(new Http2Settings()
                        .setMaxConcurrentStreams(tls.h2MaxConcurrentStreams())
                        .setMaxHeaderListSize(tls.h2MaxHeaderListBytes())
                        .setPushEnabled(false));
        ssl.getEnabledCipherSuites().forEach(options::addEnabledCipherSuite);
        return options;
    }
}
