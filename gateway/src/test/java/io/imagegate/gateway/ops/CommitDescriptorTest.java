package io.imagegate.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.gateway.http.MemoryBudget;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The {@code ?commit} descriptor parser on bodies that once escaped its S3 errors. */
class CommitDescriptorTest {

    /**
     * Jackson picks a descriptor's encoding from its first four bytes: {@code 00 00 00 7B} reads as
     * UTF-32BE "{", and the next four bytes, {@code 00 11 00 00}, are no Unicode character
     * (0x110000 is past 0x10FFFF). Jackson then throws {@code CharConversionException}, an
     * IOException, which the commit took for a broken connection: the client got no S3 answer
     * (found by CommitDescriptorFuzzTest, fixed in 3868a9f). Now it is a malformed descriptor,
     * 400 InvalidArgument, like any other body that is not JSON.
     */
    @Test
    void aBodyJacksonTakesForUtf32AndCannotDecodeIsInvalidArgument() {
        byte[] body = {0x00, 0x00, 0x00, 0x7B, 0x00, 0x11, 0x00, 0x00};
        S3Exception e = assertThrows(S3Exception.class, () -> read(body, body.length));
        assertEquals(S3ErrorCode.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().startsWith("The commit descriptor is malformed: not valid JSON"), e.getMessage());
    }

    /**
     * A UTF-32 body the client stops sending inside a character ({@code 00 00} of the second one,
     * 8 bytes declared): also a CharConversionException, and the body ended inside the descriptor.
     */
    @Test
    void aUtf32BodyCutInsideACharacterIsIncompleteBody() {
        byte[] body = {0x00, 0x00, 0x00, 0x7B, 0x00, 0x00};
        S3Exception e = assertThrows(S3Exception.class, () -> read(body, 8));
        assertEquals(S3ErrorCode.INCOMPLETE_BODY, e.code());
    }

    /** A well-formed descriptor in UTF-32BE, which JSON allows, still reads (the fix refuses only what cannot decode). */
    @Test
    void aWellFormedUtf32DescriptorStillReads() throws IOException {
        byte[] body = "{\"size\":0,\"chunks\":[]}".getBytes(java.nio.charset.Charset.forName("UTF-32BE"));
        assertEquals(0, read(body, body.length).size());
    }

    private static CommitDescriptor read(byte[] body, int declared) throws IOException {
        MemoryBudget budget = new MemoryBudget(1 << 20);
        try (MemoryBudget.Reservation memory = budget.open()) {
            return CommitDescriptor.read(new ByteArrayInputStream(body), declared, 4096, Long.MAX_VALUE, memory);
        }
    }
}
