package io.imagegate.gateway.http;

import java.io.IOException;

/** Writing the response failed because the client went away: nothing to answer, and not a storage failure. */
public final class ClientGoneException extends IOException {

    public ClientGoneException(IOException cause) {
        super("the client closed the connection: " + cause.getMessage(), cause);
    }
}
