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
    public void assignRequestId(ContainerRequestContext request) {
        String id = request.getHeaderString(REQUEST_ID);
        if (id == null || id.isBlank() || id.length() > 128) {
            request.getHeaders().putSingle(REQUEST_ID, UUID.randomUUID().toString());
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
                .entity(new ApiError(presented == null ? "unauthenticated" : "invalid_token",
                        presented == null ? "The admin API needs Authorization: Bearer <admin token>." : "The admin token is not valid.",
                        request.getHeaderString(REQUEST_ID), null))
                .build();
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
