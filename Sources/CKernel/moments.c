/*
 * A trial record's shifted sums for the moments of every field (see ckernel.h): one plain loop,
 * compiled for the baseline and for AVX2 (target attribute), chosen at run time. Each element
 * takes the same IEEE subtraction, additions and multiplication in both (-ffp-contract=off: no
 * fused multiply-add), so the sums are the same bits whichever runs.
 */
#include "isa.h"

static inline void sums_plain(int64_t n, const double *restrict row, const double *restrict shift,
                              double *restrict a, double *restrict q) {
    for (int64_t i = 0; i < n; i++) {
        double d = row[i] - shift[i];
        a[i] += d;
        q[i] += d * d;
    }
}

static void sums_scalar(int64_t n, const double *row, const double *shift, double *a, double *q) {
    sums_plain(n, row, shift, a, q);
}

#ifdef CK_X86
CK_TARGET_AVX2 static void sums_avx2(int64_t n, const double *row, const double *shift, double *a, double *q) {
    sums_plain(n, row, shift, a, q);
}
#endif

void ck_shifted_sums_isa(int isa, int64_t n, const double *row, const double *shift, double *a, double *q) {
    if (n <= 0) return;
    isa = ck_choose(isa);
#ifdef CK_X86
    if (isa >= CK_AVX2) { sums_avx2(n, row, shift, a, q); return; }
#endif
    sums_scalar(n, row, shift, a, q);
}

void ck_shifted_sums(int64_t n, const double *row, const double *shift, double *a, double *q) {
    ck_shifted_sums_isa(ck_isa(), n, row, shift, a, q);
}
