package io.imagegate.meta;

import io.imagegate.meta.MetadataStore.ListQuery;
import io.imagegate.meta.MetadataStore.VersionListQuery;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A bucket in memory, listed by brute force the way S3 documents it: roll every key up, drop the
 * rolled-up values at or below the marker, take the first max. Tests compare the store with it.
 */
final class ReferenceModel {

    /** One expected list item: a key or a common prefix, and for versions the version id. */
    record Item(String value, boolean prefix, String versionId) {}

    /** Versions of each key, newest first; a null etag marks a delete marker. */
    final TreeMap<byte[], List<String[]>> keys = new TreeMap<>(ByteKeys.ORDER);

    void put(String key, String versionId, String etag) {
        keys.computeIfAbsent(bytes(key), k -> new ArrayList<>()).add(0, new String[] {versionId, etag});
    }

    void remove(String key, String versionId) {
        List<String[]> versions = keys.get(bytes(key));
        versions.removeIf(v -> v[0].equals(versionId));
        if (versions.isEmpty()) {
            keys.remove(bytes(key));
        }
    }

    List<Item> list(ListQuery q) {
        List<Item> rolled = new ArrayList<>();
        for (Map.Entry<byte[], List<String[]>> e : keys.entrySet()) {
            if (e.getValue().get(0)[1] != null) {
                addRolled(rolled, e.getKey(), q.prefix(), q.delimiter(), null);
            }
        }
        byte[] marker = q.startAfter() == null ? new byte[0] : bytes(q.startAfter());
        return rolled.stream().filter(i -> ByteKeys.compare(bytes(i.value()), marker) > 0).toList();
    }

    List<Item> listVersions(VersionListQuery q) {
        List<Item> rolled = new ArrayList<>();
        for (Map.Entry<byte[], List<String[]>> e : keys.entrySet()) {
            for (String[] v : e.getValue()) {
                addRolled(rolled, e.getKey(), q.prefix(), q.delimiter(), v[0]);
            }
        }
        if (q.keyMarker() == null) {
            return rolled;
        }
        byte[] marker = bytes(q.keyMarker());
        List<Item> out = new ArrayList<>();
        boolean passedVersion = false;
        for (Item i : rolled) {
            int c = ByteKeys.compare(bytes(i.value()), marker);
            if (c > 0) {
                out.add(i);
            } else if (c == 0 && !i.prefix() && q.versionIdMarker() != null) {
                if (passedVersion) {
                    out.add(i);
                }
                passedVersion |= i.versionId().equals(q.versionIdMarker());
            }
        }
        return out;
    }

    private static void addRolled(List<Item> out, byte[] key, String prefix, String delimiter, String versionId) {
        byte[] p = prefix == null ? new byte[0] : bytes(prefix);
        if (!ByteKeys.startsWith(key, p)) {
            return;
        }
        byte[] cp = delimiter == null ? null : ByteKeys.rollup(key, p, bytes(delimiter));
        if (cp == null) {
            out.add(new Item(ByteKeys.text(key), false, versionId));
        } else if (out.isEmpty() || !out.get(out.size() - 1).value().equals(ByteKeys.text(cp))) {
            out.add(new Item(ByteKeys.text(cp), true, null));
        }
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
