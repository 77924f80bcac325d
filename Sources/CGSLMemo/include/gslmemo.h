/*
 * CGSLMemo: a memo of GSL's ln B(a, b) for GSL's own beta CDF.
 *
 * gsl_cdf_beta_P(x, a, b) computes ln B(a, b) through gsl_sf_lnbeta at every call: two thirds
 * of its cost (about 1,300 of 2,000 instructions). A quantile table calls it about 27,000 times
 * for one (a, b) (PreparedDistribution.tableQuantiles), so this target defines gsl_sf_lnbeta
 * itself: the dynamic linker binds GSL's calls (through its PLT) to the executable's definition
 * (ELF symbol interposition), which keeps, per thread, the last (a, b) and GSL's value for it and
 * otherwise asks GSL (gsl_sf_lnbeta_e, exactly what GSL's gsl_sf_lnbeta returns). The same bits,
 * a fraction of the cost. Where GSL's calls do not go through the dynamic linker — a static
 * libgsl (the definition is weak, so GSL's own wins and the link succeeds), a libgsl linked with
 * -Bsymbolic-functions (as Ubuntu's packages are), macOS's two-level namespace — GSL keeps calling
 * its own and only the cost differs. Debian's libgsl calls it through its PLT.
 *
 * Only SubsidyEngine depends on this target.
 */
#ifndef SUBSIDYSIM_GSLMEMO_H
#define SUBSIDYSIM_GSLMEMO_H

/* How many times ln B(a, b) was computed by GSL rather than served from the memo, on the calling
 * thread: tests check that interposition is in effect. */
long gslmemo_lnbeta_computations(void);

#endif
