package io.imagegate.gateway.ops;

import io.imagegate.chunk.ManifestRoot;
import io.imagegate.chunk.ObjectWriter;
import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.gateway.api.S3Request;
import io.imagegate.gateway.checksum.ChecksumAlgorithm;
import io.imagegate.gateway.http.Call;
import io.imagegate.gateway.http.XmlWriter;
import io.imagegate.gateway.write.GuardedWrite;
import io.imagegate.gateway.write.Reuse;
import io.imagegate.meta.AccessControlList;
import io.imagegate.meta.BucketRecord;
import io.imagegate.meta.CanonicalIds;
import io.imagegate.meta.ChecksumType;
import io.imagegate.meta.VersionDraft;
import io.imagegate.meta.VersionRecord;
import io.imagegate.meta.WriteCondition;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** PutObject and CopyObject: new versions from a body, or from another version's manifest. */
public final class ObjectWrites {

    private static final List<String> UNSUPPORTED_HEADERS = List.of(
            "x-amz-server-side-encryption", "x-amz-server-side-encryption-customer-algorithm",
            "x-amz-server-side-encryption-aws-kms-key-id", "x-amz-object-lock-mode",
            "x-amz-object-lock-retain-until-date", "x-amz-object-lock-legal-hold", "x-amz-tagging",
            "x-amz-website-redirect-location");

    private final Stores stores;

    public ObjectWrites(Stores stores) {
        this.stores = stores;
    }

    public void put(Call call, S3Request.PutObject op, BucketRecord bucket) throws IOException {
        checkSupported(call);
        WriteCondition condition = writeCondition(call);
        Map<String, String> headers = ObjectHeaders.contentHeaders(call);
        Map<String, String> userMetadata = ObjectHeaders.userMetadata(call);
        AccessControlList acl = Acls.fromHeaders(call, stores.meta());
        BodyIngest.Plan plan = BodyIngest.Plan.of(call, ChecksumAlgorithm.CRC64NVME);

        BodyIngest.Result body;
        VersionRecord published;
        // deduplicated against the key's current version, while it stays live under the write's pin
        try (GuardedWrite w = stores.writes().open(bucket, Reuse.currentOf(op.key()))) {
            ObjectWriter writer = w.newWriter(bucket.chunkSize());
            body = BodyIngest.ingest(call, writer, plan, stores.config().maxPutSize());
            ManifestRoot root = writer.finish();
            published = w.publish(VersionDraft.builder(op.key()).owner(ownerOf(call, bucket))
                    .bytes(body.size(), body.etag(), root.encode()).metadata(headers, userMetadata)
                    .checksums(body.checksums(), ChecksumType.FULL_OBJECT).acl(acl).build(), condition);
        }

        call.respondHeader("ETag", "\"" + published.etag() + "\"");
        call.respondHeader("x-amz-version-id", Versions.writtenVersionId(published));
        ExpirationHeader.write(call, stores, bucket, published);
        call.respondHeader(body.algorithm().headerName(), body.checksumBase64());
        call.respondHeader("x-amz-checksum-type", "FULL_OBJECT");
        call.respond(200);
    }

