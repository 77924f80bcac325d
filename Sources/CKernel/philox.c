/*
 * The first eight outputs of many Philox4x32-10 streams (see ckernel.h): a scalar variant, and
 * AVX2 and AVX-512F variants compiled with target attributes and chosen at run time.
 *
 * Philox4x32-10 (Salmon et al., SC'11; Random123), as CGSL's `ss_philox4x32_10`: ten rounds of
 *   (c0, c1, c2, c3) <- (hi(M1 c2) ^ c1 ^ k0, lo(M1 c2), hi(M0 c0) ^ c3 ^ k1, lo(M0 c0)),
 * the key bumped by the Weyl constants before every round but the first.
 *
 * In one call every stream has the same counter words 2 and 3 and block j has counter word 0
 * equal to j; only word 1 differs. So in round 0 only the new c0 depends on the stream, in
 * round 1 only the new c2 and c3, in round 2 all but c3: the constant parts are computed once
 * per call, and the stream-dependent ones with one multiply each in rounds 1 and 2 (the same
 * operations on the same values, so the same bits as the plain rounds).
 *
 * Vector variants keep each 32-bit word in a 64-bit lane (one block per lane), because x86 has
 * a 32 x 32 -> 64 multiply per 64-bit lane (pmuludq) and no 32-bit high multiply: the lane's
 * upper half may hold garbage (the multiply reads only the lower half), and the output masks it.
 */
#include "isa.h"

#define M0 0xD2511F53u
#define M1 0xCD9E8D57u
#define W0 0x9E3779B9u
#define W1 0xBB67AE85u

/* Per-call constants of block j (see above), and the round keys: 32-bit values held in 64 bits,
 * so a vector variant broadcasts each from memory in one instruction. */
typedef struct {
    uint64_t k0[10], k1[10];
    /* Round 0: c0 = a0 ^ c1_stream; c1 = b1; c2 = b2; c3 = b3. */
    uint64_t a0, b1, b2, b3;
    /* Round 1: p0 = M0 * c0; c0 = e0; c1 = e1; c2 = hi(p0) ^ e2; c3 = lo(p0). */
    uint64_t e0, e1, e2;
    /* Round 2: p1 = M1 * c2; c0 = hi(p1) ^ g0; c1 = lo(p1); c2 = c3 ^ g2; c3 = g3. */
    uint64_t g0, g2, g3;
} block_consts;

static void make_consts(uint64_t key64, uint32_t j, uint32_t c2, uint32_t c3, block_consts *b) {
    uint32_t k0 = (uint32_t)key64, k1 = (uint32_t)(key64 >> 32);
    uint32_t rk0[10], rk1[10];
    for (int r = 0; r < 10; r++) {
        rk0[r] = k0; rk1[r] = k1;
        b->k0[r] = k0; b->k1[r] = k1;
        k0 += W0; k1 += W1;
    }
    uint64_t p0 = (uint64_t)M0 * j, p1 = (uint64_t)M1 * c2;
    /* Round 0. */
    uint32_t b1 = (uint32_t)p1, b2 = (uint32_t)(p0 >> 32) ^ c3 ^ rk1[0], b3 = (uint32_t)p0;
    b->a0 = (uint32_t)(p1 >> 32) ^ rk0[0];
    b->b1 = b1; b->b2 = b2; b->b3 = b3;
    /* Round 1: p1 = M1 * b2 is constant. */
    uint64_t q1 = (uint64_t)M1 * b2;
    uint32_t e0 = (uint32_t)(q1 >> 32) ^ b1 ^ rk0[1], e1 = (uint32_t)q1;
    b->e0 = e0; b->e1 = e1;
    b->e2 = b3 ^ rk1[1];
    /* Round 2: p0 = M0 * e0 is constant. */
    uint64_t r0 = (uint64_t)M0 * e0;
    b->g0 = e1 ^ rk0[2];
    b->g2 = (uint32_t)(r0 >> 32) ^ rk1[2];
    b->g3 = (uint32_t)r0;
}

