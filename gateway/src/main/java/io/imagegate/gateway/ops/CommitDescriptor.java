package io.imagegate.gateway.ops;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.imagegate.chunk.ChunkHash;
import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSON head of a commit request (docs/API.md): the new version's size and the chunks it puts
 * at aligned offsets, each with its hash and whether its bytes follow in the body. Parsed with a
 * streaming parser into compact records, since a commit may list hundreds of thousands of chunks.
 */
record CommitDescriptor(long size, List<Piece> chunks) {

    /** The largest descriptor accepted: some 500,000 chunks. */
    static final int MAX_BYTES = 64 * 1024 * 1024;

    /** S3's largest object. */
    static final long MAX_SIZE = 5L * 1024 * 1024 * 1024 * 1024;

    private static final JsonFactory JSON = new JsonFactory();

    /** One listed chunk: {@code length} bytes at {@code offset}, named by {@code hash}. */
    record Piece(long offset, int length, ChunkHash hash, boolean upload) {}

    /** Bytes of chunk data the body carries after the descriptor. */
    long uploadBytes() {
        long n = 0;
        for (Piece p : chunks) {
            n += p.upload() ? p.length() : 0;
        }
        return n;
    }

    static CommitDescriptor parse(byte[] json) {
        try (JsonParser p = JSON.createParser(json)) {
            expect(p.nextToken() == JsonToken.START_OBJECT, "the descriptor is not a JSON object");
            Long size = null;
            List<Piece> chunks = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "size" -> size = integer(p, value, "size");
                    case "chunks" -> chunks = pieces(p, value);
                    default -> p.skipChildren(); // later formats may add fields
                }
            }
            expect(p.currentToken() == JsonToken.END_OBJECT && p.nextToken() == null, "trailing content");
            expect(size != null, "size is missing");
            return new CommitDescriptor(size, chunks == null ? List.of() : chunks);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw malformed("not valid JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw malformed("not valid JSON");
        }
    }

    private static List<Piece> pieces(JsonParser p, JsonToken start) throws IOException {
        expect(start == JsonToken.START_ARRAY, "chunks is not an array");
        List<Piece> out = new ArrayList<>();
        while (p.nextToken() == JsonToken.START_OBJECT) {
            Long offset = null;
            Long length = null;
            String hash = null;
            boolean upload = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "offset" -> offset = integer(p, value, "offset");
                    case "length" -> length = integer(p, value, "length");
                    case "hash" -> {
                        expect(value == JsonToken.VALUE_STRING, "hash is not a string");
                        hash = p.getText();
                    }
                    case "upload" -> {
                        expect(value == JsonToken.VALUE_TRUE || value == JsonToken.VALUE_FALSE, "upload is not a boolean");
                        upload = value == JsonToken.VALUE_TRUE;
                    }
                    default -> p.skipChildren();
                }
            }
            expect(offset != null && length != null && hash != null,
                    "chunk " + out.size() + " lacks its offset, length or hash");
            expect(length > 0 && length <= Integer.MAX_VALUE, "chunk " + out.size() + " has length " + length);
            out.add(new Piece(offset, (int) (long) length, hash(hash, out.size()), upload));
        }
        expect(p.currentToken() == JsonToken.END_ARRAY, "chunks holds something other than objects");
        return out;
    }

    private static long integer(JsonParser p, JsonToken value, String name) throws IOException {
        expect(value == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER,
                name + " is not an integer");
        long v = p.getLongValue();
        expect(v >= 0, name + " is negative");
        return v;
    }

    private static ChunkHash hash(String hex, int index) {
        expect(hex.length() == 64 && hex.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')),
                "chunk " + index + " hash is not 64 lower-case hex digits");
        return ChunkHash.parse(hex);
    }

    /**
     * Offsets on the base's chunk grid, ascending, within {@code size}; each chunk a whole grid cell
     * except the one that ends the new version.
     */
    void validate(int chunkSize) {
        expect(size <= MAX_SIZE, "size exceeds " + MAX_SIZE);
        long previousEnd = 0;
        for (int i = 0; i < chunks.size(); i++) {
            Piece c = chunks.get(i);
            if (c.offset() % chunkSize != 0) {
                throw Errors.invalidArgument("Chunk " + i + " at offset " + c.offset()
                        + " is not aligned to the base version's chunk size " + chunkSize + ".", "offset",
                        String.valueOf(c.offset()));
            }
            expect(i == 0 || c.offset() >= previousEnd, "chunk " + i + " is out of order or repeats an offset");
            long end = c.offset() + c.length();
            expect(end <= size, "chunk " + i + " ends past the new size " + size);
            expect(c.length() == chunkSize || (c.length() < chunkSize && end == size),
                    "chunk " + i + " has " + c.length() + " bytes: only the chunk ending the object may be shorter than "
                            + chunkSize);
            previousEnd = end;
        }
    }

    private static void expect(boolean ok, String problem) {
        if (!ok) {
            throw malformed(problem);
        }
    }

    private static S3Exception malformed(String problem) {
        return new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "The commit descriptor is malformed: " + problem + ".");
    }
}
