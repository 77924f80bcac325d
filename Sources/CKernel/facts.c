/*
 * A batch's yes/no facts and tallies, and the investment's scale and clamps, for many firms at once
 * (see ckernel.h): a scalar variant, written as the Swift loop it replaces, and an AVX2 one that
 * does four firms per step with the same comparisons and the same additions in the same order.
 */
#include "isa.h"

/* The sign bit of u - p: 1 when u < p (TrialKernel.drawFirms's `below`). */
static inline int below(double u, double p) {
    double d = u - p;
    uint64_t bits;
    __builtin_memcpy(&bits, &d, 8);
    return (int)(bits >> 63);
}

static void facts_scalar(int64_t from, int64_t n, const double *u_done, const double *u_pass, const double *u_cloud,
                         const double *u_smart, double p_done, double p_pass, double p_cloud, const int32_t *seg,
                         const double *smart_p, unsigned accept_lut, const double *investment, int32_t first,
                         uint8_t *flags, int32_t *accepted_out, int64_t *seg_tally, ck_facts *t) {
    for (int64_t i = from; i < n; i++) {
        int64_t s = seg[i];
        int d = below(u_done[i], p_done), ps = below(u_pass[i], p_pass);
        int cl = below(u_cloud[i], p_cloud), sm = below(u_smart[i], smart_p[s]);
        int a = (int)((accept_lut >> (d | ps << 1)) & 1u);
        flags[i] = (uint8_t)(d | ps << 1 | cl << 2 | sm << 3);
        t->done += d;
        t->cloud += cl;
        t->smart_accepted += sm & a;
        t->invested += investment[i];
        seg_tally[2 * s] += 1;
        seg_tally[2 * s + 1] += a;
        accepted_out[t->accepted] = first + (int32_t)i;
        t->accepted += a;
    }
}

static void scale_clamp_scalar(int64_t from, int64_t n, const double *q, const int32_t *seg, const double *scale,
                               const double *low, const double *high, double fallback, double lower, double lower_fill,
                               double upper, double *out) {
    for (int64_t i = from; i < n; i++) {
        int64_t s = seg[i];
        double x = high[s] > low[s] ? scale[s] * q[i] : fallback;
        if (!(x >= lower)) x = lower_fill;
        if (x > upper) x = upper;
        out[i] = x;
    }
}

#ifdef CK_X86
#include <immintrin.h>

/* Byte k of spread[m] is bit k of m (four 0/1 flags, one per firm, in one 32-bit store). */
static const uint32_t spread[16] = {
    0x00000000u, 0x00000001u, 0x00000100u, 0x00000101u, 0x00010000u, 0x00010001u, 0x00010100u, 0x00010101u,
    0x01000000u, 0x01000001u, 0x01000100u, 0x01000101u, 0x01010000u, 0x01010001u, 0x01010100u, 0x01010101u,
};
static const uint8_t bits4[16] = { 0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4 };
/* Row m: the positions of m's set bits, ascending (the rest 0): four firms' accepted ones in order. */
static const int32_t compress4[16][4] = {
    {0, 0, 0, 0}, {0, 0, 0, 0}, {1, 0, 0, 0}, {0, 1, 0, 0}, {2, 0, 0, 0}, {0, 2, 0, 0}, {1, 2, 0, 0}, {0, 1, 2, 0},
    {3, 0, 0, 0}, {0, 3, 0, 0}, {1, 3, 0, 0}, {0, 1, 3, 0}, {2, 3, 0, 0}, {0, 2, 3, 0}, {1, 2, 3, 0}, {0, 1, 2, 3},
};

CK_TARGET_AVX2 static void facts_avx2(int64_t n, const double *u_done, const double *u_pass, const double *u_cloud,
                                      const double *u_smart, double p_done, double p_pass, double p_cloud, const int32_t *seg,
                                      const double *smart_p, unsigned accept_lut, const double *investment, int32_t first,
                                      uint8_t *restrict flags, int32_t *restrict accepted_out, int64_t *restrict seg_tally,
                                      ck_facts *t) {
    const __m256d pd = _mm256_set1_pd(p_done), pp = _mm256_set1_pd(p_pass), pc = _mm256_set1_pd(p_cloud);
    /* The acceptance rule as four masks over (done, passes): all ones when that combination is accepted. */
    const unsigned l0 = (accept_lut & 1u) ? 0xFu : 0, l1 = (accept_lut & 2u) ? 0xFu : 0;
    const unsigned l2 = (accept_lut & 4u) ? 0xFu : 0, l3 = (accept_lut & 8u) ? 0xFu : 0;
    const int both = accept_lut == 8u;   /* accepted = done and passes, the usual rule */
    /* Totals in locals (the compiler cannot keep them in registers through the pointer). */
    int64_t done = t->done, acc = t->accepted, cloud = t->cloud, smart_acc = t->smart_accepted;
    double inv = t->invested;
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        __m128i s4 = _mm_loadu_si128((const __m128i *)(seg + i));
        /* movemask of u - p: the four sign bits. */
        unsigned md = (unsigned)_mm256_movemask_pd(_mm256_sub_pd(_mm256_loadu_pd(u_done + i), pd));
        unsigned mp = (unsigned)_mm256_movemask_pd(_mm256_sub_pd(_mm256_loadu_pd(u_pass + i), pp));
        unsigned mc = (unsigned)_mm256_movemask_pd(_mm256_sub_pd(_mm256_loadu_pd(u_cloud + i), pc));
        __m256d ps = _mm256_i32gather_pd(smart_p, s4, 8);
        unsigned ms = (unsigned)_mm256_movemask_pd(_mm256_sub_pd(_mm256_loadu_pd(u_smart + i), ps));
        unsigned ma = both ? md & mp : ((~md & ~mp & l0) | (md & ~mp & l1) | (~md & mp & l2) | (md & mp & l3)) & 0xFu;
        uint32_t fl = spread[md] | spread[mp] << 1 | spread[mc] << 2 | spread[ms] << 3;
        __builtin_memcpy(flags + i, &fl, 4);
        done += bits4[md];
        cloud += bits4[mc];
        smart_acc += bits4[ms & ma];
        /* In firm order, as the scalar loop adds them. */
        inv += investment[i]; inv += investment[i + 1]; inv += investment[i + 2]; inv += investment[i + 3];
        /* The accepted ones' indices in order, in one store of four (those past the accepted
         * count are overwritten later or left unread: accepted_out has room for n + 3). */
        __m128i idx = _mm_add_epi32(_mm_set1_epi32(first + (int32_t)i), _mm_loadu_si128((const __m128i *)compress4[ma]));
        _mm_storeu_si128((__m128i *)(accepted_out + acc), idx);
        acc += bits4[ma];
        for (int k = 0; k < 4; k++) {
            int64_t s = seg[i + k];
            seg_tally[2 * s] += 1;
            seg_tally[2 * s + 1] += (ma >> k) & 1u;
        }
    }
    t->done = done; t->accepted = acc; t->cloud = cloud; t->smart_accepted = smart_acc; t->invested = inv;
    facts_scalar(i, n, u_done, u_pass, u_cloud, u_smart, p_done, p_pass, p_cloud, seg, smart_p, accept_lut,
                 investment, first, flags, accepted_out, seg_tally, t);
}

