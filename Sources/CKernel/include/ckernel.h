/*
 * CKernel: the trial loop's per-firm passes that pay to vectorise, in C so that they are compiled
 * with -O3 and with one variant per instruction set (scalar; AVX2; AVX-512F for Philox), chosen at
 * run time from what the CPU and the operating system support (header-only `static inline` code
 * in CGSL's shim.h was compiled into the Swift module without vectorising). Every variant gives
 * the same bits: integer arithmetic, and for doubles the same IEEE operations in the same order
 * as the Swift code they replace (no FMA contraction: built with -ffp-contract=off).
 *
 * Only SubsidyEngine imports this module; it needs no library.
 */
#ifndef SUBSIDYSIM_CKERNEL_H
#define SUBSIDYSIM_CKERNEL_H

#include <stdint.h>

/* Variants: pass one to the `_isa` functions to force it (tests); `ck_isa()` says which the
 * dispatch chose. A forced variant the machine cannot run is replaced by the best it can. */
enum { CK_SCALAR = 0, CK_AVX2 = 1, CK_AVX512 = 2 };

/* The variant the dispatch uses on this machine (CK_*): CPUID and XCR0, read once. */
int ck_isa(void);
/* Whether this machine can run variant `isa`. */
int ck_supports(int isa);
/* Tests: makes the dispatch use `isa` from now on, if the machine supports it; returns the
 * variant it used before. Every variant gives the same bits, so other threads see no change. */
int ck_force_isa(int isa);

/* ---- Philox4x32-10: the first eight outputs of many streams ----
 *
 * Stream i of a call is (key64; c1_first + i, c2, c3) as in CGSL's `ss_philox_stream`: blocks 0
 * and 1 (counter word 0) give its outputs 0-3 and 4-7. */

/* Output k of stream i as the uniform (w + 1/2) / 2^32 on (0, 1) (what RandomStream.open01
 * returns), into out[k * stride + i] for k = 0..7, i = 0..count-1. stride >= count. */
void ck_philox_uniforms8(uint64_t key64, uint32_t c1_first, uint32_t c2, uint32_t c3,
                         int64_t count, double *out, int64_t stride);
/* Output k of stream i as the raw 32-bit word, into out[8 * i + k]. */
void ck_philox_words8(uint64_t key64, uint32_t c1_first, uint32_t c2, uint32_t c3,
                      int64_t count, uint32_t *out);
/* The first output of stream i only, as the uniform, into out[i] (a trial's independent design row). */
void ck_philox_first(uint64_t key64, uint32_t c1_first, uint32_t c2, uint32_t c3, int64_t count, double *out);
void ck_philox_first_isa(int isa, uint64_t key64, uint32_t c1_first, uint32_t c2, uint32_t c3,
                         int64_t count, double *out);
void ck_philox_uniforms8_isa(int isa, uint64_t key64, uint32_t c1_first, uint32_t c2, uint32_t c3,
                             int64_t count, double *out, int64_t stride);
void ck_philox_words8_isa(int isa, uint64_t key64, uint32_t c1_first, uint32_t c2, uint32_t c3,
                          int64_t count, uint32_t *out);

/* ---- Tabulated quantile functions and segments, for many uniforms at once ---- */

/* The centre of a quantile table (PreparedDistribution.tableCentre) for every u[i] with
 * lo <= u[i] <= hi: x = u[i] * size, j = (integer part of x), w = x - j,
 * out[i] = t[j] + w * (t[j + 1] - t[j]). `t` has size + 1 entries; in-range u must be in [0, 1).
 * For the other u, out[i] = u[i] and i goes to slow[] (in increasing order); returns how many
 * (the caller computes those, e.g. from the tails). out may be u. */
int64_t ck_table_centre(const double *t, double size, double lo, double hi,
                        const double *u, int64_t count, double *out, int32_t *slow);
int64_t ck_table_centre_isa(int isa, const double *t, double size, double lo, double hi,
                            const double *u, int64_t count, double *out, int32_t *slow);

/* A firm's segment and investment probability (the first pass of TrialKernel.drawFirms):
 * seg[i] = how many k < nc have cum[k] - u0[i] negative (its sign bit), s = seg[i],
 * p[i] = min(max(low[s] + u1[i] * (high[s] - low[s]), pmin), pmax) with Swift's max and min
 * (max(a, b) = b >= a ? b : a, min(a, b) = b < a ? b : a). low and high have nc + 1 entries. */
