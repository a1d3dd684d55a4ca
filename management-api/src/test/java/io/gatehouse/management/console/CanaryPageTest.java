package io.gatehouse.management.console;

import io.gatehouse.management.EmbeddedPostgresResource;
import io.gatehouse.management.accounts.Accounts;
import io.gatehouse.management.accounts.Role;
import io.gatehouse.management.apis.ApiDocumentService;
import io.gatehouse.management.apis.ApiRequest;
import io.gatehouse.management.apis.ApiService;
import io.gatehouse.management.apis.CanaryHistory;
import io.gatehouse.management.apis.CanaryRequest;
import io.gatehouse.protocol.usage.VariantCounts;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The canary page renders the figures nodes reported, as SVG charts and as a table, and guards its forms. */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class CanaryPageTest {
    private static final String INJECTION = "\"><script>alert(1)</script>";
    private static final DateTimeFormatter HH_MM = DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneOffset.UTC);

    @Inject
    Accounts accounts;
    @Inject
    ApiDocumentService documents;
    @Inject
    ApiService apis;
    @Inject
    CanaryHistory history;

    /** requests, errors, then the latency buckets of {@link VariantCounts#BUCKET_BOUNDS_MS}, by their upper bound in ms. */
    private static long[] counts(long requests, long errors, Map<Long, Long> byBound) {
        long[] counts = new long[2 + VariantCounts.BUCKET_BOUNDS_MS.length];
        counts[0] = requests;
        counts[1] = errors;
        byBound.forEach((bound, n) -> {
            for (int i = 0; i < VariantCounts.BUCKET_BOUNDS_MS.length; i++) {
                if (VariantCounts.BUCKET_BOUNDS_MS[i] == bound) {
                    counts[2 + i] += n;
                }
            }
        });
        return counts;
    }

    private io.gatehouse.protocol.config.CanaryRule canary(CanaryFixture fixture) throws Throwable {
        return VertxContextSupport.subscribeAndAwait(() -> apis.get(fixture.api().id())).canary();
    }

    @Test
    void theOwnerSeesEachVariantsRequestsErrorRateAndP99OfTheLastHour() throws Throwable {
        CanaryFixture fixture = CanaryFixture.create(accounts, documents, "Ledger");
        String apiId = fixture.api().id();
        VertxContextSupport.subscribeAndAwait(() -> apis.setCanary(apiId, new CanaryRequest(
                List.of(new ApiRequest.Target("http://127.0.0.1:9/ledger-v2", 1)), 5.0, "X-Beta", INJECTION, null, null)));
        Instant fiveMinutesAgo = Instant.now().minus(5, ChronoUnit.MINUTES);
        Instant twoHoursAgo = Instant.now().minus(2, ChronoUnit.HOURS);
        // Two node reports in one minute add up; a report from two hours ago is outside the chart.
        history.record(new VariantCounts(apiId, "stable", counts(600, 4, Map.of(20L, 590L, 500L, 10L))), fiveMinutesAgo);
        history.record(new VariantCounts(apiId, "stable", counts(400, 6, Map.of(20L, 390L, 500L, 10L))), fiveMinutesAgo);
        history.record(new VariantCounts(apiId, "canary", counts(200, 10, Map.of(50L, 200L))), fiveMinutesAgo);
        history.record(new VariantCounts(apiId, "canary", counts(100, 0, Map.of(5L, 100L))), Instant.now());
        history.record(new VariantCounts(apiId, "canary", counts(7777, 7777, Map.of(10_000L, 7777L))), twoHoursAgo);

        ConsoleClient owner = new ConsoleClient().signedIn(fixture.ownerEmail(), TestAccounts.PASSWORD);
        Response response = owner.get(fixture.page());
        assertThat(response.statusCode()).isEqualTo(200);
        String html = response.asString();
        Document page = Jsoup.parse(html);

        Element minute = page.selectFirst("[data-testid=canary-minutes] tr[data-minute=" + HH_MM.format(fiveMinutesAgo) + "]");
        assertThat(minute).as(html).isNotNull();
        // 1,000 stable requests, 10 errors: 1.0%; 980 of them within 20 ms, so the 990th falls in the 500 ms bucket.
        assertThat(minute.select("td").eachText()).containsExactly("1000", "1.0%", "≤ 500 ms", "200", "5.0%", "≤ 50 ms");
        Element total = page.selectFirst("[data-testid=canary-minutes] tr[data-minute=total]");
        assertThat(total.select("td").eachText()).containsExactly("1000", "1.0%", "≤ 500 ms", "300", "3.3%", "≤ 50 ms");
        assertThat(html).doesNotContain("7777");

        for (String chart : List.of("requests", "errors", "p99")) {
            Element svg = page.selectFirst("[data-testid=chart-" + chart + "] svg");
            assertThat(svg).as(chart).isNotNull();
            assertThat(svg.attr("role")).isEqualTo("img");
            assertThat(svg.attr("aria-labelledby")).isEqualTo("chart-" + chart + "-title chart-" + chart + "-desc");
            assertThat(svg.selectFirst("title").text()).isNotBlank();
            assertThat(svg.select("path[data-variant=stable]")).hasSize(1);
            assertThat(svg.select("path[data-variant=canary]")).hasSize(1);
        }
        assertThat(page.selectFirst("#chart-requests-desc").text()).contains("Stable: highest 1000 requests at " + HH_MM.format(fiveMinutesAgo));
        assertThat(page.selectFirst("#chart-p99-desc").text()).contains("Canary: highest 50 ms at p99 at " + HH_MM.format(fiveMinutesAgo));
        // A lone stable minute is a dot: a path that starts and ends at the same point. Its height is the error rate's.
        String errorsPath = page.selectFirst("[data-testid=chart-errors] path[data-variant=stable]").attr("d");
        assertThat(errorsPath).matches("M[0-9.]+,[0-9.]+ L[0-9.]+,[0-9.]+");

        assertThat(page.selectFirst("[data-testid=canary-percent]").text()).isEqualTo("5%");
        assertThat(page.selectFirst("[data-testid=canary-header]").text()).isEqualTo("X-Beta: " + INJECTION);
        assertThat(html).doesNotContain("<script>alert(1)</script>").contains("&lt;script&gt;alert(1)&lt;/script&gt;");
        assertThat(page.select("main script")).isEmpty();
        assertThat(page.select("form[method=post]")).isNotEmpty().allSatisfy(form ->
                assertThat(form.select("input[name=csrf-token]")).as(form.outerHtml()).hasSize(1));
    }

    @Test
    void steppingUpIsRecordedAsTheOwnersChangeAndForeignOrUnsignedRequestsAreRefused() throws Throwable {
        CanaryFixture fixture = CanaryFixture.create(accounts, documents, "Billing");
        ConsoleClient owner = new ConsoleClient().signedIn(fixture.ownerEmail(), TestAccounts.PASSWORD);
        assertThat(owner.get(fixture.page()).asString()).contains("No canary running");

        Response badUrl = owner.post(fixture.page(), Map.of("targets", "gopher://nowhere", "percent", "5"));
        assertThat(badUrl.statusCode()).isEqualTo(400);
        assertThat(Jsoup.parse(badUrl.asString()).selectFirst("[data-testid=canary-error]").text()).contains("gopher");
        assertThat(canary(fixture)).isNull();

        owner.get(fixture.page());
        Response started = owner.post(fixture.page(), Map.of("targets", "http://127.0.0.1:9/billing-v2", "percent", "5"));
        assertThat(started.statusCode()).as(started.asString()).isEqualTo(303);
        owner.get(fixture.page());
        assertThat(owner.post(fixture.page() + "/percent", Map.of("percent", "25")).statusCode()).isEqualTo(303);
        assertThat(canary(fixture).percent()).isEqualTo(25.0);

        Response tooMuch = owner.post(fixture.page() + "/percent", Map.of("percent", "150"));
        assertThat(tooMuch.statusCode()).isEqualTo(400);
        assertThat(Jsoup.parse(tooMuch.asString()).selectFirst("[data-testid=canary-error]").text()).contains("between 0 and 100");
        assertThat(owner.post(fixture.page(), Map.of("targets", "http://127.0.0.1:9/other", "percent", "5")).statusCode()).isEqualTo(409);

        String otherTeamOwner = TestAccounts.email(Role.API_OWNER);
        accounts.createLocal(otherTeamOwner, Set.of(Role.API_OWNER.id()), "another-team", TestAccounts.PASSWORD);
        ConsoleClient stranger = new ConsoleClient().signedIn(otherTeamOwner, TestAccounts.PASSWORD);
        assertThat(stranger.get(fixture.page()).statusCode()).isEqualTo(404);
        stranger.get("/console");
        assertThat(stranger.post(fixture.page() + "/roll-back", Map.of()).statusCode()).isEqualTo(404);
        String developer = TestAccounts.email(Role.DEVELOPER);
        accounts.createLocal(developer, Set.of(Role.DEVELOPER.id()), null, TestAccounts.PASSWORD);
        assertThat(new ConsoleClient().signedIn(developer, TestAccounts.PASSWORD).get(fixture.page()).statusCode()).isEqualTo(403);

        Map<String, Object> noToken = Map.of("percent", "100");
        Response forged = owner.postRaw(fixture.page() + "/percent", noToken);
        assertThat(forged.statusCode()).isBetween(400, 403);
        assertThat(canary(fixture).percent()).isEqualTo(25.0);

        owner.get(fixture.page());
        assertThat(owner.post(fixture.page() + "/roll-back", Map.of()).statusCode()).isEqualTo(303);
        assertThat(canary(fixture)).isNull();

        List<Map<String, Object>> changes = RestAssured.given().header("Authorization", "Bearer " + EmbeddedPostgresResource.ADMIN_TOKEN)
                .get("/admin/apis/" + fixture.api().id() + "/changes").jsonPath().getList("$");
        assertThat(changes).filteredOn(c -> fixture.ownerEmail().equals(c.get("actor")))
                .extracting(c -> c.get("action")).contains("canary", "canary_roll_back");
    }
}
