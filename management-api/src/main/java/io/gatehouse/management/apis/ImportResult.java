package io.gatehouse.management.apis;

import io.gatehouse.management.plans.PlanView;

import java.util.List;

/**
 * @param plans    the plans the API offers
 * @param warnings what the parser noticed that did not stop publishing
 */
public record ImportResult(ApiView api, DocumentView document, List<PlanView> plans, List<String> warnings) {
}
