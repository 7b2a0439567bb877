package io.imagegate.s3compat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The node-key policy exactly as README.md shows it ("A node key"), so tests keep the README's example true. */
final class NodePolicy {

    private NodePolicy() {}

    static String readme() throws IOException {
        Path dir = Path.of("").toAbsolutePath();
        while (!Files.exists(dir.resolve("README.md")) || !Files.readString(dir.resolve("README.md")).contains("node-key.json")) {
            dir = dir.getParent();
            if (dir == null) {
                throw new IllegalStateException("no README.md with the node-key policy above " + Path.of("").toAbsolutePath());
            }
        }
        String readme = Files.readString(dir.resolve("README.md"));
        String start = "cat > node-key.json <<'JSON'\n";
        int a = readme.indexOf(start);
        int b = readme.indexOf("\nJSON\n", a);
        if (a < 0 || b < 0) {
            throw new IllegalStateException("README.md no longer shows the node-key policy as a heredoc");
        }
        return readme.substring(a + start.length(), b + 1);
    }
}
