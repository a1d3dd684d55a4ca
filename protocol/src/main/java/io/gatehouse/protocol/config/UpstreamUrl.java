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
        String host = uri.getHost();
        int explicitPort = uri.getPort();
        if (host == null && uri.getRawAuthority() != null && !uri.getRawAuthority().contains("@")) {
            // java.net.URI refuses host names with '_', which SRV names (_http._tcp.example) have by design.
            String authority = uri.getRawAuthority();
            int colon = authority.lastIndexOf(':');
            host = colon > 0 ? authority.substring(0, colon) : authority;
            if (colon > 0) {
                try {
                    explicitPort = Integer.parseInt(authority.substring(colon + 1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("upstream '" + url + "' has an invalid port");
                }
            }
            if (!host.matches("[A-Za-z0-9_.-]+")) {
                host = null;
            }
        }
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("upstream '" + url + "' has no host");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("upstream '" + url + "' must not have a query or fragment");
        }
        boolean ssl = "https".equalsIgnoreCase(scheme);
        int port = explicitPort > 0 ? explicitPort : (ssl ? 443 : 80);
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        return new UpstreamUrl(url, host, port, ssl, path);
    }
}
