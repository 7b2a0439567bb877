package io.imagegate.gateway.ops;

import io.imagegate.gateway.GatewayConfig;
import io.imagegate.gateway.ManagementEndpoints;
import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.gateway.api.S3Request;
import io.imagegate.gateway.http.Call;
import io.imagegate.gateway.http.Principal;
import io.imagegate.gateway.http.XmlDocument;
import io.imagegate.gateway.http.XmlWriter;
import io.imagegate.meta.AccessControlList;
import io.imagegate.meta.BucketRecord;
import io.imagegate.meta.CanonicalIds;
import io.imagegate.meta.MetadataException;
import io.imagegate.meta.Versioning;
import java.io.IOException;
import java.util.List;
import java.util.regex.Pattern;

/** Bucket operations: create, head, delete, list, location, versioning, ACLs. */
public final class Buckets {

    /** The header with which CreateBucket chooses a chunk size other than the gateway's default. */
    public static final String CHUNK_SIZE_HEADER = "x-imagegate-chunk-size";

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final Pattern IP_ADDRESS = Pattern.compile("\\d+\\.\\d+\\.\\d+\\.\\d+");
    /** The shape of an AWS region code (us-east-1, ap-southeast-4, us-gov-west-1, eusc-de-east-1). */
    private static final Pattern AWS_REGION = Pattern.compile("[a-z]{2,4}(-[a-z]+)+-[0-9]+");

    /** The region where S3 keeps its legacy answers (CreateBucket of one's own bucket: 200). */
    private static final String LEGACY_REGION = "us-east-1";

    private final Stores stores;

    public Buckets(Stores stores) {
        this.stores = stores;
    }

    /** The bucket, or NoSuchBucket. */
    public BucketRecord require(String name) {
        return stores.meta().bucket(name).orElseThrow(() -> Errors.noSuchBucket(name));
    }

    /**
     * The caller's buckets by name. Unpaged, all of them; paged (any of max-buckets,
     * continuation-token, prefix, bucket-region sent), at most max-buckets (10000 by default) with
     * a ContinuationToken when more remain, the Prefix echoed when sent, and each bucket's
     * BucketRegion, as S3 answers. bucket-region must name this gateway's region: S3 answers other
     * regions only at their own endpoints.
     */
    public void listBuckets(Call call, S3Request.ListBuckets op) {
        Principal p = call.principal();
        AccessControl.requireAuthenticated(p);
        S3Request.ListBucketsParams params = op.params();
        checkBucketRegion(params.bucketRegion());
        String after = params.continuationToken() == null || params.continuationToken().isEmpty() ? null
                : decodeBucketToken(params.continuationToken());
        String prefix = params.prefix() == null ? "" : params.prefix();
        int max = params.maxBuckets() == null ? Integer.MAX_VALUE : params.maxBuckets();
        List<BucketRecord> page = new java.util.ArrayList<>();
        boolean truncated = false;
        for (BucketRecord b : stores.meta().buckets()) { // sorted by name
            if (!AccessControl.ownsBucket(p, b) || !b.name().startsWith(prefix)
                    || (after != null && b.name().compareTo(after) <= 0)) {
                continue;
            }
            if (page.size() == max) {
                truncated = true;
                break;
            }
            page.add(b);
        }
        XmlWriter x = XmlWriter.s3("ListAllMyBucketsResult");
        new Owners(stores.meta()).write(x, "Owner", p.id());
        x.start("Buckets");
        for (BucketRecord b : page) {
            x.start("Bucket").element("Name", b.name()).element("CreationDate", b.created());
            if (params.paged()) {
                x.element("BucketRegion", b.region());
            }
            x.end();
        }
        x.end();
        if (params.prefix() != null) {
            x.element("Prefix", params.prefix());
        }
        if (truncated) {
            x.element("ContinuationToken", encodeBucketToken(page.get(page.size() - 1).name()));
        }
        call.respondXml(200, x);
    }

