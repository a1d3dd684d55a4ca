package io.gatehouse.management.http;

import io.vertx.pgclient.PgException;

import java.util.Map;

/**
 * Database constraint violations mapped onto the same catalogue codes as the explicit checks, so a request that loses
 * a race (two requests creating one name) gets the answer it would have got a moment later.
 */
public final class ConstraintErrors {
    private ConstraintErrors() {
    }

    private record Known(AdminError error, String message) {
    }

    private static final Map<String, Known> BY_NAME = Map.of(
            "apis_name_version_unique", new Known(AdminError.DUPLICATE_NAME, "an API with this name and version already exists"),
            "apis_route_unique", new Known(AdminError.DUPLICATE_ROUTE, "another API is already mounted on this host and base path"),
            "plans_name_unique", new Known(AdminError.DUPLICATE_NAME, "a plan with this name already exists"),
            "consumers_username_unique", new Known(AdminError.DUPLICATE_NAME, "a consumer with this username already exists"),
            "applications_consumer_name_unique", new Known(AdminError.DUPLICATE_NAME, "this consumer already has an application with this name"),
            "subscriptions_active_unique", new Known(AdminError.ALREADY_SUBSCRIBED, "this application already has a subscription to this API"),
            "api_documents_pkey", new Known(AdminError.CONFLICT, "this version of the API's document is already stored"));

    /** The catalogue error for a constraint violation somewhere in the causes of {@code failure}; null when there is none. */
    public static DomainException of(Throwable failure) {
        PgException pg = null;
        for (Throwable t = failure; t != null && pg == null; t = t.getCause()) {
            if (t instanceof PgException p) {
                pg = p;
            }
        }
        if (pg == null || pg.getSqlState() == null) {
            return null;
        }
        Known known = pg.getConstraint() == null ? null : BY_NAME.get(pg.getConstraint());
        return switch (pg.getSqlState()) {
            case "23505" -> known != null ? known.error().with(known.message()) : AdminError.CONFLICT.exception();
            // The same code covers both directions: a row naming a missing one, and deleting a row others still name.
            case "23503" -> String.valueOf(pg.getErrorMessage()).startsWith("insert or update")
                    ? AdminError.UNKNOWN_REFERENCE.with("the request names a record that does not exist")
                    : AdminError.IN_USE.exception();
            case "23514", "23502" -> AdminError.VALIDATION_FAILED.with("the request breaks a rule of the data ("
                    + (pg.getConstraint() == null ? pg.getColumn() : pg.getConstraint()) + ")");
            default -> null;
        };
    }
}
