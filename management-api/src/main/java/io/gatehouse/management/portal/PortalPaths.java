package io.gatehouse.management.portal;

/** Where the developer portal's pages live. */
public final class PortalPaths {
    public static final String ROOT = "/portal";
    public static final String APIS = ROOT + "/apis";

    private PortalPaths() {
    }
}
