package io.imagegate.gateway.checksum;

/**
 * Combines the CRCs of two adjacent byte ranges into the CRC of their concatenation without
 * the data, the way zlib's {@code crc32_combine} does, for any reflected CRC whose initial
 * value and final XOR are all ones (CRC32, CRC32C, CRC64NVME).
 *
 * <p>Why it works: appending {@code n} bytes multiplies the first CRC's polynomial by
 * {@code x^(8n)} modulo the generator, and the all-ones conditioning cancels between the two
 * terms. So {@code crc(A||B) = crc(A) * x^(8|B|) mod P  xor  crc(B)}. The powers
 * {@code x^(2^k) mod P} are precomputed, which makes one combine cost O(log |B|)
 * multiplications of two register-wide polynomials.
 */
public final class CrcCombine {

    /** Enough squarings for any byte count a long can hold (bit counts up to 2^66). */
    private static final int POWERS = 67;

    private final int width;
    private final long poly;
    private final long one;
    private final long[] x2nPowers;

    /** @param width 32 or 64; @param reflectedPoly the generator in reflected bit order. */
    public CrcCombine(int width, long reflectedPoly) {
        if (width != 32 && width != 64) {
            throw new IllegalArgumentException("width must be 32 or 64");
        }
        this.width = width;
        this.poly = reflectedPoly;
        this.one = 1L << (width - 1);
        this.x2nPowers = new long[POWERS];
        long p = one >>> 1; // x^1
        for (int k = 0; k < POWERS; k++) {
            x2nPowers[k] = p;
            p = multiply(p, p);
        }
    }

    /** Combiners for the three CRCs S3 supports. */
    public static final CrcCombine CRC32 = new CrcCombine(32, 0xEDB88320L);
    public static final CrcCombine CRC32C = new CrcCombine(32, 0x82F63B78L);
    public static final CrcCombine CRC64NVME = new CrcCombine(64, Crc64Nvme.POLY_REFLECTED);

    /** The CRC of A followed by B, given crc(A), crc(B) and the length of B in bytes. */
    public long combine(long crcA, long crcB, long lengthB) {
        if (lengthB < 0) {
            throw new IllegalArgumentException("negative length");
        }
        return mask(multiply(xPowerOfBytes(lengthB), mask(crcA)) ^ mask(crcB));
    }

    /** x^(8 * bytes) mod P, from the bits of the byte count. */
    private long xPowerOfBytes(long bytes) {
        long p = one; // x^0
        int k = 3; // 8 = 2^3 bits per byte
        for (long n = bytes; n != 0; n >>>= 1, k++) {
            if ((n & 1) != 0) {
                p = multiply(x2nPowers[k], p);
            }
        }
        return p;
    }

    /** a(x) * b(x) mod P in reflected representation, where the x^0 term is the top bit. */
    private long multiply(long a, long b) {
        long m = one;
        long product = 0;
        while (m != 0) {
            if ((a & m) != 0) {
                product ^= b;
                if ((a & (m - 1)) == 0) {
                    break;
                }
            }
            m >>>= 1;
            b = (b & 1) != 0 ? (b >>> 1) ^ poly : b >>> 1;
        }
        return product;
    }

    private long mask(long v) {
        return width == 64 ? v : v & 0xFFFFFFFFL;
    }
}
