package io.imagegate.gateway.ops;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.gateway.http.Call;
import io.imagegate.gateway.policy.MalformedPolicyException;
import io.imagegate.gateway.policy.PolicyLookup;
import io.imagegate.gateway.policy.PolicyParser;
import io.imagegate.meta.BucketRecord;
import io.imagegate.meta.MetadataException;
import io.imagegate.meta.PolicyDocument;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * PutBucketPolicy, GetBucketPolicy and DeleteBucketPolicy ({@code ?policy}). A policy is checked
 * as AWS checks it ({@link PolicyParser}: 400 MalformedPolicy with AWS's message) and stored as the
 * client sent it, with the users its ARNs name resolved to canonical ids; GetBucketPolicy gives the
 * same bytes back. Who may call them: {@link AccessControl} (the owner and administrators).
 */
public final class BucketPolicies {

    /**
     * Bodies above this are refused before parsing. AWS's limit (20 KB) is on the document without
     * whitespace, which the parser measures; this bounds what whitespace may add.
     */
    static final int MAX_BODY = 256 * 1024;

    private final Stores stores;

    public BucketPolicies(Stores stores) {
        this.stores = stores;
    }

    public void put(Call call, BucketRecord bucket) throws IOException {
        byte[] body = body(call);
        RequiredIntegrity.verifyPresent(call, body);
        PolicyParser.Parsed parsed;
        try {
            parsed = PolicyParser.bucketPolicy(body, bucket.name(), PolicyLookup.storeUsers(stores.meta()));
        } catch (MalformedPolicyException e) {
            throw new S3Exception(S3ErrorCode.MALFORMED_POLICY, e.getMessage());
        }
        try {
            stores.meta().putBucketPolicy(bucket,
                    new PolicyDocument(new String(body, StandardCharsets.UTF_8), parsed.users()));
        } catch (MetadataException.RecordTooLarge tooLarge) {
            throw new S3Exception(S3ErrorCode.MALFORMED_POLICY, "Policy exceeds the maximum allowed document size.");
        }
        call.respond(204);
    }

    public void get(Call call, BucketRecord bucket) {
        PolicyDocument policy = stores.meta().bucketPolicy(bucket.name())
                .orElseThrow(() -> new S3Exception(S3ErrorCode.NO_SUCH_BUCKET_POLICY).detail("BucketName", bucket.name()));
        call.respondBytes(200, "application/json", policy.text().getBytes(StandardCharsets.UTF_8));
    }

    public void delete(Call call, BucketRecord bucket) {
        stores.meta().deleteBucketPolicy(bucket);
        call.respond(204);
    }

    /** The body, read whole up to {@link #MAX_BODY}, its bytes (and their parse) taken from the memory budget. */
    private static byte[] body(Call call) throws IOException {
        InputStream in = call.body();
        byte[] data = in.readNBytes(MAX_BODY + 1);
        if (data.length > MAX_BODY) {
            throw new S3Exception(S3ErrorCode.MALFORMED_POLICY, "Policy exceeds the maximum allowed document size.");
        }
        call.memory().grow((long) data.length * 8);
        return data;
    }
}
