package io.imagegate.agent.nbd;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * NBD_OPT_LIST_META_CONTEXT and NBD_OPT_SET_META_CONTEXT: what a client asks for, and which of the
 * contexts this server has match. The only one is {@code base:allocation} (holes and zeros, for
 * NBD_CMD_BLOCK_STATUS).
 */
final class MetaContexts {

    static final String BASE_ALLOCATION = "base:allocation";
    /** The id base:allocation gets in NBD_REP_META_CONTEXT and in block status replies. */
    static final int BASE_ALLOCATION_ID = 1;

    private MetaContexts() {}

    /** A request: the export it is for and its queries. */
    record Request(String export, List<String> queries) {}

    /** Parses the option's data: u32 name length, name, u32 query count, each query u32 length and string. */
    static Request parse(byte[] data) {
        ByteBuffer b = ByteBuffer.wrap(data);
        try {
            String export = string(b);
            int n = b.getInt();
            if (n < 0 || n > b.remaining() / 4) {
                throw new IllegalArgumentException("query count " + Integer.toUnsignedString(n) + " beyond the option");
            }
            List<String> queries = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                queries.add(string(b));
            }
            if (b.hasRemaining()) {
                throw new IllegalArgumentException(b.remaining() + " bytes after the last query");
            }
            return new Request(export, queries);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated request");
        }
    }

    private static String string(ByteBuffer b) {
        int len = b.getInt();
        if (len < 0 || len > b.remaining()) {
            throw new IllegalArgumentException("a string of " + Integer.toUnsignedString(len) + " bytes beyond the option");
        }
        byte[] s = new byte[len];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    /**
     * Whether the request selects base:allocation. Listing with no query, or with the query
     * {@code base:} (every context of the namespace), lists it; otherwise only its exact name
     * does. Queries of other namespaces match nothing here.
     */
    static boolean selectsBaseAllocation(Request r, boolean listing) {
        if (listing && r.queries().isEmpty()) {
            return true;
        }
        for (String q : r.queries()) {
            if (q.equals(BASE_ALLOCATION) || listing && q.equals("base:")) {
                return true;
            }
        }
        return false;
    }
}
