package io.imagegate.agent.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Talks to a running agent through its control socket: one request, one answer, per connection. */
public final class ControlClient {

    private static final ObjectMapper JSON = ControlServer.json();

    private final Path socket;

    public ControlClient(Path socket) {
        this.socket = socket;
    }

    public Path socket() {
        return socket;
    }

    /** Whether an agent answers on {@code socket}. */
    public static boolean answers(Path socket) {
        try {
            new ControlClient(socket).call(JSON.createObjectNode().put("op", "ping"));
            return true;
        } catch (IOException | AgentException e) {
            return false;
        }
    }

    public JsonNode ping() throws IOException, AgentException {
        return call(JSON.createObjectNode().put("op", "ping"));
    }

    public AttachResult attach(AttachRequest request) throws IOException, AgentException {
        ObjectNode r = JSON.createObjectNode().put("op", "attach");
        r.set("request", JSON.valueToTree(request));
        return JSON.treeToValue(call(r), AttachResult.class);
    }

    public SnapshotResult snapshot(String export, boolean wait) throws IOException, AgentException {
        return JSON.treeToValue(call(JSON.createObjectNode().put("op", "snapshot").put("export", export)
                .put("wait", wait)), SnapshotResult.class);
    }

    /** Starts hydrating an export at {@code rate} bytes a second, or stops it ({@code rate} null). */
    public ExportStatus hydrate(String export, Long rate) throws IOException, AgentException {
        ObjectNode r = JSON.createObjectNode().put("op", "hydrate").put("export", export);
        if (rate == null) {
            r.put("stop", true);
        } else {
            r.put("rate", rate);
        }
        return JSON.treeToValue(call(r), ExportStatus.class);
    }

    public AgentStatus status() throws IOException, AgentException {
        return JSON.treeToValue(call(JSON.createObjectNode().put("op", "status")), AgentStatus.class);
    }

    public JsonNode statusJson() throws IOException, AgentException {
        return call(JSON.createObjectNode().put("op", "status"));
    }

    public void detach(String export, boolean discard) throws IOException, AgentException {
        call(JSON.createObjectNode().put("op", "detach").put("export", export).put("discard", discard));
    }

    public void shutdown() throws IOException, AgentException {
        call(JSON.createObjectNode().put("op", "shutdown"));
    }

    /** Sends one request; returns its result, or throws the agent's error as an {@link AgentException}. */
    JsonNode call(ObjectNode request) throws IOException, AgentException {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer out = ByteBuffer.wrap((JSON.writeValueAsString(request) + "\n").getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) {
                c.write(out);
            }
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            ByteBuffer b = ByteBuffer.allocate(64 * 1024);
            while (c.read(b.clear()) >= 0) {
                answer.write(b.array(), 0, b.position());
            }
            JsonNode a = JSON.readTree(answer.toByteArray());
            if (a == null || !a.has("ok")) {
                throw new IOException("the agent on " + socket + " sent no answer");
            }
            if (!a.get("ok").asBoolean()) {
                throw new AgentException(a.path("error").asText("failed"));
            }
            return a.get("result");
        }
    }
}
