package io.imagegate.gateway.ops;

import io.imagegate.gateway.http.Principal;
import io.imagegate.gateway.http.XmlWriter;

/** Owner and Initiator elements: the canonical id S3 clients expect, and the user name. */
final class Owners {

    private Owners() {}

    static void write(XmlWriter x, String element, String userName) {
        if (userName == null) {
            return;
        }
        x.start(element).element("ID", Principal.canonicalId(userName)).element("DisplayName", userName).end();
    }
}
