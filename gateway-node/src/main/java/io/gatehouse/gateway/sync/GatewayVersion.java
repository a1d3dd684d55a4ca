package io.gatehouse.gateway.sync;

/** The node's software version, as reported to the control plane. */
final class GatewayVersion {
    private GatewayVersion() {
    }

    static String get() {
        String version = GatewayVersion.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }
}
