package io.imagegate.chunk;

import java.io.FileNotFoundException;

/** A read named a pack the store does not hold (never written, not yet sealed, or collected). */
public class PackNotFoundException extends FileNotFoundException {

    private final transient PackId pack;

    public PackNotFoundException(PackId pack) {
        super("no such pack: " + pack);
        this.pack = pack;
    }

    public PackNotFoundException(PackId pack, String message) {
        super(message);
        this.pack = pack;
    }

    public PackId pack() {
        return pack;
    }
}
