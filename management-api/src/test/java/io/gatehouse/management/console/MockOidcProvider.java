package io.gatehouse.management.console;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import no.nav.security.mock.oauth2.MockOAuth2Server;

import java.util.Map;

/** A real OIDC provider (discovery, JWKS, authorize and token endpoints) on a random port, for one test class. */
public class MockOidcProvider implements QuarkusTestResourceLifecycleManager {
    public static final String ISSUER = "gatehouse-idp";
    public static final String CLIENT_ID = "gatehouse-console";
    static MockOAuth2Server server;

    @Override
    public Map<String, String> start() {
        server = new MockOAuth2Server();
        server.start();
        return Map.of(
                "quarkus.oidc.tenant-enabled", "true",
                "quarkus.oidc.auth-server-url", server.issuerUrl(ISSUER).toString(),
                "quarkus.oidc.client-id", CLIENT_ID,
                "quarkus.oidc.credentials.secret", "mock-provider-accepts-any-secret",
                "quarkus.oidc.authentication.state-secret", "a-state-secret-of-at-least-32-characters",
                "quarkus.oidc.roles.role-claim-path", "groups");
    }

    @Override
    public void stop() {
        if (server != null) {
            server.shutdown();
        }
    }
}
