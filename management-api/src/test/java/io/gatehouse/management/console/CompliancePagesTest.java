package io.gatehouse.management.console;

import io.gatehouse.audit.verify.ExportVerifier;
import io.gatehouse.audit.verify.Verification;
import io.gatehouse.management.EmbeddedPostgresResource;
import io.gatehouse.management.accounts.Accounts;
import io.gatehouse.management.accounts.Role;
import io.gatehouse.management.audit.AuditStore;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The compliance page over HTTP: who reaches it, what a search and its chart show, and an export seen through. */
@QuarkusTest
@QuarkusTestResource(EmbeddedPostgresResource.class)
class CompliancePagesTest {
    private static final Pattern EXPORT_PAGE = Pattern.compile("/console/audit/exports/([0-9a-f-]{36})$");

    @Inject
    Accounts accounts;
    @Inject
    AuditStore store;

    static Map<Role, String> emails;

    @BeforeEach
    void accounts() {
        if (emails == null) {
            emails = TestAccounts.onePerRole(accounts, "payments");
        }
    }

    private static ConsoleClient as(Role role) {
        ConsoleClient client = new ConsoleClient().signedIn(emails.get(role), TestAccounts.PASSWORD);
        client.get("/console/tokens");   // a page every role reaches, for a CSRF token to post with
        return client;
    }

    @Test
    void onlyComplianceAndAdminReachTheAuditPageAndItsExports() throws Exception {
        // An export to try to read, made by compliance.
        ConsoleClient compliance = as(Role.COMPLIANCE);
        compliance.get("/console/audit");
        Response started = compliance.post("/console/audit/exports", Map.of("from", "2032-01-01T00:00", "to", "2032-01-02T00:00"));
        assertThat(started.statusCode()).as(started.asString()).isEqualTo(303);
        Matcher id = EXPORT_PAGE.matcher(started.header("Location"));
        assertThat(id.find()).isTrue();
        String export = "/console/audit/exports/" + id.group(1);

        for (Role role : Role.values()) {
            ConsoleClient client = as(role);
            boolean allowed = role == Role.ADMIN || role == Role.COMPLIANCE;
            int expected = allowed ? 200 : 403;
            Response page = client.get("/console/audit");
            assertThat(page.statusCode()).as(role.id() + " GET /console/audit").isEqualTo(expected);
            assertThat(client.get("/console").asString().contains("href=\"/console/audit\"")).as(role.id() + " sees the link")
                    .isEqualTo(allowed);
            Response post = client.post("/console/audit/exports", Map.of("from", "2032-01-01T00:00", "to", "2032-01-02T00:00"));
            assertThat(post.statusCode()).as(role.id() + " POST /console/audit/exports").isEqualTo(allowed ? 303 : 403);
            for (String path : List.of(export, export + "/file", export + "/manifest")) {
                Response read = awaitReady(client, path, allowed);
                assertThat(read.statusCode()).as(role.id() + " GET " + path).isEqualTo(expected);
                if (!allowed) {
                    assertThat(read.asString()).contains("Not allowed");
                }
            }
        }
        Response signedOut = new ConsoleClient().get("/console/audit");
        assertThat(signedOut.statusCode()).isEqualTo(303);
        assertThat(signedOut.header("Location")).endsWith("/console/sign-in");
    }

