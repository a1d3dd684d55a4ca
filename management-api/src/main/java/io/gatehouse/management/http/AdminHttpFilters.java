package io.gatehouse.management.http;

import io.gatehouse.management.GatehouseConfig;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.UUID;

/** Request ids on every admin exchange, and the admin token on every /admin path. */
public class AdminHttpFilters {
    public static final String REQUEST_ID = "X-Request-Id";

    @Inject
    GatehouseConfig config;

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

    @ServerRequestFilter(preMatching = true)
    public Response requireAdminToken(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (!path.startsWith("/admin")) {
            return null;
        }
        String header = request.getHeaderString("Authorization");
        String presented = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : null;
        if (presented != null && constantTimeEquals(presented, config.admin().token())) {
            return null;
        }
        return Response.status(401)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .header("WWW-Authenticate", "Bearer realm=\"gatehouse-admin\"")
                .header(REQUEST_ID, request.getHeaderString(REQUEST_ID))
                .entity(ApiError.of(presented == null ? AdminError.UNAUTHENTICATED : AdminError.INVALID_TOKEN, request.getHeaderString(REQUEST_ID)))
                .build();
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

    static boolean constantTimeEquals(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
