package io.gatehouse.management.apis;

import io.gatehouse.protocol.config.UpstreamTarget;
import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

@Entity
@Table(name = "apis")
public class ApiEntity extends PanacheEntityBase {
    @Id
    public UUID id;
    public String name;
    public String version;
    public String host;
    @Column(name = "base_path")
    public String basePath;
    @Column(name = "strip_base_path")
    public boolean stripBasePath;
    @Convert(converter = TargetsConverter.class)
    public List<UpstreamTarget> targets;
    @Column(name = "key_header")
    public String keyHeader;
    @Column(name = "connect_timeout_ms")
    public int connectTimeoutMs;
    @Column(name = "read_timeout_ms")
    public int readTimeoutMs;
    @Enumerated(EnumType.STRING)
    public ApiStatus status;
    @Convert(converter = UpstreamPolicyConverter.class)
    @Column(name = "upstream_policy")
    public io.gatehouse.protocol.config.UpstreamPolicy upstreamPolicy;
    @Convert(converter = CanaryConverter.class)
    public io.gatehouse.protocol.config.CanaryRule canary;
    @Convert(converter = ShadowConverter.class)
    public io.gatehouse.protocol.config.ShadowRule shadow;
    /** Which web pages may call the API from a browser; null: only the developer portal's. */
    @Convert(converter = CorsConverter.class)
    public io.gatehouse.protocol.config.CorsRule cors;
    /** Route every path upstream even though the API has documented operations. */
    /** The owning team; null for APIs made through the admin API without one. */
    @Column(name = "owner_team")
    public String ownerTeam;
    @Column(name = "pass_through")
    public boolean passThrough;
    /** Request paths may hold encoded '/' and '\\' (kept encoded upstream); refused with 400 otherwise. */
    @Column(name = "allow_encoded_slashes")
    public boolean allowEncodedSlashes;
    /** The operations of the API's current OpenAPI document; null when it was not published from one. */
    @Convert(converter = OperationsConverter.class)
    public List<io.gatehouse.protocol.config.ApiOperation> operations;
    /** When a deprecated API stops being served, as the portal's catalog announces it; null when not announced. */
    @Column(name = "sunset_at")
    public Instant sunsetAt;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "updated_at")
    public Instant updatedAt;

    public io.gatehouse.protocol.config.UpstreamPolicy policyOrDefault() {
        return upstreamPolicy == null ? io.gatehouse.protocol.config.UpstreamPolicy.DEFAULT : upstreamPolicy.orDefaults();
    }
}
