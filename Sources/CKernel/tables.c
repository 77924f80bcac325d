/*
 * Quantile-table look-ups and segment draws for many firms at once (see ckernel.h): a scalar
 * variant and an AVX2 one (gathers for the table and per-segment values), chosen at run time.
 * Both do, per element, the IEEE operations of the Swift code they replace, in its order.
 */
#include "isa.h"

/* Swift's max and min (Swift.max(a, b) = b >= a ? b : a; Swift.min(a, b) = b < a ? b : a). */
static inline double swift_max(double a, double b) { return b >= a ? b : a; }
static inline double swift_min(double a, double b) { return b < a ? b : a; }

static int64_t centre_scalar(const double *t, double size, double lo, double hi,
                             const double *u, int64_t from, int64_t count, double *out, int32_t *slow, int64_t nslow) {
    for (int64_t i = from; i < count; i++) {
        double v = u[i];
        if (v >= lo && v <= hi) {
            double x = v * size;
            int64_t j = (int64_t)x;
            double w = x - (double)j;
            out[i] = t[j] + w * (t[j + 1] - t[j]);
        } else {
            out[i] = v;
            slow[nslow++] = (int32_t)i;
        }
    }
    return nslow;
}

static void segments_scalar(const double *cum, int64_t nc, const double *low, const double *high,
                            const double *u0, const double *u1, int64_t from, int64_t count, int32_t *seg, double *p,
                            double pmin, double pmax) {
    for (int64_t i = from; i < count; i++) {
        double us = u0[i];
        int64_t s = 0;
        for (int64_t k = 0; k < nc; k++) {
            double d = cum[k] - us;
            uint64_t bits;
            __builtin_memcpy(&bits, &d, 8);
            s += (int64_t)(bits >> 63);
        }
        seg[i] = (int32_t)s;
        double v = low[s] + u1[i] * (high[s] - low[s]);
        p[i] = swift_min(swift_max(v, pmin), pmax);
    }
}

#ifdef CK_X86
#include <immintrin.h>

CK_TARGET_AVX2 static int64_t centre_avx2(const double *t, double size, double lo, double hi,
                                          const double *u, int64_t count, double *out, int32_t *slow) {
    const __m256d vlo = _mm256_set1_pd(lo), vhi = _mm256_set1_pd(hi), vsize = _mm256_set1_pd(size);
    int64_t i = 0, nslow = 0;
    for (; i + 4 <= count; i += 4) {
        __m256d v = _mm256_loadu_pd(u + i);
        __m256d in = _mm256_and_pd(_mm256_cmp_pd(v, vlo, _CMP_GE_OQ), _mm256_cmp_pd(v, vhi, _CMP_LE_OQ));
        int m = _mm256_movemask_pd(in);
        __m256d x = _mm256_mul_pd(v, vsize);
        __m128i j = _mm256_cvttpd_epi32(x);          /* truncation: the integer part of x >= 0 */
        __m256d w = _mm256_sub_pd(x, _mm256_cvtepi32_pd(j));
        /* Out-of-range lanes load nothing (masked gathers) and keep u. */
        __m256d a = _mm256_mask_i32gather_pd(_mm256_setzero_pd(), t, j, in, 8);
        __m256d b = _mm256_mask_i32gather_pd(_mm256_setzero_pd(), t + 1, j, in, 8);
        __m256d r = _mm256_add_pd(a, _mm256_mul_pd(w, _mm256_sub_pd(b, a)));
        _mm256_storeu_pd(out + i, _mm256_blendv_pd(v, r, in));
        if (m != 0xF) {
            for (int k = 0; k < 4; k++)
                if (!((m >> k) & 1)) slow[nslow++] = (int32_t)(i + k);
        }
    }
    return centre_scalar(t, size, lo, hi, u, i, count, out, slow, nslow);
}

CK_TARGET_AVX2 static void segments_avx2(const double *cum, int64_t nc, const double *low, const double *high,
                                         const double *u0, const double *u1, int64_t count, int32_t *seg, double *p,
                                         double pmin, double pmax) {
    const __m256d vmin = _mm256_set1_pd(pmin), vmax = _mm256_set1_pd(pmax);
    int64_t i = 0;
    for (; i + 4 <= count; i += 4) {
        __m256d us = _mm256_loadu_pd(u0 + i);
        __m256i s = _mm256_setzero_si256();
        for (int64_t k = 0; k < nc; k++) {
            __m256d d = _mm256_sub_pd(_mm256_set1_pd(cum[k]), us);
            s = _mm256_add_epi64(s, _mm256_srli_epi64(_mm256_castpd_si256(d), 63));
        }
        __m256d l = _mm256_i64gather_pd(low, s, 8), h = _mm256_i64gather_pd(high, s, 8);
        __m256d v = _mm256_add_pd(l, _mm256_mul_pd(_mm256_loadu_pd(u1 + i), _mm256_sub_pd(h, l)));
        /* swift_max(v, pmin): pmin >= v ? pmin : v; swift_min(., pmax): pmax < . ? pmax : . */
        v = _mm256_blendv_pd(v, vmin, _mm256_cmp_pd(vmin, v, _CMP_GE_OQ));
        v = _mm256_blendv_pd(v, vmax, _mm256_cmp_pd(vmax, v, _CMP_LT_OQ));
        _mm256_storeu_pd(p + i, v);
        /* The low halves of the four 64-bit counts, as four int32. */
        __m256i packed = _mm256_permutevar8x32_epi32(s, _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6));
        _mm_storeu_si128((__m128i *)(seg + i), _mm256_castsi256_si128(packed));
    }
    segments_scalar(cum, nc, low, high, u0, u1, i, count, seg, p, pmin, pmax);
}
#endif

int64_t ck_table_centre_isa(int isa, const double *t, double size, double lo, double hi,
                            const double *u, int64_t count, double *out, int32_t *slow) {
    if (count <= 0) return 0;
    isa = ck_choose(isa);
#ifdef CK_X86
    if (isa >= CK_AVX2) return centre_avx2(t, size, lo, hi, u, count, out, slow);
#endif
    return centre_scalar(t, size, lo, hi, u, 0, count, out, slow, 0);
}

int64_t ck_table_centre(const double *t, double size, double lo, double hi,
                        const double *u, int64_t count, double *out, int32_t *slow) {
    return ck_table_centre_isa(ck_isa(), t, size, lo, hi, u, count, out, slow);
}

void ck_segments_isa(int isa, const double *cum, int64_t nc, const double *low, const double *high,
                     const double *u0, const double *u1, int64_t count, int32_t *seg, double *p,
                     double pmin, double pmax) {
    if (count <= 0) return;
    isa = ck_choose(isa);
#ifdef CK_X86
    if (isa >= CK_AVX2) { segments_avx2(cum, nc, low, high, u0, u1, count, seg, p, pmin, pmax); return; }
#endif
    segments_scalar(cum, nc, low, high, u0, u1, 0, count, seg, p, pmin, pmax);
}

void ck_segments(const double *cum, int64_t nc, const double *low, const double *high,
                 const double *u0, const double *u1, int64_t count, int32_t *seg, double *p,
                 double pmin, double pmax) {
    ck_segments_isa(ck_isa(), cum, nc, low, high, u0, u1, count, seg, p, pmin, pmax);
}