void ck_segments(const double *cum, int64_t nc, const double *low, const double *high,
                 const double *u0, const double *u1, int64_t count, int32_t *seg, double *p,
                 double pmin, double pmax);
void ck_segments_isa(int isa, const double *cum, int64_t nc, const double *low, const double *high,
                     const double *u0, const double *u1, int64_t count, int32_t *seg, double *p,
                     double pmin, double pmax);

/* ---- A batch's yes/no facts and the investment's clamps ---- */

/* Running totals of ck_firm_facts over one batch (start from zero). */
typedef struct {
    int64_t done, accepted, cloud, smart_accepted;
    double invested;
} ck_facts;

/* Firms i < n of one batch (every pointer at the batch's first firm; `first` is that firm's index):
 * with below(u, p) = the sign bit of u - p (1 when u < p), done = below(u_done[i], p_done),
 * passes = below(u_pass[i], p_pass), cloud = below(u_cloud[i], p_cloud),
 * smart = below(u_smart[i], smart_p[seg[i]]), accepted = bit (done | passes << 1) of accept_lut.
 * flags[i] = done | passes << 1 | cloud << 2 | smart << 3; accepted firms' indices (first + i) go to
 * accepted_out[totals->accepted++] (which must have room for n + 3 entries: a vector variant
 * may write up to three past the last accepted one); seg_tally[2 s] counts the firms of segment s, seg_tally[2 s + 1]
 * its accepted ones; totals add done, cloud, smart & accepted, and investment[i] in firm order. */
void ck_firm_facts(int64_t n, const double *u_done, const double *u_pass, const double *u_cloud,
                   const double *u_smart, double p_done, double p_pass, double p_cloud, const int32_t *seg,
                   const double *smart_p, unsigned accept_lut, const double *investment, int32_t first,
                   uint8_t *flags, int32_t *accepted_out, int64_t *seg_tally, ck_facts *totals);
void ck_firm_facts_isa(int isa, int64_t n, const double *u_done, const double *u_pass, const double *u_cloud,
                       const double *u_smart, double p_done, double p_pass, double p_cloud, const int32_t *seg,
                       const double *smart_p, unsigned accept_lut, const double *investment, int32_t first,
                       uint8_t *flags, int32_t *accepted_out, int64_t *seg_tally, ck_facts *totals);

/* A firm's investment from its quantile q[i] (s = seg[i]): x = high[s] > low[s] ? scale[s] * q[i] :
 * fallback; if !(x >= lower) x = lower_fill; if x > upper x = upper; out[i] = x. out may be q. */
void ck_scale_clamp(int64_t n, const double *q, const int32_t *seg, const double *scale,
                    const double *low, const double *high, double fallback, double lower, double lower_fill,
                    double upper, double *out);
void ck_scale_clamp_isa(int isa, int64_t n, const double *q, const int32_t *seg, const double *scale,
                        const double *low, const double *high, double fallback, double lower, double lower_fill,
                        double upper, double *out);

/* ---- Per-trial moments ---- */

/* One record's shifted sums (Simulator.run): for i < n, d = row[i] - shift[i], a[i] += d,
 * q[i] += d * d (a multiply, then an add: never fused). */
void ck_shifted_sums(int64_t n, const double *row, const double *shift, double *a, double *q);
void ck_shifted_sums_isa(int isa, int64_t n, const double *row, const double *shift, double *a, double *q);

/* ---- Uniform integers from one Philox stream (bootstrap resampling) ---- */

/* `count` draws of GSL's gsl_rng_uniform_int(r, n) with r on CGSL's Philox4x32-10 stream
 * (key64; c1, c2, c3), starting at the stream's 32-bit output `position` (output p is word p mod 4
 * of block p / 4): scale = 0xFFFFFFFF / n, then k = w / scale for the next outputs w until k < n.
 * The same draws as GSL from the same state; returns the position after them. 1 <= n; the
 * position stays below 2^34 (one stream's length). */
uint64_t ck_philox_uniform_int(uint64_t key64, uint32_t c1, uint32_t c2, uint32_t c3, uint64_t position,
                               uint32_t n, int64_t count, uint32_t *out);

#endif
