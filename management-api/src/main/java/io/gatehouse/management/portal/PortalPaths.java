package io.gatehouse.management.portal;

/** Where the developer portal's pages live. */
public final class PortalPaths {
    public static final String ROOT = "/portal";
    public static final String APIS = ROOT + "/apis";
    public static final String REGISTER = ROOT + "/register";
    public static final String VERIFY = ROOT + "/verify";
    public static final String SIGN_IN = ROOT + "/sign-in";
    public static final String SIGN_OUT = ROOT + "/sign-out";
    public static final String SSO = ROOT + "/sso";
    public static final String ACCOUNT = ROOT + "/account";
    public static final String APPS = ROOT + "/apps";

    private PortalPaths() {
    }
}
