package io.gatehouse.management.console;

import io.gatehouse.management.accounts.CurrentUser;
import io.gatehouse.management.apis.ApiService;
import io.gatehouse.management.apis.ApiView;
import io.gatehouse.management.http.DomainException;
import io.smallrye.mutiny.Uni;

/**
 * The API a console page is about, if the signed-in person may see it. The services already scope by team; the
 * pages check again, so a page can never show another team's API even if a service call is added unscoped.
 */
final class TeamApis {
    private TeamApis() {
    }

    /** Another team's API, like an unknown one, is "not found": the page does not reveal that it exists. */
    static Uni<ApiView> visible(ApiService apis, CurrentUser currentUser, String id) {
        boolean admin = currentUser.isAdmin();
        String team = currentUser.team();
        return Uni.createFrom().deferred(() -> apis.get(id))
                .onFailure(DomainException.class).transform(e -> new ConsoleException(404, "not_found", "There is no such API."))
                .invoke(view -> {
                    if (!admin && (team == null || !team.equals(view.ownerTeam()))) {
                        throw new ConsoleException(404, "not_found", "There is no such API.");
                    }
                });
    }
}
