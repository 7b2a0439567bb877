package io.imagegate.gateway.ops;

import io.imagegate.gateway.S3ErrorCode;
import io.imagegate.gateway.S3Exception;
import io.imagegate.gateway.api.S3Request;
import io.imagegate.gateway.http.Call;
import io.imagegate.gateway.http.XmlDocument;
import io.imagegate.gateway.http.XmlWriter;
import io.imagegate.meta.BucketRecord;
import io.imagegate.meta.MetadataException;
import io.imagegate.meta.MetadataStore.DeleteResult;
import io.imagegate.meta.WriteCondition;
import io.imagegate.meta.Versioning;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.w3c.dom.Element;

/** DeleteObject and DeleteObjects (multi-object delete, quiet and verbose). */
public final class Deletes {

    static final int MAX_KEYS_PER_REQUEST = 1000;

    private final Stores stores;

    public Deletes(Stores stores) {
        this.stores = stores;
    }

    public void deleteObject(Call call, S3Request.DeleteObject op, BucketRecord bucket) {
        String ifMatch = call.header("If-Match");
        WriteCondition condition = ifMatch == null ? WriteCondition.NONE : new WriteCondition.IfMatch(Conditionals.unquote(ifMatch));
        DeleteResult result = delete(call, bucket, op.key(), op.versionId(), condition);
        if (bucket.versioning() != Versioning.UNVERSIONED) {
            call.respondHeader("x-amz-version-id", result.versionId());
            if (result.deleteMarker()) {
                call.respondHeader("x-amz-delete-marker", "true");
            }
        }
        call.respond(204);
    }

    public void deleteObjects(Call call, BucketRecord bucket) throws IOException {
        byte[] body = call.smallBody(2 * 1024 * 1024);
        RequiredIntegrity.check(call, body);
        DeleteRequest request = parseDelete(body);
        boolean quiet = request.quiet();
        List<Target> targets = request.targets();
        XmlWriter x = XmlWriter.s3("DeleteResult");
        S3Exception unavailable = null;
        for (Target t : targets) {
            call.checkpoint("delete-objects.key"); // keys deleted so far stay deleted, as each would alone
            if (unavailable != null) {
                // not attempted: every key would wait out the store's deadline again; nothing changed for it
                error(x, t, unavailable);
                continue;
            }
            try {
                AccessControl.checkDelete(call, bucket, t.key, t.versionId);
                DeleteResult r = delete(call, bucket, t.key, t.versionId, WriteCondition.NONE);
                if (!quiet) {
                    x.start("Deleted").element("Key", t.key).element("VersionId", t.versionId);
                    if (r.deleteMarker()) {
                        x.element("DeleteMarker", true);
                        if (bucket.versioning() != Versioning.UNVERSIONED) {
                            x.element("DeleteMarkerVersionId", r.versionId());
                        }
                    }
                    x.end();
                }
            } catch (S3Exception e) {
                error(x, t, e);
            } catch (MetadataException e) {
                // this key's answer, as DeleteObject would give it; the batch goes on (AWS answers per key)
                S3Exception s3 = Errors.toS3(e, call.method());
                error(x, t, s3);
                if (e instanceof MetadataException.Unavailable) {
                    unavailable = s3;
                }
            }
        }
        call.respondXml(200, x);
    }

    private static void error(XmlWriter x, Target t, S3Exception e) {
        x.start("Error").element("Key", t.key).element("VersionId", t.versionId)
                .element("Code", e.code().code()).element("Message", e.getMessage()).end();
    }

    /**
     * A delete marker belongs to whoever deleted (the bucket owner for an anonymous caller). The
     * store's refusals (a malformed version id, NoSuchKey for If-Match on a missing key, the store
     * unavailable) are {@link MetadataException}s, answered by {@link Errors#toS3}.
     */
    private DeleteResult delete(Call call, BucketRecord bucket, String key, String versionId, WriteCondition condition) {
        if (key.isEmpty()) {
            throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "Key must not be empty");
        }
        return stores.meta().delete(bucket, key, versionId, condition, ObjectWrites.ownerOf(call, bucket));
    }

    /**
     * A DeleteObjects body: Quiet, and 1 to {@link #MAX_KEYS_PER_REQUEST} objects each with a Key
     * (and a VersionId or none), in the order given; or MalformedXML.
     */
    static DeleteRequest parseDelete(byte[] body) {
        XmlDocument doc = XmlDocument.parse(body);
        if (!doc.rootName().equals("Delete")) {
            throw new S3Exception(S3ErrorCode.MALFORMED_XML);
        }
        boolean quiet = XmlDocument.childText(doc.root(), "Quiet").map(q -> q.trim().equalsIgnoreCase("true")).orElse(false);
        List<Element> objects = XmlDocument.children(doc.root(), "Object");
        if (objects.isEmpty() || objects.size() > MAX_KEYS_PER_REQUEST) {
            throw new S3Exception(S3ErrorCode.MALFORMED_XML);
        }
        List<Target> targets = new ArrayList<>(objects.size());
        for (Element o : objects) {
            String key = XmlDocument.childText(o, "Key").orElseThrow(() -> new S3Exception(S3ErrorCode.MALFORMED_XML));
            targets.add(new Target(key, XmlDocument.childText(o, "VersionId").orElse(null)));
        }
        return new DeleteRequest(quiet, targets);
    }

    /** What a DeleteObjects body asks for. */
    record DeleteRequest(boolean quiet, List<Target> targets) {}

    /** One Object of a DeleteObjects body: its key, and its version id or null. */
    record Target(String key, String versionId) {}
}
