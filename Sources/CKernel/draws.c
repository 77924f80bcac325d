/*
 * Uniform integers from one Philox4x32-10 stream, as GSL's gsl_rng_uniform_int draws them from
 * CGSL's `ss_philox_type` (see ckernel.h). Plain rounds (Salmon et al., SC'11; CGSL's
 * `ss_philox4x32_10`): the stream's blocks are consecutive counters, not the many streams of
 * philox.c. Scalar: the division per draw, not the block, is the cost, and it does not vectorise.
 */
#include "ckernel.h"

#define M0 0xD2511F53u
#define M1 0xCD9E8D57u
#define W0 0x9E3779B9u
#define W1 0xBB67AE85u

/* One block: counter (c0, c1, c2, c3), key (k0, k1), ten rounds, the key bumped before every
 * round but the first. */
static inline void philox_block(uint32_t c0, uint32_t c1, uint32_t c2, uint32_t c3, uint32_t k0, uint32_t k1, uint32_t o[4]) {
    for (int r = 0; r < 10; r++) {
        if (r > 0) { k0 += W0; k1 += W1; }
        uint64_t p0 = (uint64_t)M0 * c0, p1 = (uint64_t)M1 * c2;
        uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0;
        uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
        c0 = n0; c1 = (uint32_t)p1; c2 = n2; c3 = (uint32_t)p0;
    }
    o[0] = c0; o[1] = c1; o[2] = c2; o[3] = c3;
}

uint64_t ck_philox_uniform_int(uint64_t key64, uint32_t c1, uint32_t c2, uint32_t c3, uint64_t position,
                               uint32_t n, int64_t count, uint32_t *out) {
    const uint32_t k0 = (uint32_t)key64, k1 = (uint32_t)(key64 >> 32);
    /* gsl_rng_uniform_int: offset = min = 0, range = max - min = 0xFFFFFFFF. */
    const uint32_t scale = 0xFFFFFFFFu / n;
    uint32_t block[4];
    uint64_t loaded = UINT64_MAX;   /* the block in `block` */
    for (int64_t i = 0; i < count; i++) {
        uint32_t k;
        do {
            uint64_t b = position >> 2;
            if (b != loaded) { philox_block((uint32_t)b, c1, c2, c3, k0, k1, block); loaded = b; }
            uint32_t w = block[position & 3];
            position++;
            k = w / scale;
        } while (k >= n);
        out[i] = k;
    }
    return position;
}
