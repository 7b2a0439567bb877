package io.imagegate.meta;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.zookeeper.Op;

/**
 * One attempt at changing a key: the ops of its multi, what each op is for (so a failure's index
 * says what went wrong), and how to tell, after a lost reply, whether it was applied.
 */
final class KeyChange {

    /** What an op in the multi is for. */
    enum Role { BUCKET_CHECK, INCARNATION, KEY, ROOT_CHECK, PAGE_CHECK, INDEX_CREATE, INDEX_CHECK, INDEX_DELETE,
        GROUP_CREATE, GROUP_DELETE, HISTORY_CREATE, HISTORY_DELETE, OWNER_CHECK, EXTRA }

    /**
     * Tells from the key's node, read once the change can no longer apply (after the fence), whether
     * it was applied: TRUE, FALSE, or null when the key cannot tell.
     */
    @FunctionalInterface
    interface Settle {
        Boolean applied(Keys.KeyNode now);
    }

    /** What the attempts of one operation learned: groups missing or present, a dangling index entry. */
    static final class Hints {
        final Set<Long> missingGroups = new HashSet<>();
        final Set<Long> presentGroups = new HashSet<>();
        boolean adoptIndex;
        boolean freshMap;
    }

    final String bucket;
    final String name;
    final Context.BucketNode bucketNode;
    final Keys.KeyNode before;
    /** The version a version id named, located in {@code before}; null when the operation named none. */
    final Keys.Located target;
    final String token = Tokens.writeToken();
    final List<Op> ops = new ArrayList<>();
    final List<Role> roles = new ArrayList<>();
    final List<Long> opGroups = new ArrayList<>();
    final List<Long> removedGroups = new ArrayList<>();
    final List<Runnable> afterCommit = new ArrayList<>();
    PartitionMap.Location created;
    String removedIndexPartition;
    VersionRecord result;
    Settle settle = now -> null;
    /** The caller's extra ops, which may prove the outcome when the key cannot. */
    ObjectWrites.Hook hook;

    KeyChange(String bucket, String name, Context.BucketNode bucketNode, Keys.KeyNode before, Keys.Located target) {
        this.bucket = bucket;
        this.name = name;
        this.bucketNode = bucketNode;
        this.before = before;
        this.target = target;
    }

    void add(Role role, Op op) {
        add(role, op, -1);
    }

    void add(Role role, Op op, long group) {
        ops.add(op);
        roles.add(role);
        opGroups.add(group);
    }

    /** The incarnation this change is for: the existing key's, or, for a new key, this change's token. */
    String incarnation() {
        return before == null ? token : before.state().incarnation();
    }

    /** True when the key node now holds this change's state. */
    boolean tokenIn(Keys.KeyNode now) {
        return now != null && token.equals(now.state().token());
    }

    /** True when the key node read now is of the incarnation this change was planned for. */
    boolean sameIncarnation(Keys.KeyNode now) {
        return now != null && incarnation().equals(now.state().incarnation());
    }
}