/* One block of one stream (counter word 1 = c1) from the per-call constants. */
static inline void block_scalar(const block_consts *b, uint32_t c1s, uint32_t o[4]) {
    uint32_t c0, c1, c2, c3;
    /* Round 0. */
    c0 = (uint32_t)b->a0 ^ c1s;
    /* Round 1. */
    uint64_t p0 = (uint64_t)M0 * c0;
    c2 = (uint32_t)(p0 >> 32) ^ (uint32_t)b->e2;
    c3 = (uint32_t)p0;
    /* Round 2. */
    uint64_t p1 = (uint64_t)M1 * c2;
    c0 = (uint32_t)(p1 >> 32) ^ (uint32_t)b->g0;
    c1 = (uint32_t)p1;
    c2 = c3 ^ (uint32_t)b->g2;
    c3 = (uint32_t)b->g3;
    for (int r = 3; r < 10; r++) {
        uint64_t q0 = (uint64_t)M0 * c0, q1 = (uint64_t)M1 * c2;
        uint32_t n0 = (uint32_t)(q1 >> 32) ^ c1 ^ (uint32_t)b->k0[r];
        uint32_t n2 = (uint32_t)(q0 >> 32) ^ c3 ^ (uint32_t)b->k1[r];
        c0 = n0; c1 = (uint32_t)q1; c2 = n2; c3 = (uint32_t)q0;
    }
    o[0] = c0; o[1] = c1; o[2] = c2; o[3] = c3;
}

static inline double open_word(uint32_t w) { return ((double)w + 0.5) * 0x1.0p-32; }

static void uniforms_scalar(const block_consts bc[2], uint32_t c1_first, int64_t from, int64_t count,
                            double *out, int64_t stride) {
    for (int64_t i = from; i < count; i++) {
        uint32_t o[8];
        block_scalar(&bc[0], c1_first + (uint32_t)i, o);
        block_scalar(&bc[1], c1_first + (uint32_t)i, o + 4);
        for (int k = 0; k < 8; k++) out[k * stride + i] = open_word(o[k]);
    }
}

static void words_scalar(const block_consts bc[2], uint32_t c1_first, int64_t from, int64_t count, uint32_t *out) {
    for (int64_t i = from; i < count; i++) {
        block_scalar(&bc[0], c1_first + (uint32_t)i, out + 8 * i);
        block_scalar(&bc[1], c1_first + (uint32_t)i, out + 8 * i + 4);
    }
}

static void first_scalar(const block_consts *b0, uint32_t c1_first, int64_t from, int64_t count, double *out) {
    for (int64_t i = from; i < count; i++) {
        uint32_t o[4];
        block_scalar(b0, c1_first + (uint32_t)i, o);
        out[i] = open_word(o[0]);
    }
}

#ifdef CK_X86
#include <immintrin.h>

/* ---- AVX2: four streams per vector ---- */


/* A block's constants broadcast once per call, so each round reads them as memory operands. */
typedef struct { __m256i k0[10], k1[10], a0, e2, g0, g2, g3; } consts_avx2;

CK_TARGET_AVX2 static void broadcast_avx2(const block_consts *b, consts_avx2 *v) {
    for (int r = 0; r < 10; r++) { v->k0[r] = _mm256_set1_epi64x((long long)b->k0[r]); v->k1[r] = _mm256_set1_epi64x((long long)b->k1[r]); }
    v->a0 = _mm256_set1_epi64x((long long)b->a0); v->e2 = _mm256_set1_epi64x((long long)b->e2);
    v->g0 = _mm256_set1_epi64x((long long)b->g0); v->g2 = _mm256_set1_epi64x((long long)b->g2);
    v->g3 = _mm256_set1_epi64x((long long)b->g3);
}

/* Block j of streams c1v (four 64-bit lanes, counter word 1 in the low halves). */
CK_TARGET_AVX2 static inline void block_avx2(const consts_avx2 *b, __m256i c1v, __m256i o[4]) {
    const __m256i m0 = _mm256_set1_epi64x(M0), m1 = _mm256_set1_epi64x(M1);
    __m256i c0, c1, c2, c3;
    c0 = _mm256_xor_si256(c1v, b->a0);
    __m256i p0 = _mm256_mul_epu32(c0, m0);
    c2 = _mm256_xor_si256(_mm256_srli_epi64(p0, 32), b->e2);
    c3 = p0;
    __m256i p1 = _mm256_mul_epu32(c2, m1);
    c0 = _mm256_xor_si256(_mm256_srli_epi64(p1, 32), b->g0);
    c1 = p1;
    c2 = _mm256_xor_si256(c3, b->g2);
    c3 = b->g3;
    for (int r = 3; r < 10; r++) {
        __m256i q0 = _mm256_mul_epu32(c0, m0), q1 = _mm256_mul_epu32(c2, m1);
        __m256i n0 = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(q1, 32), c1), b->k0[r]);
        __m256i n2 = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(q0, 32), c3), b->k1[r]);
        c0 = n0; c1 = q1; c2 = n2; c3 = q0;
    }
    o[0] = c0; o[1] = c1; o[2] = c2; o[3] = c3;
}

