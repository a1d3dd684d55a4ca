package io.gatehouse.deploy;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What {@code kubectl apply -k} would apply for one kustomization, as far as Gatehouse's manifests use kustomize:
 * resources (files and directories with their own kustomization), strategic-merge patches by file, secret generators
 * from literals, and image overrides. Anything else in a kustomization.yaml is refused, so a feature this reader does
 * not understand cannot pass unchecked.
 */
final class Kustomization {
    static final String FILE = "kustomization.yaml";

    private final Path dir;
    private final List<Map<String, Object>> objects = new ArrayList<>();
    private final List<Path> files = new ArrayList<>();

    private Kustomization(Path dir) {
        this.dir = dir;
    }

    static Kustomization build(Path dir) throws IOException {
        Kustomization kustomization = new Kustomization(dir);
        kustomization.load();
        return kustomization;
    }

    /** The objects this kustomization produces, patches applied. */
    List<Map<String, Object>> objects() {
        return objects;
    }

    /** Every YAML file read to build it: resources and patches, its own and those of the bases it includes. */
    List<Path> files() {
        return files;
    }

    Map<String, Object> find(String kind, String name) {
        for (Map<String, Object> object : objects) {
            if (kind.equals(object.get("kind")) && name.equals(Yamls.name(object))) {
                return object;
            }
        }
        return null;
    }

    List<Map<String, Object>> ofKind(String kind) {
        return objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
    }

    private void load() throws IOException {
        Path file = dir.resolve(FILE);
        Map<String, Object> spec = Yamls.readAll(file).get(0);
        files.add(file);
        for (String key : spec.keySet()) {
            if (!List.of("apiVersion", "kind", "labels", "resources", "patches", "generatorOptions", "secretGenerator", "images")
                    .contains(key)) {
                throw new IllegalStateException(file + ": '" + key + "' is not read by this check; teach Kustomization about it");
            }
        }
        for (Object entry : Yamls.list(spec.get("resources"))) {
            Path resource = dir.resolve((String) entry).normalize();
            if (Files.isDirectory(resource)) {
                if (!Files.isRegularFile(resource.resolve(FILE))) {
                    throw new IllegalStateException(file + ": resource directory " + entry + " has no " + FILE);
                }
                Kustomization base = build(resource);
                objects.addAll(base.objects);
                files.addAll(base.files);
            } else if (Files.isRegularFile(resource)) {
                objects.addAll(Yamls.readAll(resource));
                files.add(resource);
            } else {
                throw new IllegalStateException(file + ": resource " + entry + " does not exist");
            }
        }
        for (Object entry : Yamls.list(spec.get("secretGenerator"))) {
            objects.add(generatedSecret(file, Yamls.map(entry)));
        }
        for (Object entry : Yamls.list(spec.get("patches"))) {
            Map<String, Object> patch = Yamls.map(entry);
            if (patch.keySet().size() != 1 || !patch.containsKey("path")) {
                throw new IllegalStateException(file + ": only patches by path are read by this check, got " + patch.keySet());
            }
            Path patchFile = dir.resolve((String) patch.get("path")).normalize();
            if (!Files.isRegularFile(patchFile)) {
                throw new IllegalStateException(file + ": patch " + patch.get("path") + " does not exist");
            }
            files.add(patchFile);
            for (Map<String, Object> change : Yamls.readAll(patchFile)) {
                Map<String, Object> target = find((String) change.get("kind"), Yamls.name(change));
                if (target == null) {
                    throw new IllegalStateException(patchFile + ": patches " + change.get("kind") + " " + Yamls.name(change)
                            + ", which no resource of " + dir + " defines");
                }
                merge(target, change);
            }
        }
        for (Object entry : Yamls.list(spec.get("images"))) {
            Map<String, Object> image = Yamls.map(entry);
            String name = (String) image.get("name");
            int replaced = 0;
            for (Map<String, Object> container : containers()) {
                String current = (String) container.get("image");
                if (current.equals(name) || current.startsWith(name + ":")) {
                    container.put("image", Objects.requireNonNullElse((String) image.get("newName"), name) + ":"
                            + Objects.requireNonNullElse(image.get("newTag"), current.substring(current.indexOf(':') + 1)));
                    replaced++;
                }
            }
            if (replaced == 0) {
                throw new IllegalStateException(file + ": image " + name + " is not used by any container");
            }
        }
    }

    /** Every container of every workload (Deployment, StatefulSet). */
    List<Map<String, Object>> containers() {
        List<Map<String, Object>> containers = new ArrayList<>();
        for (Map<String, Object> object : objects) {
            Map<String, Object> pod = Yamls.podSpec(object);
            if (pod != null) {
                for (Object container : Yamls.list(pod.get("containers"))) {
                    containers.add(Yamls.map(container));
                }
            }
        }
        return containers;
    }

