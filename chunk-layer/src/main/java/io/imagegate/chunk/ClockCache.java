package io.imagegate.chunk;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;

/**
 * A concurrent cache bounded by total weight with second-chance (CLOCK) eviction: lookups are a
 * lock-free map read plus a flag write; only the evicting thread takes a lock, and never blocks
 * others on it. Approximates LRU closely enough for manifest pages and open files.
 */
final class ClockCache<K, V> {

    private static final class Node<K, V> {
        final K key;
        final V value;
        final long weight;
        volatile boolean referenced;
        volatile boolean removed;

        Node(K key, V value, long weight) {
            this.key = key;
            this.value = value;
            this.weight = weight;
        }
    }

    private final ConcurrentHashMap<K, Node<K, V>> map = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Node<K, V>> clock = new ConcurrentLinkedQueue<>();
    private final AtomicLong weight = new AtomicLong();
    private final ReentrantLock evictLock = new ReentrantLock();
    private final long maxWeight;
    private final ToLongFunction<V> weigher;
    private final Consumer<V> onRemoval;

    ClockCache(long maxWeight, ToLongFunction<V> weigher, Consumer<V> onRemoval) {
        this.maxWeight = maxWeight;
        this.weigher = weigher;
        this.onRemoval = onRemoval;
    }

    V get(K key) {
        Node<K, V> n = map.get(key);
        if (n == null) {
            return null;
        }
        if (!n.referenced) {
            n.referenced = true;
        }
        return n.value;
    }

    /** Inserts unless present; returns the value now cached (which may be another thread's). */
    V putIfAbsent(K key, V value) {
        Node<K, V> fresh = new Node<>(key, value, weigher.applyAsLong(value));
        Node<K, V> old = map.putIfAbsent(key, fresh);
        if (old != null) {
            old.referenced = true;
            return old.value;
        }
        clock.add(fresh);
        if (weight.addAndGet(fresh.weight) > maxWeight) {
            evict();
        }
        return value;
    }

    /** Removes {@code key} if it still maps to {@code value}. */
    void remove(K key, V value) {
        Node<K, V> n = map.get(key);
        if (n != null && n.value == value && map.remove(key, n)) {
            retire(n);
        }
    }

    void remove(K key) {
        Node<K, V> n = map.remove(key);
        if (n != null) {
            retire(n);
        }
    }

    void clear() {
        for (K key : map.keySet()) {
            remove(key);
        }
        clock.removeIf(n -> n.removed);
    }

    long weight() {
        return weight.get();
    }

    int size() {
        return map.size();
    }

    private void evict() {
        if (!evictLock.tryLock()) {
            return; // another thread is evicting; it will bring the weight down
        }
        try {
            long budget = 2L * map.size() + 16; // bounds the sweep when everything is hot
            while (weight.get() > maxWeight && budget-- > 0) {
                Node<K, V> n = clock.poll();
                if (n == null) {
                    return;
                }
                if (n.removed) {
                    continue;
                }
                if (n.referenced && budget > 0) {
                    n.referenced = false;
                    clock.add(n);
                } else if (map.remove(n.key, n)) {
                    retire(n);
                }
            }
        } finally {
            evictLock.unlock();
        }
    }

    private void retire(Node<K, V> n) {
        n.removed = true;
        weight.addAndGet(-n.weight);
        onRemoval.accept(n.value);
    }
}
