package io.imagegate.agent.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's control socket: a unix socket (mode 0600, in a 0700 directory) where each connection
 * carries one JSON request line and gets one JSON answer line: {@code {"ok":true,"result":...}} or
 * {@code {"ok":false,"error":"..."}}. Operations: ping, attach, snapshot, hydrate, status, detach, shutdown.
 */
final class ControlServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ControlServer.class);
    private static final ObjectMapper JSON = AttachmentRecord.json().copy()
            .disable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);
    private static final int MAX_REQUEST = 1 << 20;

    private final Path path;
    private final ServerSocketChannel server;
    private final Agent agent;
    private volatile boolean closed;
    private volatile Runnable onShutdown = () -> {};

    private ControlServer(Path path, ServerSocketChannel server, Agent agent) {
        this.path = path;
        this.server = server;
        this.agent = agent;
    }

    static ControlServer start(Path path, Agent agent) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        if (!Files.exists(dir)) {
            Files.createDirectories(dir);
            try {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system
            }
        }
        if (Files.exists(path)) {
            if (ControlClient.answers(path)) {
                throw new IOException("another agent already answers on " + path);
            }
            Files.delete(path);
        }
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        ch.bind(UnixDomainSocketAddress.of(path));
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system
        }
        ControlServer s = new ControlServer(path, ch, agent);
        Thread.ofVirtual().name("control-accept").start(s::acceptLoop);
        log.info("control socket listening path={}", path);
        return s;
    }

    void onShutdown(Runnable r) {
        this.onShutdown = r;
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                SocketChannel c = server.accept();
                Thread.ofVirtual().name("control").start(() -> handle(c));
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    log.warn("control accept failed: {}", e.toString());
                }
            }
        }
    }

    private void handle(SocketChannel c) {
        try (c) {
            byte[] line = readLine(c);
            ObjectNode answer = JSON.createObjectNode();
            try {
                JsonNode req = JSON.readTree(line);
                Object result = dispatch(req);
                answer.put("ok", true);
                answer.set("result", JSON.valueToTree(result));
            } catch (AgentException e) {
                answer.put("ok", false);
                answer.put("error", e.getMessage());
            } catch (IOException | RuntimeException e) {
                answer.put("ok", false);
                answer.put("error", "bad request: " + e.getMessage());
                log.debug("control request failed", e);
            }
            byte[] out = (JSON.writeValueAsString(answer) + "\n").getBytes(StandardCharsets.UTF_8);
            ByteBuffer b = ByteBuffer.wrap(out);
            while (b.hasRemaining()) {
                c.write(b);
            }
            if ("shutdown".equals(JSON.readTree(line).path("op").asText())) {
                Thread.ofPlatform().name("shutdown").start(onShutdown);
            }
        } catch (IOException e) {
            log.debug("control connection: {}", e.toString());
        }
    }

    private Object dispatch(JsonNode req) throws AgentException, IOException {
        String op = req.path("op").asText("");
        String export = req.path("export").asText(null);
        return switch (op) {
            case "ping" -> java.util.Map.of("pid", ProcessHandle.current().pid(),
                    "cache", agent.config().cacheDir().toString(), "data", agent.config().dataDir().toString());
            case "attach" -> agent.attach(JSON.treeToValue(req.path("request"), AttachRequest.class));
            case "snapshot" -> agent.snapshot(required(export), req.path("wait").asBoolean(false));
            case "hydrate" -> agent.hydrate(required(export),
                    req.path("stop").asBoolean(false) ? null : req.path("rate").asLong(AgentConfig.DEFAULT_HYDRATE_RATE));
            case "status" -> agent.status();
            case "detach" -> {
                agent.detach(required(export), req.path("discard").asBoolean(false));
                yield java.util.Map.of("export", export, "detached", true);
            }
            case "shutdown" -> java.util.Map.of("stopping", true);
            default -> throw new AgentException("unknown operation '" + op + "'");
        };
    }

    private static String required(String export) throws AgentException {
        if (export == null || export.isEmpty()) {
            throw new AgentException("which export?");
        }
        return export;
    }

    private static byte[] readLine(SocketChannel c) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer b = ByteBuffer.allocate(8192);
        while (out.size() < MAX_REQUEST) {
            b.clear();
            int n = c.read(b);
            if (n < 0) {
                break;
            }
            for (int i = 0; i < n; i++) {
                byte x = b.get(i);
                if (x == '\n') {
                    return out.toByteArray();
                }
                out.write(x);
            }
        }
        return out.toByteArray();
    }

    static ObjectMapper json() {
        return JSON;
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
            Files.deleteIfExists(path);
        } catch (IOException e) {
            log.debug("closing control socket: {}", e.toString());
        }
    }
}
