package io.imagegate.gateway.ops;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.gateway.api.S3Request;
import io.imagegate.gateway.http.Call;
import io.imagegate.gateway.http.XmlWriter;
import io.imagegate.meta.AccessControlList;
import io.imagegate.meta.BucketRecord;
import io.imagegate.meta.CannedAcl;
import io.imagegate.meta.CanonicalIds;
import io.imagegate.meta.Grant;
import io.imagegate.meta.MetadataStore;
import io.imagegate.meta.UserRecord;
import io.imagegate.meta.VersionRecord;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * ACLs on buckets and objects: canned ({@code x-amz-acl}) or explicit grants ({@code x-amz-grant-*}
 * headers, an AccessControlPolicy body: {@link AclRequest}), stored as given and read back as the
 * grants S3 lists. A canned ACL is listed as S3 expands it: an object's owner (the user who wrote it)
 * with FULL_CONTROL, {@code bucket-owner-read} and {@code bucket-owner-full-control} adding the bucket's
 * owner (and meaning {@code private} on a bucket); explicit grants are listed exactly as stored.
 */
public final class Acls {

    private static final String XSI = "http://www.w3.org/2001/XMLSchema-instance";

    private final Stores stores;
    private final Owners owners;

    public Acls(Stores stores) {
        this.stores = stores;
        this.owners = new Owners(stores.meta());
    }

    /**
     * The ACL a write that creates a bucket or an object states in its headers (private when it
     * states none): a canned one, or grants. Both at once: 400 InvalidRequest, as S3.
     */
    public static AccessControlList fromHeaders(Call call, MetadataStore meta) {
        Optional<CannedAcl> canned = cannedFromHeader(call);
        List<Grant> grants = AclRequest.fromHeaders(call::header, users(meta));
        if (canned.isPresent() && grants != null) {
            throw new S3Exception(S3ErrorCode.INVALID_REQUEST, "Specifying both Canned ACLs and Header Grants is not allowed");
        }
        return grants != null ? AccessControlList.of(grants) : AccessControlList.of(canned.orElse(CannedAcl.PRIVATE));
    }

    /** The users grants may name: the store's, by canonical id or by e-mail address. */
    private static AclRequest.Users users(MetadataStore meta) {
        return new AclRequest.Users() {
            @Override
            public boolean exists(String canonicalId) {
                return meta.userById(canonicalId).isPresent();
            }

            @Override
            public Optional<String> idByEmail(String email) {
                return meta.userByEmail(email).map(UserRecord::canonicalId);
            }
        };
    }

    /** The canned ACL of {@code x-amz-acl}, if any. */
    private static Optional<CannedAcl> cannedFromHeader(Call call) {
        String v = call.header("x-amz-acl");
        if (v == null) {
            return Optional.empty();
        }
        return Optional.of(CannedAcl.fromHeader(v.trim()).orElseThrow(() -> new S3Exception(S3ErrorCode.INVALID_ARGUMENT)
                .detail("ArgumentName", "x-amz-acl").detail("ArgumentValue", v)));
    }

    public void getBucketAcl(Call call, BucketRecord bucket) {
        String owner = CanonicalIds.ofOwner(bucket.owner());
        call.respondXml(200, policy(owner, owner, bucket.accessControlList()));
    }

    public void putBucketAcl(Call call, BucketRecord bucket) throws IOException {
        AccessControlList acl = requested(call).forBucket();
        // only the ACL: a versioning change read before this one is not undone by it
        stores.meta().updateBucket(bucket.withAcl(acl).withVersioning(null));
        call.respond(200);
    }

    public void getObjectAcl(Call call, BucketRecord bucket, S3Request.GetObjectAcl op) {
        VersionRecord object = AccessControl.requireAcp(call, bucket, op,
                () -> Versions.forRead(stores.meta(), bucket, op.key(), op.versionId(), "GET"));
        call.respondHeader("x-amz-version-id", Versions.headerVersionId(bucket, object));
        call.respondXml(200, policy(AccessControl.objectOwner(bucket, object), CanonicalIds.ofOwner(bucket.owner()),
                object.accessControlList()));
    }

