package io.imagegate.s3compat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a command-line client (aws, python3) against a gateway, with credentials in its environment only. */
final class ExternalTool {

    record Result(int exit, String stdout, String stderr) {
        Result ok() {
            if (exit != 0) {
                throw new AssertionError("exit " + exit + "\nstdout: " + stdout + "\nstderr: " + stderr);
            }
            return this;
        }
    }

    private ExternalTool() {}

    /** True when {@code program} is on PATH. */
    static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    static Result run(Path workDir, Map<String, String> env, List<String> command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).directory(workDir.toFile());
        pb.environment().putAll(env);
        Path out = Files.createTempFile(workDir, "out", ".txt");
        Path err = Files.createTempFile(workDir, "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + command);
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    /** The environment of an aws-cli or boto3 user (the non-admin tenant) pointed at the test gateway and nothing else. */
    static Map<String, String> awsEnv(Path home) {
        return Map.of(
                "AWS_ACCESS_KEY_ID", GatewayFixture.TENANT_ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY", GatewayFixture.TENANT_SECRET_KEY,
                "AWS_DEFAULT_REGION", "us-east-1",
                "AWS_CONFIG_FILE", home.resolve("config").toString(),
                "AWS_SHARED_CREDENTIALS_FILE", home.resolve("credentials").toString(),
                "HOME", home.toString(),
                "AWS_EC2_METADATA_DISABLED", "true");
    }
}
