package io.gatehouse.gateway.routing;

import java.net.URI;

/** An upstream server, parsed once when config is loaded so the hot path only reads fields. */
public record Upstream(String url, String host, int port, boolean ssl, String pathPrefix) {

    static Upstream parse(String url) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("upstream '" + url + "' is not a URL: " + e.getMessage());
        }
        String scheme = uri.getScheme();
        if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) {
            throw new IllegalArgumentException("upstream '" + url + "' must be http or https");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("upstream '" + url + "' has no host");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("upstream '" + url + "' must not have a query or fragment");
        }
        boolean ssl = "https".equalsIgnoreCase(scheme);
        int port = uri.getPort() > 0 ? uri.getPort() : (ssl ? 443 : 80);
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        return new Upstream(url, uri.getHost(), port, ssl, path);
    }
}
