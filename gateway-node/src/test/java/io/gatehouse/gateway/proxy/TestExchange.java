package io.gatehouse.gateway.proxy;

import io.gatehouse.gateway.config.ActiveConfig;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.HostAndPort;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;

/**
 * An exchange for testing one policy without a server: a request and response that record what the policy did
 * with them. Only what policies use is implemented; anything else throws, so a policy that starts using more shows
 * up as a failing test rather than a silent default.
 */
public final class TestExchange {
    public final ActiveConfig config;
    public final HttpMethod method;
    public final String path;
    public final MultiMap requestHeaders = HttpHeaders.headers();
    public final MultiMap responseHeaders = HttpHeaders.headers();
    /** Pause and resume calls on the request, in order ("pause", "resume"). */
    public final List<String> flow = new ArrayList<>();
    public final List<String> policiesReached = new ArrayList<>();
    public final List<Exchange> completions = new ArrayList<>();
    public int status = 200;
    public String body;
    public boolean ended;
    public boolean closed;
    public boolean headWritten;
    private Handler<Void> endHandler;
    private Handler<Void> closeHandler;
    public final HttpServerRequest request;
    private final HttpServerResponse response;
    private Exchange exchange;

    public TestExchange(ActiveConfig config, HttpMethod method, String path, String... headers) {
        this.config = config;
        this.method = method;
        this.path = path;
        for (int i = 0; i < headers.length; i += 2) {
            requestHeaders.add(headers[i], headers[i + 1]);
        }
        this.response = (HttpServerResponse) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {HttpServerResponse.class},
                (proxy, m, args) -> switch (m.getName()) {
                    case "headWritten" -> headWritten;
                    case "ended" -> ended;
                    case "closed" -> closed;
                    case "getStatusCode" -> status;
                    case "setStatusCode" -> {
                        status = (Integer) args[0];
                        yield proxy;
                    }
                    case "headers" -> responseHeaders;
                    case "putHeader" -> {
                        responseHeaders.set(args[0].toString(), args[1].toString());
                        yield proxy;
                    }
                    case "bytesWritten" -> body == null ? 0L : (long) body.length();
                    case "endHandler" -> {
                        endHandler = cast(args[0]);
                        yield proxy;
                    }
                    case "closeHandler" -> {
                        closeHandler = cast(args[0]);
                        yield proxy;
                    }
                    case "end" -> {
                        if (ended) {
                            throw new IllegalStateException("Response has already been written");
                        }
                        body = args == null || args.length == 0 ? "" : args[0].toString();
                        ended = true;
                        headWritten = true;
                        if (endHandler != null) {
                            endHandler.handle(null);
                        }
                        yield Future.succeededFuture();
                    }
                    case "reset" -> {
                        closeConnection();
                        yield true;
                    }
                    case "toString" -> "test response";
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException("test response: " + m.getName());
                });
        this.request = (HttpServerRequest) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {HttpServerRequest.class},
                (proxy, m, args) -> switch (m.getName()) {
                    case "method" -> method;
                    case "path" -> path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
                    case "query" -> path.contains("?") ? path.substring(path.indexOf('?') + 1) : null;
                    case "uri" -> path;
                    case "headers" -> requestHeaders;
                    case "getHeader" -> requestHeaders.get(args[0].toString());
                    case "authority" -> requestHeaders.contains("Host") ? HostAndPort.parseAuthority(requestHeaders.get("Host"), 80) : null;
                    case "response" -> response;
                    case "version" -> HttpVersion.HTTP_1_1;
                    case "decoderResult" -> io.netty.handler.codec.DecoderResult.SUCCESS;
                    case "isEnded" -> false;
                    case "isSSL" -> false;
                    case "remoteAddress" -> null;
                    case "connection" -> null; // no socket behind a test request
                    case "bytesRead" -> 0L;
                    case "getCookie" -> cookie((String) args[0]);
                    case "pause" -> {
                        flow.add("pause");
                        yield proxy;
                    }
                    case "resume" -> {
                        flow.add("resume");
                        yield proxy;
                    }
                    case "toString" -> "test request " + method + " " + path;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException("test request: " + m.getName());
                });
    }

    private Cookie cookie(String name) {
        String header = requestHeaders.get(HttpHeaders.COOKIE);
        if (header == null) {
            return null;
        }
        for (String pair : header.split(";")) {
            String[] kv = pair.trim().split("=", 2);
            if (kv.length == 2 && kv[0].equals(name)) {
                return Cookie.cookie(kv[0], kv[1]);
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private static Handler<Void> cast(Object handler) {
        return (Handler<Void>) handler;
    }

    /**
     * The exchange, running {@code policies} and then a last step that records it was reached; the completion runs
     * the given listeners and records the exchange.
     */
    public Exchange exchange(List<Policy> policies, Completion.Listener... listeners) {
        List<Policy> chain = new ArrayList<>(policies);
        chain.add(e -> policiesReached.add("end of chain"));
        Completion.Listener[] all = java.util.Arrays.copyOf(listeners, listeners.length + 1);
        all[listeners.length] = completions::add;
        exchange = new Exchange(request, chain.toArray(Policy[]::new), new Completion(all), "test-request", config,
                io.gatehouse.gateway.audit.BodyDigests.NONE, new io.gatehouse.gateway.drain.Drain());
        return exchange;
    }

    public Exchange exchange(Policy policy, Completion.Listener... listeners) {
        return exchange(List.of(policy), listeners);
    }

    /** Whether the exchange got past the policies under test. */
    public boolean passed() {
        return policiesReached.contains("end of chain");
    }

    /** The gateway error code answered, or null. */
    public String errorCode() {
        return body != null && body.startsWith("{\"code\":\"") ? body.substring(9, body.indexOf('"', 9)) : null;
    }

    /** The client hangs up. */
    public void closeConnection() {
        closed = true;
        if (closeHandler != null) {
            closeHandler.handle(null);
        }
    }

    /** Answers as the dispatch would, ending the exchange. */
    public void answer(int status) {
        response.setStatusCode(status);
        response.end("ok");
    }

    public Buffer bodyBuffer() {
        return Buffer.buffer(body);
    }
}
