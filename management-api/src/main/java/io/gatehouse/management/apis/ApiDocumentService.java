package io.gatehouse.management.apis;

import io.gatehouse.management.GatehouseConfig;
import io.gatehouse.management.changes.ChangeLog;
import io.gatehouse.management.http.AdminError;
import io.gatehouse.management.http.DomainException;
import io.gatehouse.management.http.Ids;
import io.gatehouse.management.http.Cursor;
import io.gatehouse.management.http.Page;
import io.gatehouse.management.http.PageRequest;
import io.gatehouse.management.openapi.OpenApiDocument;
import io.gatehouse.management.openapi.OpenApiParser;
import io.gatehouse.management.plans.PlanEntity;
import io.gatehouse.management.plans.PlanService;
import io.gatehouse.management.plans.PlanView;
import io.gatehouse.management.sync.ConfigChanges;
import io.gatehouse.protocol.config.UpstreamUrl;
import io.quarkus.hibernate.reactive.panache.common.ProjectedFieldName;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.Valid;
import jakarta.validation.Validator;
import jakarta.validation.constraints.NotNull;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Publishing APIs from their OpenAPI documents: the document is checked first, and a document with errors saves
 * nothing; a good one creates the API, its plans and its routing table in one transaction, and is kept for the portal.
 */
@ApplicationScoped
public class ApiDocumentService {

    @Inject
    ConfigChanges changes;
    @Inject
    ApiService apis;
    @Inject
    PlanService plans;
    @Inject
    Validator validator;
    @Inject
    Vertx vertx;
    @Inject
    GatehouseConfig config;
    @Inject
    TeamScope teams;

    /** Creates an API from a document and the settings the document does not hold; PUBLISHED unless asked for DRAFT. */
    public Uni<ImportResult> publish(@Valid @NotNull ImportRequest request) {
        return publish(request, teams.current().ownerOfNew());
    }

    /** The same, for an API owned by a team (published from the console by one of its api-owners). */
    public Uni<ImportResult> publish(@Valid @NotNull ImportRequest request, String ownerTeam) {
        String text = documentOf(request);
        return parse(text).chain(document -> {
            ApiRequest api = apiRequest(request, document);
            List<UUID> planIds = (request.planIds() == null ? List.<String>of() : request.planIds()).stream()
                    .map(id -> Ids.reference("plan", id)).distinct().toList();
            return changes.commit(log -> apis.create(log, api, entity -> {
                entity.operations = document.operations();
                entity.passThrough = Boolean.TRUE.equals(request.passThrough());
                entity.ownerTeam = ownerTeam;
            }).chain(entity -> store(log, entity, text, document)
                    .chain(stored -> offer(log, entity, planIds, request.plans())
                            .map(offered -> new ImportResult(ApiView.of(entity), DocumentView.of(stored), offered, document.warnings())))));
        });
    }

    /** A new version of an existing API's document: its routing table becomes the new document's operations. */
    public Uni<ImportResult> replaceDocument(String apiId, String text) {
        if (text == null || text.isBlank()) {
            throw AdminError.VALIDATION_FAILED.with("document is required");
        }
        checkSize(text);
        TeamScope.Scope scope = teams.current();
        return parse(text).chain(document -> changes.commit(log -> ApiService.visible(scope, apiId).chain(api -> {
            Map<String, Object> before = log.fields(api);
            api.operations = document.operations();
            api.updatedAt = Instant.now();
            log.changed("document", before, api);
            return store(log, api, text, document).chain(stored -> offered(api.id)
                    .map(offered -> new ImportResult(ApiView.of(api), DocumentView.of(stored), offered, document.warnings())));
        })));
    }

    /** The API's current document, text included: what the portal renders as its docs. */
    @WithSession
    public Uni<ApiDocumentEntity> latest(String apiId) {
        return apis.visible(apiId).chain(api -> ApiDocumentEntity.<ApiDocumentEntity>find("apiId = ?1 order by version desc", api.id).<ApiDocumentEntity>firstResult())
                .onItem().ifNull().failWith(() -> AdminError.NOT_FOUND.with("API " + apiId + " has no OpenAPI document"));
    }

    @WithSession
    public Uni<List<DocumentView>> versions(String apiId) {
        return versions(apiId, PageRequest.first(PageRequest.MAX_LIMIT)).map(Page::items);
    }

