package io.imagegate.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * The command line of {@code bench/run}: every benchmark takes the shared options with the same
 * meaning, and every command line docs/BENCHMARKS.md and bench/run show parses, with the defaults
 * they state. Nothing is run.
 */
class BenchCommandLineTest {

    private static final Path CHECKOUT = Path.of("..").toAbsolutePath().normalize();

    @TempDir
    Path root;
    private String savedRoot;

    @BeforeEach
    void pointTheCheckoutAtATemporaryDirectory() {
        savedRoot = System.getProperty("imagegate.root");
        System.setProperty("imagegate.root", root.toString());
    }

    @AfterEach
    void restoreTheCheckout() {
        if (savedRoot == null) {
            System.clearProperty("imagegate.root");
        } else {
            System.setProperty("imagegate.root", savedRoot);
        }
    }

    private static List<String> benchmarks() {
        List<String> names = new ArrayList<>(BenchCommand.commandLine().getSubcommands().keySet());
        names.remove("help");
        return names;
    }

    private static RunFiles runFiles(CommandLine benchmark) {
        Object mixin = benchmark.getMixins().get("files");
        assertNotNull(mixin, benchmark.getCommandName() + " has no RunFiles mixin named files");
        return (RunFiles) mixin;
    }

    @Test
    void everyBenchmarkTakesTheSharedOptions() {
        assertEquals(7, benchmarks().size(), "benchmarks: " + benchmarks());
        for (String name : benchmarks()) {
            CommandLine cli = BenchCommand.commandLine();
            cli.parseArgs(name, "--work-dir", "/w/" + name, "--results", "/r", "--imagegate-jar", "/j/gw.jar",
                    "--label", "try-2");
            CommandLine benchmark = cli.getSubcommands().get(name);
            RunFiles files = runFiles(benchmark);
            assertEquals(Path.of("/w/" + name), files.work(), name);
            assertEquals(Path.of("/r"), files.results(), name);
            assertEquals(Path.of("/j/gw.jar"), files.imagegateJar(), name);
            assertFalse(files.ownImagegateJar(), name);
            assertEquals("try-2", files.label(), name);
            assertEquals(name + "-2026-12-07T001500Z-try-2", files.resultName(Instant.parse("2026-12-07T00:15:00.123Z")),
                    name);
        }
    }

    @Test
    void withoutThemEveryBenchmarkWorksUnderTheCheckout() {
        for (String name : benchmarks()) {
            CommandLine cli = BenchCommand.commandLine();
            cli.parseArgs(name);
            RunFiles files = runFiles(cli.getSubcommands().get(name));
            assertEquals(root.resolve("bench/target/" + name), files.work(), name);
            assertEquals(root.resolve("bench/results"), files.results(), name);
            assertEquals(root.resolve("gateway/target/imagegate.jar"), files.imagegateJar(), name);
            assertTrue(files.ownImagegateJar(), name);
            assertEquals("", files.label(), name);
            assertEquals(name + "-2026-12-07T001500Z", files.resultName(Instant.parse("2026-12-07T00:15:00Z")), name);
        }
    }

    @Test
    void helpStatesEachBenchmarksOwnWorkDirectory() {
        for (String name : benchmarks()) {
            String usage = BenchCommand.commandLine().getSubcommands().get(name).getUsageMessage();
            assertTrue(usage.contains("(default: bench/target/" + name + ")"), usage);
        }
    }

    @Test
    void thePlotsOptionIsWhereItWas() {
        for (String name : benchmarks()) {
            CommandLine cli = BenchCommand.commandLine();
            cli.parseArgs(name);
            CommandLine benchmark = cli.getSubcommands().get(name);
            Object plots = benchmark.getMixins().get("plots");
            boolean draws = name.equals("multisnapshot") || name.equals("multideployment");
            assertEquals(draws, plots != null, name);
            assertEquals(draws, benchmark.getCommandSpec().findOption("--plots") != null, name);
            if (draws) {
                assertEquals(root.resolve("docs"), ((PlotFiles) plots).dir());
                cli = BenchCommand.commandLine();
                cli.parseArgs(name, "--plots", "/p");
                assertEquals(Path.of("/p"), ((PlotFiles) cli.getSubcommands().get(name).getMixins().get("plots")).dir());
            }
        }
    }

