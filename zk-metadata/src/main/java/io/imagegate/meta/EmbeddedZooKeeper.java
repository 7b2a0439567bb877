package io.imagegate.meta;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import org.apache.zookeeper.server.DatadirCleanupManager;
import org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.zookeeper.server.ZKDatabase;
import org.apache.zookeeper.server.ZooKeeperServer;
import org.apache.zookeeper.server.persistence.FileTxnSnapLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single ZooKeeper server inside the gateway process, for the one-node default: snapshots in
 * {@code DIR/data}, transaction log in {@code DIR/log} (fsync on, ZooKeeper's default), listening on
 * 127.0.0.1 only. While it runs, {@code DIR/zookeeper.connect} holds its connect string so tools
 * can reach it, and a lock on {@code DIR/zookeeper.lock} keeps a second process off the directory.
 * Old snapshots and logs are purged hourly, keeping the newest three.
 */
public final class EmbeddedZooKeeper implements AutoCloseable {

    public static final String CONNECT_FILE = "zookeeper.connect";
    public static final String LOCK_FILE = "zookeeper.lock";

    private static final Logger log = LoggerFactory.getLogger(EmbeddedZooKeeper.class);
    private static final int TICK_MS = 2000;
    private static final int SNAPSHOTS_KEPT = 3;
    private static final int PURGE_HOURS = 1;

    private final Path dir;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final FileTxnSnapLog snapLog;
    private final ZooKeeperServer server;
    private final ServerCnxnFactory connections;
    private final DatadirCleanupManager purge;
    private final int port;

    private EmbeddedZooKeeper(Path dir, FileChannel lockChannel, FileLock lock, FileTxnSnapLog snapLog,
            ZooKeeperServer server, ServerCnxnFactory connections, DatadirCleanupManager purge) {
        this.dir = dir;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.snapLog = snapLog;
        this.server = server;
        this.connections = connections;
        this.purge = purge;
        this.port = connections.getLocalPort();
    }

    /**
     * Starts a server on {@code dir} (created if needed) at 127.0.0.1:{@code port}, 0 for any free port.
     *
     * @throws IllegalStateException when another process (or another server here) uses the directory
     */
    public static EmbeddedZooKeeper start(Path dir, int port) throws IOException {
        Path abs = dir.toAbsolutePath();
        Files.createDirectories(abs);
        FileChannel channel = FileChannel.open(abs.resolve(LOCK_FILE), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock lock = tryLock(channel);
        if (lock == null) {
            channel.close();
            throw new IllegalStateException("ZooKeeper data directory " + abs + " is in use by another process");
        }
        FileTxnSnapLog snapLog = null;
        ServerCnxnFactory connections = null;
        try {
            snapLog = new FileTxnSnapLog(abs.resolve("log").toFile(), abs.resolve("data").toFile());
            ZooKeeperServer server = new ZooKeeperServer(snapLog, TICK_MS, -1, -1, -1, new ZKDatabase(snapLog), "");
            connections = ServerCnxnFactory.createFactory(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
            connections.startup(server);
            DatadirCleanupManager purge = new DatadirCleanupManager(abs.resolve("data").toFile(),
                    abs.resolve("log").toFile(), SNAPSHOTS_KEPT, PURGE_HOURS);
            purge.start();
            EmbeddedZooKeeper zk = new EmbeddedZooKeeper(abs, channel, lock, snapLog, server, connections, purge);
            zk.writeConnectFile();
            log.info("embedded zookeeper started dir={} connect={}", abs, zk.connectString());
            return zk;
        } catch (IOException | RuntimeException e) {
            stopQuietly(connections, snapLog);
            lock.release();
            channel.close();
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopQuietly(connections, snapLog);
            lock.release();
            channel.close();
            throw new IOException("interrupted while starting ZooKeeper", e);
        }
    }

    /** The connect string of the server running on {@code dir}, if one runs (read from its connect file). */
    public static Optional<String> runningOn(Path dir) throws IOException {
        Path file = dir.toAbsolutePath().resolve(CONNECT_FILE);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        String s = Files.readString(file, StandardCharsets.UTF_8).trim();
        return s.isEmpty() ? Optional.empty() : Optional.of(s);
    }

    /**
     * For command-line tools: the server a running gateway holds on {@code dir}, or else a server
     * started here for the duration of the returned connection.
     */
    public static Connection attach(Path dir) throws IOException {
        try {
            EmbeddedZooKeeper own = start(dir, 0);
            return new Connection(own.connectString(), own);
        } catch (IllegalStateException busy) {
            String connect = runningOn(dir).orElseThrow(() -> new IOException(
                    "ZooKeeper directory " + dir + " is locked but has no " + CONNECT_FILE));
            return new Connection(connect, null);
        }
    }

    /** A connect string, and the server behind it when this process started it. */
    public static final class Connection implements AutoCloseable {
        private final String connectString;
        private final EmbeddedZooKeeper owned;

        private Connection(String connectString, EmbeddedZooKeeper owned) {
            this.connectString = connectString;
            this.owned = owned;
        }

        public String connectString() {
            return connectString;
        }

        @Override
        public void close() {
            if (owned != null) {
                owned.close();
            }
        }
    }

    public String connectString() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public Path directory() {
        return dir;
    }

    @Override
    public void close() {
        try {
            Files.deleteIfExists(dir.resolve(CONNECT_FILE));
        } catch (IOException e) {
            log.warn("cannot remove {} error={}", dir.resolve(CONNECT_FILE), e.toString());
        }
        purge.shutdown();
        connections.shutdown();
        server.shutdown(true);
        stopQuietly(null, snapLog);
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            log.warn("cannot release {} error={}", dir.resolve(LOCK_FILE), e.toString());
        }
        log.info("embedded zookeeper stopped dir={}", dir);
    }

    private void writeConnectFile() throws IOException {
        Path tmp = dir.resolve(CONNECT_FILE + ".tmp");
        Files.writeString(tmp, connectString() + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, dir.resolve(CONNECT_FILE), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
    }

    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException e) {
            return null;
        }
    }

    private static void stopQuietly(ServerCnxnFactory connections, FileTxnSnapLog snapLog) {
        if (connections != null) {
            connections.shutdown();
        }
        if (snapLog != null) {
            try {
                snapLog.close();
            } catch (IOException e) {
                log.warn("closing the ZooKeeper log failed error={}", e.toString());
            }
        }
    }
}
