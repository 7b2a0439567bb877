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
import io.imagegate.meta.BucketRecord;
import io.imagegate.meta.CannedAcl;
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

    private final Stores stores;

    public Buckets(Stores stores) {
        this.stores = stores;
    }

    /** The bucket, or NoSuchBucket. */
    public BucketRecord require(String name) {
        return stores.meta().bucket(name).orElseThrow(() -> Errors.noSuchBucket(name));
    }

    public void listBuckets(Call call) {
        Principal p = call.principal();
        AccessControl.requireAuthenticated(p);
        List<BucketRecord> all = stores.meta().buckets();
        XmlWriter x = XmlWriter.s3("ListAllMyBucketsResult");
        new Owners(stores.meta()).write(x, "Owner", p.id());
        x.start("Buckets");
        for (BucketRecord b : all) {
            if (AccessControl.ownsBucket(p, b)) {
                x.start("Bucket").element("Name", b.name()).element("CreationDate", b.created())
                        .element("BucketRegion", b.region()).end();
            }
        }
        x.end();
        call.respondXml(200, x);
    }

    public void create(Call call, S3Request.CreateBucket op) throws IOException {
        Principal p = call.principal();
        AccessControl.requireAuthenticated(p);
        checkName(op.bucket());
        CannedAcl acl = Acls.cannedFromHeader(call).orElse(CannedAcl.PRIVATE);
        int chunkSize = chunkSize(call);
        checkLocation(call);
        BucketRecord record = new BucketRecord(op.bucket(), p.id(), stores.clock().instant(), acl,
                Versioning.UNVERSIONED, chunkSize, stores.config().region());
        try {
            stores.meta().createBucket(record);
        } catch (MetadataException.BucketAlreadyExists e) {
            S3ErrorCode code = p.id().equals(CanonicalIds.ofOwner(e.owner())) ? S3ErrorCode.BUCKET_ALREADY_OWNED_BY_YOU
                    : S3ErrorCode.BUCKET_ALREADY_EXISTS;
            throw new S3Exception(code).detail("BucketName", op.bucket());
        }
        call.respondHeader("Location", "/" + op.bucket());
        call.respond(200);
    }

    public void head(Call call, BucketRecord bucket) {
        call.respondHeader("x-amz-bucket-region", bucket.region());
        call.respond(200);
    }

    public void delete(Call call, BucketRecord bucket) {
        stores.meta().deleteBucket(bucket.name());
        call.respond(204);
    }

    public void location(Call call, BucketRecord bucket) {
        // S3 answers an empty constraint for us-east-1, the region buckets get when none is given
        String region = "us-east-1".equals(bucket.region()) ? "" : bucket.region();
        call.respondXml(200, XmlWriter.s3("LocationConstraint").text(region));
    }

    public void getVersioning(Call call, BucketRecord bucket) {
        XmlWriter x = XmlWriter.s3("VersioningConfiguration");
        switch (bucket.versioning()) {
            case ENABLED -> x.element("Status", "Enabled");
            case SUSPENDED -> x.element("Status", "Suspended");
            case UNVERSIONED -> { }
        }
        call.respondXml(200, x);
    }

    public void putVersioning(Call call, BucketRecord bucket) throws IOException {
        XmlDocument doc = XmlDocument.parse(call.smallBody(64 * 1024));
        if (!doc.rootName().equals("VersioningConfiguration")) {
            throw new S3Exception(S3ErrorCode.MALFORMED_XML);
        }
        String status = XmlDocument.childText(doc.root(), "Status").orElse(null);
        String mfa = XmlDocument.childText(doc.root(), "MfaDelete").orElse(null);
        if (mfa != null && !mfa.equals("Disabled")) {
            throw new S3Exception(S3ErrorCode.NOT_IMPLEMENTED, "MFA Delete is not supported.");
        }
        Versioning next;
        if ("Enabled".equals(status)) {
            next = Versioning.ENABLED;
        } else if ("Suspended".equals(status)) {
            // even a bucket that never had versioning reports Suspended afterwards, as in S3
            next = Versioning.SUSPENDED;
        } else if (status == null) {
            next = bucket.versioning();
        } else {
            throw new S3Exception(S3ErrorCode.ILLEGAL_VERSIONING_CONFIGURATION);
        }
        if (next != bucket.versioning()) {
            stores.meta().updateBucket(bucket.withVersioning(next));
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
