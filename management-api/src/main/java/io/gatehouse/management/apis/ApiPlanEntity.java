package io.gatehouse.management.apis;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

import java.io.Serializable;
import java.util.Objects;
import java.util.UUID;

/** A plan an API offers to subscribers. */
@Entity
@Table(name = "api_plans")
@IdClass(ApiPlanEntity.Key.class)
public class ApiPlanEntity extends PanacheEntityBase {
    @Id
    @Column(name = "api_id")
    public UUID apiId;
    @Id
    @Column(name = "plan_id")
    public UUID planId;

    public static class Key implements Serializable {
        public UUID apiId;
        public UUID planId;

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(apiId, k.apiId) && Objects.equals(planId, k.planId);
        }

        @Override
        public int hashCode() {
            return Objects.hash(apiId, planId);
        }
    }
}
