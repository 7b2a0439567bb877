package io.imagegate.meta;

import java.time.Instant;

/**
 * What an upload's znode holds. A completed upload keeps its znode for a while, marked
 * {@code COMPLETED} with the version it published, so a repeated Complete is recognised.
 */
record StoredUpload(UploadRecord upload, State state, VersionRecord result, Instant completed, String token) {

    /** Whether an upload still takes parts. */
    enum State { ACTIVE, COMPLETED }

    boolean active() {
        return state == State.ACTIVE;
    }
}
