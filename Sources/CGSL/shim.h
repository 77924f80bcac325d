/*
 * CGSL: GNU Scientific Library for Swift, plus subsidysim's counter-based generator.
 *
 * GSL exposes its generator and quasi-random types as global mutable pointers
 * (`gsl_rng_mt19937`, `gsl_qrng_sobol`, ...), which Swift 6 rejects as shared mutable
 * state. The `ss_*` functions below return them instead.
 *
 * `ss_philox_type()` is Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy
 * as 1, 2, 3", SC'11; Random123) registered as a `gsl_rng_type`, so every `gsl_ran_*`
 * sampler draws from it unchanged. A stream is (key, counter words 1..3); counter word 0
 * counts 128-bit blocks within the stream, so one stream yields 2^34 32-bit outputs.
 * Re-keying a stream costs a few stores: no warm-up, no seeding tables.
 */
#ifndef SUBSIDYSIM_CGSL_SHIM_H
#define SUBSIDYSIM_CGSL_SHIM_H

#include <stdint.h>
#include <string.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_qrng.h>
#include <gsl/gsl_sf_erf.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_statistics_double.h>
#include <gsl/gsl_sort_double.h>
#include <gsl/gsl_version.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_eigen.h>

typedef struct {
    uint32_t key[2];
    uint32_t ctr[4];   /* ctr[0]: block index within the stream; ctr[1..3]: stream id */
    uint32_t out[4];
    uint32_t idx;      /* next unread word of out; 4 = buffer empty */
} ss_philox_state;

static inline uint32_t ss_mulhilo32(uint32_t a, uint32_t b, uint32_t *hi) {
    uint64_t p = (uint64_t)a * (uint64_t)b;
    *hi = (uint32_t)(p >> 32);
    return (uint32_t)p;
}

/* One Philox4x32-10 block: out = philox(ctr, key). */
static inline void ss_philox4x32_10(const uint32_t ctr_in[4], const uint32_t key_in[2], uint32_t out[4]) {
    uint32_t c0 = ctr_in[0], c1 = ctr_in[1], c2 = ctr_in[2], c3 = ctr_in[3];
    uint32_t k0 = key_in[0], k1 = key_in[1];
    for (int r = 0; r < 10; r++) {
        if (r > 0) { k0 += 0x9E3779B9u; k1 += 0xBB67AE85u; }
        uint32_t hi0, hi1;
        uint32_t lo0 = ss_mulhilo32(0xD2511F53u, c0, &hi0);
        uint32_t lo1 = ss_mulhilo32(0xCD9E8D57u, c2, &hi1);
        uint32_t n0 = hi1 ^ c1 ^ k0;
        uint32_t n2 = hi0 ^ c3 ^ k1;
        c0 = n0; c1 = lo1; c2 = n2; c3 = lo0;
    }
    out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
}

static inline uint32_t ss_philox_next(ss_philox_state *s) {
    if (s->idx >= 4) {
        ss_philox4x32_10(s->ctr, s->key, s->out);
        s->ctr[0] += 1;
        s->idx = 0;
    }
    return s->out[s->idx++];
}

/* SplitMix64 finaliser: spreads a 64-bit seed over the 64-bit key. Seed 0 is an ordinary seed. */
static inline uint64_t ss_mix64(uint64_t z) {
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline void ss_philox_set(void *vstate, unsigned long int seed) {
    ss_philox_state *s = (ss_philox_state *)vstate;
    uint64_t k = ss_mix64((uint64_t)seed);
    s->key[0] = (uint32_t)k; s->key[1] = (uint32_t)(k >> 32);
    s->ctr[0] = s->ctr[1] = s->ctr[2] = s->ctr[3] = 0;
    s->idx = 4;
}

static inline unsigned long int ss_philox_get(void *vstate) {
    return (unsigned long int)ss_philox_next((ss_philox_state *)vstate);
}

static inline double ss_philox_get_double(void *vstate) {
    return (double)ss_philox_next((ss_philox_state *)vstate) * 0x1.0p-32;
}

static inline const gsl_rng_type *ss_philox_type(void) {
    static const gsl_rng_type t = {
        "philox4x32-10", 0xffffffffUL, 0, sizeof(ss_philox_state),
        &ss_philox_set, &ss_philox_get, &ss_philox_get_double
    };
    return &t;
}

/*
 * Points `r` (made with ss_philox_type()) at stream (key64; c1, c2, c3), at its first draw.
 * key64 is already mixed (ss_mix64 of the user's seed); c1..c3 name the stream.
 */
static inline void ss_philox_stream(gsl_rng *r, uint64_t key64, uint32_t c1, uint32_t c2, uint32_t c3) {
    ss_philox_state *s = (ss_philox_state *)r->state;
    s->key[0] = (uint32_t)key64; s->key[1] = (uint32_t)(key64 >> 32);
    s->ctr[0] = 0; s->ctr[1] = c1; s->ctr[2] = c2; s->ctr[3] = c3;
    s->idx = 4;
}

/* A uniform on [0, 1) straight from the state, skipping GSL's function pointer. */
static inline double ss_philox_uniform(gsl_rng *r) {
    return ss_philox_get_double(r->state);
}

static inline const gsl_rng_type *ss_rng_mt19937(void) { return gsl_rng_mt19937; }
static inline const gsl_qrng_type *ss_qrng_sobol(void) { return gsl_qrng_sobol; }
static inline const char *ss_gsl_version(void) { return GSL_VERSION; }
static inline void ss_gsl_errors_off(void) { gsl_set_error_handler_off(); }

#endif
