package io.gatehouse.protocol.config;

import java.net.URI;

/**
 * An upstream URL, parsed. The one rule for what an upstream may be: the control plane applies it to admin input,
 * the gateway when it compiles a config (once, so its hot path only reads fields).
 */
public record UpstreamUrl(String url, String host, int port, boolean ssl, String pathPrefix) {

    public static UpstreamUrl parse(String url) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("upstream URL is empty");
        }
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
        return new UpstreamUrl(url, uri.getHost(), port, ssl, path);
    }
}
