package io.imagegate.chunk;

import java.io.IOException;

/** A sealed pack whose framing (magic, footer index, trailer) is damaged. */
public class CorruptPackException extends IOException {

    private final transient PackId pack;

    public CorruptPackException(PackId pack, String message) {
        super("pack " + pack + ": " + message);
        this.pack = pack;
    }

    public PackId pack() {
        return pack;
    }
}
