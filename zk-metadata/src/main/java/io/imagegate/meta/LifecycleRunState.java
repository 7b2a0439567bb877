package io.imagegate.meta;

import java.time.Instant;

/**
 * Where the lifecycle rules' runs stand (znode {@code lifecycle}, docs/FORMAT-zookeeper.md,
 * "Lifecycle"): when the last run ended, and the run under way, if any. Only the holder of the
 * collector lock writes it.
 *
 * @param lastCompleted the evaluation time of the last run that finished, or null
 * @param running       the run under way (or interrupted, to be resumed), or null
 */
public record LifecycleRunState(Instant lastCompleted, Checkpoint running) {

    /**
     * A run under way. Every rule is judged at {@code now}, also after a resume. Buckets before
     * {@code bucket} (in name order) are done; in {@code bucket}, every key up to {@code afterKey}
     * (null: none yet), or all of it when {@code bucketDone}. A null {@code bucket}: nothing done yet.
     */
    public record Checkpoint(String run, Instant now, Instant started, String bucket, String afterKey,
                             boolean bucketDone) {

        public Checkpoint at(String inBucket, String doneKey) {
            return new Checkpoint(run, now, started, inBucket, doneKey, false);
        }

        public Checkpoint finished(String doneBucket) {
            return new Checkpoint(run, now, started, doneBucket, null, true);
        }
    }

    public static LifecycleRunState none() {
        return new LifecycleRunState(null, null);
    }
}
