package io.gatehouse.management.sync;

/** A node message the control plane will not apply, with the stable code the node is told. */
public final class NodeMessageRefused extends RuntimeException {
    private final String code;

    public NodeMessageRefused(String code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
