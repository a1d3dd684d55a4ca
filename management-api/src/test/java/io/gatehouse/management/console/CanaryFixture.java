package io.gatehouse.management.console;

import io.gatehouse.management.accounts.Accounts;
import io.gatehouse.management.accounts.Role;
import io.gatehouse.management.apis.ApiDocumentService;
import io.gatehouse.management.apis.ApiRequest;
import io.gatehouse.management.apis.ApiStatus;
import io.gatehouse.management.apis.ApiView;
import io.gatehouse.management.apis.ImportRequest;
import io.quarkus.vertx.VertxContextSupport;

import java.util.List;
import java.util.Set;
import java.util.UUID;

/** A team's api-owner and a published API of that team: what the canary page tests start from. */
record CanaryFixture(String team, String ownerEmail, ApiView api) {

    static CanaryFixture create(Accounts accounts, ApiDocumentService documents, String label) throws Throwable {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String team = "team-" + suffix;
        String owner = TestAccounts.email(Role.API_OWNER);
        accounts.createLocal(owner, Set.of(Role.API_OWNER.id()), team, TestAccounts.PASSWORD);
        String document = """
                openapi: 3.0.3
                info:
                  title: %s %s
                  version: '1.0'
                paths:
                  /orders:
                    get:
                      responses:
                        '200': {description: the orders}
                """.formatted(label, suffix);
        ImportRequest request = new ImportRequest(null, null, null, null, "/" + label.toLowerCase() + "-" + suffix, null,
                List.of(new ApiRequest.Target("http://127.0.0.1:9/" + label.toLowerCase() + "-v1", 1)), null, null, null,
                ApiStatus.PUBLISHED, null, null, List.of(), List.of()).withDocument(document);
        ApiView api = VertxContextSupport.subscribeAndAwait(() -> documents.publish(request, team)).api();
        return new CanaryFixture(team, owner, api);
    }

    String page() {
        return ConsolePaths.APIS + "/" + api.id() + "/canary";
    }
}
