package io.gatehouse.management.console;

/** A page request that cannot be served; rendered as the console's error page with this status and code. */
public class ConsoleException extends RuntimeException {
    private final int status;
    private final String code;

    public ConsoleException(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }
}
