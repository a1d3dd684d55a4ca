package io.gatehouse.management.console;

import io.gatehouse.audit.export.ExportWriter;
import io.gatehouse.management.accounts.CurrentUser;
import io.gatehouse.management.accounts.Role;
import io.gatehouse.management.audit.AuditExports;
import io.gatehouse.management.audit.AuditSearch;
import io.gatehouse.management.audit.ExportJobs;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.common.annotation.Blocking;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The compliance page: the audit trail searched by time range, API, consumer, status and request id (newest first,
 * a page at a time) with a chart of requests and errors over the range; and exports of a range as JSONL or CSV with
 * their manifest, run in the background with a progress page that refreshes itself until the files are ready.
 */
@Path(CompliancePages.PATH)
@Produces(MediaType.TEXT_HTML)
@RolesAllowed({Role.ADMIN_NAME, Role.COMPLIANCE_NAME})
@Blocking
public class CompliancePages {
    public static final String PATH = ConsolePaths.ROOT + "/audit";
    /** Ranges longer than this are refused: the chart would have too many buckets to read, and the search no index to use. */
    static final Duration LONGEST_RANGE = Duration.ofDays(3660);
    private static final DateTimeFormatter INPUT = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm");

    @Inject
    CurrentUser currentUser;
    @Inject
    AuditSearch search;
    @Inject
    ExportJobs jobs;

    @Inject
    @Location("console/audit.html")
    Template page;
    @Inject
    @Location("console/audit-export.html")
    Template exportPage;

    /** The form's values as typed, so a page with an error shows them back. */
    @io.quarkus.qute.TemplateData
    public record Form(String from, String to, String api, String consumer, String status, String requestId) {
    }

