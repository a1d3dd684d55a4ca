package io.gatehouse.deploy;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the repository's deploy/ and docs/ are, from the module the tests run in (deploy/local). */
final class DeployFiles {
    private DeployFiles() {
    }

    static Path root() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            if (Files.isDirectory(dir.resolve("deploy/kubernetes")) && Files.isRegularFile(dir.resolve("docs/configuration.md"))) {
                return dir;
            }
            dir = dir.getParent();
        }
        throw new IllegalStateException("no repository root with deploy/kubernetes above " + Path.of("").toAbsolutePath());
    }

    static Path kubernetes() {
        return root().resolve("deploy/kubernetes");
    }

    static Path doc(String name) {
        return root().resolve("docs").resolve(name);
    }
}
