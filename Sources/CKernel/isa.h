/* Internal: run-time dispatch shared by the kernels. */
#ifndef SUBSIDYSIM_CKERNEL_ISA_H
#define SUBSIDYSIM_CKERNEL_ISA_H
#include "ckernel.h"
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define CK_X86 1
#define CK_TARGET_AVX2 __attribute__((target("avx2")))
#define CK_TARGET_AVX512 __attribute__((target("avx512f")))
#endif
/* The variant to run for a request: `isa` if the machine supports it, else the dispatch's. */
static inline int ck_choose(int isa) { return ck_supports(isa) ? isa : ck_isa(); }
#endif
