package io.imagegate.bench;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --plots}, the option of the benchmarks that draw PNG plots ({@code @Mixin}). */
public final class PlotFiles {

    @Option(names = "--plots", description = "Where the PNG plots go (default: docs).")
    Path plotsDir;

    /** {@code --plots}, or the checkout's {@code docs}. */
    public Path dir() {
        return plotsDir != null ? plotsDir : RunFiles.root().resolve("docs");
    }
}
