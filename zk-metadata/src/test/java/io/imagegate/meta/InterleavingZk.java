package io.imagegate.meta;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;

/**
 * A store's ZooKeeper access that runs chosen actions at chosen points between its requests, each
 * once: a conflicting write of another store after this one read a key and before it reads the
 * key's history, say. That makes a race a deterministic test. It can also lose the reply of a
 * multi (applied or not), as a connection loss does.
 */
final class InterleavingZk extends Zk {

    /** One action, run at the first request that matches. */
    static final class Trigger {
        private final Point point;
        private final Predicate<String> op;
        private final Predicate<List<String>> paths;
        private final Runnable action;
        private final AtomicBoolean fired = new AtomicBoolean();

        private Trigger(Point point, Predicate<String> op, Predicate<List<String>> paths, Runnable action) {
            this.point = point;
            this.op = op;
            this.paths = paths;
            this.action = action;
        }

        /** Whether the action ran: a test whose interleaving never happened proves nothing. */
        boolean fired() {
            return fired.get();
        }
    }

    /** A multi whose reply is lost: before it is sent ({@code applied} false) or after it committed. */
    private record LostReply(Predicate<List<String>> paths, boolean applied, Runnable meanwhile, AtomicBoolean fired) {}

    private final List<Trigger> triggers = new CopyOnWriteArrayList<>();
    private final List<LostReply> lost = new CopyOnWriteArrayList<>();

    InterleavingZk(CuratorFramework client) {
        super(client);
    }

    /** Runs {@code action} once, at {@code point} of the first request of a kind in {@code ops} whose paths match. */
    Trigger at(Point point, List<String> ops, Predicate<List<String>> paths, Runnable action) {
        Trigger t = new Trigger(point, ops::contains, paths, action);
        triggers.add(t);
        return t;
    }

    /**
     * Loses the reply of the first multi whose paths match: it is applied first when {@code applied},
     * never sent otherwise; {@code meanwhile} runs before the store hears of the loss. Returns a
     * flag that says whether it happened.
     */
    AtomicBoolean loseReply(Predicate<List<String>> paths, boolean applied, Runnable meanwhile) {
        AtomicBoolean fired = new AtomicBoolean();
        lost.add(new LostReply(paths, applied, meanwhile, fired));
        return fired;
    }

    /** Paths predicate: the request touches {@code path}. */
    static Predicate<List<String>> touching(String path) {
        return paths -> paths.contains(path);
    }

    @Override
    void interleave(Point point, String op, List<String> paths) {
        for (Trigger t : triggers) {
            if (t.point == point && t.op.test(op) && t.paths.test(paths) && t.fired.compareAndSet(false, true)) {
                t.action.run();
            }
        }
    }

    @Override
    Outcome multi(Deadline d, List<Op> ops) {
        List<String> paths = ops.stream().map(Op::getPath).toList();
        for (LostReply l : lost) {
            if (l.paths.test(paths) && l.fired.compareAndSet(false, true)) {
                if (l.applied) {
                    super.multi(d, ops);
                }
                l.meanwhile.run();
                return new Outcome.Ambiguous(KeeperException.create(KeeperException.Code.CONNECTIONLOSS));
            }
        }
        return super.multi(d, ops);
    }
}
