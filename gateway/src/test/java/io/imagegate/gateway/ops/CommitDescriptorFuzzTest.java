package io.imagegate.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.gateway.http.MemoryBudget;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.EnumSet;
import java.util.Set;

/**
 * Fuzzes the {@code ?commit} descriptor parser (docs/API.md): any body answers a descriptor or
 * one of the S3 errors it documents (InvalidArgument, IncompleteBody, SlowDown); never another
 * exception. What it accepts holds with checked arithmetic: chunks on the grid, in order, not
 * overlapping, no end past the size or 5 TiB, the upload total what the body can carry; and the
 * memory it took from the budget is what it holds, within the budget.
 */
class CommitDescriptorFuzzTest {

    private static final int[] CHUNK_SIZES = {4096, 65536, 4 << 20};
    private static final Set<S3ErrorCode> DOCUMENTED = EnumSet.of(S3ErrorCode.INVALID_ARGUMENT,
            S3ErrorCode.INCOMPLETE_BODY, S3ErrorCode.SLOW_DOWN);

    @FuzzTest
    void descriptorsParseCheckedOrAreRefused(FuzzedDataProvider data) throws IOException {
        int chunkSize = data.pickValue(CHUNK_SIZES);
        long maxUpload = data.consumeBoolean() ? Long.MAX_VALUE : data.consumeLong(0, 1L << 40);
        long budgetBytes = data.consumeBoolean() ? 1L << 20 : data.consumeLong(1, 1L << 16);
        boolean shortBody = data.consumeBoolean();
        byte[] json = data.consumeRemainingAsBytes();
        int declared = shortBody ? json.length + 1 : json.length;
        MemoryBudget budget = new MemoryBudget(budgetBytes);
        CommitDescriptor d;
        try (MemoryBudget.Reservation memory = budget.open()) {
            try {
                d = CommitDescriptor.read(new ByteArrayInputStream(json), declared, chunkSize, maxUpload, memory);
            } catch (S3Exception e) {
                assertTrue(DOCUMENTED.contains(e.code()), () -> "undocumented error " + e.code() + ": " + e.getMessage());
                assertTrue(budget.held() <= budget.limit());
                return;
            }
            assertTrue(budget.held() <= budget.limit(), "the budget is never exceeded");
            assertTrue(memory.bytes() >= (long) d.count() * CommitDescriptor.BYTES_PER_CHUNK,
                    "every listed chunk's memory came from the budget");
            checkAccepted(d, chunkSize, maxUpload);
        }
        assertEquals(0, budget.held(), "closing the reservation gives everything back");
    }

    private static void checkAccepted(CommitDescriptor d, int chunkSize, long maxUpload) {
        assertTrue(d.size() >= 0 && d.size() <= CommitDescriptor.MAX_SIZE);
        long previousEnd = 0;
        long upload = 0;
        for (int i = 0; i < d.count(); i++) {
            long offset = d.offset(i);
            int length = d.length(i);
            assertTrue(length > 0 && length <= chunkSize);
            assertEquals(0, offset % chunkSize, "chunks sit on the base's grid");
            assertTrue(offset >= previousEnd, "chunks are in order and do not overlap");
            long end = Math.addExact(offset, length);
            assertTrue(end <= d.size(), "no chunk ends past the size");
            assertTrue(i == d.count() - 1 || length == chunkSize, "only the last chunk is short");
            if (d.upload(i)) {
                upload = Math.addExact(upload, length);
            }
            d.hash(i);
            previousEnd = end;
        }
        assertEquals(upload, d.uploadBytes());
        assertTrue(upload <= maxUpload, "the chunks to upload fit in the rest of the body");
    }
}
