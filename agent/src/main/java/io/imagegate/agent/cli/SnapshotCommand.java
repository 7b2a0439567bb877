package io.imagegate.agent.cli;

import io.imagegate.agent.daemon.ControlClient;
import io.imagegate.agent.daemon.SnapshotResult;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code snapshot}: commit an export's writes as a new version of its object. */
@Command(name = "snapshot", mixinStandardHelpOptions = true,
        description = "Commit the export's writes as a new version; prints the version id (with --wait).")
final class SnapshotCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "EXPORT")
    String export;

    @Option(names = "--wait", description = "wait for the commit and print the new version id")
    boolean waitForIt;

    @Mixin
    DaemonOptions daemon;

    @Override
    public Integer call() throws Exception {
        SnapshotResult r = new ControlClient(daemon.controlSocket()).snapshot(export, waitForIt);
        if (!waitForIt) {
            System.err.println("snapshot of " + export + " started: the writes until now are frozen and being committed;"
                    + " `imagegate-agent status` shows the version id when done");
            return 0;
        }
        // an unversioned bucket has no version ids: the new object is named by its ETag
        System.out.println(r.versionId() != null ? r.versionId() : r.etag());
        System.err.println("snapshot of " + export + ": " + (r.versionId() != null ? "version " + r.versionId()
                : "ETag " + r.etag() + " (the bucket keeps no versions)") + " (" + r.method() + ", "
                + r.changedChunks() + " chunks changed, " + r.uploadedBytes() + " bytes uploaded"
                + (r.copiedBytes() > 0 ? ", " + r.copiedBytes() + " bytes copied in the store" : "") + ")");
        return 0;
    }
}
