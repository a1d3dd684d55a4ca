package io.gatehouse.local;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * The local platform's home ({@code .gatehouse/}): only its owner may enter it (0700), and every secret in it is a
 * file only its owner may read (0600). Permissions of an existing home and existing secrets are tightened too.
 */
public final class LocalHome {
    static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;

    private LocalHome(Path dir) {
        this.dir = dir;
    }

    public static LocalHome open(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            try {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
            } catch (FileAlreadyExistsException e) {
                // Created meanwhile: tightened below.
            }
        }
        Files.setPosixFilePermissions(dir, OWNER_ONLY_DIR);
        return new LocalHome(dir);
    }

    public Path dir() {
        return dir;
    }

    public Path resolve(String name) {
        return dir.resolve(name);
    }

    /** A random secret kept in this home, so it stays the same from one run to the next. */
    public String secret(String name) throws IOException {
        Path file = dir.resolve(name);
        if (Files.isRegularFile(file)) {
            Files.setPosixFilePermissions(file, OWNER_ONLY_FILE);
            return Files.readString(file).trim();
        }
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        String secret = HexFormat.of().formatHex(bytes);
        write(name, secret);
        return secret;
    }

    /** Writes a secret (replacing any), readable by the owner only from the moment it exists. */
    public void write(String name, String secret) throws IOException {
        Path file = dir.resolve(name);
        Path temporary = Files.createTempFile(dir, name, ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
        Files.writeString(temporary, secret, StandardOpenOption.TRUNCATE_EXISTING);
        Files.move(temporary, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Files.setPosixFilePermissions(file, OWNER_ONLY_FILE);
    }
}