CK_TARGET_AVX2 static void scale_clamp_avx2(int64_t n, const double *q, const int32_t *seg, const double *scale,
                                            const double *low, const double *high, double fallback, double lower,
                                            double lower_fill, double upper, double *out) {
    const __m256d fb = _mm256_set1_pd(fallback), lo = _mm256_set1_pd(lower), lf = _mm256_set1_pd(lower_fill);
    const __m256d up = _mm256_set1_pd(upper);
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        __m128i s4 = _mm_loadu_si128((const __m128i *)(seg + i));
        __m256d h = _mm256_i32gather_pd(high, s4, 8), l = _mm256_i32gather_pd(low, s4, 8), sc = _mm256_i32gather_pd(scale, s4, 8);
        __m256d x = _mm256_blendv_pd(fb, _mm256_mul_pd(sc, _mm256_loadu_pd(q + i)), _mm256_cmp_pd(h, l, _CMP_GT_OQ));
        x = _mm256_blendv_pd(lf, x, _mm256_cmp_pd(x, lo, _CMP_GE_OQ));      /* !(x >= lower): lower_fill */
        x = _mm256_blendv_pd(x, up, _mm256_cmp_pd(x, up, _CMP_GT_OQ));      /* x > upper: upper */
        _mm256_storeu_pd(out + i, x);
    }
    scale_clamp_scalar(i, n, q, seg, scale, low, high, fallback, lower, lower_fill, upper, out);
}
#endif

void ck_firm_facts_isa(int isa, int64_t n, const double *u_done, const double *u_pass, const double *u_cloud,
                       const double *u_smart, double p_done, double p_pass, double p_cloud, const int32_t *seg,
                       const double *smart_p, unsigned accept_lut, const double *investment, int32_t first,
                       uint8_t *flags, int32_t *accepted_out, int64_t *seg_tally, ck_facts *totals) {
    if (n <= 0) return;
    isa = ck_choose(isa);
#ifdef CK_X86
    if (isa >= CK_AVX2) {
        facts_avx2(n, u_done, u_pass, u_cloud, u_smart, p_done, p_pass, p_cloud, seg, smart_p, accept_lut,
                   investment, first, flags, accepted_out, seg_tally, totals);
        return;
    }
#endif
    facts_scalar(0, n, u_done, u_pass, u_cloud, u_smart, p_done, p_pass, p_cloud, seg, smart_p, accept_lut,
                 investment, first, flags, accepted_out, seg_tally, totals);
}

void ck_firm_facts(int64_t n, const double *u_done, const double *u_pass, const double *u_cloud,
                   const double *u_smart, double p_done, double p_pass, double p_cloud, const int32_t *seg,
                   const double *smart_p, unsigned accept_lut, const double *investment, int32_t first,
                   uint8_t *flags, int32_t *accepted_out, int64_t *seg_tally, ck_facts *totals) {
    ck_firm_facts_isa(ck_isa(), n, u_done, u_pass, u_cloud, u_smart, p_done, p_pass, p_cloud, seg, smart_p, accept_lut,
                      investment, first, flags, accepted_out, seg_tally, totals);
}

void ck_scale_clamp_isa(int isa, int64_t n, const double *q, const int32_t *seg, const double *scale,
                        const double *low, const double *high, double fallback, double lower, double lower_fill,
                        double upper, double *out) {
    if (n <= 0) return;
    isa = ck_choose(isa);
#ifdef CK_X86
    if (isa >= CK_AVX2) { scale_clamp_avx2(n, q, seg, scale, low, high, fallback, lower, lower_fill, upper, out); return; }
#endif
    scale_clamp_scalar(0, n, q, seg, scale, low, high, fallback, lower, lower_fill, upper, out);
}

void ck_scale_clamp(int64_t n, const double *q, const int32_t *seg, const double *scale,
                    const double *low, const double *high, double fallback, double lower, double lower_fill,
                    double upper, double *out) {
    ck_scale_clamp_isa(ck_isa(), n, q, seg, scale, low, high, fallback, lower, lower_fill, upper, out);
}
