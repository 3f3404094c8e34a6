/*
 * SHA-1 of a torrent's pieces, four pieces at a time, with the x86 SHA extensions (SHA-NI).
 *
 * Why this exists: a SHA-NI SHA-1 is a chain of dependent sha1rnds4 instructions, so one message
 * leaves the unit idle most of the time; four independent messages (a torrent's pieces are
 * independent) interleaved round group by round group keep it busy. Measured on this project's
 * 2-core EPYC: 4.2 GB/s per core against 1.9 GB/s for OpenSSL's SHA1, which hashes one message at a
 * time (bench/RESULTS.md, "create: four pieces at a time"). The instructions do the hashing; this
 * file only schedules the message words (FIPS 180-4, 6.1.2) and the padding (5.1.1).
 *
 * Used from Java through the FFM API (org.enjambre.hash.Sha1Pieces); every function has the
 * shape long f(long, long, long, long), the one downcall shape the JVM links for SHA-1, so no
 * second stub is spun at start. Built by src/main/c/build.sh when a C compiler is there; without
 * it, or on a CPU without SHA-NI, Java hashes with libcrypto or the JDK as before.
 */
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#define TARGET __attribute__((target("sha,ssse3,sse4.1")))

/* The big-endian load of a 16-byte word group: the bytes of each 32-bit word reversed, words reversed. */
#define LOAD(p, i) _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *) ((p) + 16 * (i))), MASK)

/*
 * Round group i (rounds 4i..4i+3, i = 0..19) of lane s. M[i % 4] holds message words 4i..4i+3;
 * the same group also advances the schedule: msg1 starts words 4(i+3).., an xor adds words
 * 4(i+2).., msg2 finishes words 4(i+1)... E0/E1 alternate as the "E plus words" input.
 */