/* (w + 1/2) / 2^32 of the low halves: 2^52 + w by the exponent trick, minus 2^52 - 1/2 (exact),
 * times 2^-32 (exact): the same double as open_word. */
CK_TARGET_AVX2 static inline __m256d open_avx2(__m256i v) {
    const __m256i low = _mm256_set1_epi64x(0xFFFFFFFFll), magic = _mm256_set1_epi64x(0x4330000000000000ll);
    __m256d d = _mm256_castsi256_pd(_mm256_or_si256(_mm256_and_si256(v, low), magic));
    return _mm256_mul_pd(_mm256_sub_pd(d, _mm256_set1_pd(0x1.0p52 - 0.5)), _mm256_set1_pd(0x1.0p-32));
}

CK_TARGET_AVX2 static void uniforms_avx2(const block_consts bcs[2], uint32_t c1_first, int64_t count, double *out, int64_t stride) {
    consts_avx2 bc[2];
    broadcast_avx2(&bcs[0], &bc[0]);
    broadcast_avx2(&bcs[1], &bc[1]);
    int64_t i = 0;
    for (; i + 4 <= count; i += 4) {
        uint32_t f = c1_first + (uint32_t)i;
        __m256i c1v = _mm256_set_epi64x(f + 3u, f + 2u, f + 1u, f);
        for (int j = 0; j < 2; j++) {
            __m256i o[4];
            block_avx2(&bc[j], c1v, o);
            for (int k = 0; k < 4; k++) _mm256_storeu_pd(out + (4 * j + k) * stride + i, open_avx2(o[k]));
        }
    }
    if (i < count) {
        /* The last 1-3 streams: one more vector into scratch, the lanes needed copied out. */
        uint32_t f = c1_first + (uint32_t)i;
        __m256i c1v = _mm256_set_epi64x(f + 3u, f + 2u, f + 1u, f);
        double t[8][4];
        for (int j = 0; j < 2; j++) {
            __m256i o[4];
            block_avx2(&bc[j], c1v, o);
            for (int k = 0; k < 4; k++) _mm256_storeu_pd(t[4 * j + k], open_avx2(o[k]));
        }
        for (int k = 0; k < 8; k++)
            for (int64_t s = 0; s < count - i; s++) out[k * stride + i + s] = t[k][s];
    }
}

CK_TARGET_AVX2 static void words_avx2(const block_consts bcs[2], uint32_t c1_first, int64_t count, uint32_t *out) {
    consts_avx2 bc[2];
    broadcast_avx2(&bcs[0], &bc[0]);
    broadcast_avx2(&bcs[1], &bc[1]);
    int64_t i = 0;
    const __m256i pick = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
    for (; i + 4 <= count; i += 4) {
        uint32_t f = c1_first + (uint32_t)i;
        __m256i c1v = _mm256_set_epi64x(f + 3u, f + 2u, f + 1u, f);
        uint32_t w[2][4][4];   /* [block][word][stream] */
        for (int j = 0; j < 2; j++) {
            __m256i o[4];
            block_avx2(&bc[j], c1v, o);
            for (int k = 0; k < 4; k++)
                _mm_storeu_si128((__m128i *)w[j][k], _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(o[k], pick)));
        }
        for (int s = 0; s < 4; s++)
            for (int j = 0; j < 2; j++)
                for (int k = 0; k < 4; k++) out[8 * (i + s) + 4 * j + k] = w[j][k][s];
    }
    words_scalar(bcs, c1_first, i, count, out);
}

CK_TARGET_AVX2 static void first_avx2(const block_consts *b0, uint32_t c1_first, int64_t count, double *out) {
    consts_avx2 bc;
    broadcast_avx2(b0, &bc);
    int64_t i = 0;
    for (; i + 4 <= count; i += 4) {
        uint32_t f = c1_first + (uint32_t)i;
        __m256i o[4];
        block_avx2(&bc, _mm256_set_epi64x(f + 3u, f + 2u, f + 1u, f), o);
        _mm256_storeu_pd(out + i, open_avx2(o[0]));
    }
    first_scalar(b0, c1_first, i, count, out);
}

