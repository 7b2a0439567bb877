package io.imagegate.meta;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.zookeeper.Op;

/**
 * Users and their keys. Every request looks its access key up, so {@code accesskeys} is mirrored in
 * memory by a watching {@link CuratorCache}; a miss reads ZooKeeper directly, so a user created
 * through another gateway authenticates at once. A deletion through this store takes effect here
 * at once; through another store, as soon as the watch fires (milliseconds). Each user gets a
 * canonical id of its own when created ({@link CanonicalIds}); the same mirror finds a user by it,
 * for the display names of owners.
 */
final class Users implements AutoCloseable {

    private final Context ctx;
    private final CuratorCache cache;
    private final Set<String> deletedHere = ConcurrentHashMap.newKeySet();
    /** Users by canonical id, as the mirror of {@code accesskeys} holds them. */
    private final ConcurrentHashMap<String, UserRecord> byId = new ConcurrentHashMap<>();

    Users(Context ctx, CuratorFramework client) {
        this.ctx = ctx;
        this.cache = CuratorCache.build(client, ctx.layout.accessKeys());
        cache.listenable().addListener(CuratorCacheListener.builder()
                .forCreates(this::mirrored)
                .forChanges((before, after) -> mirrored(after))
                .forDeletes(data -> {
                    deletedHere.remove(lastSegment(data.getPath()));
                    UserRecord gone = parse(data);
                    if (gone != null) {
                        byId.remove(gone.canonicalId(), gone);
                    }
                })
                .build());
        cache.start();
    }

    private void mirrored(ChildData data) {
        UserRecord u = parse(data);
        if (u != null) {
            byId.put(u.canonicalId(), u);
        }
    }

    private UserRecord parse(ChildData data) {
        if (data == null || data.getData() == null || data.getData().length == 0
                || data.getPath().equals(ctx.layout.accessKeys())) {
            return null;
        }
        return parsed.read(data.getData());
    }

    UserRecord create(UserRecord user) {
        Objects.requireNonNull(user, "user");
        if (blank(user.name()) || blank(user.accessKey()) || blank(user.secretKey())) {
            throw new IllegalArgumentException("a user needs a name, an access key and a secret key");
        }
        if (CanonicalIds.isId(user.name())) {
            // owner fields of old records hold names, new ones ids: a name of an id's form would be ambiguous
            throw new IllegalArgumentException("a user name may not be 64 hex digits (the form of a canonical id)");
        }
        if (user.id() != null && !CanonicalIds.isId(user.id())) {
            throw new IllegalArgumentException("a canonical id is 64 lower-case hex digits: " + user.id());
        }
        if (user.email() != null && !Emails.valid(user.email())) {
            throw new IllegalArgumentException("not an e-mail address: " + user.email());
        }
        UserRecord record = new UserRecord(user.name(), user.accessKey(), user.secretKey(),
                user.created() != null ? user.created() : Instant.now().truncatedTo(ChronoUnit.MILLIS), user.admin(),
                user.id() != null ? user.id() : CanonicalIds.newId(), user.email());
        String token = Tokens.writeToken();
        byte[] data = Stored.user(record, token);
        Deadline d = ctx.deadline();
        Zk.Outcome o = ctx.zk.multi(d, List.of(ctx.create(ctx.layout.user(record.name()), data),
                ctx.create(ctx.layout.accessKey(record.accessKey()), data)));
        if (o instanceof Zk.Outcome.Failed f) {
            throw new MetadataException.UserExists(f.index() == 1 ? record.accessKey() : record.name());
        }
        if (o instanceof Zk.Outcome.Ambiguous a) {
            Zk.Node n = Zk.settling("creating user " + record.name(), a, () -> ctx.zk.get(d, ctx.layout.user(record.name())));
            if (n == null || !token.equals(Stored.user(n.data()).token())) {
                throw new MetadataException.OutcomeUnknown("connection lost while creating user " + record.name(),
                        a.cause());
            }
        }
        deletedHere.remove(record.accessKey());
        byId.put(record.canonicalId(), record);
        return record;
    }

    /** The user whose canonical id this is, as the mirror knows it (users created elsewhere: once the watch fired). */
    Optional<UserRecord> byId(String id) {
        UserRecord u = id == null ? null : byId.get(id);
        return u == null || deletedHere.contains(u.accessKey()) ? Optional.empty() : Optional.of(u);
    }

