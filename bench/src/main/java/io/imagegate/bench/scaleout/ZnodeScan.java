package io.imagegate.bench.scaleout;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;

/**
 * Every znode of the tree, read with a plain ZooKeeper client to check the sizes against
 * ZooKeeper's 1 MB packet limit ({@code jute.maxbuffer}, 1 048 575 bytes by default): the largest
 * znode data and the largest child list. A child list's answer is computed from the names
 * exactly as ZooKeeper serializes it. A node with more children than a safe answer could hold is
 * not listed (that would break this client's connection, as it would a gateway's); its size is
 * computed instead: a bucket's {@code obj} node, which no code path lists (one child per key), has
 * the same child names as the bucket's index entries, which this scan does list.
 */
final class ZnodeScan {

    /** jute.maxbuffer's default: the largest packet a client or server accepts. */
    static final long LIMIT = 0xfffff;
    /** Above this many children a node is not listed but computed. */
    private static final int LIST_LIMIT = 20_000;
    /** ReplyHeader: xid, zxid, err. */
    private static final int REPLY_HEADER = 16;
    /** A Stat as serialized. */
    private static final int STAT = 68;

    /** A node and a size. */
    record Sized(String path, long bytes, long children) {}

    record Result(long znodes, long totalDataBytes, Sized largestData, long largestDataResponse,
                  List<Sized> largestChildLists, List<Sized> notListed, double seconds) {

        Sized largestChildList() {
            return largestChildLists.isEmpty() ? new Sized("-", 0, 0) : largestChildLists.get(0);
        }
    }

    private final ZooKeeper zk;
    private final Semaphore inFlight = new Semaphore(2000);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private long znodes;
    private long dataBytes;
    private Sized largestData = new Sized("-", 0, 0);
    private final List<Sized> childLists = new ArrayList<>();
    private final List<Sized> notListed = new ArrayList<>();
    /** Index entry names per bucket path, to size and visit its obj node. */
    private final Map<String, Set<String>> indexNames = new HashMap<>();
    private final List<String> objNodes = new ArrayList<>();

    private ZnodeScan(ZooKeeper zk) {
        this.zk = zk;
    }

    static Result scan(String connect, String root) throws Exception {
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper zk = new ZooKeeper(connect, 60_000, e -> {
            if (e.getState() == org.apache.zookeeper.Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
            }
        });
        try {
            if (!connected.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("could not connect to " + connect);
            }
            return new ZnodeScan(zk).run(root);
        } finally {
            zk.close();
        }
    }

    private Result run(String root) throws Exception {
        long t0 = System.nanoTime();
        List<String> level = List.of(root);
        while (!level.isEmpty()) {
            level = visit(level);
            if (level.isEmpty() && !objNodes.isEmpty()) {
                level = keysOfObjNodes();
            }
        }
        childLists.sort((a, b) -> Long.compare(b.bytes(), a.bytes()));
        notListed.sort((a, b) -> Long.compare(b.bytes(), a.bytes()));
        return new Result(znodes, dataBytes, largestData, REPLY_HEADER + 4 + largestData.bytes() + STAT,
                List.copyOf(childLists.subList(0, Math.min(8, childLists.size()))), List.copyOf(notListed),
                (System.nanoTime() - t0) / 1e9);
    }