    @GET
    public Response search(@QueryParam("from") String from, @QueryParam("to") String to, @QueryParam("api") String api,
                           @QueryParam("consumer") String consumer, @QueryParam("status") String status,
                           @QueryParam("requestId") String requestId, @QueryParam("page") String pageNumber) throws SQLException {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MINUTES).plus(1, ChronoUnit.MINUTES);
        Form form = new Form(blank(from) ? INPUT.format(now.minus(Duration.ofHours(24)).atOffset(ZoneOffset.UTC)) : from.trim(),
                blank(to) ? INPUT.format(now.atOffset(ZoneOffset.UTC)) : to.trim(), trimmed(api), trimmed(consumer),
                trimmed(status), trimmed(requestId));
        AuditSearch.Filter filter;
        int number;
        try {
            Instant start = instant("From", form.from());
            Instant end = instant("To", form.to());
            checkRange(start, end);
            if (!AuditSearch.validStatus(form.status())) {
                throw new BadInput("Status must be 2xx, 3xx, 4xx, 5xx, errors, or one status code such as 404.");
            }
            number = blank(pageNumber) ? 0 : Integer.parseInt(pageNumber.trim());
            if (number < 0 || number > 100_000) {
                throw new NumberFormatException();
            }
            filter = new AuditSearch.Filter(start, end, form.api(), form.consumer(), form.status(), form.requestId());
        } catch (BadInput e) {
            return html(400, render(form, null, null, null, e.getMessage()));
        } catch (NumberFormatException e) {
            return html(400, render(form, null, null, null, "The page number must be a whole number from 0."));
        }
        AuditSearch.Width width = AuditSearch.Width.of(filter.from(), filter.to());
        TrafficChart chart = TrafficChart.of(search.histogram(filter, width), width);
        AuditSearch.Page results = search.search(filter, number);
        return html(200, render(form, filter, results, chart, null));
    }

    private TemplateInstance render(Form form, AuditSearch.Filter filter, AuditSearch.Page results, TrafficChart chart, String error) {
        return page.data("form", form)
                .data("filter", filter)
                .data("results", results)
                .data("chart", chart)
                .data("error", error)
                .data("newer", results == null || results.number() == 0 ? null : link(form, results.number() - 1))
                .data("older", results == null || !results.hasNext() ? null : link(form, results.number() + 1))
                .data("recent", jobs.recent(10).stream().map(ExportJobs.Job::snapshot).toList());
    }

    @POST
    @Path("/exports")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Response startExport(@FormParam("from") String from, @FormParam("to") String to, @FormParam("api") String api,
                                @FormParam("consumer") String consumer, @FormParam("format") String format) {
        Form form = new Form(trimmed(from), trimmed(to), trimmed(api), trimmed(consumer), null, null);
        try {
            Instant start = instant("From", form.from());
            Instant end = instant("To", form.to());
            checkRange(start, end);
            ExportWriter.Format chosen;
            try {
                chosen = blank(format) ? ExportWriter.Format.JSONL : ExportWriter.Format.valueOf(format.trim().toUpperCase());
            } catch (IllegalArgumentException e) {
                throw new BadInput("The format must be JSONL or CSV.");
            }
            ExportJobs.Job job = jobs.start(start, end, form.api(), form.consumer(), chosen, currentUser.email());
            return Response.seeOther(URI.create(PATH + "/exports/" + job.id())).build();
        } catch (BadInput e) {
            return html(400, render(form, null, null, null, e.getMessage()));
        } catch (ExportJobs.Busy e) {
            return html(503, render(form, null, null, null, "Too many exports are running or waiting; start this one when one has finished."));
        }
    }

    @GET
    @Path("/exports/{id}")
    public TemplateInstance export(@PathParam("id") String id) throws IOException {
        return exportPage.data("job", job(id).snapshot());
    }

    @GET
    @Path("/exports/{id}/file")
    @Produces({"application/x-ndjson", "text/csv"})
    public Response file(@PathParam("id") String id) throws IOException {
        AuditExports.Export export = files(id);
        String type = "csv".equals(export.manifest().format()) ? "text/csv; charset=utf-8" : "application/x-ndjson";
        return Response.ok((StreamingOutput) out -> Files.copy(export.file(), out))
                .type(type)
                .header("Content-Disposition", "attachment; filename=\"gatehouse-audit-" + id + "." + export.manifest().format() + "\"")
                .header("Content-Length", Files.size(export.file()))
                .build();
    }

    @GET
    @Path("/exports/{id}/manifest")
    @Produces(MediaType.APPLICATION_JSON)
    public Response manifest(@PathParam("id") String id) throws IOException {
        AuditExports.Export export = files(id);
        return Response.ok((StreamingOutput) out -> Files.copy(export.manifestFile(), out))
                .type(MediaType.APPLICATION_JSON)
                .header("Content-Disposition", "attachment; filename=\"gatehouse-audit-" + id + ".manifest.json\"")
                .build();
    }

    private ExportJobs.Job job(String id) throws IOException {
        ExportJobs.Job job = jobs.find(id);
        if (job == null) {
            throw new ConsoleException(404, "not_found", "There is no such export.");
        }
        return job;
    }

    private AuditExports.Export files(String id) throws IOException {
        job(id);
        AuditExports.Export export = jobs.files(id);
        if (export == null) {
            throw new ConsoleException(409, "export_not_ready", "This export is not finished yet.");
        }
        return export;
    }

    private static void checkRange(Instant from, Instant to) {
        if (!from.isBefore(to)) {
            throw new BadInput("From must be before To.");
        }
        if (Duration.between(from, to).compareTo(LONGEST_RANGE) > 0) {
            throw new BadInput("The range can be at most ten years.");
        }
    }

    /** A time as the form sends it (datetime-local, read as UTC) or as an ISO-8601 instant with its offset. */
    static Instant instant(String name, String value) {
        if (blank(value)) {
            throw new BadInput(name + " is required: a date and time in UTC, such as 2026-11-01T00:00.");
        }
        try {
            return LocalDateTime.parse(value).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            try {
                return OffsetDateTime.parse(value).toInstant();
            } catch (DateTimeParseException again) {
                throw new BadInput(name + " is not a date and time: " + value + " (use UTC, such as 2026-11-01T00:00).");
            }
        }
    }

    private static String link(Form form, int page) {
        Map<String, String> query = new LinkedHashMap<>();
        query.put("from", form.from());
        query.put("to", form.to());
        query.put("api", form.api());
        query.put("consumer", form.consumer());
        query.put("status", form.status());
        query.put("requestId", form.requestId());
        query.put("page", Integer.toString(page));
        StringBuilder url = new StringBuilder(PATH);
        char sep = '?';
        for (Map.Entry<String, String> e : query.entrySet()) {
            if (e.getValue() != null) {
                url.append(sep).append(e.getKey()).append('=').append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
                sep = '&';
            }
        }
        return url.toString();
    }

    private static Response html(int status, TemplateInstance page) {
        return Response.status(status).entity(page).type(MediaType.TEXT_HTML_TYPE).build();
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }

    private static String trimmed(String value) {
        return blank(value) ? null : value.trim();
    }

    /** Input the page refuses, with the sentence it shows. */
    static final class BadInput extends RuntimeException {
        BadInput(String message) {
            super(message, null, false, false);
        }
    }

    /** The status filter's choices, in the order the form lists them. */
    public static List<String> statusChoices() {
        return List.of("2xx", "3xx", "4xx", "5xx", "errors");
    }
}
