package io.gatehouse.deploy;

import io.gatehouse.deploy.ConfigurationTable.Required;
import io.gatehouse.deploy.ConfigurationTable.Setting;
import io.gatehouse.deploy.Kustomization.Yamls;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * deploy/kubernetes is applied to clusters this build never sees, so it is checked here against what the code and
 * docs/configuration.md say: every document is YAML of a kind Kubernetes serves, every kustomization builds, every
 * setting a container gets is one the docs list for that service and the service's code reads, every required one is
 * set, and names, ports and probes point at things that exist.
 */
class KubernetesManifestsTest {
    /** The kinds these manifests may use, with the API version each is served at in Kubernetes 1.30 and later. */
    static final Map<String, String> KINDS = Map.of(
            "Kustomization", "kustomize.config.k8s.io/v1beta1",
            "ConfigMap", "v1",
            "Secret", "v1",
            "Service", "v1",
            "Deployment", "apps/v1",
            "StatefulSet", "apps/v1",
            "HorizontalPodAutoscaler", "autoscaling/v2",
            "PodDisruptionBudget", "policy/v1");
    static final Map<String, String> SERVICE_OF_CONTAINER = Map.of(
            "gateway", ConfigurationTable.GATEWAY,
            "control-plane", ConfigurationTable.CONTROL_PLANE);
    static final Pattern SETTING = Pattern.compile("\\bGATEHOUSE_[A-Z0-9_]+");
    /** Issued by the running control plane after the first deployment (docs/operations.md): no overlay can hold it. */
    static final String NODE_TOKENS = "gatehouse-node-tokens";

    static Path kubernetes;
    static ConfigurationTable configuration;
    static Map<String, Kustomization> builds = new LinkedHashMap<>();

    @BeforeAll
    static void readEverything() throws IOException {
        kubernetes = DeployFiles.kubernetes();
        configuration = ConfigurationTable.read(DeployFiles.doc("configuration.md"));
        for (String dir : kustomizationDirs()) {
            builds.put(dir, Kustomization.build(kubernetes.resolve(dir)));
        }
    }

    static List<String> kustomizationDirs() throws IOException {
        try (Stream<Path> files = Files.walk(kubernetes)) {
            return files.filter(f -> f.getFileName().toString().equals(Kustomization.FILE))
                    .map(f -> kubernetes.relativize(f.getParent()).toString()).sorted().toList();
        }
    }

    /** What is applied to a cluster: the overlays. */
    static Map<String, Kustomization> overlays() {
        Map<String, Kustomization> overlays = new LinkedHashMap<>();
        builds.forEach((dir, build) -> {
            if (dir.startsWith("overlays/")) {
                overlays.put(dir, build);
            }
        });
        return overlays;
    }