    /** The export's files answer 409 until it is done: poll for the answer with a deadline. */
    private static Response awaitReady(ConsoleClient client, String path, boolean allowed) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        Response response = client.get(path);
        while (allowed && response.statusCode() == 409 && System.nanoTime() < deadline) {
            Thread.sleep(20);   // the polling interval; the deadline bounds the wait
            response = client.get(path);
        }
        return response;
    }

    @Test
    void aSearchListsTheNewestFirstAndTheChartCountsRequestsAndErrorsPerHour() throws Exception {
        String api = "api-" + UUID.randomUUID().toString().substring(0, 8);
        AuditRecords records = new AuditRecords(store);
        // 3 hours of 30 requests, and one request outside the range that must not count.
        List<byte[]> batch = new ArrayList<>(records.hourly("s", Instant.parse("2032-02-10T09:00:00Z"), 3, 30, api, "consumer-a"));
        batch.add(records.record("s-outside", Instant.parse("2032-02-10T12:00:00Z"), api, "consumer-a", 500));
        records.store(batch);
        long[] errorsPerHour = new long[3];
        for (int n = 0; n < 90; n++) {
            if (AuditRecords.isError(n)) errorsPerHour[n / 30]++;
        }

        ConsoleClient compliance = as(Role.COMPLIANCE);
        String html = compliance.get("/console/audit?from=2032-02-10T09:00&to=2032-02-10T12:00&api=" + api).asString();
        assertThat(html).contains("<strong>90</strong> requests, <strong>" + (errorsPerHour[0] + errorsPerHour[1] + errorsPerHour[2])
                + "</strong> errors");
        for (int h = 0; h < 3; h++) {
            assertThat(html).contains("<tr><th scope=\"row\">2032-02-10 " + String.format("%02d", 9 + h) + ":00</th><td class=\"num\">30</td>"
                    + "<td class=\"num\">" + errorsPerHour[h] + "</td></tr>");
        }
        assertThat(html).contains("<svg viewBox=\"0 0 760 240\" role=\"img\"").doesNotContain("<script");
        assertThat(Pattern.compile("<rect class=\"requests\"").matcher(html).results().count()).as("one bar per hour").isEqualTo(3);
        // Newest first, 50 a page: the first page starts at the last request of the range.
        assertThat(html.indexOf("s-89")).isPositive().isLessThan(html.indexOf("s-88"));
        assertThat(html).doesNotContain("s-39<").contains("data-testid=\"older\"");
        String older = compliance.get("/console/audit?from=2032-02-10T09:00&to=2032-02-10T12:00&api=" + api + "&page=1").asString();
        assertThat(older).contains("s-39<", "s-0<").doesNotContain("s-40<").doesNotContain("data-testid=\"older\"");

        String fiveHundreds = compliance.get("/console/audit?from=2032-02-10T09:00&to=2032-02-10T13:00&api=" + api + "&status=5xx").asString();
        assertThat(fiveHundreds).contains("s-outside", "s-4<").doesNotContain("s-6<");
        String one = compliance.get("/console/audit?from=2032-02-10T09:00&to=2032-02-10T13:00&requestId=s-17").asString();
        assertThat(one).contains("s-17<").doesNotContain("s-16<").contains("GET /orders/{id}");
        assertThat(compliance.get("/console/audit?from=2032-02-10T09:00&to=2032-02-10T13:00&consumer=nobody").asString())
                .contains("No record matches.");

        Response backwards = compliance.get("/console/audit?from=2032-02-10T12:00&to=2032-02-10T09:00");
        assertThat(backwards.statusCode()).isEqualTo(400);
        assertThat(backwards.asString()).contains("From must be before To.");
        Response garbage = compliance.get("/console/audit?from=yesterday&status=teapot");
        assertThat(garbage.statusCode()).isEqualTo(400);
        assertThat(garbage.asString()).contains("From is not a date and time");
        assertThat(compliance.get("/console/audit?status=teapot").statusCode()).isEqualTo(400);
    }

    @Test
    void anExportRunsInTheBackgroundShowsItsProgressAndVerifies(@TempDir Path dir) throws Exception {
        String api = "api-" + UUID.randomUUID().toString().substring(0, 8);
        AuditRecords records = new AuditRecords(store);
        records.store(records.hourly("e", Instant.parse("2032-04-01T00:00:00Z"), 4, 500, api, "consumer-e"));
        records.store(records.hourly("e-other", Instant.parse("2032-04-01T00:00:00Z"), 1, 20, api + "-other", "consumer-e"));

        ConsoleClient compliance = as(Role.COMPLIANCE);
        compliance.get("/console/audit");
        Response started = compliance.post("/console/audit/exports",
                Map.of("from", "2032-04-01T00:00", "to", "2032-04-02T00:00", "api", api, "format", "csv"));
        assertThat(started.statusCode()).isEqualTo(303);
        String page = started.header("Location").replaceFirst("^https?://[^/]+", "");
        long begun = System.nanoTime();
        String html = compliance.get(page).asString();
        List<String> states = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!html.contains("data-testid=\"export-state\">done") && System.nanoTime() < deadline) {
            assertThat(html).doesNotContain("failed");
            assertThat(html).contains("<meta http-equiv=\"refresh\" content=\"2\">");
            Matcher progress = Pattern.compile("(\\d+) of (\\d+) records written").matcher(html);
            if (progress.find()) {
                states.add(progress.group());
                assertThat(progress.group(2)).isEqualTo("2000");
            }
            Thread.sleep(20);   // the polling interval; the deadline bounds the wait
            html = compliance.get(page).asString();
        }
        System.out.printf("export of 2000 records done in %d ms; progress seen: %s%n", (System.nanoTime() - begun) / 1_000_000, states);
        assertThat(html).contains("data-testid=\"export-state\">done", "<strong data-testid=\"export-count\">2000</strong>")
                .doesNotContain("http-equiv=\"refresh\"");

        Path file = dir.resolve("export.csv");
        Path manifest = dir.resolve("manifest.json");
        Response download = compliance.get(page + "/file");
        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.header("Content-Disposition")).contains("attachment", ".csv");
        Files.write(file, download.asByteArray());
        Files.write(manifest, compliance.get(page + "/manifest").asByteArray());
        assertThat(Files.readAllLines(file)).hasSize(2001);
        Verification verified = ExportVerifier.verify(file, manifest);
        assertThat(verified.ok()).as(verified.describe()).isTrue();
        assertThat(verified.verified()).isEqualTo(2000);
        assertThat(compliance.get("/console/audit").asString()).as("the export is listed on the page").contains(page);

        Response bad = compliance.post("/console/audit/exports", Map.of("from", "2032-04-01T00:00", "to", "2032-04-02T00:00", "format", "xml"));
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.asString()).contains("The format must be JSONL or CSV.");
        assertThat(compliance.get("/console/audit/exports/" + UUID.randomUUID()).statusCode()).isEqualTo(404);
    }
}