/* ---- AVX-512F: eight streams per vector ---- */


typedef struct { __m512i k0[10], k1[10], a0, e2, g0, g2, g3; } consts_avx512;

CK_TARGET_AVX512 static void broadcast_avx512(const block_consts *b, consts_avx512 *v) {
    for (int r = 0; r < 10; r++) { v->k0[r] = _mm512_set1_epi64((long long)b->k0[r]); v->k1[r] = _mm512_set1_epi64((long long)b->k1[r]); }
    v->a0 = _mm512_set1_epi64((long long)b->a0); v->e2 = _mm512_set1_epi64((long long)b->e2);
    v->g0 = _mm512_set1_epi64((long long)b->g0); v->g2 = _mm512_set1_epi64((long long)b->g2);
    v->g3 = _mm512_set1_epi64((long long)b->g3);
}

CK_TARGET_AVX512 static inline void block_avx512(const consts_avx512 *b, __m512i c1v, __m512i o[4]) {
    const __m512i m0 = _mm512_set1_epi64(M0), m1 = _mm512_set1_epi64(M1);
    __m512i c0, c1, c2, c3;
    c0 = _mm512_xor_si512(c1v, b->a0);
    __m512i p0 = _mm512_mul_epu32(c0, m0);
    c2 = _mm512_xor_si512(_mm512_srli_epi64(p0, 32), b->e2);
    c3 = p0;
    __m512i p1 = _mm512_mul_epu32(c2, m1);
    c0 = _mm512_xor_si512(_mm512_srli_epi64(p1, 32), b->g0);
    c1 = p1;
    c2 = _mm512_xor_si512(c3, b->g2);
    c3 = b->g3;
    for (int r = 3; r < 10; r++) {
        __m512i q0 = _mm512_mul_epu32(c0, m0), q1 = _mm512_mul_epu32(c2, m1);
        /* 0x96: a ^ b ^ c in one ternary-logic instruction. */
        __m512i n0 = _mm512_ternarylogic_epi64(_mm512_srli_epi64(q1, 32), c1, b->k0[r], 0x96);
        __m512i n2 = _mm512_ternarylogic_epi64(_mm512_srli_epi64(q0, 32), c3, b->k1[r], 0x96);
        c0 = n0; c1 = q1; c2 = n2; c3 = q0;
    }
    o[0] = c0; o[1] = c1; o[2] = c2; o[3] = c3;
}

CK_TARGET_AVX512 static inline __m512d open_avx512(__m512i v) {
    const __m512i low = _mm512_set1_epi64(0xFFFFFFFFll), magic = _mm512_set1_epi64(0x4330000000000000ll);
    /* 0xEA: (a & b) | c. */
    __m512d d = _mm512_castsi512_pd(_mm512_ternarylogic_epi64(v, low, magic, 0xEA));
    return _mm512_mul_pd(_mm512_sub_pd(d, _mm512_set1_pd(0x1.0p52 - 0.5)), _mm512_set1_pd(0x1.0p-32));
}

CK_TARGET_AVX512 static void uniforms_avx512(const block_consts bcs[2], uint32_t c1_first, int64_t count, double *out, int64_t stride) {
    consts_avx512 bc[2];
    broadcast_avx512(&bcs[0], &bc[0]);
    broadcast_avx512(&bcs[1], &bc[1]);
    int64_t i = 0;
    for (; i + 8 <= count; i += 8) {
        uint32_t f = c1_first + (uint32_t)i;
        __m512i c1v = _mm512_set_epi64(f + 7u, f + 6u, f + 5u, f + 4u, f + 3u, f + 2u, f + 1u, f);
        for (int j = 0; j < 2; j++) {
            __m512i o[4];
            block_avx512(&bc[j], c1v, o);
            for (int k = 0; k < 4; k++) _mm512_storeu_pd(out + (4 * j + k) * stride + i, open_avx512(o[k]));
        }
    }
    if (i < count) {
        /* The last 1-7 streams: masked stores of one more vector. */
        uint32_t f = c1_first + (uint32_t)i;
        __m512i c1v = _mm512_set_epi64(f + 7u, f + 6u, f + 5u, f + 4u, f + 3u, f + 2u, f + 1u, f);
        __mmask8 m = (__mmask8)((1u << (count - i)) - 1u);
        for (int j = 0; j < 2; j++) {
            __m512i o[4];
            block_avx512(&bc[j], c1v, o);
            for (int k = 0; k < 4; k++) _mm512_mask_storeu_pd(out + (4 * j + k) * stride + i, m, open_avx512(o[k]));
        }
    }
}

