package io.imagegate.tls;

import java.io.IOException;
import java.nio.file.Path;

/** A certificate, key or CA bundle file that cannot be used; the message names the file and says why. */
public final class TlsFileException extends IOException {

    private final transient Path file;

    public TlsFileException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public TlsFileException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The file at fault. */
    public Path file() {
        return file;
    }
}
