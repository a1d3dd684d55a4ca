package io.gatehouse.gateway.config;

import io.gatehouse.protocol.Json;
import io.gatehouse.protocol.config.ConfigSnapshot;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * The last good config on disk, so a node restarted while the control plane is down can serve. Blocking file I/O:
 * callers run it on a worker thread, never on an event loop.
 */
public final class SnapshotStore {
    private final Path file;

    public SnapshotStore(Path dataDir) {
        this.file = dataDir.resolve("config-snapshot.json");
    }

    public Path file() {
        return file;
    }

    /** Writes to a temporary file, forces it to disk, then renames it over the old one: a crash leaves one or the other. */
    public void save(ConfigSnapshot snapshot) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, Json.writeBytes(snapshot), StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    public Optional<ConfigSnapshot> load() throws IOException {
        return load(file);
    }

    public static Optional<ConfigSnapshot> load(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            return Optional.empty();
        }
        return Optional.of(Json.read(Files.readAllBytes(path), ConfigSnapshot.class));
    }
}