CK_TARGET_AVX512 static void words_avx512(const block_consts bcs[2], uint32_t c1_first, int64_t count, uint32_t *out) {
    consts_avx512 bc[2];
    broadcast_avx512(&bcs[0], &bc[0]);
    broadcast_avx512(&bcs[1], &bc[1]);
    int64_t i = 0;
    for (; i + 8 <= count; i += 8) {
        uint32_t f = c1_first + (uint32_t)i;
        __m512i c1v = _mm512_set_epi64(f + 7u, f + 6u, f + 5u, f + 4u, f + 3u, f + 2u, f + 1u, f);
        uint32_t w[2][4][8];
        for (int j = 0; j < 2; j++) {
            __m512i o[4];
            block_avx512(&bc[j], c1v, o);
            for (int k = 0; k < 4; k++) _mm256_storeu_si256((__m256i *)w[j][k], _mm512_cvtepi64_epi32(o[k]));
        }
        for (int s = 0; s < 8; s++)
            for (int j = 0; j < 2; j++)
                for (int k = 0; k < 4; k++) out[8 * (i + s) + 4 * j + k] = w[j][k][s];
    }
    words_scalar(bcs, c1_first, i, count, out);
}

#endif

static void consts2(uint64_t key64, uint32_t c2, uint32_t c3, block_consts bc[2]) {
    make_consts(key64, 0, c2, c3, &bc[0]);
    make_consts(key64, 1, c2, c3, &bc[1]);
}

void ck_philox_uniforms8_isa(int isa, uint64_t key64, uint32_t c1_first, uint32_t c2, uint32_t c3,
                           int64_t count, double *out, int64_t stride) {
    if (count <= 0) return;
    block_consts bc[2];
    consts2(key64, c2, c3, bc);
    isa = ck_choose(isa);
#ifdef CK_X86
    if (isa == CK_AVX512) { uniforms_avx512(bc, c1_first, count, out, stride); return; }
    if (isa == CK_AVX2) { uniforms_avx2(bc, c1_first, count, out, stride); return; }
#endif
    uniforms_scalar(bc, c1_first, 0, count, out, stride);
}

void ck_philox_words8_isa(int isa, uint64_t key64, uint32_t c1_first, uint32_t c2, uint32_t c3,
                        int64_t count, uint32_t *out) {
    if (count <= 0) return;
    block_consts bc[2];
    consts2(key64, c2, c3, bc);
    isa = ck_choose(isa);
#ifdef CK_X86
    if (isa == CK_AVX512) { words_avx512(bc, c1_first, count, out); return; }
    if (isa == CK_AVX2) { words_avx2(bc, c1_first, count, out); return; }
#endif
    words_scalar(bc, c1_first, 0, count, out);
}

void ck_philox_uniforms8(uint64_t key64, uint32_t c1_first, uint32_t c2, uint32_t c3,
                       int64_t count, double *out, int64_t stride) {
    ck_philox_uniforms8_isa(ck_isa(), key64, c1_first, c2, c3, count, out, stride);
}

void ck_philox_words8(uint64_t key64, uint32_t c1_first, uint32_t c2, uint32_t c3,
                    int64_t count, uint32_t *out) {
    ck_philox_words8_isa(ck_isa(), key64, c1_first, c2, c3, count, out);
}

void ck_philox_first_isa(int isa, uint64_t key64, uint32_t c1_first, uint32_t c2, uint32_t c3,
                         int64_t count, double *out) {
    if (count <= 0) return;
    block_consts b0;
    make_consts(key64, 0, c2, c3, &b0);
    isa = ck_choose(isa);
#ifdef CK_X86
    if (isa >= CK_AVX2) { first_avx2(&b0, c1_first, count, out); return; }
#endif
    first_scalar(&b0, c1_first, 0, count, out);
}

void ck_philox_first(uint64_t key64, uint32_t c1_first, uint32_t c2, uint32_t c3, int64_t count, double *out) {
    ck_philox_first_isa(ck_isa(), key64, c1_first, c2, c3, count, out);
}
