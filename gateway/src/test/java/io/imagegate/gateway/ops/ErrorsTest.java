package io.imagegate.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.meta.MetadataException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each refusal of the metadata store is the S3 error AWS gives, naming what the refusal carries. */
class ErrorsTest {

    private static void assertError(S3ErrorCode code, Map<String, String> details, MetadataException e) {
        S3Exception s3 = Errors.toS3(e, "PUT");
        assertEquals(code, s3.code(), e.toString());
        details.forEach((k, v) -> assertEquals(v, s3.details().get(k), k + " of " + e));
    }

    @Test
    void refusalsOfRequestsAreClientErrorsNamingWhatWasWrong() {
        assertError(S3ErrorCode.INVALID_ARGUMENT, Map.of("ArgumentName", "versionId", "ArgumentValue", "bad"),
                new MetadataException.InvalidVersionId("versionId", "bad"));
        assertError(S3ErrorCode.INVALID_ARGUMENT, Map.of("ArgumentName", "version-id-marker", "ArgumentValue", "x"),
                new MetadataException.InvalidVersionId("version-id-marker", "x"));
        assertError(S3ErrorCode.INVALID_ARGUMENT, Map.of("ArgumentName", "partNumber", "ArgumentValue", "0"),
                new MetadataException.InvalidArgument("Part number must be ...", "partNumber", "0"));
        assertError(S3ErrorCode.KEY_TOO_LONG, Map.of(), new MetadataException.InvalidKey("too long", true));
        assertError(S3ErrorCode.INVALID_ARGUMENT, Map.of(), new MetadataException.InvalidKey("an object key must be valid UTF-8", false));
        S3Exception tooLarge = Errors.toS3(new MetadataException.RecordTooLarge("lifecycle configuration", 600_000,
                524_288), "PUT");
        assertEquals(S3ErrorCode.INVALID_REQUEST, tooLarge.code());
        assertTrue(tooLarge.getMessage().contains("lifecycle configuration"), tooLarge.getMessage());
        S3Exception marker = Errors.toS3(new MetadataException.IsDeleteMarker("k", "V1"), "PUT");
        assertEquals(S3ErrorCode.METHOD_NOT_ALLOWED, marker.code());
        assertEquals("PUT", marker.details().get("Method"));
        assertEquals("DeleteMarker", marker.details().get("ResourceType"));
        assertEquals("DELETE", marker.headers().get("Allow"));
    }

    @Test
    void missingThingsNameThemselves() {
        assertError(S3ErrorCode.NO_SUCH_BUCKET, Map.of("BucketName", "b"), new MetadataException.NoSuchBucket("b"));
        assertError(S3ErrorCode.NO_SUCH_KEY, Map.of("Key", "k"), new MetadataException.NoSuchKey("b", "k"));
        assertError(S3ErrorCode.NO_SUCH_VERSION, Map.of("Key", "k", "VersionId", "V1"),
                new MetadataException.NoSuchVersion("k", "V1"));
        assertError(S3ErrorCode.NO_SUCH_UPLOAD, Map.of("UploadId", "u"), new MetadataException.NoSuchUpload("u"));
        assertError(S3ErrorCode.BUCKET_NOT_EMPTY, Map.of("BucketName", "b"), new MetadataException.BucketNotEmpty("b"));
    }

    @Test
    void failuresOfTheStoreSayWhetherAnythingChanged() {
        S3Exception unavailable = Errors.toS3(new MetadataException.Unavailable("down", null), "POST");
        assertEquals(S3ErrorCode.SERVICE_UNAVAILABLE, unavailable.code());
        assertTrue(unavailable.getMessage().contains("nothing was changed"), unavailable.getMessage());
        assertEquals("1", unavailable.headers().get("Retry-After"));
        S3Exception unknown = Errors.toS3(new MetadataException.OutcomeUnknown("lost", null), "POST");
        assertEquals(S3ErrorCode.INTERNAL_ERROR, unknown.code());
        assertTrue(unknown.getMessage().contains("may or may not have been applied"), unknown.getMessage());
    }
}
