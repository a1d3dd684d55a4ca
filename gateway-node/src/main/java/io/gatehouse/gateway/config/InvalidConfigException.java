package io.gatehouse.gateway.config;

/** A configuration this node cannot serve; the node keeps the one it has. */
public final class InvalidConfigException extends RuntimeException {
    private final String code;

    public InvalidConfigException(String code, String message) {
        super(message);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