    @Test
    void everyDocumentIsYamlOfAKindKubernetesServesAndEveryFileIsUsed() throws IOException {
        List<Path> yamlFiles;
        try (Stream<Path> files = Files.walk(kubernetes)) {
            yamlFiles = files.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).sorted().toList();
        }
        assertThat(yamlFiles).hasSizeGreaterThan(5);
        int documents = 0;
        for (Path file : yamlFiles) {
            for (Map<String, Object> document : Yamls.readAll(file)) {
                documents++;
                String kind = (String) document.get("kind");
                assertThat(KINDS).as("%s: kind %s", file, kind).containsKey(kind);
                assertThat(document.get("apiVersion")).as("%s: apiVersion of %s", file, kind).isEqualTo(KINDS.get(kind));
                if (!kind.equals("Kustomization")) {
                    assertThat(Yamls.name(document)).as("%s: a %s without metadata.name", file, kind).isNotBlank();
                }
            }
        }
        Set<Path> used = new HashSet<>();
        builds.values().forEach(build -> used.addAll(build.files()));
        assertThat(yamlFiles).as("YAML files no kustomization reads").allMatch(used::contains);
        System.out.printf("deploy/kubernetes: %d files, %d documents, kustomizations %s%n", yamlFiles.size(), documents, builds.keySet());
    }

    @Test
    void thereIsALocalAndAProductionOverlayAndEachBuilds() {
        // Building (in readEverything) already refused missing resources, patches of nothing and unused images.
        assertThat(overlays()).containsKeys("overlays/local", "overlays/production");
        assertThat(builds).containsKeys("base", "external");
        for (Kustomization overlay : overlays().values()) {
            assertThat(overlay.find("Deployment", "gatehouse-control-plane")).isNotNull();
            assertThat(overlay.find("StatefulSet", "gatehouse-gateway")).isNotNull();
        }
    }

    @Test
    void everySettingAContainerGetsIsOneConfigurationMdListsForItsServiceAndTheServiceReads() throws IOException {
        Map<String, Set<String>> readByCode = Map.of(
                ConfigurationTable.GATEWAY, gatewayReads(),
                ConfigurationTable.CONTROL_PLANE, controlPlaneReads());
        int checked = 0;
        for (Map.Entry<String, Kustomization> build : builds.entrySet()) {
            for (Map<String, Object> container : build.getValue().containers()) {
                String where = build.getKey() + ", container " + container.get("name");
                Set<String> settings = settingsOf(build.getValue(), container, where);
                if (!isGatehouse(container)) {
                    assertThat(settings).as("%s is not Gatehouse but is given Gatehouse settings", where)
                            .noneMatch(s -> s.startsWith("GATEHOUSE_"));
                    continue;
                }
                String service = SERVICE_OF_CONTAINER.get((String) container.get("name"));
                assertThat(service).as("%s: which Gatehouse service is it?", where).isNotNull();
                for (String name : settings) {
                    Setting setting = configuration.get(name);
                    assertThat(setting).as("%s sets %s, which docs/configuration.md does not list", where, name).isNotNull();
                    assertThat(setting.isFor(service)).as("%s sets %s, a setting of %s per docs/configuration.md",
                            where, name, setting.services()).isTrue();
                    assertThat(readByCode.get(service)).as("%s sets %s, which the %s's code does not read", where, name, service)
                            .contains(name);
                    checked++;
                }
            }
        }
        assertThat(checked).isGreaterThan(10);
    }

    @Test
    void everySettingConfigurationMdMarksRequiredIsSetByEveryOverlay() {
        for (String service : SERVICE_OF_CONTAINER.values()) {
            assertThat(configuration.settings().values()).as("docs/configuration.md marks nothing required for the " + service)
                    .anyMatch(s -> s.isFor(service) && s.required() != Required.NO);
        }
        for (Map.Entry<String, Kustomization> overlay : overlays().entrySet()) {
            for (Map<String, Object> container : overlay.getValue().containers()) {
                if (!isGatehouse(container)) {
                    continue;
                }
                String where = overlay.getKey() + ", container " + container.get("name");
                String service = SERVICE_OF_CONTAINER.get((String) container.get("name"));
                Set<String> set = settingsOf(overlay.getValue(), container, where);
                boolean managed = set.contains("GATEHOUSE_CONTROL_PLANE_URL");
                for (Setting setting : configuration.settings().values()) {
                    boolean required = setting.isFor(service) && (setting.required() == Required.ALWAYS
                            || setting.required() == Required.WITH_A_CONTROL_PLANE && managed);
                    if (required) {
                        assertThat(set).as("%s must set %s (required per docs/configuration.md)", where, setting.name())
                                .contains(setting.name());
                    }
                }
            }
        }
    }

    @Test
    void settingsNameServicesAndPortsTheOverlayDefines() {
        for (Map.Entry<String, Kustomization> overlay : overlays().entrySet()) {
            Kustomization build = overlay.getValue();
            Map<String, String> controlPlane = plainValues(build, container(build, "control-plane"));
            Map<String, String> gateway = plainValues(build, container(build, "gateway"));
            String where = overlay.getKey();

            assertServicePort(build, where + " GATEHOUSE_DB_HOST", controlPlane.get("GATEHOUSE_DB_HOST"),
                    Integer.parseInt(controlPlane.getOrDefault("GATEHOUSE_DB_PORT", "5432")));
            URI controlPlaneUrl = URI.create(gateway.get("GATEHOUSE_CONTROL_PLANE_URL"));
            Map<String, Object> cpService = assertServicePort(build, where + " GATEHOUSE_CONTROL_PLANE_URL",
                    controlPlaneUrl.getHost(), controlPlaneUrl.getPort());
            assertThat(Yamls.map(Yamls.at(cpService, "spec", "selector")))
                    .as("%s: the control plane URL's Service selects the control plane's pods", where)
                    .isEqualTo(Yamls.at(build.find("Deployment", "gatehouse-control-plane"), "spec", "selector", "matchLabels"));
            for (Map<String, String> values : List.of(controlPlane, gateway)) {
                String bootstrap = values.get("GATEHOUSE_AUDIT_KAFKA_BOOTSTRAP");
                if (bootstrap != null) {
                    for (String server : bootstrap.split(",")) {
                        String[] hostPort = server.trim().split(":");
                        assertServicePort(build, where + " GATEHOUSE_AUDIT_KAFKA_BOOTSTRAP", hostPort[0], Integer.parseInt(hostPort[1]));
                    }
                }
            }
        }
    }

    @Test
    void probesAndServicesUseThePortsTheContainersListenOn() throws IOException {
        String statusCode = Files.readString(DeployFiles.root()
                .resolve("gateway-node/src/main/java/io/gatehouse/gateway/status/StatusVerticle.java"));
        String controlPlaneProperties = Files.readString(DeployFiles.root()
                .resolve("management-api/src/main/resources/application.properties"));
        // Quarkus serves /q/health on the main HTTP port unless a management interface or another root is configured.
        assertThat(controlPlaneProperties).doesNotContain("quarkus.management.enabled")
                .doesNotContain("quarkus.http.non-application-root-path").doesNotContain("quarkus.http.root-path");
        assertThat(Files.readString(DeployFiles.root().resolve("management-api/pom.xml"))).contains("quarkus-smallrye-health");

        for (Map.Entry<String, Kustomization> overlay : overlays().entrySet()) {
            Kustomization build = overlay.getValue();
            String where = overlay.getKey();
            Map<String, Object> gateway = container(build, "gateway");
            Map<String, String> gatewaySettings = plainValues(build, gateway);
            assertThat(portNumber(gateway, "proxy")).as("%s: proxy port", where)
                    .isEqualTo(Integer.parseInt(gatewaySettings.get("GATEHOUSE_PROXY_PORT")));
            assertThat(portNumber(gateway, "status")).as("%s: status port", where)
                    .isEqualTo(Integer.parseInt(gatewaySettings.get("GATEHOUSE_STATUS_PORT")));
            assertProbe(gateway, "readinessProbe", "/status/ready", "status", where);
            assertProbe(gateway, "livenessProbe", "/status/live", "status", where);
            assertThat(statusCode).contains("\"/status/ready\"", "\"/status/live\"");

            Map<String, Object> controlPlane = container(build, "control-plane");
            assertThat(portNumber(controlPlane, "http")).as("%s: control plane port", where)
                    .isEqualTo(Integer.parseInt(plainValues(build, controlPlane).get("GATEHOUSE_HTTP_PORT")));
            assertProbe(controlPlane, "readinessProbe", "/q/health/ready", "http", where);
            assertProbe(controlPlane, "livenessProbe", "/q/health/live", "http", where);

            for (Map<String, Object> service : build.ofKind("Service")) {
                if ("ExternalName".equals(Yamls.at(service, "spec", "type"))) {
                    continue;
                }
                Map<String, Object> workload = selected(build, Yamls.map(Yamls.at(service, "spec", "selector")));
                assertThat(workload).as("%s: Service %s selects no workload's pods", where, Yamls.name(service)).isNotNull();
                for (Object port : Yamls.list(Yamls.at(service, "spec", "ports"))) {
                    Object target = Yamls.map(port).get("targetPort");
                    List<Object> declared = new ArrayList<>();
                    for (Object c : Yamls.list(Yamls.podSpec(workload).get("containers"))) {
                        for (Object p : Yamls.list(Yamls.map(c).get("ports"))) {
                            declared.add(Yamls.map(p).get(target instanceof String ? "name" : "containerPort"));
                        }
                    }
                    assertThat(declared).as("%s: Service %s targets port %s", where, Yamls.name(service), target).contains(target);
                }
            }
            for (Map<String, Object> budget : build.ofKind("PodDisruptionBudget")) {
                assertThat(selected(build, Yamls.map(Yamls.at(budget, "spec", "selector", "matchLabels"))))
                        .as("%s: PodDisruptionBudget %s selects no workload", where, Yamls.name(budget)).isNotNull();
            }
            for (Map<String, Object> autoscaler : build.ofKind("HorizontalPodAutoscaler")) {
                Map<String, Object> target = Yamls.map(Yamls.at(autoscaler, "spec", "scaleTargetRef"));
                assertThat(build.find((String) target.get("kind"), (String) target.get("name")))
                        .as("%s: HPA %s scales nothing", where, Yamls.name(autoscaler)).isNotNull();
            }
            // Both containers run on a read-only root: what they write must be on a volume.
            assertMounted(gateway, gatewaySettings.get("GATEHOUSE_DATA_DIR"), where);
            assertMounted(controlPlane, plainValues(build, controlPlane).get("GATEHOUSE_AUDIT_EXPORT_DIR"), where);
        }
    }

    @Test
    void productionRunsTwoControlPlanesAndGatewaysThatScaleOnCpuAndDrainBeforeTheyStop() {
        for (Map.Entry<String, Kustomization> build : Map.of("base", builds.get("base"),
                "overlays/production", builds.get("overlays/production")).entrySet()) {
            Kustomization k = build.getValue();
            assertThat((Integer) Yamls.at(k.find("Deployment", "gatehouse-control-plane"), "spec", "replicas"))
                    .as("%s: control plane instances", build.getKey()).isGreaterThanOrEqualTo(2);
            Map<String, Object> hpa = k.find("HorizontalPodAutoscaler", "gatehouse-gateway");
            assertThat(hpa).isNotNull();
            Map<String, Object> metric = Yamls.map(Yamls.list(Yamls.at(hpa, "spec", "metrics")).get(0));
            assertThat(Yamls.at(metric, "resource", "name")).isEqualTo("cpu");
            assertThat(k.find("PodDisruptionBudget", "gatehouse-gateway")).isNotNull();
            assertThat(k.find("PodDisruptionBudget", "gatehouse-control-plane")).isNotNull();
        }
        for (Map.Entry<String, Kustomization> overlay : overlays().entrySet()) {
            Map<String, Object> statefulSet = overlay.getValue().find("StatefulSet", "gatehouse-gateway");
            Map<String, Object> gateway = container(overlay.getValue(), "gateway");
            Integer sleep = (Integer) Yamls.at(gateway, "lifecycle", "preStop", "sleep", "seconds");
            Integer grace = (Integer) Yamls.podSpec(statefulSet).get("terminationGracePeriodSeconds");
            assertThat(sleep).as("%s: the gateway keeps serving while endpoints let go of it", overlay.getKey())
                    .isNotNull().isGreaterThanOrEqualTo(5);
            // GatewayNode.stop waits up to 30 s for Vert.x to close; the audit shipper then takes up to 10 + 5 s and
            // the access log's writer up to 5 s.
            assertThat(grace).as("%s: grace period covers the preStop sleep and the node's own stop", overlay.getKey())
                    .isGreaterThanOrEqualTo(sleep + 30 + 15 + 5);
        }
    }

    @Test
    void everySecretTheWorkloadsReadIsDocumentedAndTheLocalOverlayMakesIt() throws IOException {
        String operations = Files.readString(DeployFiles.doc("operations.md"));
        Kustomization local = builds.get("overlays/local");
        for (Map.Entry<String, Kustomization> overlay : overlays().entrySet()) {
            for (Map.Entry<String, Set<String>> secret : secretsRead(overlay.getValue()).entrySet()) {
                assertThat(operations).as("docs/operations.md names Secret %s", secret.getKey()).contains("`" + secret.getKey() + "`");
                if (overlay.getValue() == local && !secret.getKey().equals(NODE_TOKENS)) {
                    Map<String, Object> made = local.find("Secret", secret.getKey());
                    assertThat(made).as("overlays/local makes Secret %s", secret.getKey()).isNotNull();
                    assertThat(Yamls.map(made.get("stringData")).keySet()).as("keys of Secret %s", secret.getKey())
                            .containsAll(secret.getValue());
                }
            }
        }
        assertThat(secretsRead(local)).containsKey(NODE_TOKENS);
    }

    // ---- helpers

    /** A gateway node reads each property of NodeSettings (and the settings records it loads) as an env variable. */
    static Set<String> gatewayReads() throws IOException {
        Set<String> names = new TreeSet<>();
        Pattern property = Pattern.compile("\"(gatehouse\\.[a-z0-9.-]+)\"");
        try (Stream<Path> sources = Files.walk(DeployFiles.root().resolve("gateway-node/src/main/java"))) {
            for (Path source : sources.filter(f -> f.toString().endsWith(".java")).toList()) {
                Matcher matcher = property.matcher(Files.readString(source));
                while (matcher.find()) {
                    names.add(matcher.group(1).toUpperCase().replace('.', '_').replace('-', '_'));
                }
            }
        }
        return names;
    }

    /** The control plane reads what application.properties takes from the environment. */
    static Set<String> controlPlaneReads() throws IOException {
        Set<String> names = new TreeSet<>();
        Matcher matcher = Pattern.compile("\\$\\{(GATEHOUSE_[A-Z0-9_]+)").matcher(Files.readString(DeployFiles.root()
                .resolve("management-api/src/main/resources/application.properties")));
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }

    static boolean isGatehouse(Map<String, Object> container) {
        return ((String) container.get("image")).contains("gatehouse/");
    }

    static Map<String, Object> container(Kustomization build, String name) {
        return build.containers().stream().filter(c -> name.equals(c.get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError("no container " + name));
    }

    /** Every setting a container is given: env, ConfigMaps it takes whole, and names its command exports. */
    static Set<String> settingsOf(Kustomization build, Map<String, Object> container, String where) {
        Set<String> names = new TreeSet<>();
        for (Object env : Yamls.list(container.get("env"))) {
            names.add((String) Yamls.map(env).get("name"));
        }
        for (Object from : Yamls.list(container.get("envFrom"))) {
            Map<String, Object> source = Yamls.map(from);
            assertThat(source.keySet()).as("%s: only ConfigMaps are taken whole (a Secret's keys could not be checked)", where)
                    .containsExactly("configMapRef");
            String name = (String) Yamls.map(source.get("configMapRef")).get("name");
            Map<String, Object> configMap = build.find("ConfigMap", name);
            assertThat(configMap).as("%s: ConfigMap %s", where, name).isNotNull();
            names.addAll(Yamls.map(configMap.get("data")).keySet());
        }
        for (String key : List.of("command", "args")) {
            for (Object part : Yamls.list(container.get(key))) {
                Matcher matcher = SETTING.matcher((String) part);
                while (matcher.find()) {
                    names.add(matcher.group());
                }
            }
        }
        return names;
    }

    /** Settings with a literal value (from env values and ConfigMaps), for following names and ports. */
    static Map<String, String> plainValues(Kustomization build, Map<String, Object> container) {
        Map<String, String> values = new LinkedHashMap<>();
        for (Object from : Yamls.list(container.get("envFrom"))) {
            String name = (String) Yamls.map(Yamls.map(from).get("configMapRef")).get("name");
            Yamls.map(build.find("ConfigMap", name).get("data")).forEach((k, v) -> values.put(k, String.valueOf(v)));
        }
        for (Object env : Yamls.list(container.get("env"))) {
            Map<String, Object> entry = Yamls.map(env);
            if (entry.get("value") != null) {
                values.put((String) entry.get("name"), String.valueOf(entry.get("value")));
            }
        }
        return values;
    }

    static Map<String, Set<String>> secretsRead(Kustomization build) {
        Map<String, Set<String>> secrets = new LinkedHashMap<>();
        for (Map<String, Object> container : build.containers()) {
            for (Object env : Yamls.list(container.get("env"))) {
                Object ref = Yamls.at(Yamls.map(env), "valueFrom", "secretKeyRef");
                if (ref != null) {
                    secrets.computeIfAbsent((String) Yamls.map(ref).get("name"), k -> new TreeSet<>())
                            .add((String) Yamls.map(ref).get("key"));
                }
            }
        }
        for (Map<String, Object> object : build.objects()) {
            Map<String, Object> pod = Yamls.podSpec(object);
            if (pod != null) {
                for (Object volume : Yamls.list(pod.get("volumes"))) {
                    Object name = Yamls.at(Yamls.map(volume), "secret", "secretName");
                    if (name != null) {
                        secrets.computeIfAbsent((String) name, k -> new TreeSet<>());
                    }
                }
            }
        }
        return secrets;
    }

    static Map<String, Object> assertServicePort(Kustomization build, String what, String host, int port) {
        assertThat(host).as("%s names a host", what).isNotBlank();
        Map<String, Object> service = build.find("Service", host);
        assertThat(service).as("%s names Service %s, which the overlay does not define", what, host).isNotNull();
        List<Object> ports = Yamls.list(Yamls.at(service, "spec", "ports")).stream().map(p -> Yamls.map(p).get("port")).toList();
        assertThat(ports).as("%s: ports of Service %s", what, host).contains(port);
        return service;
    }

    static void assertProbe(Map<String, Object> container, String probe, String path, String port, String where) {
        assertThat(Yamls.at(container, probe, "httpGet", "path")).as("%s: %s %s path", where, container.get("name"), probe).isEqualTo(path);
        assertThat(Yamls.at(container, probe, "httpGet", "port")).as("%s: %s %s port", where, container.get("name"), probe).isEqualTo(port);
    }

    static int portNumber(Map<String, Object> container, String name) {
        for (Object port : Yamls.list(container.get("ports"))) {
            if (name.equals(Yamls.map(port).get("name"))) {
                return (Integer) Yamls.map(port).get("containerPort");
            }
        }
        throw new AssertionError("container " + container.get("name") + " has no port named " + name);
    }

    static Map<String, Object> selected(Kustomization build, Map<String, Object> selector) {
        for (Map<String, Object> object : build.objects()) {
            if (Yamls.podSpec(object) != null) {
                Map<String, Object> labels = Yamls.map(Yamls.at(object, "spec", "template", "metadata", "labels"));
                if (labels != null && labels.entrySet().containsAll(selector.entrySet())) {
                    return object;
                }
            }
        }
        return null;
    }

    static void assertMounted(Map<String, Object> container, String path, String where) {
        assertThat(path).as("%s: %s has a path to write to", where, container.get("name")).isNotBlank();
        List<Object> mounts = Yamls.list(container.get("volumeMounts")).stream().map(m -> Yamls.map(m).get("mountPath")).toList();
        assertThat(mounts).as("%s: %s writes to %s, which must be a volume", where, container.get("name"), path).contains(path);
    }
}
