package io.gatehouse.management.console;

import io.gatehouse.management.accounts.CurrentUser;
import io.gatehouse.management.http.AdminHttpFilters;
import io.gatehouse.management.http.ApiError;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

import java.net.URI;

/**
 * How the console fails: anonymous visitors are sent to sign in, everything else gets the error page with a
 * status, a code, a sentence and the request id. Never a stack trace. Paths outside /console keep JSON errors.
 */
public class ConsoleErrors {

    @Inject
    @Location("error.html")
    Template errorPage;

    @Inject
    CurrentUser currentUser;

    @ServerExceptionMapper
    public Response unauthorized(UnauthorizedException e, ContainerRequestContext request) {
        if (isPortal(request) && !wantsJson(request)) {
            // A developer is sent to the portal's own sign-in, which also offers registration.
            return Response.seeOther(URI.create(io.gatehouse.management.portal.PortalPaths.SIGN_IN)).build();
        }
        if (isConsole(request) && !wantsJson(request)) {
            return Response.seeOther(URI.create(ConsolePaths.SIGN_IN)).build();
        }
        return json(request, 401, "unauthenticated", "Sign in or present a token.");
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e, ContainerRequestContext request) {
        if (isConsole(request)) {
            return page(request, 403, "forbidden", "Your roles do not give access to this page.");
        }
        return json(request, 403, "forbidden", "Your roles do not allow this call.");
    }

    @ServerExceptionMapper
    public Response console(ConsoleException e, ContainerRequestContext request) {
        return page(request, e.status(), e.code(), e.getMessage());
    }

    /** Errors produced elsewhere (unknown page, CSRF refusal, unexpected failure) still look like the console. */
    @ServerResponseFilter
    public void renderErrorsAsPages(ContainerRequestContext request, ContainerResponseContext response) {
        if (!isConsole(request) || wantsJson(request) || response.getStatus() < 400 || response.getMediaType() != null && MediaType.TEXT_HTML_TYPE.isCompatible(response.getMediaType())) {
            return;
        }
        Object entity = response.getEntity();
        if (entity != null && !(entity instanceof ApiError)) {
            return;
        }
        String code = entity instanceof ApiError error ? error.code() : defaultCode(response.getStatus());
        String message = entity instanceof ApiError error ? error.message() : defaultMessage(response.getStatus());
        response.setEntity(render(request, response.getStatus(), code, message), null, MediaType.TEXT_HTML_TYPE.withCharset("UTF-8"));
    }

    private Response page(ContainerRequestContext request, int status, String code, String message) {
        return Response.status(status).type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8"))
                .entity(render(request, status, code, message)).build();
    }

    private String render(ContainerRequestContext request, int status, String code, String message) {
        return errorPage.data("status", status).data("code", code).data("message", message)
                .data("requestId", request.getHeaderString(AdminHttpFilters.REQUEST_ID))
                .data("signedIn", currentUser.isAuthenticated())
                .render();
    }

    private static Response json(ContainerRequestContext request, int status, String code, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ApiError(code, message, request.getHeaderString(AdminHttpFilters.REQUEST_ID), null)).build();
    }

    /** A script asking a page's JSON twin (the portal's catalog and usage) gets its errors as JSON too. */
    private static boolean wantsJson(ContainerRequestContext request) {
        String accept = request.getHeaderString("Accept");
        return accept != null && accept.contains("application/json") && !accept.contains("text/html");
    }

    private static boolean isPortal(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        return path.equals(io.gatehouse.management.portal.PortalPaths.ROOT) || path.startsWith(io.gatehouse.management.portal.PortalPaths.ROOT + "/");
    }

    private static boolean isConsole(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        return path.equals(ConsolePaths.ROOT) || path.startsWith(ConsolePaths.ROOT + "/")
                || path.equals(io.gatehouse.management.portal.PortalPaths.ROOT) || path.startsWith(io.gatehouse.management.portal.PortalPaths.ROOT + "/");
    }

    private static String defaultCode(int status) {
        return switch (status) {
            case 400 -> "bad_request";
            case 401 -> "unauthenticated";
            case 403 -> "forbidden";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            default -> status >= 500 ? "internal_error" : "request_refused";
        };
    }

    private static String defaultMessage(int status) {
        return switch (status) {
            case 400 -> "The form could not be accepted. Reload the page and try again.";
            case 404 -> "There is no such page.";
            default -> status >= 500 ? "Something went wrong on our side. Quote the request id if you report it." : "The request was refused.";
        };
    }

}
