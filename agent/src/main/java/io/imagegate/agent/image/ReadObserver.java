package io.imagegate.agent.image;

/** Told about each guest read that reaches the base image (not read-ahead, not prefetch). */
@FunctionalInterface
public interface ReadObserver {
    void read(ImageVersion version, int firstChunk, int lastChunk);
}