    /** Stats every node of a level, lists those that may be listed, and returns the next level. */
    private List<String> visit(List<String> paths) throws Exception {
        Stat[] stats = new Stat[paths.size()];
        CountDownLatch done = new CountDownLatch(paths.size());
        for (int i = 0; i < paths.size(); i++) {
            int index = i;
            inFlight.acquire();
            zk.exists(paths.get(i), false, (rc, path, ctx, stat) -> {
                if (rc == KeeperException.Code.OK.intValue()) {
                    stats[index] = stat;
                } else if (rc != KeeperException.Code.NONODE.intValue()) {
                    failure.compareAndSet(null, KeeperException.create(KeeperException.Code.get(rc), path));
                }
                inFlight.release();
                done.countDown();
            }, null);
        }
        done.await();
        check();
        List<String> toList = new ArrayList<>();
        for (int i = 0; i < paths.size(); i++) {
            Stat s = stats[i];
            if (s == null) {
                continue; // deleted meanwhile
            }
            znodes++;
            dataBytes += s.getDataLength();
            if (s.getDataLength() > largestData.bytes()) {
                largestData = new Sized(paths.get(i), s.getDataLength(), s.getNumChildren());
            }
            if (s.getNumChildren() == 0) {
                continue;
            }
            String p = paths.get(i);
            if (isObjNode(p)) {
                objNodes.add(p);
            } else if (s.getNumChildren() > LIST_LIMIT) {
                notListed.add(new Sized(p, -1, s.getNumChildren()));
            } else {
                toList.add(p);
            }
        }
        return listChildren(toList);
    }

    private List<String> listChildren(List<String> parents) throws Exception {
        List<List<String>> children = new ArrayList<>(java.util.Collections.nCopies(parents.size(), null));
        CountDownLatch done = new CountDownLatch(parents.size());
        for (int i = 0; i < parents.size(); i++) {
            int index = i;
            inFlight.acquire();
            zk.getChildren(parents.get(i), false, (rc, path, ctx, names) -> {
                if (rc == KeeperException.Code.OK.intValue()) {
                    synchronized (children) {
                        children.set(index, names);
                    }
                } else if (rc != KeeperException.Code.NONODE.intValue()) {
                    failure.compareAndSet(null, KeeperException.create(KeeperException.Code.get(rc), path));
                }
                inFlight.release();
                done.countDown();
            }, null);
        }
        done.await();
        check();
        List<String> next = new ArrayList<>();
        for (int i = 0; i < parents.size(); i++) {
            List<String> names = children.get(i);
            if (names == null) {
                continue;
            }
            String parent = parents.get(i);
            childLists.add(new Sized(parent, childListResponse(names), names.size()));
            String bucket = indexBucket(parent);
            if (bucket != null) {
                indexNames.computeIfAbsent(bucket, k -> new LinkedHashSet<>()).addAll(names);
            }
            for (String c : names) {
                next.add(parent.equals("/") ? "/" + c : parent + "/" + c);
            }
        }
        return next;
    }

    /** The key znodes under every obj node, named after the index entries; the obj node's child list is sized, not read. */
    private List<String> keysOfObjNodes() {
        List<String> next = new ArrayList<>();
        for (String obj : objNodes) {
            String bucket = obj.substring(0, obj.length() - "/obj".length());
            Set<String> names = indexNames.getOrDefault(bucket, Set.of());
            notListed.add(new Sized(obj, childListResponse(names), names.size()));
            for (String n : names) {
                next.add(obj + "/" + n);
            }
        }
        objNodes.clear();
        return next;
    }

    /** Bytes of a getChildren answer: reply header, vector length, and each name as a length-prefixed string. */
    static long childListResponse(Iterable<String> names) {
        long bytes = REPLY_HEADER + 4;
        for (String n : names) {
            bytes += 4 + n.getBytes(StandardCharsets.UTF_8).length;
        }
        return bytes;
    }

    // .../buckets/<b>/obj
    private static boolean isObjNode(String path) {
        String[] parts = path.split("/");
        return parts.length >= 2 && parts[parts.length - 1].equals("obj") && parts.length >= 3
                && parts[parts.length - 3].equals("buckets");
    }

    // .../buckets/<b>/idx/<partition> -> .../buckets/<b>
    private static String indexBucket(String path) {
        String[] parts = path.split("/");
        if (parts.length >= 4 && parts[parts.length - 2].equals("idx") && parts[parts.length - 4].equals("buckets")) {
            return path.substring(0, path.lastIndexOf("/idx/"));
        }
        return null;
    }

    private void check() throws Exception {
        Throwable t = failure.get();
        if (t instanceof Exception e) {
            throw e;
        }
        if (t != null) {
            throw new IllegalStateException(t);
        }
    }
}
