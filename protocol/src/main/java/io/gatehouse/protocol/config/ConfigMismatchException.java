package io.gatehouse.protocol.config;

/** A delta that does not fit the snapshot it is applied to. */
public final class ConfigMismatchException extends RuntimeException {
    private final String code;

    public ConfigMismatchException(String code, String message) {
        super(message);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