    /** Every {@code bench/run <benchmark> ...} of the docs, in code blocks (comments cut) or in backquotes. */
    private static List<String> documentedCommandLines() throws IOException {
        String doc = Files.readString(CHECKOUT.resolve("docs/BENCHMARKS.md"));
        List<String> lines = new ArrayList<>();
        boolean inCode = false;
        for (String line : doc.split("\n")) {
            if (line.startsWith("```")) {
                inCode = !inCode;
            } else if (inCode && line.startsWith("bench/run ")) {
                lines.add(line);
            }
        }
        Matcher quoted = Pattern.compile("`(bench/run [^`]*)`").matcher(doc);
        while (quoted.find()) {
            lines.add(quoted.group(1).replaceAll("\\s+", " "));
        }
        // the usage line at the top of bench/run itself: `bench/run s3-throughput [--size 1g] [...]`
        for (String line : Files.readAllLines(CHECKOUT.resolve("bench/run"))) {
            Matcher m = Pattern.compile("^# bench/run: the benchmarks\\. `(bench/run [^`]*)`").matcher(line);
            if (m.find()) {
                lines.add(m.group(1).replaceAll("[\\[\\]]", ""));
            }
        }
        return lines;
    }

    private static List<String> words(String commandLine) {
        int hash = commandLine.indexOf('#');
        String command = (hash < 0 ? commandLine : commandLine.substring(0, hash)).trim();
        return Arrays.asList(command.substring("bench/run ".length()).trim().split("\\s+"));
    }

    @Test
    void everyDocumentedCommandLineParses() throws IOException {
        List<String> documented = documentedCommandLines();
        assertTrue(documented.size() >= 15, "command lines found in docs/BENCHMARKS.md: " + documented);
        int parsed = 0;
        for (String line : documented) {
            List<String> args = words(line);
            if (args.get(0).equals("fuzz") || line.endsWith("--methods")) {
                continue; // fuzz is bench/fuzz, not a picocli command; a quote cut by the prose is no command line
            }
            try {
                ParseResult result = BenchCommand.commandLine().parseArgs(args.toArray(String[]::new));
                assertTrue(result.hasSubcommand(), line);
                assertEquals(args.get(0), result.subcommand().commandSpec().name(), line);
                parsed++;
            } catch (CommandLine.ParameterException e) {
                fail(line + ": " + e.getMessage());
            }
        }
        assertTrue(parsed >= 15, "parsed " + parsed);
    }

    @Test
    void theDefaultsTheDocsStateAreTheDefaults() throws IOException {
        int checked = 0;
        for (String line : documentedCommandLines()) {
            int at = line.indexOf("# defaults:");
            if (at < 0) {
                continue;
            }
            String benchmark = words(line).get(0);
            CommandLine cli = BenchCommand.commandLine().getSubcommands().get(benchmark);
            assertNotNull(cli, line);
            String[] stated = line.substring(at + "# defaults:".length()).replaceAll("\\(.*\\)", "").trim().split("\\s+");
            for (int i = 0; i + 1 < stated.length; i += 2) {
                OptionSpec option = cli.getCommandSpec().findOption(stated[i]);
                assertNotNull(option, line + ": no option " + stated[i]);
                assertEquals(stated[i + 1], option.defaultValue(), line + ": " + stated[i]);
                checked++;
            }
        }
        assertTrue(checked >= 20, "defaults checked: " + checked);
    }

    @Test
    void everyOptionIsDescribed() {
        for (Map.Entry<String, CommandLine> benchmark : BenchCommand.commandLine().getSubcommands().entrySet()) {
            for (OptionSpec option : benchmark.getValue().getCommandSpec().options()) {
                assertTrue(option.description().length > 0 && !option.description()[0].isBlank(),
                        benchmark.getKey() + " " + option.longestName());
            }
        }
    }
}