    public void copy(Call call, S3Request.CopyObject op, BucketRecord bucket) {
        checkSupported(call);
        WriteCondition condition = writeCondition(call);
        CopySourceResolver.Source src = new CopySourceResolver(stores).resolve(call, op.source());
        VersionRecord from = src.version();

        String directive = Optional.ofNullable(call.header("x-amz-metadata-directive")).orElse("COPY").trim();
        if (!directive.equals("COPY") && !directive.equals("REPLACE")) {
            throw Errors.invalidArgument("Unknown metadata directive.", "x-amz-metadata-directive", directive);
        }
        boolean replace = directive.equals("REPLACE");
        boolean sameObject = src.bucket().name().equals(bucket.name()) && op.source().key().equals(op.key());
        if (sameObject && !replace && (op.source().versionId() == null || isCurrent(bucket, op.key(), from))) {
            throw new S3Exception(S3ErrorCode.INVALID_REQUEST, "This copy request is illegal because it is trying to "
                    + "copy an object to itself without changing the object's metadata, storage class, website "
                    + "redirect location or encryption attributes.");
        }
        Map<String, String> headers = replace ? ObjectHeaders.contentHeaders(call) : from.headers();
        Map<String, String> userMetadata = replace ? ObjectHeaders.userMetadata(call) : from.userMetadata();
        AccessControlList acl = Acls.fromHeaders(call, stores.meta());

        // the copy shares the source's manifest: no chunk is read or written, whatever the size
        VersionRecord published;
        try (GuardedWrite w = stores.writes().open(bucket, source(src))) {
            published = w.publish(VersionDraft.builder(op.key()).owner(ownerOf(call, bucket))
                    .bytes(from.size(), from.etag(), from.manifest()).partCount(from.partCount())
                    .metadata(headers, userMetadata).checksums(from.checksums(), from.checksumType()).acl(acl)
                    .build(), condition);
        }

        call.respondHeader("x-amz-version-id", Versions.writtenVersionId(published));
        ExpirationHeader.write(call, stores, bucket, published);
        call.respondHeader("x-amz-copy-source-version-id", Versions.headerVersionId(src.bucket(), from));
        XmlWriter x = XmlWriter.s3("CopyObjectResult")
                .element("ETag", "\"" + published.etag() + "\"")
                .element("LastModified", published.lastModified());
        for (Map.Entry<String, String> c : published.checksums().entrySet()) {
            x.element("Checksum" + c.getKey(), c.getValue());
        }
        call.respondXml(200, x);
    }

    /**
     * What a copy reuses: the copy source, NoSuchKey when it was deleted between being read and being
     * pinned (a lost race).
     */
    static Reuse source(CopySourceResolver.Source src) {
        return Reuse.source(src.bucket(), src.version(), () -> Errors.noSuchKey(src.version().key()));
    }

    private boolean isCurrent(BucketRecord bucket, String key, VersionRecord v) {
        return stores.meta().current(bucket.name(), key).map(c -> c.versionId().equals(v.versionId())).orElse(false);
    }

    /** If-None-Match: * and If-Match on a write, as S3's conditional writes. */
    static WriteCondition writeCondition(Call call) {
        String ifNoneMatch = call.header("If-None-Match");
        String ifMatch = call.header("If-Match");
        if (ifNoneMatch != null && ifMatch != null) {
            throw new S3Exception(S3ErrorCode.NOT_IMPLEMENTED,
                    "Conditional writes with both If-Match and If-None-Match are not supported.");
        }
        if (ifNoneMatch != null) {
            if (!ifNoneMatch.trim().equals("*")) {
                throw new S3Exception(S3ErrorCode.NOT_IMPLEMENTED,
                        "A header you provided implies functionality that is not implemented").detail("Header", "If-None-Match");
            }
            return new WriteCondition.IfNoneMatch();
        }
        if (ifMatch != null) {
            return new WriteCondition.IfMatch(Conditionals.unquote(ifMatch));
        }
        return WriteCondition.NONE;
    }

    static void checkSupported(Call call) {
        for (String h : UNSUPPORTED_HEADERS) {
            if (call.hasHeader(h)) {
                throw new S3Exception(S3ErrorCode.NOT_IMPLEMENTED,
                        "A header you provided implies functionality that is not implemented").detail("Header", h);
            }
        }
        String storageClass = call.header("x-amz-storage-class");
        if (storageClass != null && !storageClass.trim().equals("STANDARD")) {
            throw new S3Exception(S3ErrorCode.INVALID_STORAGE_CLASS,
                    "imagegate stores every object in the STANDARD storage class.")
                    .detail("StorageClassRequested", storageClass);
        }
    }

    /** Who owns what a request writes: the caller, by canonical id; the bucket's owner for an anonymous caller. */
    static String ownerOf(Call call, BucketRecord bucket) {
        return call.principal().anonymous() ? CanonicalIds.ofOwner(bucket.owner()) : call.principal().id();
    }
}
