package io.imagegate.gateway.cli;

import io.imagegate.meta.ZkAuth;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The ZooKeeper identity of every command that connects to ZooKeeper: a file holding
 * {@code USER:PASSWORD} (a mounted Kubernetes Secret, say), else {@code $IMAGEGATE_ZOOKEEPER_AUTH},
 * else none (znodes open to every client of the ensemble, as before).
 */
final class ZooKeeperAuthOption {

    @Option(names = "--zookeeper-auth-file", paramLabel = "FILE",
            description = "File holding USER:PASSWORD, the ZooKeeper digest identity that owns the metadata "
                    + "(default: $" + ZkAuth.ENV + "; unset: no ZooKeeper authentication).")
    Path file;

    ZkAuth resolve() {
        if (file == null) {
            return ZkAuth.fromEnvironment(System.getenv());
        }
        try {
            return ZkAuth.parse(Files.readString(file, StandardCharsets.UTF_8).strip());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read --zookeeper-auth-file " + file + ": " + e.getMessage(), e);
        }
    }
}