    /** A page of the API's document versions, newest first (the cursor is the last version handed out). */
    @WithSession
    public Uni<Page<DocumentView>> versions(String apiId, PageRequest page) {
        Integer before;
        try {
            before = page.after() == null ? null : Integer.valueOf(page.after().key());
        } catch (NumberFormatException e) {
            throw AdminError.INVALID_CURSOR.with("cursor belongs to another list; start again without it");
        }
        return apis.visible(apiId).chain(api -> (before == null
                ? ApiDocumentEntity.find("apiId = ?1 order by version desc", api.id)
                : ApiDocumentEntity.find("apiId = ?1 and version < ?2 order by version desc", api.id, before))
                .project(DocumentRow.class).range(0, page.limit()).list()
                .chain(rows -> ApiDocumentEntity.count("apiId", api.id).map(total -> {
                    boolean more = rows.size() > page.limit();
                    List<DocumentRow> items = more ? rows.subList(0, page.limit()) : rows;
                    String next = more ? Cursor.ofKey(String.valueOf(items.get(items.size() - 1).version())).encode() : null;
                    return new Page<>(items.stream().map(DocumentRow::view).toList(), next, total);
                })));
    }

    /** A document version without its text: a page of versions must not read megabytes of documents. */
    public record DocumentRow(@ProjectedFieldName("apiId") UUID apiId, @ProjectedFieldName("version") int version,
                              @ProjectedFieldName("format") String format, @ProjectedFieldName("openapi") String openapi,
                              @ProjectedFieldName("sha256") String sha256, @ProjectedFieldName("sizeBytes") int sizeBytes,
                              @ProjectedFieldName("operations") int operations, @ProjectedFieldName("createdAt") Instant createdAt) {
        DocumentView view() {
            return new DocumentView(apiId.toString(), version, format, openapi, sha256, sizeBytes, operations, createdAt);
        }
    }

    /** Checks a document without saving anything: the console shows its errors as the owner edits. */
    public Uni<OpenApiDocument> check(String text) {
        checkSize(text);
        return vertx.executeBlocking(Uni.createFrom().item(() -> OpenApiParser.parse(text)), false);
    }

    private String documentOf(ImportRequest request) {
        String text = request.documentText();
        if (text == null || text.isBlank()) {
            throw new DomainException(AdminError.VALIDATION_FAILED, "document is required: the OpenAPI document as JSON or YAML",
                    List.of(new io.gatehouse.management.http.ApiError.FieldError("document", "is required")));
        }
        checkSize(text);
        return text;
    }

    private void checkSize(String text) {
        if (text != null && text.length() > config.documents().maxBytes()) {
            throw AdminError.PAYLOAD_TOO_LARGE.with("an OpenAPI document may be at most " + config.documents().maxBytes() + " bytes");
        }
    }

    /** Parsing a large document takes a while: on a worker, and the answer comes back on the request's event loop. */
    private Uni<OpenApiDocument> parse(String text) {
        return vertx.executeBlocking(Uni.createFrom().item(() -> OpenApiParser.parse(text)), false)
                .invoke(document -> {
                    if (!document.valid()) {
                        throw new DomainException(AdminError.INVALID_DOCUMENT, document.errors().size() == 1
                                ? "the OpenAPI document is not valid, nothing was saved: " + document.errors().get(0).message()
                                : "the OpenAPI document has " + document.errors().size() + " errors; nothing was saved",
                                document.errors());
                    }
                });
    }

    private ApiRequest apiRequest(ImportRequest request, OpenApiDocument document) {
        URI server = firstServer(document);
        String basePath = request.basePath();
        if (basePath == null || basePath.isBlank()) {
            String serverPath = server == null ? null : server.getPath();
            if (serverPath == null || serverPath.isEmpty() || "/".equals(serverPath)) {
                throw fieldError("basePath", "is required: the document's servers give no path to mount the API on");
            }
            basePath = serverPath;
        }
        List<ApiRequest.Target> targets = request.targets();
        if (targets == null || targets.isEmpty()) {
            if (server == null || server.getScheme() == null) {
                throw fieldError("targets", "are required: the document's servers give no absolute URL to send requests to");
            }
            targets = List.of(new ApiRequest.Target(server.toString(), 1));
        }
        String name = request.name() != null ? request.name() : clean(document.title(), "[^A-Za-z0-9 ._-]+", 100);
        String version = request.version() != null ? request.version() : clean(document.version(), "[^A-Za-z0-9._-]+", 40);
        ApiStatus status = request.status() == null ? ApiStatus.PUBLISHED : request.status();
        if (status == ApiStatus.DEPRECATED) {
            throw fieldError("status", "must be PUBLISHED or DRAFT for a new API");
        }
        ApiRequest api = new ApiRequest(name, version == null || version.isEmpty() ? "1" : version, request.host(), basePath,
                request.stripBasePath(), targets, request.keyHeader(), request.connectTimeoutMs(), request.readTimeoutMs(), status,
                request.upstreamPolicy(), request.passThrough(), null);
        Set<ConstraintViolation<ApiRequest>> violations = validator.validate(api);
        if (!violations.isEmpty()) {
            throw new ConstraintViolationException(violations);
        }
        return api;
    }

