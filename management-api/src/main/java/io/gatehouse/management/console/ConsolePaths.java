package io.gatehouse.management.console;

/** Where the console's pages live. */
public final class ConsolePaths {
    public static final String ROOT = "/console";
    public static final String HOME = ROOT;
    public static final String SIGN_IN = ROOT + "/sign-in";
    public static final String SIGN_OUT = ROOT + "/sign-out";
    public static final String SSO = ROOT + "/sso";
    public static final String PASSWORD_RESET = ROOT + "/password-reset";
    public static final String TOKENS = ROOT + "/tokens";
    public static final String USERS = ROOT + "/users";
    public static final String APIS = ROOT + "/apis";
    public static final String NODES = ROOT + "/nodes";

    private ConsolePaths() {
    }
}
