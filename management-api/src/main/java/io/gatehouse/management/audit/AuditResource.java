package io.gatehouse.management.audit;

import io.gatehouse.audit.export.ExportManifest;
import io.gatehouse.audit.export.ExportWriter;
import io.gatehouse.management.http.AdminError;
import io.gatehouse.management.http.DomainException;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.io.IOException;
import java.nio.file.Files;
import java.sql.SQLException;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** The audit trail's admin endpoints: node keys, ingest counters, exports. JDBC underneath, so blocking. */
@Path("/admin")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Audit")
@Blocking
public class AuditResource {
    public record AuditKey(String publicKey) {
    }

    public record ExportRequest(String from, String to, String apiId, String consumerId, String format) {
    }

    public record ExportView(String id, String file, String manifestUrl, ExportManifest manifest) {
    }

    public record IngestCounts(long stored, long duplicates, long rejected, long expired, long signatureChecks) {
    }

    @Inject
    AuditStore store;

    @Inject
    AuditExports exports;

    @Inject
    AuditRetention retention;

    @PUT
    @Path("/nodes/{id}/audit-key")
    @Operation(summary = "Register a gateway node's Ed25519 public key (base64 X.509), printed by the node on its first start")
    public Response registerKey(@PathParam("id") String nodeId, AuditKey body) throws SQLException {
        if (body == null || body.publicKey() == null || body.publicKey().isBlank()) {
            throw AdminError.INVALID_PUBLIC_KEY.with("publicKey is required: the node's base64 Ed25519 public key");
        }
        try {
            boolean created = store.registerKey(nodeId, body.publicKey());
            return Response.status(created ? 201 : 200).entity(new AuditKey(body.publicKey().trim())).build();
        } catch (IllegalArgumentException e) {
            throw AdminError.INVALID_PUBLIC_KEY.with("publicKey is not a base64 Ed25519 public key (X.509 SubjectPublicKeyInfo)");
        } catch (AuditStore.KeyConflict e) {
            throw AdminError.AUDIT_KEY_REGISTERED.with(
                    "node " + nodeId + " already has another audit key; records it signed must stay verifiable, so register the new key under a new node id");
        }
    }

    @GET
    @Path("/audit/ingest")
    @Operation(summary = "Audit records stored, duplicates ignored, records rejected and records of retired months ignored since this control plane started")
    public IngestCounts ingest() {
        return new IngestCounts(store.stored(), store.duplicates(), store.rejected(), store.expired(), store.signatureChecks());
    }

    @GET
    @Path("/audit/retired-partitions")
    @Operation(summary = "Monthly partitions retention dropped: record count, first and last record time, and the head hash kept for each")
    public java.util.List<AuditRetention.Retired> retired() throws SQLException {
        return retention.retired();
    }

    @POST
    @Path("/audit/exports")
    @Operation(summary = "Export audit records of [from, to), optionally of one API or consumer, as jsonl (default) or csv, with a manifest")
    public Response export(ExportRequest request) throws IOException, SQLException {
        if (request == null) {
            throw AdminError.INVALID_EXPORT.with("from and to are required");
        }
        Instant from = instant("from", request.from());
        Instant to = instant("to", request.to());
        if (!from.isBefore(to)) {
            throw AdminError.INVALID_EXPORT.with("from must be before to");
        }
        ExportWriter.Format format;
        try {
            format = request.format() == null ? ExportWriter.Format.JSONL : ExportWriter.Format.valueOf(request.format().toUpperCase());
        } catch (IllegalArgumentException e) {
            throw AdminError.INVALID_EXPORT.with("format must be jsonl or csv");
        }
        AuditExports.Export export = exports.export(from, to, blankToNull(request.apiId()), blankToNull(request.consumerId()), format);
        return Response.status(201).entity(view(export)).build();
    }

    @GET
    @Path("/audit/exports/{id}")
    @Produces({"application/x-ndjson", "text/csv"})
    @Operation(summary = "An export's file, streamed")
    public Response file(@PathParam("id") String id) throws IOException {
        AuditExports.Export export = found(id);
        String type = "csv".equals(export.manifest().format()) ? "text/csv" : "application/x-ndjson";
        return Response.ok((jakarta.ws.rs.core.StreamingOutput) out -> Files.copy(export.file(), out))
                .type(type)
                .header("Content-Disposition", "attachment; filename=\"" + export.file().getFileName() + "\"")
                .build();
    }

    @GET
    @Path("/audit/exports/{id}/manifest")
    @Operation(summary = "An export's manifest: count, first and last hash, chain heads, public keys, file digest")
    public ExportManifest manifest(@PathParam("id") String id) throws IOException {
        return found(id).manifest();
    }

    private AuditExports.Export found(String id) throws IOException {
        AuditExports.Export export = exports.find(id);
        if (export == null) {
            throw DomainException.notFound("export", id);
        }
        return export;
    }

    private static ExportView view(AuditExports.Export export) {
        return new ExportView(export.id(), "/admin/audit/exports/" + export.id(), "/admin/audit/exports/" + export.id() + "/manifest",
                export.manifest());
    }

    private static Instant instant(String name, String value) {
        if (value == null) {
            throw AdminError.INVALID_EXPORT.with(name + " is required (ISO-8601 instant, e.g. 2026-11-01T00:00:00Z)");
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw AdminError.INVALID_EXPORT.with(name + " is not an ISO-8601 instant: " + value);
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
