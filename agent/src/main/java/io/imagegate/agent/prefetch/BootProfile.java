package io.imagegate.agent.prefetch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;

/**
 * Which chunks a boot touched, in the order it first touched them: the start offsets of the chunks,
 * so the profile stays valid for every version of the image whatever its chunking. Stored as a small
 * JSON object {@code KEY.profile} beside the image.
 */
public record BootProfile(String object, String versionId, Instant recordedAt, int chunkSize, long[] offsets) {

    public static final String FORMAT = "imagegate-boot-profile/1";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The key a profile of {@code key} is stored under. */
    public static String keyFor(String key) {
        return key + ".profile";
    }

    public byte[] toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("format", FORMAT);
        n.put("object", object);
        n.put("versionId", versionId);
        n.put("recordedAt", recordedAt.toString());
        n.put("chunkSize", chunkSize);
        ArrayNode a = n.putArray("offsets");
        for (long o : offsets) {
            a.add(o);
        }
        return n.toString().getBytes(StandardCharsets.UTF_8);
    }

    public static BootProfile parse(byte[] json) throws IOException {
        JsonNode n = JSON.readTree(json);
        if (n == null || !FORMAT.equals(n.path("format").asText())) {
            throw new IOException("not a boot profile of format " + FORMAT);
        }
        JsonNode a = n.path("offsets");
        long[] offsets = new long[a.size()];
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = a.get(i).asLong();
        }
        return new BootProfile(n.path("object").asText(), n.path("versionId").asText(null),
                Instant.parse(n.path("recordedAt").asText(Instant.EPOCH.toString())), n.path("chunkSize").asInt(),
                offsets);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BootProfile p && p.object.equals(object) && Arrays.equals(p.offsets, offsets);
    }

    @Override
    public int hashCode() {
        return object.hashCode() * 31 + Arrays.hashCode(offsets);
    }

    @Override
    public String toString() {
        return "BootProfile[" + object + ", " + offsets.length + " chunks]";
    }
}
