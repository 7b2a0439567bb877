package io.imagegate.gateway;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Map;
import java.util.Properties;

/**
 * The root user's key pair: from IMAGEGATE_ACCESS_KEY and IMAGEGATE_SECRET_KEY when set, else
 * from {@code DIR/root-credentials}, generated on first start with owner-only permissions.
 *
 * @param generated true when this start created the key pair (so it is printed once)
 */
public record RootCredentials(String accessKey, String secretKey, String source, boolean generated) {

    public static final String ROOT_USER = "root";
    public static final String FILE_NAME = "root-credentials";
    public static final String ACCESS_ENV = "IMAGEGATE_ACCESS_KEY";
    public static final String SECRET_ENV = "IMAGEGATE_SECRET_KEY";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private static final String SECRET_ALPHABET = KEY_ALPHABET + "abcdefghijklmnopqrstuvwxyz+/";

    public static RootCredentials resolve(Path dataDir, Map<String, String> env) throws IOException {
        String ak = env.get(ACCESS_ENV);
        String sk = env.get(SECRET_ENV);
        if (ak != null && !ak.isBlank() && sk != null && !sk.isBlank()) {
            return new RootCredentials(ak.trim(), sk.trim(), "environment", false);
        }
        if ((ak != null) != (sk != null)) {
            throw new IllegalArgumentException("set both " + ACCESS_ENV + " and " + SECRET_ENV + ", or neither");
        }
        Path file = dataDir.resolve(FILE_NAME);
        if (Files.exists(file)) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(r);
            }
            String fileAk = p.getProperty("access_key");
            String fileSk = p.getProperty("secret_key");
            if (fileAk == null || fileSk == null) {
                throw new IOException(file + " lacks access_key or secret_key");
            }
            return new RootCredentials(fileAk, fileSk, file.toString(), false);
        }
        RootCredentials created = new RootCredentials(randomKey(20, KEY_ALPHABET), randomKey(40, SECRET_ALPHABET),
                file.toString(), true);
        created.save(file);
        return created;
    }

    /** A fresh access key in AWS's shape: 20 upper-case letters and digits. */
    public static String newAccessKey() {
        return randomKey(20, KEY_ALPHABET);
    }

    /** A fresh 40-character secret. */
    public static String newSecretKey() {
        return randomKey(40, SECRET_ALPHABET);
    }

    private void save(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8, StandardOpenOption.WRITE)) {
            w.write("# imagegate root user; keep this file private\n");
            w.write("access_key=" + accessKey + "\n");
            w.write("secret_key=" + secretKey + "\n");
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static String randomKey(int length, String alphabet) {
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return sb.toString();
    }
}
