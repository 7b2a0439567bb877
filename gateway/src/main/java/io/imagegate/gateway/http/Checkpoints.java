package io.imagegate.gateway.http;

/**
 * Told of every checkpoint a request reaches ({@link Call#checkpoint}), before it checks for a hang-up:
 * for tests, which hold a request at its first checkpoint to hang up at a known point of its work.
 * The gateway itself passes {@link #NONE}.
 */
@FunctionalInterface
public interface Checkpoints {

    Checkpoints NONE = (call, where) -> { };

    /** Called on the request's own thread; {@code where} names the boundary, e.g. {@code "commit.kept-chunk"}. */
    void reached(Call call, String where);
}
