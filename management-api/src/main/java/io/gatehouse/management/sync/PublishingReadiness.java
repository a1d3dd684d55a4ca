package io.gatehouse.management.sync;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Not ready while changes wait for a publish that keeps failing: a load balancer then sends admin traffic to an
 * instance whose changes do reach the gateways, and an operator's probe shows why.
 */
@Readiness
@ApplicationScoped
public class PublishingReadiness implements HealthCheck {

    @Inject
    ConfigPublisher publisher;

    @Override
    public HealthCheckResponse call() {
        ConfigPublisher.PublishingHealth health = publisher.health();
        var response = HealthCheckResponse.named("config-publishing").status(health.healthy());
        if (!health.healthy()) {
            response.withData("unpublishedSince", String.valueOf(health.unpublishedSince()))
                    .withData("failedAttempts", health.failedAttempts())
                    .withData("lastError", String.valueOf(health.lastError()));
        }
        return response.build();
    }
}