    private static Map<String, Object> generatedSecret(Path file, Map<String, Object> generator) {
        Map<String, Object> data = new LinkedHashMap<>();
        for (Object literal : Yamls.list(generator.get("literals"))) {
            String text = (String) literal;
            int equals = text.indexOf('=');
            if (equals <= 0) {
                throw new IllegalStateException(file + ": secret literal without a key: " + text);
            }
            data.put(text.substring(0, equals), text.substring(equals + 1));
        }
        if (generator.keySet().stream().anyMatch(k -> !List.of("name", "literals").contains(k))) {
            throw new IllegalStateException(file + ": only secrets from literals are read by this check, got " + generator.keySet());
        }
        Map<String, Object> secret = new LinkedHashMap<>();
        secret.put("apiVersion", "v1");
        secret.put("kind", "Secret");
        secret.put("metadata", new LinkedHashMap<>(Map.of("name", generator.get("name"))));
        secret.put("stringData", data);
        return secret;
    }

    /**
     * Strategic merge as Kubernetes does it for what these manifests patch: maps merge key by key, a null removes a
     * key, lists of named items (containers, ports, env) merge by name, other lists are replaced.
     */
    @SuppressWarnings("unchecked")
    static void merge(Map<String, Object> target, Map<String, Object> patch) {
        for (Map.Entry<String, Object> entry : patch.entrySet()) {
            Object value = entry.getValue();
            Object current = target.get(entry.getKey());
            if (value == null) {
                target.remove(entry.getKey());
            } else if (value instanceof Map<?, ?> patchMap && current instanceof Map<?, ?> currentMap) {
                merge((Map<String, Object>) currentMap, (Map<String, Object>) patchMap);
            } else if (value instanceof List<?> patchList && current instanceof List<?> currentList && named(patchList)
                    && named(currentList)) {
                List<Object> merged = new ArrayList<>(currentList);
                for (Object item : patchList) {
                    Map<String, Object> patchItem = (Map<String, Object>) item;
                    Map<String, Object> match = merged.stream().map(m -> (Map<String, Object>) m)
                            .filter(m -> patchItem.get("name").equals(m.get("name"))).findFirst().orElse(null);
                    if (match == null) {
                        merged.add(patchItem);
                    } else {
                        merge(match, patchItem);
                    }
                }
                target.put(entry.getKey(), merged);
            } else {
                target.put(entry.getKey(), value);
            }
        }
    }

    private static boolean named(List<?> list) {
        return !list.isEmpty() && list.stream().allMatch(item -> item instanceof Map<?, ?> m && m.get("name") instanceof String);
    }

    /** Reading YAML documents as plain maps and lists. */
    static final class Yamls {
        private Yamls() {
        }

        @SuppressWarnings("unchecked")
        static List<Map<String, Object>> readAll(Path file) throws IOException {
            List<Map<String, Object>> documents = new ArrayList<>();
            try (Reader reader = Files.newBufferedReader(file)) {
                for (Object document : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(reader)) {
                    if (document == null) {
                        continue;
                    }
                    if (!(document instanceof Map<?, ?>)) {
                        throw new IllegalStateException(file + ": a document that is not a mapping: " + document);
                    }
                    documents.add((Map<String, Object>) document);
                }
            } catch (org.yaml.snakeyaml.error.YAMLException e) {
                throw new IllegalStateException(file + " is not valid YAML: " + e.getMessage(), e);
            }
            return documents;
        }

        static String name(Map<String, Object> object) {
            Map<String, Object> metadata = map(object.get("metadata"));
            return metadata == null ? null : (String) metadata.get("name");
        }

        @SuppressWarnings("unchecked")
        static Map<String, Object> map(Object value) {
            return (Map<String, Object>) value;
        }

        static List<?> list(Object value) {
            return value == null ? List.of() : (List<?>) value;
        }

        /** The pod template's spec of a Deployment or StatefulSet; null for anything else. */
        static Map<String, Object> podSpec(Map<String, Object> object) {
            if (!List.of("Deployment", "StatefulSet").contains(object.get("kind"))) {
                return null;
            }
            return map(map(map(object.get("spec")).get("template")).get("spec"));
        }

        /** Follows a path of keys; null when any step is missing. */
        static Object at(Map<String, Object> object, String... path) {
            Object current = object;
            for (String key : path) {
                if (!(current instanceof Map<?, ?> map)) {
                    return null;
                }
                current = map.get(key);
            }
            return current;
        }
    }
}
