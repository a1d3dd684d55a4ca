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

    @jakarta.inject.Inject
    io.gatehouse.management.GatehouseConfig config;

    @ServerRequestFilter(preMatching = true)
    public void assignRequestId(ContainerRequestContext request, io.vertx.core.http.HttpServerRequest vertxRequest) {
        String id = request.getHeaderString(REQUEST_ID);
        if (id == null || id.isBlank() || id.length() > 128) {
            String assigned = UUID.randomUUID().toString();
            request.getHeaders().putSingle(REQUEST_ID, assigned);
            // Change records quote the request id too, and read it from the Vert.x request.
            vertxRequest.headers().set(REQUEST_ID, assigned);
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

    /**
     * The HTTP server accepts bodies as large as an OpenAPI document may be; every other admin endpoint takes far less,
     * so a large body anywhere else is refused before it is read.
     */
    @ServerRequestFilter(preMatching = true)
    public Response limitBodySize(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (!path.startsWith("/admin") || takesDocuments(path)) {
            return null;
        }
        int length = request.getLength();
        if (length > config.documents().otherBodyMaxBytes()) {
            return Response.status(413).type(MediaType.APPLICATION_JSON_TYPE)
                    .header(REQUEST_ID, request.getHeaderString(REQUEST_ID))
                    .entity(new ApiError(AdminError.PAYLOAD_TOO_LARGE.code(), "this endpoint takes bodies of at most "
                            + config.documents().otherBodyMaxBytes() + " bytes", request.getHeaderString(REQUEST_ID), null))
                    .build();
        }
        return null;
    }

    static boolean takesDocuments(String path) {
        return path.equals("/admin/apis/import") || (path.startsWith("/admin/apis/") && path.endsWith("/document"));
    }

    @ServerResponseFilter
    public void echoRequestId(ContainerRequestContext request, ContainerResponseContext response) {
        String id = request.getHeaderString(REQUEST_ID);
        if (id != null) {
            response.getHeaders().putSingle(REQUEST_ID, id);
        }
    }
}
