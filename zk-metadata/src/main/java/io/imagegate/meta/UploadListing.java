package io.imagegate.meta;

import io.imagegate.meta.MetadataStore.UploadListPage;
import io.imagegate.meta.MetadataStore.UploadListQuery;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** ListMultipartUploads over a bucket's uploads, sorted by key (UTF-8 order) then initiation time. */
final class UploadListing {

    private UploadListing() {}

    static UploadListPage page(List<UploadRecord> sorted, UploadListQuery q) {
        byte[] prefix = q.prefix() == null ? ByteKeys.EMPTY : KeyNames.utf8(q.prefix());
        byte[] delimiter = q.delimiter() == null || q.delimiter().isEmpty() ? null : KeyNames.utf8(q.delimiter());
        Markers markers = Markers.of(sorted, q, prefix, delimiter);
        List<UploadRecord> uploads = new ArrayList<>();
        List<String> prefixes = new ArrayList<>();
        String lastKey = null;
        String lastId = null;
        byte[] lastPrefix = null;
        for (int i = 0; i < sorted.size(); i++) {
            UploadRecord u = sorted.get(i);
            byte[] key = KeyNames.utf8(u.key());
            if (!ByteKeys.startsWith(key, prefix) || !markers.after(sorted, i, key)) {
                continue;
            }
            byte[] cp = ByteKeys.rollup(key, prefix, delimiter);
            if (cp != null && lastPrefix != null && Arrays.equals(cp, lastPrefix)) {
                continue;
            }
            if (uploads.size() + prefixes.size() == q.maxUploads()) {
                return new UploadListPage(uploads, prefixes, true, lastKey, lastId);
            }
            if (cp != null) {
                lastPrefix = cp;
                lastKey = ByteKeys.text(cp);
                lastId = null;
                prefixes.add(lastKey);
            } else {
                uploads.add(u);
                lastKey = u.key();
                lastId = u.uploadId();
            }
        }
        return new UploadListPage(uploads, prefixes, false, null, null);
    }

    /** Where a page starts: past the key marker (or its common prefix), past the upload-id marker. */
    private record Markers(byte[] key, byte[] skipBelow, String uploadId, int markerAt) {

        static Markers of(List<UploadRecord> sorted, UploadListQuery q, byte[] prefix, byte[] delimiter) {
            if (q.keyMarker() == null || q.keyMarker().isEmpty()) {
                return new Markers(null, null, null, -1);
            }
            byte[] marker = KeyNames.utf8(q.keyMarker());
            byte[] cp = ByteKeys.rollup(marker, prefix, delimiter);
            if (cp != null) {
                return new Markers(null, ByteKeys.pastPrefix(cp), null, -1);
            }
            String id = q.uploadIdMarker() == null || q.uploadIdMarker().isEmpty() ? null : q.uploadIdMarker();
            int at = -1;
            for (int i = 0; i < sorted.size() && id != null; i++) {
                if (sorted.get(i).key().equals(q.keyMarker()) && sorted.get(i).uploadId().equals(id)) {
                    at = i;
                }
            }
            return new Markers(marker, null, id, at);
        }

        // Uploads of the marker key follow the marker upload in listing order (or, when it is gone, have a
        // greater upload id, as S3 documents).
        boolean after(List<UploadRecord> sorted, int i, byte[] k) {
            if (skipBelow != null) {
                return ByteKeys.compare(k, skipBelow) >= 0;
            }
            if (key == null) {
                return true;
            }
            int c = ByteKeys.compare(k, key);
            if (c != 0 || uploadId == null) {
                return c > 0;
            }
            return markerAt >= 0 ? i > markerAt : sorted.get(i).uploadId().compareTo(uploadId) > 0;
        }
    }
}
