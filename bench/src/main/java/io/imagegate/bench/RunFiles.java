package io.imagegate.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The options every benchmark shares ({@code @Mixin}): where its run works, where its results go, which gateway jar
 * it starts and the word its result files carry. Defaults are relative to the checkout ({@code -Dimagegate.root},
 * set by bench/run); the work directory is {@code bench/target/<command name>}.
 */
public final class RunFiles {

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--work-dir", description = "Where the run keeps its files and servers (default: bench/target/${COMMAND-NAME}).")
    Path workDir;

    @Option(names = "--results", description = "Where results are written (default: bench/results).")
    Path resultsDir;

    @Option(names = "--imagegate-jar", description = "The gateway's shaded jar (default: gateway/target/imagegate.jar).")
    Path imagegateJar;

    @Option(names = "--label", defaultValue = "", description = "A word for the result file names (and the report title).")
    String label;

    /** The checkout the benchmarks run from. */
    public static Path root() {
        return Path.of(System.getProperty("imagegate.root", ".")).toAbsolutePath().normalize();
    }

    /** {@code --work-dir}, or {@code bench/target/<command>}. */
    public Path work() {
        return workDir != null ? workDir : root().resolve("bench/target").resolve(command.name());
    }

    /** {@code --results}, or {@code bench/results}. */
    public Path results() {
        return resultsDir != null ? resultsDir : root().resolve("bench/results");
    }

    /** {@code --imagegate-jar}, or the one the build makes. */
    public Path imagegateJar() {
        return imagegateJar != null ? imagegateJar : root().resolve("gateway/target/imagegate.jar");
    }

    /** The gateway jar, which must exist. */
    public Path existingImagegateJar() {
        Path jar = imagegateJar();
        if (!Files.exists(jar)) {
            throw new IllegalStateException("no gateway jar at " + jar + " (bench/run builds it)");
        }
        return jar;
    }

    /** Whether the gateway jar is this checkout's own build (so its commit describes it). */
    public boolean ownImagegateJar() {
        return imagegateJar == null;
    }

    /** {@code --label}; empty when not given. */
    public String label() {
        return label;
    }

    /** The base name of the result files of a run started at {@code started}: {@code <command>-<stamp>[-<label>]}. */
    public String resultName(Instant started) {
        return command.name() + "-" + stamp(started) + (label.isBlank() ? "" : "-" + label);
    }

    /** A file-name-safe UTC time to the second, {@code 2026-12-07T001500Z}. */
    public static String stamp(Instant t) {
        return STAMP.format(t);
    }
}
