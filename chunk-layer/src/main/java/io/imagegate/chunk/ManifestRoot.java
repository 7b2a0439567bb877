package io.imagegate.chunk;

/**
 * What a version record stores to find an object's bytes: the reference to the top of its
 * manifest tree, the object's size, and the nominal chunk size it was cut with. Encodes to a
 * short string for the metadata layer, which treats it as opaque.
 *
 * @param top   a manifest page, or for an object of exactly one chunk the chunk itself; null
 *              for an empty object
 * @param depth 0 when {@code top} is a data chunk, otherwise the height of the page tree
 *              (1 = a leaf page of chunk references)
 */
public record ManifestRoot(ChunkRef top, int depth, long size, int chunkSize) {

    public static ManifestRoot empty(int chunkSize) {
        return new ManifestRoot(null, 0, 0, chunkSize);
    }

    /** Largest chunk any writer cuts; longer data references are corrupt. */
    public static final int MAX_CHUNK_SIZE = 4 * 1024 * 1024;

    /** Tree heights stop here: a deeper tree can only come from corrupt or hostile input. */
    public static final int MAX_DEPTH = 255;

    private static final String VERSION = "m1";

    /**
     * The form stored in version records; {@link #decode} reads it back. ASCII, colon-separated:
     * {@code m1:<chunkSize>:<size>:<depth>:<hash>:<pack>:<offset>:<length>}, or
     * {@code m1:<chunkSize>:<size>:<depth>:-} for an empty object.
     */
    public String encode() {
        StringBuilder sb = new StringBuilder(150).append(VERSION)
                .append(':').append(chunkSize).append(':').append(size).append(':').append(depth).append(':');
        if (top == null) {
            return sb.append('-').toString();
        }
        return sb.append(top.hash().hex()).append(':').append(top.pack().hex())
                .append(':').append(top.offset()).append(':').append(top.length()).toString();
    }

    /** Parses exactly {@link #encode}'s form; anything else throws {@link IllegalArgumentException}. */
    public static ManifestRoot decode(String encoded) {
        if (encoded == null || encoded.length() > 200) {
            throw new IllegalArgumentException("not a manifest root: " + abbreviate(encoded));
        }
        String[] f = encoded.split(":", -1);
        if (!f[0].equals(VERSION)) {
            throw new IllegalArgumentException("unknown manifest root version: " + abbreviate(encoded));
        }
        if (f.length != 5 && f.length != 8) {
            throw new IllegalArgumentException("manifest root has " + f.length + " fields: " + encoded);
        }
        int chunkSize = (int) decimal(f[1], Integer.MAX_VALUE, encoded);
        long size = decimal(f[2], Long.MAX_VALUE, encoded);
        int depth = (int) decimal(f[3], MAX_DEPTH, encoded);
        ChunkRef top = null;
        if (f.length == 5) {
            if (!f[4].equals("-")) {
                throw new IllegalArgumentException("manifest root without a top must end in '-': " + encoded);
            }
        } else {
            top = new ChunkRef(hex(f[4], ChunkHash::parse, encoded), hex(f[5], PackId::parse, encoded),
                    decimal(f[6], Long.MAX_VALUE, encoded), (int) decimal(f[7], Integer.MAX_VALUE, encoded));
        }
        ManifestRoot root = new ManifestRoot(top, depth, size, chunkSize);
        root.checkConsistent(encoded);
        if (!root.encode().equals(encoded)) {
            // leading zeros, upper-case hex: one root, one string, so roots can be compared as text
            throw new IllegalArgumentException("manifest root is not in canonical form: " + encoded);
        }
        return root;
    }

    private void checkConsistent(String encoded) {
        String problem = null;
        if (chunkSize == 0) {
            problem = "chunk size 0";
        } else if (top == null && (depth != 0 || size != 0)) {
            problem = "no top but depth or size";
        } else if (top != null && depth == 0 && (top.length() != size || size == 0 || size > MAX_CHUNK_SIZE)) {
            problem = "a single-chunk object's size must be its chunk's length";
        } else if (top != null && depth > 0 && top.isZero()) {
            problem = "a manifest page cannot be a zero run";
        }
        if (problem != null) {
            throw new IllegalArgumentException("inconsistent manifest root (" + problem + "): " + encoded);
        }
    }

    private static long decimal(String s, long max, String whole) {
        boolean digits = !s.isEmpty() && s.length() <= 19 && s.chars().allMatch(c -> c >= '0' && c <= '9');
        try {
            long v = digits ? Long.parseLong(s) : -1;
            if (v >= 0 && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // falls through to the error below
        }
        throw new IllegalArgumentException("bad number '" + abbreviate(s) + "' in manifest root: " + whole);
    }

    private static <T> T hex(String s, java.util.function.Function<String, T> parser, String whole) {
        try {
            return parser.apply(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad hex '" + abbreviate(s) + "' in manifest root: " + whole, e);
        }
    }

    private static String abbreviate(String s) {
        return s == null ? "null" : s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
