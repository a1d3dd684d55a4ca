package io.gatehouse.management;

import io.gatehouse.management.accounts.Accounts;
import io.gatehouse.management.accounts.Role;
import io.gatehouse.management.console.ConsoleClient;
import io.gatehouse.management.console.TestAccounts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.gatehouse.management.AdminApiTest.admin;
import static io.gatehouse.management.AdminApiTest.assertError;
import static io.gatehouse.management.AdminApiTest.create;
import static io.gatehouse.management.AdminApiTest.unique;
import static org.assertj.core.api.Assertions.assertThat;

/** Every admin list answers pages; a collection of 10,000 rows is walked with its cursor without a gap or a repeat. */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class ListPaginationTest {
    private static final int ROWS = 10_000;
    private static final Duration DB = Duration.ofSeconds(60);

    @Inject
    Pool pool;
    @Inject
    Accounts accounts;

    @Test
    void everyListRefusesAnUnboundedPage() {
        String consumer = create("/admin/consumers", Map.of("username", unique("pager")));
        String app = create("/admin/consumers/" + consumer + "/applications", Map.of("name", "app"));
        String api = create("/admin/apis", AdminApiTest.apiBody(unique("pages"), "/" + unique("pages"), "DRAFT"));
        List<String> lists = List.of("/admin/apis", "/admin/plans", "/admin/consumers", "/admin/applications",
                "/admin/consumers/" + consumer + "/applications", "/admin/subscriptions", "/admin/keys",
                "/admin/applications/" + app + "/keys", "/admin/nodes", "/admin/nodes/credentials", "/admin/config/problems",
                "/admin/apis/" + api + "/documents");
        for (String list : lists) {
            Response first = admin().get(list);
            assertThat(first.statusCode()).as(list + ": " + first.asString()).isEqualTo(200);
            assertThat(first.jsonPath().getList("items")).as(list).isNotNull().hasSizeLessThanOrEqualTo(100);
            assertThat(first.jsonPath().getMap("$")).as(list).containsKeys("items", "nextCursor", "total");

            assertError(admin().get(list + "?limit=1001"), 400, "invalid_limit");
            assertError(admin().get(list + "?limit=0"), 400, "invalid_limit");
            assertError(admin().get(list + "?limit=-5"), 400, "invalid_limit");
            assertError(admin().get(list + "?limit=all"), 400, "invalid_limit");
            assertError(admin().get(list + "?cursor=bm90LWEtY3Vyc29y"), 400, "invalid_cursor");
            assertThat(admin().get(list + "?limit=1000").statusCode()).as(list).isEqualTo(200);
        }
        assertError(admin().get("/admin/subscriptions?status=SLEEPING"), 400, "validation_failed");
        assertError(admin().get("/admin/keys?applicationId=not-an-id"), 400, "validation_failed");
    }

    @Test
    void tenThousandConsumersApplicationsSubscriptionsAndKeysAreWalkedWithoutGapsOrRepeats() {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        String api = create("/admin/apis", AdminApiTest.apiBody("walk-" + tag, "/walk-" + tag, "PUBLISHED"));
        String plan = create("/admin/plans", Map.of("name", "walk-" + tag, "ratePerSecond", 10));
        String owner = create("/admin/consumers", Map.of("username", "walk-owner-" + tag));
        long started = System.nanoTime();
        // Ten rows share each creation time, so the walk must order ties by id to neither skip nor repeat them.
        sql("insert into consumers (id, username, email, created_at) select gen_random_uuid(), 'walk-" + tag + "-' || n,"
                + " 'walker' || n || '@example.com', timestamptz '2030-01-01' + (n / 10) * interval '1 millisecond'"
                + " from generate_series(1, " + ROWS + ") n");
        sql("insert into applications (id, consumer_id, name, created_at) select gen_random_uuid(), '" + owner + "', 'app-' || n,"
                + " timestamptz '2030-01-01' + (n / 10) * interval '1 millisecond' from generate_series(1, " + ROWS + ") n");
        // Closed subscriptions: the walk is the point, not ten thousand grants in every config snapshot.
        sql("insert into subscriptions (id, application_id, api_id, plan_id, status, created_at) select gen_random_uuid(), a.id, '"
                + api + "', '" + plan + "', 'CLOSED', a.created_at from applications a where a.consumer_id = '" + owner + "'");
        String keyHolder = pool.query("select id from applications where consumer_id = '" + owner + "' order by name limit 1")
                .execute().await().atMost(DB).iterator().next().getUUID("id").toString();
        sql("insert into api_keys (id, application_id, key_hash, prefix, created_at, revoked_at) select gen_random_uuid(), '"
                + keyHolder + "', encode(sha256(('" + tag + "' || n)::bytea), 'hex'), 'ghk_walk', timestamptz '2030-01-01'"
                + " + (n / 10) * interval '1 millisecond', timestamptz '2030-02-01' from generate_series(1, " + ROWS + ") n");
        System.out.printf("seeded %,d rows in each of four tables in %d ms%n", ROWS, (System.nanoTime() - started) / 1_000_000);
        try {
            walk("/admin/consumers?usernamePrefix=walk-" + tag + "-", 1000,
                    "select id from consumers where username like 'walk-" + tag + "-%'");
            walk("/admin/applications?consumerId=" + owner, 777, "select id from applications where consumer_id = '" + owner + "'");
            walk("/admin/consumers/" + owner + "/applications", 1000, "select id from applications where consumer_id = '" + owner + "'");
            walk("/admin/subscriptions?apiId=" + api + "&status=CLOSED", 1000, "select id from subscriptions where api_id = '" + api + "'");
            walk("/admin/keys?applicationId=" + keyHolder + "&state=REVOKED", 1000,
                    "select id from api_keys where application_id = '" + keyHolder + "'");
            walk("/admin/applications/" + keyHolder + "/keys", 999, "select id from api_keys where application_id = '" + keyHolder + "'");
        } finally {
            // The database cascades from the consumers to their applications, subscriptions and keys.
            sql("delete from consumers where username like 'walk-" + tag + "-%' or id = '" + owner + "'");
        }
    }

    @Test
    void theConsoleListsATeamsApisAHundredAtATimeNewestFirst() {
        String team = unique("catalogue");
        String email = "owner-" + UUID.randomUUID().toString().substring(0, 8) + "@gatehouse.test";
        accounts.createLocal(email, Set.of(Role.API_OWNER.id()), team, TestAccounts.PASSWORD);
        sql("insert into apis (id, name, version, base_path, targets, connect_timeout_ms, read_timeout_ms, status, owner_team, created_at, updated_at)"
                + " select gen_random_uuid(), '" + team + "-' || n, '1', '/" + team + "-' || n, '[{\"url\":\"http://127.0.0.1:9000\",\"weight\":1}]',"
                + " 5000, 60000, 'DRAFT', '" + team + "', timestamptz '2031-01-01' + n * interval '1 second', now() from generate_series(1, 150) n");
        try {
            ConsoleClient console = new ConsoleClient().signedIn(email, TestAccounts.PASSWORD);
            String first = console.get("/console/apis").asString();
            Matcher next = Pattern.compile("href=\"/console/apis\\?cursor=([^\"]+)\" rel=\"next\"").matcher(first);
            assertThat(next.find()).as(first).isTrue();
            List<String> firstNames = names(first, team);
            assertThat(firstNames).hasSize(100).startsWith(team + "-150", team + "-149");
            String second = console.get("/console/apis?cursor=" + next.group(1)).asString();
            assertThat(second).doesNotContain("rel=\"next\"");
            List<String> secondNames = names(second, team);
            assertThat(secondNames).hasSize(50).endsWith(team + "-1");
            Set<String> all = new HashSet<>(firstNames);
            all.addAll(secondNames);
            assertThat(all).hasSize(150);
            assertThat(console.get("/console/apis?cursor=garbage").statusCode()).isEqualTo(400);
        } finally {
            sql("delete from apis where owner_team = '" + team + "'");
        }
    }

    private static List<String> names(String page, String team) {
        Matcher name = Pattern.compile(">(" + Pattern.quote(team) + "-\\d+)</a>").matcher(page);
        List<String> names = new ArrayList<>();
        while (name.find()) {
            names.add(name.group(1));
        }
        return names;
    }

    /** Walks a list to its end and checks it handed out exactly the rows the database holds, once each, in pages of at most limit. */
    private void walk(String list, int limit, String expectedIds) {
        Set<String> expected = new HashSet<>();
        for (Row row : pool.query(expectedIds).execute().await().atMost(DB)) {
            expected.add(row.getUUID("id").toString());
        }
        assertThat(expected).as(list).hasSize(ROWS);
        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        long started = System.nanoTime();
        do {
            Response page = admin().queryParam("limit", limit).queryParams(cursor == null ? Map.of() : Map.of("cursor", cursor))
                    .get(list);
            assertThat(page.statusCode()).as(list + ": " + page.asString()).isEqualTo(200);
            List<String> ids = page.jsonPath().getList("items.id");
            assertThat(ids.size()).as(list).isLessThanOrEqualTo(limit);
            if (pages == 0) {
                assertThat(page.jsonPath().getLong("total")).as(list + " total").isEqualTo(ROWS);
            }
            seen.addAll(ids);
            cursor = page.jsonPath().getString("nextCursor");
            pages++;
            assertThat(pages).as(list + " ends").isLessThanOrEqualTo(ROWS / limit + 2);
        } while (cursor != null);
        System.out.printf("walked %s: %,d items in %d pages in %d ms%n", list, seen.size(), pages, (System.nanoTime() - started) / 1_000_000);
        assertThat(new HashSet<>(seen)).as(list + " repeats nothing").hasSize(seen.size());
        assertThat(new HashSet<>(seen)).as(list + " skips nothing").isEqualTo(expected);
        assertThat(pages).isEqualTo((ROWS + limit - 1) / limit);
    }

    private void sql(String statement) {
        pool.query(statement).execute().await().atMost(DB);
    }
}