    /** The first server URL the gateway could send requests to, if the document names one. */
    private static URI firstServer(OpenApiDocument document) {
        for (String url : document.serverUrls()) {
            try {
                URI uri = URI.create(url.trim());
                if (uri.getScheme() == null || uri.getHost() == null) {
                    // A relative server URL ("/v1") still gives the base path.
                    return uri.getPath() == null || uri.getPath().isEmpty() ? null : uri;
                }
                UpstreamUrl.parse(uri.toString());
                return uri;
            } catch (IllegalArgumentException e) {
                // Server variables ({region}) or odd schemes: not a URL the gateway can use.
            }
        }
        return null;
    }

    private static String clean(String value, String disallowed, int max) {
        if (value == null) {
            return null;
        }
        String cleaned = value.replaceAll(disallowed, "-").replaceAll("^[^A-Za-z0-9]+", "").trim();
        return cleaned.length() > max ? cleaned.substring(0, max).trim() : cleaned;
    }

    private static DomainException fieldError(String field, String message) {
        return new DomainException(AdminError.VALIDATION_FAILED, field + " " + message,
                List.of(new io.gatehouse.management.http.ApiError.FieldError(field, message)));
    }

    private Uni<ApiDocumentEntity> store(ChangeLog log, ApiEntity api, String text, OpenApiDocument document) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return ApiDocumentEntity.<ApiDocumentEntity>find("apiId = ?1 order by version desc", api.id).firstResult().chain(last -> {
            ApiDocumentEntity stored = new ApiDocumentEntity();
            stored.apiId = api.id;
            stored.version = last == null ? 1 : last.version + 1;
            stored.content = text;
            stored.format = document.format();
            stored.openapi = document.openapi();
            stored.sha256 = sha256(bytes);
            stored.sizeBytes = bytes.length;
            stored.operations = document.operations().size();
            stored.description = document.description();
            stored.tags = String.join("\n", document.tags());
            stored.createdAt = Instant.now();
            return stored.<ApiDocumentEntity>persist().invoke(log::created);
        });
    }

    private Uni<List<PlanView>> offer(ChangeLog log, ApiEntity api, List<UUID> existing, List<io.gatehouse.management.plans.PlanRequest> created) {
        Uni<List<UUID>> ids = Uni.createFrom().item(new ArrayList<>(existing));
        for (UUID id : existing) {
            ids = ids.call(() -> PlanEntity.<PlanEntity>findById(id)
                    .onItem().ifNull().failWith(() -> DomainException.unknownReference("plan", id.toString())));
        }
        for (io.gatehouse.management.plans.PlanRequest plan : created == null ? List.<io.gatehouse.management.plans.PlanRequest>of() : created) {
            ids = ids.call(list -> plans.create(log, plan).invoke(p -> list.add(p.id)));
        }
        return ids.chain(list -> {
            Uni<Void> chain = Uni.createFrom().voidItem();
            for (UUID planId : new LinkedHashSet<>(list)) {
                ApiPlanEntity offer = new ApiPlanEntity();
                offer.apiId = api.id;
                offer.planId = planId;
                chain = chain.call(() -> offer.persist().invoke(log::created));
            }
            return chain;
        }).chain(() -> offered(api.id));
    }

    /** The plans an API offers. */
    @WithSession
    public Uni<List<PlanView>> offeredPlans(String apiId) {
        return apis.visible(apiId).chain(api -> offered(api.id));
    }

    private static Uni<List<PlanView>> offered(UUID apiId) {
        return PlanEntity.<PlanEntity>list("id in (select o.planId from ApiPlanEntity o where o.apiId = ?1) order by name", apiId)
                .map(all -> all.stream().map(PlanView::of).toList());
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
