/* Run-time dispatch: which instruction sets the CPU has and the operating system saves. */
#include "isa.h"

#ifdef CK_X86
#include <cpuid.h>

static int detect(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return CK_SCALAR;
    int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
    if (!osxsave || !avx) return CK_SCALAR;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    uint64_t xcr0 = ((uint64_t)hi << 32) | lo;
    if ((xcr0 & 0x6) != 0x6) return CK_SCALAR;               /* SSE and AVX state */
    if (__get_cpuid_max(0, 0) < 7) return CK_SCALAR;
    __cpuid_count(7, 0, a, b, c, d);
    int avx2 = (b >> 5) & 1, avx512f = (b >> 16) & 1;
    if (avx512f && (xcr0 & 0xE6) == 0xE6) return CK_AVX512;  /* opmask and ZMM state too */
    if (avx2) return CK_AVX2;
    return CK_SCALAR;
}
#else
static int detect(void) { return CK_SCALAR; }
#endif

static int chosen = -1, detected = -1;

/* What the machine supports, whatever ck_force_isa chose. */
static int detect_once(void) {
    int v = __atomic_load_n(&detected, __ATOMIC_RELAXED);
    if (v < 0) {
        v = detect();
        __atomic_store_n(&detected, v, __ATOMIC_RELAXED);
    }
    return v;
}

int ck_isa(void) {
    int v = __atomic_load_n(&chosen, __ATOMIC_RELAXED);
    if (v < 0) {
        v = detect_once();
        __atomic_store_n(&chosen, v, __ATOMIC_RELAXED);
    }
    return v;
}

int ck_supports(int isa) { return isa >= CK_SCALAR && isa <= detect_once(); }

int ck_force_isa(int isa) {
    int old = ck_isa();
    if (ck_supports(isa)) __atomic_store_n(&chosen, isa, __ATOMIC_RELAXED);
    return old;
}
