package io.imagegate.gateway.ops;

import io.imagegate.gateway.http.XmlWriter;
import io.imagegate.meta.CanonicalIds;
import io.imagegate.meta.MetadataStore;
import io.imagegate.meta.UserRecord;

/**
 * Owner and Initiator elements: the owner's canonical id, and as DisplayName the name of the user
 * who has that id now (none once that user is deleted: a later user of the same name is someone
 * else, with another id).
 */
final class Owners {

    private final MetadataStore meta;

    Owners(MetadataStore meta) {
        this.meta = meta;
    }

    /** @param storedOwner an owner field as stored: a canonical id, or an old record's user name */
    void write(XmlWriter x, String element, String storedOwner) {
        if (storedOwner == null) {
            return;
        }
        String id = CanonicalIds.ofOwner(storedOwner);
        x.start(element).element("ID", id).element("DisplayName", displayName(id)).end();
    }

    /** The name of the user with this canonical id, or null. */
    String displayName(String canonicalId) {
        return meta.userById(canonicalId).map(UserRecord::name).orElse(null);
    }
}