#define GROUP(s, i) do { \
    if ((i) == 0) { E0##s = _mm_add_epi32(E0##s, M##s[0]); } \
    else if ((i) & 1) { E1##s = _mm_sha1nexte_epu32(E1##s, M##s[(i) & 3]); } \
    else { E0##s = _mm_sha1nexte_epu32(E0##s, M##s[(i) & 3]); } \
    if ((i) & 1) { E0##s = ABCD##s; ABCD##s = _mm_sha1rnds4_epu32(ABCD##s, E1##s, (i) / 5); } \
    else { E1##s = ABCD##s; ABCD##s = _mm_sha1rnds4_epu32(ABCD##s, E0##s, (i) / 5); } \
    if ((i) >= 3 && (i) <= 18) M##s[((i) + 1) & 3] = _mm_sha1msg2_epu32(M##s[((i) + 1) & 3], M##s[(i) & 3]); \
    if ((i) >= 1 && (i) <= 16) M##s[((i) + 3) & 3] = _mm_sha1msg1_epu32(M##s[((i) + 3) & 3], M##s[(i) & 3]); \
    if ((i) >= 2 && (i) <= 17) M##s[((i) + 2) & 3] = _mm_xor_si128(M##s[((i) + 2) & 3], M##s[(i) & 3]); \
} while (0)

#define LANE_STATE(s) __m128i ABCD##s, E0##s, E1##s, M##s[4], savedABCD##s, savedE##s
#define LANE_IN(s, st) do { \
    ABCD##s = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *) (st)), 0x1B); \
    E0##s = _mm_set_epi32((int) (st)[4], 0, 0, 0); \
} while (0)
#define LANE_BEGIN(s, p) do { \
    savedABCD##s = ABCD##s; savedE##s = E0##s; \
    M##s[0] = LOAD(p, 0); M##s[1] = LOAD(p, 1); M##s[2] = LOAD(p, 2); M##s[3] = LOAD(p, 3); \
} while (0)
#define LANE_END(s) do { \
    E0##s = _mm_sha1nexte_epu32(E0##s, savedE##s); ABCD##s = _mm_add_epi32(ABCD##s, savedABCD##s); \
} while (0)
#define LANE_OUT(s, st) do { \
    _mm_storeu_si128((__m128i *) (st), _mm_shuffle_epi32(ABCD##s, 0x1B)); \
    (st)[4] = (uint32_t) _mm_extract_epi32(E0##s, 3); \
} while (0)

#define ROUNDS(G) G(0); G(1); G(2); G(3); G(4); G(5); G(6); G(7); G(8); G(9); \
    G(10); G(11); G(12); G(13); G(14); G(15); G(16); G(17); G(18); G(19)

/* n 64-byte blocks of one message into its state. */
TARGET static void blocks1(uint32_t st[5], const uint8_t *p, size_t n) {
    const __m128i MASK = _mm_set_epi64x(0x0001020304050607ULL, 0x08090a0b0c0d0e0fULL);
    LANE_STATE(a);
    LANE_IN(a, st);
    for (; n > 0; n--, p += 64) {
        LANE_BEGIN(a, p);
#define G1(i) GROUP(a, i)
        ROUNDS(G1);
        LANE_END(a);
    }
    LANE_OUT(a, st);
}

/* n 64-byte blocks of four messages of the same length, interleaved. */
TARGET static void blocks4(uint32_t *st[4], const uint8_t *p[4], size_t n) {
    const __m128i MASK = _mm_set_epi64x(0x0001020304050607ULL, 0x08090a0b0c0d0e0fULL);
    const uint8_t *pa = p[0], *pb = p[1], *pc = p[2], *pd = p[3];
    LANE_STATE(a); LANE_STATE(b); LANE_STATE(c); LANE_STATE(d);
    LANE_IN(a, st[0]); LANE_IN(b, st[1]); LANE_IN(c, st[2]); LANE_IN(d, st[3]);
    for (; n > 0; n--, pa += 64, pb += 64, pc += 64, pd += 64) {
        LANE_BEGIN(a, pa); LANE_BEGIN(b, pb); LANE_BEGIN(c, pc); LANE_BEGIN(d, pd);
#define G4(i) GROUP(a, i); GROUP(b, i); GROUP(c, i); GROUP(d, i)
        ROUNDS(G4);
        LANE_END(a); LANE_END(b); LANE_END(c); LANE_END(d);
    }
    LANE_OUT(a, st[0]); LANE_OUT(b, st[1]); LANE_OUT(c, st[2]); LANE_OUT(d, st[3]);
}

static void start(uint32_t st[5]) {
    st[0] = 0x67452301u; st[1] = 0xEFCDAB89u; st[2] = 0x98BADCFEu; st[3] = 0x10325476u; st[4] = 0xC3D2E1F0u;
}

/* The message's last bytes (fewer than 64, after its whole blocks), the padding and the length; the digest into out. */
TARGET static void finish(uint32_t st[5], const uint8_t *tail, size_t tailLength, uint64_t length, uint8_t *out) {
    uint8_t last[128];
    size_t padded = tailLength < 56 ? 64 : 128;
    memset(last, 0, sizeof last);
    memcpy(last, tail, tailLength);
    last[tailLength] = 0x80;
    uint64_t bits = length * 8;
    for (int i = 0; i < 8; i++) {
        last[padded - 1 - i] = (uint8_t) (bits >> (8 * i));
    }
    blocks1(st, last, padded / 64);
    for (int i = 0; i < 5; i++) {
        out[4 * i] = (uint8_t) (st[i] >> 24);
        out[4 * i + 1] = (uint8_t) (st[i] >> 16);
        out[4 * i + 2] = (uint8_t) (st[i] >> 8);
        out[4 * i + 3] = (uint8_t) st[i];
    }
}

/* One message of any length. */
TARGET static void digest1(const uint8_t *p, size_t length, uint8_t *out) {
    uint32_t st[5];
    start(st);
    blocks1(st, p, length / 64);
    finish(st, p + length / 64 * 64, length % 64, length, out);
}

/* Four messages of the same length. */
TARGET static void digest4(const uint8_t *p, size_t length, uint8_t *out) {
    uint32_t s[4][5];
    uint32_t *st[4] = {s[0], s[1], s[2], s[3]};
    const uint8_t *lanes[4] = {p, p + length, p + 2 * length, p + 3 * length};
    for (int i = 0; i < 4; i++) {
        start(s[i]);
    }
    blocks4(st, lanes, length / 64);
    for (int i = 0; i < 4; i++) {
        finish(s[i], lanes[i] + length / 64 * 64, length % 64, length, out + 20 * i);
    }
}

/* 1 when this CPU has the SHA extensions and SSE4.1 (CPUID leaf 7 EBX bit 29, leaf 1 ECX bit 19), else 0. */
long enjambre_sha1_supported(long unused1, long unused2, long unused3, long unused4) {
    (void) unused1; (void) unused2; (void) unused3; (void) unused4;
    unsigned int eax, ebx, ecx, edx;
    __asm__ volatile("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(0), "c"(0));
    if (eax < 7) {
        return 0;
    }
    __asm__ volatile("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(1), "c"(0));
    int sse41 = (ecx >> 19) & 1;
    __asm__ volatile("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(7), "c"(0));
    return sse41 && ((ebx >> 29) & 1);
}

/*
 * The SHA-1 of each piece of the total bytes at data, cut into pieces of pieceLength bytes (the
 * last one shorter when total is not a multiple), the 20-byte digests end to end at out.
 * Returns the number of pieces, or -1 for arguments that make no sense. Call it only when
 * enjambre_sha1_supported() said 1.
 */
long enjambre_sha1_pieces(long data, long total, long pieceLength, long out) {
    if (data == 0 || out == 0 || total < 0 || pieceLength <= 0) {
        return -1;
    }
    const uint8_t *p = (const uint8_t *) (uintptr_t) data;
    uint8_t *digests = (uint8_t *) (uintptr_t) out;
    long whole = total / pieceLength;
    long pieces = 0;
    for (; pieces + 4 <= whole; pieces += 4) {
        digest4(p + pieces * pieceLength, (size_t) pieceLength, digests + 20 * pieces);
    }
    for (; pieces < whole; pieces++) {
        digest1(p + pieces * pieceLength, (size_t) pieceLength, digests + 20 * pieces);
    }
    if (total % pieceLength != 0 || total == 0) {
        digest1(p + pieces * pieceLength, (size_t) (total - pieces * pieceLength), digests + 20 * pieces);
        pieces++;
    }
    return pieces;
}
