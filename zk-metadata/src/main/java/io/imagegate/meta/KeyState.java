package io.imagegate.meta;

/**
 * What a key's znode holds: its current version inline (one read serves GET and HEAD) and the
 * counters that name its versions.
 *
 * @param current     the current version, possibly a delete marker
 * @param ordinal     the current version's ordinal
 * @param nextOrdinal the ordinal the next version of this key gets
 * @param born        epoch millis when this key node was created; part of every version id
 * @param nullOrdinal ordinal of the key's null version, current or not; null when it has none
 * @param token       token of the write that stored this state
 * @param incarnation token of the write that created this key znode; the znode's child
 *                    {@code ~<incarnation>} exists exactly as long as this incarnation of the key
 */
record KeyState(VersionRecord current, long ordinal, long nextOrdinal, long born, Long nullOrdinal, String token,
        String incarnation) {

    boolean currentIsNull() {
        return nullOrdinal != null && nullOrdinal == ordinal;
    }

    /** The ordinal a version id points at in this key, or -1 when it is not one of this key's ids. */
    long ordinalOf(String versionId) {
        if (VersionIds.isNull(versionId)) {
            return nullOrdinal == null ? -1 : nullOrdinal;
        }
        VersionIds.Parsed p = VersionIds.parse(versionId);
        return p.born() == born && p.ordinal() < nextOrdinal ? p.ordinal() : -1;
    }
}
