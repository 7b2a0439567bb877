package io.imagegate.gateway.ops;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.imagegate.chunk.ChunkHash;
import io.imagegate.chunk.ChunkRef;
import io.imagegate.chunk.PackId;
import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.gateway.http.MemoryBudget;
import java.io.CharConversionException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * The JSON head of a commit request (docs/API.md): the new version's size and the chunks it puts
 * at aligned offsets, each with its hash and whether its bytes follow in the body. Parsed from the
 * body as it arrives, never held as text, into flat arrays (69 bytes a chunk) whose memory is taken
 * from the gateway's {@link MemoryBudget} as they grow; checked as it is read, with checked
 * arithmetic (an offset near 2^63 must not wrap), so a malformed descriptor fails at its first bad
 * chunk.
 */
final class CommitDescriptor {

    /** The largest descriptor accepted: some 600,000 chunks. */
    static final int MAX_BYTES = 64 * 1024 * 1024;

    /** S3's largest object. */
    static final long MAX_SIZE = 5L * 1024 * 1024 * 1024 * 1024;

    /** Heap one listed chunk takes: offset, length, hash, upload flag, and a kept chunk's pack and offset. */
    static final int BYTES_PER_CHUNK = 8 + 4 + 32 + 1 + 24;

    /**
     * A descriptor holds numbers, 64-digit hashes and short names; these limits keep an unknown
     * field from making the parser buffer megabytes, or recurse deeply, before it is skipped.
     */
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).maxStringLength(4096)
                    .maxNumberLength(64).maxNameLength(1024).build())
            .disable(StreamReadFeature.AUTO_CLOSE_SOURCE)
            .build();

    private final long size;
    private final int count;
    private final long[] offsets;
    private final int[] lengths;
    private final long[] hashes;
    private final boolean[] upload;
    private final long[] kept;
    private final long uploadBytes;

    private CommitDescriptor(long size, Pieces p) {
        this.size = size;
        this.count = p.count;
        this.offsets = p.offsets;
        this.lengths = p.lengths;
        this.hashes = p.hashes;
        this.upload = p.upload;
        this.kept = p.kept;
        this.uploadBytes = p.uploadBytes;
    }

    long size() {
        return size;
    }

    int count() {
        return count;
    }

    long offset(int i) {
        return offsets[i];
    }

    int length(int i) {
        return lengths[i];
    }

    boolean upload(int i) {
        return upload[i];
    }

    ChunkHash hash(int i) {
        return new ChunkHash(hashes[4 * i], hashes[4 * i + 1], hashes[4 * i + 2], hashes[4 * i + 3]);
    }

    /** Bytes of chunk data the body carries after the descriptor. */
    long uploadBytes() {
        return uploadBytes;
    }

    /** Records where a chunk marked {@code upload: false} is already stored. */
    void keep(int i, ChunkRef ref) {
        kept[3 * i] = ref.pack().msb();
        kept[3 * i + 1] = ref.pack().lsb();
        kept[3 * i + 2] = ref.offset();
    }

    /** The reference {@link #keep} recorded for chunk {@code i}. */
    ChunkRef kept(int i) {
        return new ChunkRef(hash(i), new PackId(kept[3 * i], kept[3 * i + 1]), kept[3 * i + 2], lengths[i]);
    }

    /**
     * Reads exactly {@code length} bytes of descriptor from {@code in}.
     *
     * @param chunkSize      the base's chunk grid
     * @param maxUploadBytes chunk data the rest of the body can carry (Long.MAX_VALUE when unknown)
     * @param memory         where the arrays' memory is taken from
     * @throws S3Exception InvalidArgument for a malformed descriptor, IncompleteBody when the body ends
     *         inside it or is shorter than its chunks, SlowDown when the budget is spent
     * @throws IOException when the body cannot be read (a client error, as the body stream reports it)
     */
    static CommitDescriptor read(InputStream in, int length, int chunkSize, long maxUploadBytes,
            MemoryBudget.Reservation memory) throws IOException {
        Exactly body = new Exactly(in, length);
        Long size = null;
        Pieces pieces = new Pieces(chunkSize, maxUploadBytes, memory);
        try (JsonParser p = JSON.createParser(body)) {
            expect(p.nextToken() == JsonToken.START_OBJECT, "the descriptor is not a JSON object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "size" -> size = integer(p, value, "size");
                    case "chunks" -> pieces.read(p, value);
                    default -> p.skipChildren(); // later formats may add fields
                }
            }
            expect(p.currentToken() == JsonToken.END_OBJECT && p.nextToken() == null, "trailing content");
        } catch (JsonProcessingException e) {
            if (body.endedEarly) {
                throw new S3Exception(S3ErrorCode.INCOMPLETE_BODY, "The body ended inside the descriptor.");
            }
            throw malformed("not valid JSON (" + e.getOriginalMessage() + ")");
        } catch (CharConversionException e) {
            // bytes Jackson took for UTF-32 (by the first four) that do not decode: the client's
            // error, not the connection's (an IOException here would not be answered as S3 answers)
            if (body.endedEarly) {
                throw new S3Exception(S3ErrorCode.INCOMPLETE_BODY, "The body ended inside the descriptor.");
            }
            throw malformed("not valid JSON (" + e.getMessage() + ")");
        }
        if (body.endedEarly) {
            throw new S3Exception(S3ErrorCode.INCOMPLETE_BODY, "The body ended inside the descriptor.");
        }
        expect(size != null, "size is missing");
        expect(size <= MAX_SIZE, "size exceeds " + MAX_SIZE);
        pieces.finish(size);
        return new CommitDescriptor(size, pieces);
    }

    /** The chunks as they are read, checked one by one against the grid and the one before. */
    private static final class Pieces {
        private final int chunkSize;
        private final long maxUploadBytes;
        private final MemoryBudget.Reservation memory;
        private int count;
        private long[] offsets = new long[0];
        private int[] lengths = new int[0];
        private long[] hashes = new long[0];
        private boolean[] upload = new boolean[0];
        private long[] kept = new long[0];
        private long uploadBytes;
        private long previousEnd;

        Pieces(int chunkSize, long maxUploadBytes, MemoryBudget.Reservation memory) {
            this.chunkSize = chunkSize;
            this.maxUploadBytes = maxUploadBytes;
            this.memory = memory;
        }

        void read(JsonParser p, JsonToken start) throws IOException {
            expect(start == JsonToken.START_ARRAY, "chunks is not an array");
            expect(count == 0, "chunks is given twice");
            while (p.nextToken() == JsonToken.START_OBJECT) {
                Long offset = null;
                Long length = null;
                String hash = null;
                boolean up = false;
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
                            expect(value == JsonToken.VALUE_TRUE || value == JsonToken.VALUE_FALSE,
                                    "upload is not a boolean");
                            up = value == JsonToken.VALUE_TRUE;
                        }
                        default -> p.skipChildren();
                    }
                }
                expect(offset != null && length != null && hash != null,
                        "chunk " + count + " lacks its offset, length or hash");
                add(offset, length, hash(hash, count), up);
            }
            expect(p.currentToken() == JsonToken.END_ARRAY, "chunks holds something other than objects");
        }

        private void add(long offset, long length, ChunkHash hash, boolean up) {
            int i = count;
            expect(length > 0 && length <= chunkSize, "chunk " + i + " has length " + length + "; chunks have 1 to "
                    + chunkSize + " bytes");
            if (offset % chunkSize != 0) {
                throw Errors.invalidArgument("Chunk " + i + " at offset " + offset
                        + " is not aligned to the base version's chunk size " + chunkSize + ".", "offset",
                        String.valueOf(offset));
            }
            expect(offset <= MAX_SIZE - length, "chunk " + i + " ends past the largest size, " + MAX_SIZE);
            expect(i == 0 || offset >= previousEnd, "chunk " + i + " is out of order or repeats an offset");
            expect(i == 0 || lengths[i - 1] == chunkSize, "chunk " + (i - 1) + " has " + (i == 0 ? 0 : lengths[i - 1])
                    + " bytes: only the chunk ending the object may be shorter than " + chunkSize);
            if (up) {
                uploadBytes += length; // at most 2^22 a chunk, fewer than 2^31 chunks: no overflow
                if (uploadBytes > maxUploadBytes) {
                    throw new S3Exception(S3ErrorCode.INCOMPLETE_BODY, "The body is shorter than the descriptor says: "
                            + "its chunks need more than the " + maxUploadBytes + " bytes that follow it.");
                }
            }
            if (i == offsets.length) {
                grow();
            }
            offsets[i] = offset;
            lengths[i] = (int) length;
            hashes[4 * i] = hash.h0();
            hashes[4 * i + 1] = hash.h1();
            hashes[4 * i + 2] = hash.h2();
            hashes[4 * i + 3] = hash.h3();
            upload[i] = up;
            previousEnd = offset + length;
            count++;
        }

        /** Doubles the arrays, taking the new arrays' memory from the budget first. */
        private void grow() {
            int n = Math.max(64, offsets.length * 2);
            memory.grow((long) (n - offsets.length) * BYTES_PER_CHUNK);
            offsets = Arrays.copyOf(offsets, n);
            lengths = Arrays.copyOf(lengths, n);
            hashes = Arrays.copyOf(hashes, 4 * n);
            upload = Arrays.copyOf(upload, n);
            kept = Arrays.copyOf(kept, 3 * n);
        }

        void finish(long size) {
            if (count == 0) {
                return;
            }
            expect(previousEnd <= size, "chunk " + (count - 1) + " ends past the new size " + size);
            expect(lengths[count - 1] == chunkSize || previousEnd == size, "chunk " + (count - 1) + " has "
                    + lengths[count - 1] + " bytes: only the chunk ending the object may be shorter than " + chunkSize);
        }
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

    private static void expect(boolean ok, String problem) {
        if (!ok) {
            throw malformed(problem);
        }
    }

    private static S3Exception malformed(String problem) {
        return new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "The commit descriptor is malformed: " + problem + ".");
    }

    /** The descriptor's bytes and no more: the chunk data after it is read by the commit, not the parser. */
    private static final class Exactly extends FilterInputStream {
        private long left;
        boolean endedEarly;

        Exactly(InputStream in, long length) {
            super(in);
            this.left = length;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = in.read();
            if (b < 0) {
                endedEarly = true;
                return -1;
            }
            left--;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n < 0) {
                endedEarly = true;
                return -1;
            }
            left -= n;
            return n;
        }

        @Override
        public void close() {
            // the body goes on after the descriptor
        }
    }
}