    public void putObjectAcl(Call call, BucketRecord bucket, S3Request.PutObjectAcl op) throws IOException {
        // 404 and 405 as S3 orders them, to those who may list the bucket
        AccessControl.requireAcp(call, bucket, op,
                () -> Versions.forRead(stores.meta(), bucket, op.key(), op.versionId(), "PUT"));
        AccessControlList acl = requested(call);
        // a version that became a delete marker meanwhile is IsDeleteMarker: 405, as for one named by id
        stores.meta().setAcl(bucket, op.key(), op.versionId(), acl);
        call.respond(200);
    }

    /**
     * The ACL a PutBucketAcl or PutObjectAcl request asks for: {@code x-amz-acl}, the
     * {@code x-amz-grant-*} headers or an AccessControlPolicy body, exactly one of them. A body
     * with either header: 400 UnexpectedContent, as S3 answers.
     */
    AccessControlList requested(Call call) throws IOException {
        Optional<CannedAcl> canned = cannedFromHeader(call);
        boolean headerGrants = AclRequest.hasGrantHeaders(call::header);
        if (canned.isPresent() && headerGrants) {
            throw new S3Exception(S3ErrorCode.INVALID_REQUEST, "Specifying both Canned ACLs and Header Grants is not allowed");
        }
        byte[] body = call.smallBody(64 * 1024);
        if (canned.isPresent() || headerGrants) {
            if (body.length > 0) {
                throw new S3Exception(S3ErrorCode.UNEXPECTED_CONTENT);
            }
            return fromHeaders(call, stores.meta());
        }
        if (body.length == 0) {
            throw new S3Exception(S3ErrorCode.MISSING_SECURITY_HEADER,
                    "Your request was missing a required header").detail("MissingHeaderName", "x-amz-acl");
        }
        return AccessControlList.of(AclRequest.fromPolicy(body, users(stores.meta())));
    }

    /**
     * @param owner the canonical id of the resource's owner (the bucket's, or the object's writer)
     * @param bucketOwner the canonical id of the bucket's owner
     */
    private XmlWriter policy(String owner, String bucketOwner, AccessControlList acl) {
        XmlWriter x = XmlWriter.s3("AccessControlPolicy");
        owners.write(x, "Owner", owner);
        x.start("AccessControlList");
        if (acl != null && acl.explicit()) {
            for (Grant g : acl.grants()) {
                if (g.id() != null) {
                    user(x, g.id(), g.permission().name());
                } else {
                    group(x, g.uri(), g.permission().name());
                }
            }
            return x.end();
        }
        user(x, owner, "FULL_CONTROL");
        CannedAcl a = acl == null ? CannedAcl.PRIVATE : acl.canned();
        switch (a) {
            case PRIVATE -> { }
            case BUCKET_OWNER_READ -> {
                if (!bucketOwner.equals(owner)) {
                    user(x, bucketOwner, "READ");
                }
            }
            case BUCKET_OWNER_FULL_CONTROL -> {
                if (!bucketOwner.equals(owner)) {
                    user(x, bucketOwner, "FULL_CONTROL");
                }
            }
            case PUBLIC_READ -> group(x, Grant.ALL_USERS, "READ");
            case PUBLIC_READ_WRITE -> {
                group(x, Grant.ALL_USERS, "READ");
                group(x, Grant.ALL_USERS, "WRITE");
            }
            case AUTHENTICATED_READ -> group(x, Grant.AUTHENTICATED_USERS, "READ");
        }
        return x.end();
    }

    private void user(XmlWriter x, String id, String permission) {
        x.start("Grant").start("Grantee", "xmlns:xsi", XSI, "xsi:type", "CanonicalUser")
                .element("ID", id).element("DisplayName", owners.displayName(id)).end()
                .element("Permission", permission).end();
    }

    private static void group(XmlWriter x, String uri, String permission) {
        x.start("Grant").start("Grantee", "xmlns:xsi", XSI, "xsi:type", "Group").element("URI", uri).end()
                .element("Permission", permission).end();
    }
}
