package io.gatehouse.management.http;

import io.gatehouse.management.accounts.AdminAccess;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

import java.util.UUID;

/** Request ids on every admin exchange, and an identity whose roles allow the call on every /admin path. */
public class AdminHttpFilters {
    public static final String REQUEST_ID = "X-Request-Id";

    @ServerRequestFilter(preMatching = true)
    public void assignRequestId(ContainerRequestContext request) {
        String id = request.getHeaderString(REQUEST_ID);
        if (id == null || id.isBlank() || id.length() > 128) {
            request.getHeaders().putSingle(REQUEST_ID, UUID.randomUUID().toString());
        }
    }

    /**
     * Every /admin call needs an identity (the bootstrap admin token, a personal access token or an OIDC bearer
     * token, resolved by the authentication mechanisms before this runs) whose roles allow the path and method.
     */
    @ServerRequestFilter(preMatching = true)
    public Response requireAdminAccess(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (!path.startsWith("/admin")) {
            return null;
        }
        SecurityContext security = request.getSecurityContext();
        if (security == null || security.getUserPrincipal() == null) {
            String header = request.getHeaderString("Authorization");
            boolean presented = header != null && !header.isBlank();
            return error(request, 401, presented ? "invalid_token" : "unauthenticated",
                    presented ? "The token is not valid, expired or revoked."
                            : "The admin API needs Authorization: Bearer <admin token, personal access token or OIDC token>.");
        }
        if (!AdminAccess.allows(security::isUserInRole, request.getMethod(), path)) {
            return error(request, 403, "forbidden", "Your roles do not allow " + request.getMethod() + " " + path + ".");
        }
        return null;
    }

    private static Response error(ContainerRequestContext request, int status, String code, String message) {
        Response.ResponseBuilder response = Response.status(status)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .header(REQUEST_ID, request.getHeaderString(REQUEST_ID))
                .entity(new ApiError(code, message, request.getHeaderString(REQUEST_ID), null));
        if (status == 401) {
            response.header("WWW-Authenticate", "Bearer realm=\"gatehouse-admin\"");
        }
        return response.build();
    }

    @ServerResponseFilter
    public void echoRequestId(ContainerRequestContext request, ContainerResponseContext response) {
        String id = request.getHeaderString(REQUEST_ID);
        if (id != null) {
            response.getHeaders().putSingle(REQUEST_ID, id);
        }
    }
}