    /**
     * The user with this e-mail address (compared ignoring case), as the mirror knows it; empty when
     * none has it, or more than one does (an address names one account, or none).
     */
    Optional<UserRecord> byEmail(String email) {
        if (email == null) {
            return Optional.empty();
        }
        List<UserRecord> found = byId.values().stream()
                .filter(u -> u.email() != null && u.email().equalsIgnoreCase(email.trim()))
                .filter(u -> !deletedHere.contains(u.accessKey())).limit(2).toList();
        return found.size() == 1 ? Optional.of(found.get(0)) : Optional.empty();
    }

    private final ParsedRecords<UserRecord> parsed = new ParsedRecords<>(data -> Stored.user(data).record());

    Optional<UserRecord> byAccessKey(String accessKey) {
        if (blank(accessKey)) {
            return Optional.empty();
        }
        String path = ctx.layout.accessKey(accessKey);
        if (!deletedHere.contains(accessKey)) {
            Optional<ChildData> cached = cache.get(path);
            if (cached.isPresent() && cached.get().getData() != null) {
                return Optional.of(parsed.read(cached.get().getData()));
            }
        }
        Deadline d = ctx.deadline();
        ctx.syncForRead(d);
        Zk.Node n = ctx.zk.get(d, path);
        return n == null ? Optional.empty() : Optional.of(Stored.user(n.data()).record());
    }

    /** The user with this name, read from ZooKeeper. */
    Optional<UserRecord> byName(String name) {
        if (blank(name)) {
            return Optional.empty();
        }
        Deadline d = ctx.deadline();
        ctx.syncForRead(d);
        Zk.Node n = ctx.zk.get(d, ctx.layout.user(name));
        return n == null ? Optional.empty() : Optional.of(Stored.user(n.data()).record());
    }

    List<UserRecord> list() {
        Deadline d = ctx.deadline();
        ctx.syncForRead(d);
        return ctx.zk.read(d, h -> {
            List<String> names = Zk.await(d, ctx.zk.childrenAsync(h, ctx.layout.users()));
            List<UserRecord> out = new ArrayList<>();
            for (Zk.Node n : Zk.await(d, ctx.zk.getManyAsync(h, (names == null ? List.<String>of() : names).stream()
                    .map(n -> ctx.layout.users() + "/" + n).toList()))) {
                if (n != null) {
                    out.add(Stored.user(n.data()).record());
                }
            }
            out.sort(Comparator.comparing(UserRecord::name));
            return out;
        });
    }

    void delete(String name) {
        Deadline d = ctx.deadline();
        ctx.syncForRead(d);
        while (true) {
            Zk.Node n = blank(name) ? null : ctx.zk.get(d, ctx.layout.user(name));
            if (n == null) {
                throw new MetadataException.NoSuchUser(name);
            }
            UserRecord u = Stored.user(n.data()).record();
            List<Op> ops = new ArrayList<>(List.of(Op.delete(ctx.layout.user(name), n.stat().getVersion())));
            if (ctx.zk.stat(d, ctx.layout.accessKey(u.accessKey())) != null) {
                ops.add(Op.delete(ctx.layout.accessKey(u.accessKey()), -1));
            }
            // the user's policy goes with it; one set after this read rewrote the user record, so
            // the delete above fails at its version and is planned again
            if (ctx.zk.stat(d, ctx.layout.userPolicy(u.canonicalId())) != null) {
                ops.add(Op.delete(ctx.layout.userPolicy(u.canonicalId()), -1));
            }
            Zk.Outcome o = ctx.zk.multi(d, ops);
            if (o instanceof Zk.Outcome.Ambiguous a
                    && Zk.settling("deleting user " + name, a, () -> ctx.zk.get(d, ctx.layout.user(name))) != null) {
                throw new MetadataException.OutcomeUnknown("connection lost while deleting user " + name, a.cause());
            }
            if (!(o instanceof Zk.Outcome.Failed)) {
                deletedHere.add(u.accessKey());
                byId.remove(u.canonicalId(), u);
                return;
            }
        }
    }

    @Override
    public void close() {
        cache.close();
    }

    private static String lastSegment(String path) {
        return KeyNames.unescape(path.substring(path.lastIndexOf('/') + 1));
    }

    private static boolean blank(String s) {
        return s == null || s.isEmpty();
    }
}
