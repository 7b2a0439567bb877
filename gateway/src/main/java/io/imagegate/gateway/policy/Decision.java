package io.imagegate.gateway.policy;

/** What policies say of one request: an explicit deny, an allow, or nothing (the ACL rules then decide). */
public enum Decision {
    DENY, ALLOW, NONE;

    /** Both sides of one account's evaluation: an explicit deny in either wins, then an allow in either. */
    public Decision and(Decision other) {
        if (this == DENY || other == DENY) {
            return DENY;
        }
        return this == ALLOW || other == ALLOW ? ALLOW : NONE;
    }
}
