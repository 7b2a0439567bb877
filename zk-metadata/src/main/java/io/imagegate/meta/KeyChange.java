package io.imagegate.meta;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.zookeeper.Op;

/**
 * One attempt at changing a key: the ops of its multi, what each op is for (so a failure's index
 * says what went wrong), and how to recognise the change as committed when the connection was
 * lost in flight.
 */
final class KeyChange {

    /** What an op in the multi is for. */
    enum Role { BUCKET_CHECK, KEY, ROOT_CHECK, PAGE_CHECK, INDEX_CREATE, INDEX_CHECK, INDEX_DELETE, GROUP_CREATE,
        GROUP_DELETE, HISTORY_CREATE, HISTORY_DELETE, EXTRA }

    /** Tells from the key's node read after an unknown outcome whether this change was applied. */
    @FunctionalInterface
    interface Committed {
        boolean in(Keys.KeyNode now);
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
    final String token = Tokens.writeToken();
    final List<Op> ops = new ArrayList<>();
    final List<Role> roles = new ArrayList<>();
    final List<Long> opGroups = new ArrayList<>();
    final List<Long> removedGroups = new ArrayList<>();
    final List<Runnable> afterCommit = new ArrayList<>();
    PartitionMap.Location created;
    String removedIndexPartition;
    VersionRecord result;
    Committed committed = now -> false;
    /** Proves, from the key read after an unknown outcome, that this change can never have applied. */
    Committed notCommitted = now -> false;
    /** When a fenced change is found not applied, it cannot apply later and may simply be tried again. */
    boolean retryWhenAbsent;

    KeyChange(String bucket, String name, Context.BucketNode bucketNode, Keys.KeyNode before) {
        this.bucket = bucket;
        this.name = name;
        this.bucketNode = bucketNode;
        this.before = before;
    }

    void add(Role role, Op op) {
        add(role, op, -1);
    }

    void add(Role role, Op op, long group) {
        ops.add(op);
        roles.add(role);
        opGroups.add(group);
    }

    /** True when the key node now holds this change's state. */
    boolean tokenIn(Keys.KeyNode now) {
        return now != null && token.equals(now.state().token());
    }
}
