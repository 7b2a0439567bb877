package io.imagegate.meta;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The JSON form of every record kept in ZooKeeper: UTF-8, instants as ISO-8601 strings in UTC,
 * absent values omitted, unknown fields ignored so later formats can add fields.
 */
final class Json {

    static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
            .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL,
                    JsonInclude.Include.NON_NULL))
            .build();

    private Json() {}

    static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static <T> T read(byte[] data, Class<T> type) {
        try {
            return MAPPER.readValue(data, type);
        } catch (IOException e) {
            throw new IllegalStateException("unreadable metadata record: " + e.getMessage(), e);
        }
    }

    /** A record's fields plus the {@code token} of the write that stored it. */
    static byte[] writeWithToken(Object record, String token) {
        ObjectNode node = MAPPER.valueToTree(record);
        node.put("token", token);
        return write(node);
    }

    /** A record's fields plus the {@code token} of the write that stored it and the {@code incarnation} it belongs to. */
    static byte[] writeWithToken(Object record, String token, String incarnation) {
        ObjectNode node = MAPPER.valueToTree(record);
        node.put("token", token);
        if (incarnation != null) {
            node.put("incarnation", incarnation);
        }
        return write(node);
    }

    /** The {@code token} field of a stored record, or null. */
    static String token(byte[] data) {
        try {
            JsonNode node = MAPPER.readTree(data);
            JsonNode token = node == null ? null : node.get("token");
            return token == null ? null : token.asText();
        } catch (IOException e) {
            throw new IllegalStateException("unreadable metadata record", e);
        }
    }
}
