package io.gatehouse.gateway.guard;

import io.gatehouse.gateway.proxy.GatewayError;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The request guard's HTTP/2 rules on their own. Over the wire Netty's HTTP/2 codec (4.2.18) now resets most of these
 * streams before the guard sees them (Http2ConformanceTest); the guard is what holds should a codec let one through.
 */
class Http2ConformanceRulesTest {

    static HttpServerRequest request(String uri, String... fields) {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        for (int i = 0; i < fields.length; i += 2) {
            headers.add(fields[i], fields[i + 1]);
        }
        return (HttpServerRequest) Proxy.newProxyInstance(Http2ConformanceRulesTest.class.getClassLoader(),
                new Class<?>[] {HttpServerRequest.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "headers" -> headers;
                    case "uri" -> uri;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    @Test
    void aValueWithAControlCharacterOtherThanHtabIsMalformed() {
        for (String value : new String[] {"a\rb", "a\nb", "a\u0000b", "a\u000bb", "a\u0001b", "a\u007fb", "a\r\nx-injected: yes"}) {
            assertThat(Http2Conformance.check(request("/orders", "x-note", value))).as(value).isEqualTo(GatewayError.MALFORMED_HEADER);
        }
        assertThat(Http2Conformance.check(request("/orders", "x-note", "a\tb", "cookie", "a=1; b=2"))).isNull();
    }

    @Test
    void aNameThatIsNotATokenIsMalformed() {
        for (String name : new String[] {"x note", "x(note", "x@note", "x\"note", "x{note", "x:note", "", "x\u00e9"}) {
            assertThat(Http2Conformance.check(request("/orders", name, "v"))).as("'" + name + "'").isEqualTo(GatewayError.MALFORMED_HEADER);
        }
        assertThat(Http2Conformance.check(request("/orders", "x-note_1.a~b|c`d^e!f#g$h%i&j'k*l+m", "v"))).isNull();
    }

    @Test
    void whitespaceOrAControlCharacterInTheTargetIsMalformed() {
        for (String uri : new String[] {"/orders/q?a b", "/orders/q?a\tb", "/orders/a b", "/orders/q?a\u0001b", "/orders/\u007f"}) {
            assertThat(Http2Conformance.check(request(uri))).as(uri).isEqualTo(GatewayError.MALFORMED_HEADER);
        }
        assertThat(Http2Conformance.check(request("/orders/q?a=%20b&c=d"))).isNull();
    }
}
