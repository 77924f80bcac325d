/* CGSLMemo: see include/gslmemo.h. */
#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf_gamma.h>
#include "gslmemo.h"

static _Thread_local long computations = 0;

long gslmemo_lnbeta_computations(void) { return computations; }

/* GSL's gsl_sf_lnbeta (the natural-prototype form of gsl_sf_lnbeta_e: its value, and a domain
 * error through gsl_error), with the last successful (a, b) of this thread remembered. Arguments
 * are compared as numbers: a NaN never matches, and an error is never remembered. Weak, so that
 * linking a static libgsl (whose beta.o defines gsl_sf_lnbeta too) takes GSL's and still links. */
__attribute__((weak)) double gsl_sf_lnbeta(const double a, const double b) {
    static _Thread_local int known = 0;
    static _Thread_local double lastA, lastB, lastValue;
    if (known && a == lastA && b == lastB) return lastValue;
    gsl_sf_result r;
    const int status = gsl_sf_lnbeta_e(a, b, &r);
    computations += 1;
    if (status != GSL_SUCCESS) {
        gsl_error("gsl_sf_lnbeta_e(a, b, &result)", __FILE__, __LINE__, status);
        return r.val;
    }
    known = 1; lastA = a; lastB = b; lastValue = r.val;
    return r.val;
}
