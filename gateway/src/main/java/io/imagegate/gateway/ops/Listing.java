package io.imagegate.gateway.ops;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.gateway.api.S3Request;
import io.imagegate.gateway.api.S3Request.ListParams;
import io.imagegate.gateway.http.Call;
import io.imagegate.gateway.http.UriCodec;
import io.imagegate.gateway.http.XmlWriter;
import io.imagegate.meta.BucketRecord;
import io.imagegate.meta.MetadataStore.ListPage;
import io.imagegate.meta.MetadataStore.ListQuery;
import io.imagegate.meta.MetadataStore.VersionEntry;
import io.imagegate.meta.MetadataStore.VersionListPage;
import io.imagegate.meta.MetadataStore.VersionListQuery;
import io.imagegate.meta.VersionRecord;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** ListObjects (v1), ListObjectsV2 and ListObjectVersions. */
public final class Listing {

    private final Stores stores;
    private final Owners owners;

    public Listing(Stores stores) {
        this.stores = stores;
        this.owners = new Owners(stores.meta());
    }

    public void listObjects(Call call, S3Request.ListObjects op, BucketRecord bucket) {
        ListParams p = op.params();
        String startAfter = p.marker();
        // an empty continuation-token lists from the start (and is echoed), as S3 does
        if (p.v2() && p.continuationToken() != null && !p.continuationToken().isEmpty()) {
            startAfter = decodeToken(p.continuationToken());
        }
        ListPage page = stores.meta().list(bucket.name(),
                new ListQuery(p.prefix(), p.delimiter(), emptyToNull(startAfter), p.maxKeys(), afterFirstWindow(call)));
        boolean enc = p.urlEncoding();
        XmlWriter x = XmlWriter.s3("ListBucketResult")
                .element("Name", bucket.name())
                .element("Prefix", encode(p.prefix() == null ? "" : p.prefix(), enc));
        if (p.v2()) {
            x.element("MaxKeys", p.maxKeys())
                    .element("KeyCount", page.contents().size() + page.commonPrefixes().size())
                    .element("ContinuationToken", p.continuationToken())
                    .element("StartAfter", encode(p.marker(), enc));
            if (page.truncated()) {
                x.element("NextContinuationToken", encodeToken(page.nextMarker()));
            }
        } else {
            x.element("Marker", encode(p.marker() == null ? "" : p.marker(), enc))
                    .element("MaxKeys", p.maxKeys());
            if (page.truncated() && p.delimiter() != null) {
                x.element("NextMarker", encode(page.nextMarker(), enc));
            }
        }
        x.element("Delimiter", encode(p.delimiter(), enc))
                .element("IsTruncated", page.truncated())
                .element("EncodingType", enc ? "url" : null);
        boolean owner = !p.v2() || p.fetchOwner();
        for (VersionRecord v : page.contents()) {
            x.start("Contents").element("Key", encode(v.key(), enc)).element("LastModified", v.lastModified())
                    .element("ETag", "\"" + v.etag() + "\"").element("Size", v.size());
            if (!v.checksums().isEmpty()) {
                v.checksums().keySet().forEach(a -> x.element("ChecksumAlgorithm", a));
                x.element("ChecksumType", v.checksumType() == null ? null : v.checksumType().name());
            }
            if (owner) {
                owners.write(x, "Owner", v.owner());
            }
            x.element("StorageClass", "STANDARD").end();
        }
        for (String prefix : page.commonPrefixes()) {
            x.start("CommonPrefixes").element("Prefix", encode(prefix, enc)).end();
        }
        call.respondXml(200, x);
    }

    public void listVersions(Call call, S3Request.ListObjectVersions op, BucketRecord bucket) {
        if (op.versionIdMarker() != null && (op.keyMarker() == null || op.keyMarker().isEmpty())) {
            throw Errors.invalidArgument("A version-id marker cannot be specified without a key marker.",
                    "version-id-marker", op.versionIdMarker());
        }
        VersionListPage page = stores.meta().listVersions(bucket.name(), new VersionListQuery(op.prefix(),
                op.delimiter(), emptyToNull(op.keyMarker()), emptyToNull(op.versionIdMarker()), op.maxKeys(),
                afterFirstWindow(call)));
        boolean enc = op.urlEncoding();
        XmlWriter x = XmlWriter.s3("ListVersionsResult")
                .element("Name", bucket.name())
                .element("Prefix", encode(op.prefix() == null ? "" : op.prefix(), enc))
                .element("KeyMarker", encode(op.keyMarker() == null ? "" : op.keyMarker(), enc))
                .element("VersionIdMarker", op.versionIdMarker() == null ? "" : op.versionIdMarker());
        if (page.truncated()) {
            x.element("NextKeyMarker", encode(page.nextKeyMarker(), enc))
                    .element("NextVersionIdMarker", page.nextVersionIdMarker());
        }
        x.element("MaxKeys", op.maxKeys())
                .element("Delimiter", encode(op.delimiter(), enc))
                .element("IsTruncated", page.truncated())
                .element("EncodingType", enc ? "url" : null);
        for (VersionEntry e : page.versions()) {
            VersionRecord v = e.version();
            if (v.deleteMarker()) {
                x.start("DeleteMarker").element("Key", encode(v.key(), enc)).element("VersionId", v.versionId())
                        .element("IsLatest", e.latest()).element("LastModified", v.lastModified());
                owners.write(x, "Owner", v.owner());
                x.end();
            } else {
                x.start("Version").element("Key", encode(v.key(), enc)).element("VersionId", v.versionId())
                        .element("IsLatest", e.latest()).element("LastModified", v.lastModified())
                        .element("ETag", "\"" + v.etag() + "\"").element("Size", v.size())
                        .element("StorageClass", "STANDARD");
                owners.write(x, "Owner", v.owner());
                x.end();
            }
        }
        for (String prefix : page.commonPrefixes()) {
            x.start("CommonPrefixes").element("Prefix", encode(prefix, enc)).end();
        }
        call.respondXml(200, x);
    }

    /**
     * A listing's step: a hang-up checkpoint before every window of keys read but the first, so that a
     * listing passing over many keys under delete markers stops when its client goes, and the many
     * listings done in one window never pay for watching the connection.
     */
    private static Runnable afterFirstWindow(Call call) {
        int[] windows = {0};
        return () -> {
            if (windows[0]++ > 0) {
                call.checkpoint("list.window");
            }
        };
    }

    private static String encode(String value, boolean url) {
        return url ? UriCodec.encodeKey(value) : value;
    }

    /** Continuation tokens are opaque to clients: the last key or prefix returned, base64url. */
    static String encodeToken(String marker) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(("1:" + marker).getBytes(StandardCharsets.UTF_8));
    }

    static String decodeToken(String token) {
        try {
            String s = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            if (s.startsWith("1:")) {
                return s.substring(2);
            }
        } catch (IllegalArgumentException e) {
            // fall through
        }
        // S3 names the argument and not its value
        throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "The continuation token provided is incorrect")
                .detail("ArgumentName", "continuation-token");
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
