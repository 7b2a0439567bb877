package io.imagegate.agent.nbd;

/** Constants of the NBD protocol (fixed newstyle negotiation, simple replies), as the spec names them. */
final class Nbd {

    private Nbd() {}

    static final long NBDMAGIC = 0x4e42444d41474943L;
    static final long IHAVEOPT = 0x49484156454F5054L;
    static final long OPTION_REPLY_MAGIC = 0x3e889045565a9L;
    static final int REQUEST_MAGIC = 0x25609513;
    static final int SIMPLE_REPLY_MAGIC = 0x67446698;
    static final int STRUCTURED_REPLY_MAGIC = 0x668e33ef;

    static final int REPLY_FLAG_DONE = 1;
    static final int REPLY_TYPE_NONE = 0;
    static final int REPLY_TYPE_OFFSET_DATA = 1;
    static final int REPLY_TYPE_BLOCK_STATUS = 5;
    static final int REPLY_TYPE_ERROR = (1 << 15) + 1;

    static final int FLAG_FIXED_NEWSTYLE = 1;
    static final int FLAG_NO_ZEROES = 2;
    static final int CLIENT_FLAGS_KNOWN = FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES;

    static final int OPT_EXPORT_NAME = 1;
    static final int OPT_ABORT = 2;
    static final int OPT_LIST = 3;
    static final int OPT_STARTTLS = 5;
    static final int OPT_INFO = 6;
    static final int OPT_GO = 7;
    static final int OPT_STRUCTURED_REPLY = 8;
    static final int OPT_LIST_META_CONTEXT = 9;
    static final int OPT_SET_META_CONTEXT = 10;

    static final int REP_ACK = 1;
    static final int REP_SERVER = 2;
    static final int REP_INFO = 3;
    static final int REP_META_CONTEXT = 4;
    static final int REP_ERR_UNSUP = 0x80000001;
    static final int REP_ERR_INVALID = 0x80000003;
    static final int REP_ERR_UNKNOWN = 0x80000006;
    static final int REP_ERR_TLS_REQD = 0x80000005;

    static final int INFO_EXPORT = 0;
    static final int INFO_NAME = 1;
    static final int INFO_DESCRIPTION = 2;
    static final int INFO_BLOCK_SIZE = 3;

    static final int TFLAG_HAS_FLAGS = 1;
    static final int TFLAG_READ_ONLY = 2;
    static final int TFLAG_SEND_FLUSH = 4;
    static final int TFLAG_SEND_FUA = 8;
    static final int TFLAG_SEND_TRIM = 32;
    static final int TFLAG_SEND_WRITE_ZEROES = 64;
    static final int TFLAG_SEND_DF = 128;
    static final int TFLAG_CAN_MULTI_CONN = 256;
    static final int TFLAG_SEND_CACHE = 1024;
    static final int TFLAG_SEND_FAST_ZERO = 2048;

    static final int CMD_READ = 0;
    static final int CMD_WRITE = 1;
    static final int CMD_DISC = 2;
    static final int CMD_FLUSH = 3;
    static final int CMD_TRIM = 4;
    static final int CMD_CACHE = 5;
    static final int CMD_WRITE_ZEROES = 6;
    static final int CMD_BLOCK_STATUS = 7;

    static final int CMD_FLAG_FUA = 1;
    static final int CMD_FLAG_NO_HOLE = 2;
    static final int CMD_FLAG_DF = 4;
    static final int CMD_FLAG_REQ_ONE = 8;
    static final int CMD_FLAG_FAST_ZERO = 16;

    /** The largest option the server reads; names are at most 4096 bytes, so anything larger is garbage. */
    static final int MAX_OPTION_LENGTH = 64 * 1024;
    /** The largest READ or WRITE payload, advertised as the maximum block size. */
    static final int MAX_PAYLOAD = 32 * 1024 * 1024;
    /** Advertised as the preferred block size; also the overlay's block, below which zeroing is not fast. */
    static final int PREFERRED_BLOCK = 4096;
}