    private void checkBucketRegion(String requested) {
        if (requested == null || requested.equalsIgnoreCase(stores.config().region())) {
            return;
        }
        String message = AWS_REGION.matcher(requested).matches()
                ? "Requests with bucket-region specified must be made to the corresponding regional endpoint"
                : "Argument value " + requested + " is not a valid AWS Region";
        throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, message).detail("ArgumentName", "bucket-region");
    }

    /** ListBuckets' continuation tokens: the last name of the page, base64url, opaque to clients. */
    static String encodeBucketToken(String lastName) {
        return java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString(("b:" + lastName).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    static String decodeBucketToken(String token) {
        try {
            String s = new String(java.util.Base64.getUrlDecoder().decode(token), java.nio.charset.StandardCharsets.UTF_8);
            if (s.startsWith("b:")) {
                return s.substring(2);
            }
        } catch (IllegalArgumentException e) {
            // fall through
        }
        throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "The continuation token provided is incorrect")
                .detail("ArgumentName", "continuation-token");
    }

    public void create(Call call, S3Request.CreateBucket op) throws IOException {
        Principal p = call.principal();
        AccessControl.requireAuthenticated(p);
        checkName(op.bucket());
        AccessControlList acl = Acls.fromHeaders(call, stores.meta()).forBucket();
        int chunkSize = chunkSize(call);
        checkLocation(call);
        BucketRecord record = new BucketRecord(op.bucket(), p.id(), stores.clock().instant(), null,
                Versioning.UNVERSIONED, chunkSize, stores.config().region()).withAcl(acl);
        for (int attempt = 1; ; attempt++) {
            try {
                stores.meta().createBucket(record);
                break;
            } catch (MetadataException.BucketAlreadyExists e) {
                boolean mine = p.id().equals(CanonicalIds.ofOwner(e.owner()));
                if (!mine) {
                    throw new S3Exception(S3ErrorCode.BUCKET_ALREADY_EXISTS).detail("BucketName", op.bucket());
                }
                if (!LEGACY_REGION.equals(stores.config().region()) || attempt == 3) {
                    throw new S3Exception(S3ErrorCode.BUCKET_ALREADY_OWNED_BY_YOU).detail("BucketName", op.bucket());
                }
                // us-east-1's legacy rule: creating a bucket one owns again succeeds and resets its ACL
                // (to the one asked for, private by default); its objects, versioning and chunk size stay.
                // Only on the bucket found to be the caller's: one created since by another owner is not
                try {
                    stores.meta().updateBucket(new BucketRecord(op.bucket(), e.owner(), record.created(), null,
                            null, record.chunkSize(), record.region(), e.incarnation()).withAcl(acl));
                    break;
                } catch (MetadataException.NoSuchBucket gone) {
                    // deleted meanwhile: create it afresh
                }
            }
        }
        call.respondHeader("Location", "/" + op.bucket());
        call.respond(200);
    }

    public void head(Call call, BucketRecord bucket) {
        call.respondHeader("x-amz-bucket-region", bucket.region());
        call.respond(200);
    }

    public void delete(Call call, BucketRecord bucket) {
        stores.meta().deleteBucket(bucket); // the bucket authorized, not one created under its name since
        call.respond(204);
    }

    public void location(Call call, BucketRecord bucket) {
        // S3 answers an empty constraint for us-east-1, the region buckets get when none is given
        String region = "us-east-1".equals(bucket.region()) ? "" : bucket.region();
        call.respondXml(200, XmlWriter.s3("LocationConstraint").text(region));
    }

    public void getVersioning(Call call, BucketRecord bucket) {
        call.respondXml(200, VersioningXml.write(bucket.versioning()));
    }

    public void putVersioning(Call call, BucketRecord bucket) throws IOException {
        // no Status leaves the bucket as it is; even a bucket that never had versioning reports
        // Suspended after a Suspended, as in S3
        Versioning next = VersioningXml.parse(call.smallBody(64 * 1024)).orElse(bucket.versioning());
        if (next != bucket.versioning()) {
            stores.meta().updateBucket(bucket.withAcl((AccessControlList) null).withVersioning(next)); // the ACL as it is now
        }
        call.respond(200);
    }

    private int chunkSize(Call call) {
        String v = call.header(CHUNK_SIZE_HEADER);
        if (v == null) {
            return stores.config().defaultChunkSize();
        }
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= GatewayConfig.MIN_CHUNK_SIZE && n <= GatewayConfig.MAX_CHUNK_SIZE && Integer.bitCount(n) == 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw Errors.invalidArgument("The chunk size must be a power of two from 4096 to 4194304 bytes.",
                CHUNK_SIZE_HEADER, v);
    }

    private void checkLocation(Call call) throws IOException {
        byte[] body = call.smallBody(64 * 1024);
        if (body.length == 0) {
            return;
        }
        XmlDocument doc = XmlDocument.parse(body);
        if (!doc.rootName().equals("CreateBucketConfiguration")) {
            throw new S3Exception(S3ErrorCode.MALFORMED_XML);
        }
        String location = XmlDocument.childText(doc.root(), "LocationConstraint").orElse("");
        String region = stores.config().region();
        boolean matches = location.equals(region) || (location.isEmpty() && region.equals("us-east-1"));
        if (!matches) {
            throw new S3Exception(S3ErrorCode.INVALID_LOCATION_CONSTRAINT,
                    "The " + (location.isEmpty() ? "unspecified" : location)
                            + " location constraint is incompatible for the region specific endpoint this request was sent to.")
                    .detail("LocationConstraint", location);
        }
    }

    /** S3's bucket naming rules for new buckets. */
    static void checkName(String name) {
        boolean valid = NAME.matcher(name).matches()
                && !name.contains("..") && !name.contains(".-") && !name.contains("-.")
                && !IP_ADDRESS.matcher(name).matches()
                && !name.startsWith("xn--") && !name.startsWith("sthree-") && !name.startsWith("amzn-s3-demo-")
                && !name.endsWith("-s3alias") && !name.endsWith("--ol-s3") && !name.endsWith(".mrap")
                && !name.endsWith("--x-s3") && !name.endsWith("--table-s3");
        if (!valid) {
            throw new S3Exception(S3ErrorCode.INVALID_BUCKET_NAME).detail("BucketName", name);
        }
        if (ManagementEndpoints.RESERVED_BUCKETS.contains(name)) {
            throw new S3Exception(S3ErrorCode.INVALID_BUCKET_NAME, "The bucket name " + name
                    + " is reserved by imagegate for its /health and /metrics endpoints.").detail("BucketName", name);
        }
    }
}
