package io.imagegate.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Which gateway was measured: the repository's commit, whether the gateway's sources differed
 * from it when the jar was built, and the jar itself, so a result can be traced to code.
 */
public record BuildInfo(String commit, int uncommittedGatewayFiles, String imagegateJar, String jarModified) {

    /** For a jar bench/run built from this working tree. */
    public static BuildInfo of(Path root, Path jar) throws IOException {
        return of(root, jar, true);
    }

    /**
     * @param builtHere whether the jar is the one bench/run builds from this working tree (else it
     *                  was given with --imagegate-jar, and the working tree says nothing about it)
     */
    public static BuildInfo of(Path root, Path jar, boolean builtHere) throws IOException {
        String commit = git(root, "rev-parse", "--short", "HEAD").trim();
        long dirty = !builtHere ? -1 : git(root, "status", "--porcelain", "--", "gateway/src/main",
                "chunk-layer/src/main", "zk-metadata/src/main").lines().filter(l -> !l.isBlank()).count();
        return new BuildInfo(commit.isEmpty() ? "unknown" : commit, (int) dirty, jar.toString(),
                Files.getLastModifiedTime(jar).toInstant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
    }

    private static String git(Path root, String... args) {
        try {
            List<String> cmd = new java.util.ArrayList<>(List.of("git", "-C", root.toString()));
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return p.waitFor() == 0 ? out : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    public String summary() {
        if (uncommittedGatewayFiles < 0) {
            return "gateway jar " + imagegateJar + " (given with --imagegate-jar) built " + jarModified
                    + "; repository at " + commit;
        }
        return "repository at " + commit + (uncommittedGatewayFiles == 0 ? ""
                : " with " + uncommittedGatewayFiles + " uncommitted files in gateway, chunk-layer, zk-metadata")
                + "; gateway jar " + imagegateJar + " built " + jarModified;
    }
}
