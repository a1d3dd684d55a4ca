package io.gatehouse.management.console;

import io.gatehouse.management.accounts.AccessTokens;
import io.gatehouse.management.accounts.AccountStore;
import io.gatehouse.management.accounts.CurrentUser;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateInstance;
import io.quarkus.security.Authenticated;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.net.URI;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

/** "My access tokens": personal access tokens for the admin API, shown once at creation, revocable. */
@Path(ConsolePaths.TOKENS)
@Produces(MediaType.TEXT_HTML)
@Authenticated
@Blocking
public class AccessTokenPages {
    private static final Duration DB = Duration.ofSeconds(10);

    @Inject
    CurrentUser currentUser;

    @Inject
    AccountStore store;

    @Inject
    @Location("console/tokens.html")
    Template tokens;

    @GET
    public TemplateInstance list() {
        return page(null, null);
    }

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response create(@FormParam("name") String name, @FormParam("expiresInDays") String expiresInDays) {
        UUID user = requireAccount();
        String trimmed = name == null ? "" : name.trim();
        if (trimmed.isEmpty() || trimmed.length() > 100) {
            return Response.status(400).entity(page(null, "Give the token a name of 1 to 100 characters.")).build();
        }
        OffsetDateTime expiresAt;
        try {
            int days = expiresInDays == null || expiresInDays.isBlank() ? 0 : Integer.parseInt(expiresInDays.trim());
            if (days < 0 || days > 366) {
                throw new NumberFormatException();
            }
            expiresAt = days == 0 ? null : OffsetDateTime.now(ZoneOffset.UTC).plusDays(days);
        } catch (NumberFormatException e) {
            return Response.status(400).entity(page(null, "Expiry must be a number of days from 0 (never) to 366.")).build();
        }
        AccessTokens.Issued issued = store.createAccessToken(user, trimmed, expiresAt).await().atMost(DB);
        // The token is in this one response only: never cached, never shown again.
        return Response.status(201).entity(page(issued, null)).header("Cache-Control", "no-store").build();
    }

    @POST
    @Path("/{id}/revoke")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response revoke(@PathParam("id") String id) {
        UUID user = requireAccount();
        UUID tokenId;
        try {
            tokenId = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new ConsoleException(404, "not_found", "There is no such token.");
        }
        if (!store.revokeAccessToken(user, tokenId).await().atMost(DB)) {
            throw new ConsoleException(404, "not_found", "There is no such active token of yours.");
        }
        return Response.seeOther(URI.create(ConsolePaths.TOKENS)).build();
    }

    private TemplateInstance page(AccessTokens.Issued issued, String error) {
        UUID user = currentUser.id();
        List<AccessTokens.Listed> listed = user == null ? List.of() : store.accessTokensOf(user).await().atMost(DB);
        return tokens.data("tokens", listed).data("issued", issued).data("error", error).data("hasAccount", user != null);
    }

    private UUID requireAccount() {
        UUID user = currentUser.id();
        if (user == null) {
            throw new ConsoleException(409, "no_account", "Personal access tokens belong to an account; this identity has none.");
        }
        return user;
    }
}
