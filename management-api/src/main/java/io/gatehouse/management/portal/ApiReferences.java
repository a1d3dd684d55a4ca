package io.gatehouse.management.portal;

import io.gatehouse.management.apis.ApiDocumentEntity;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Rendered references, one per API document version: building one from a document of several MB takes seconds,
 * serving it from here takes nothing. A new document version is a new key, so nothing is ever invalidated; the
 * least recently used entries go when the cache is full.
 */
@ApplicationScoped
public class ApiReferences {
    private static final int ENTRIES = 64;

    @jakarta.inject.Inject
    io.gatehouse.management.GatehouseConfig config;

    private final Map<String, ApiReferenceBuilder.Result> cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ApiReferenceBuilder.Result> eldest) {
            return size() > ENTRIES;
        }
    };

    @jakarta.inject.Inject
    io.vertx.mutiny.sqlclient.Pool pool;

    /** The number of the API's latest stored document version, without its text; null when it has none. */
    public Uni<Integer> latestVersion(String apiId) {
        return pool.preparedQuery("select version from api_documents where api_id = $1 order by version desc limit 1")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(java.util.UUID.fromString(apiId)))
                .map(rows -> rows.iterator().hasNext() ? rows.iterator().next().getInteger("version") : null);
    }

    /** The reference already built for this document version, or null. */
    public ApiReferenceBuilder.Result cached(String apiId, int version, String basePath, String keyHeader) {
        synchronized (cache) {
            return cache.get(key(apiId, version, basePath, keyHeader));
        }
    }

    private static String key(Object apiId, int version, String basePath, String keyHeader) {
        return apiId + "/" + version + "/" + basePath + "/" + keyHeader;
    }

    /** The reference of this stored document, calling the API at {@code basePath} on the gateway with {@code keyHeader}. */
    public Uni<ApiReferenceBuilder.Result> of(ApiDocumentEntity document, String basePath, String keyHeader) {
        String key = key(document.apiId, document.version, basePath, keyHeader);
        ApiReferenceBuilder.Result cached;
        synchronized (cache) {
            cached = cache.get(key);
        }
        if (cached != null) {
            return Uni.createFrom().item(cached);
        }
        String content = document.content;
        return Uni.createFrom().item(() -> ApiReferenceBuilder.build(content, baseUrl(basePath), keyHeader))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .invoke(result -> {
                    synchronized (cache) {
                        cache.put(key, result);
                    }
                });
    }

    String baseUrl(String basePath) {
        String gatewayUrl = config.portal().gatewayUrl();
        String gateway = gatewayUrl.endsWith("/") ? gatewayUrl.substring(0, gatewayUrl.length() - 1) : gatewayUrl;
        return gateway + (basePath == null || basePath.equals("/") ? "" : basePath);
    }
}
