package io.gatehouse.gateway.guard;

import io.netty.util.Attribute;
import io.netty.util.AttributeKey;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * The client address the forwarded headers, the access log and the audit record name, spelled once per connection. Vert.x keeps a connection's remote
 * address, but {@code hostAddress()} formats the IP into a new string on every call; every request of a keep-alive
 * connection (or every stream of an HTTP/2 one) would pay for it. The spelling is kept on the connection's channel,
 * so it lives and dies with the connection and needs no table of its own.
 */
public final class ClientAddresses {
    private static final AttributeKey<String> SPELLED = AttributeKey.valueOf("gatehouse.client-address");

    private ClientAddresses() {
    }

    /** The client's IP address as the gateway saw it, or null when the connection has none (a domain socket). */
    public static String of(HttpServerRequest request) {
        HttpConnection connection = request.connection();
        if (connection instanceof ConnectionBase base) {
            Attribute<String> kept = base.channel().attr(SPELLED);
            String spelled = kept.get();
            if (spelled == null) {
                spelled = spell(request.remoteAddress());
                if (spelled != null) {
                    kept.set(spelled);
                }
            }
            return spelled;
        }
        return spell(request.remoteAddress());
    }

    private static String spell(SocketAddress address) {
        return address == null ? null : address.hostAddress();
    }
}
