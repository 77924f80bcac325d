// SubsidyEngine's imports are internal unless they say otherwise (InternalImportsByDefault, see
// Package.swift), so CGSL stays inside the engine: every file writes `internal import CGSL`, and
// `public import SubsidyModel` where its public API uses the model's types. Nothing is re-exported.
internal import CGSL

/// Facts about the engine for manifests.
public enum Engine {
    /// The GSL version the program was built against.
    public static var gslVersion: String { String(cString: ss_gsl_version()) }
}

/// The one place GSL's error handler is switched off.
///
/// GSL's default handler prints a message and calls `abort()` whenever a routine detects an
/// error: an inverse CDF that does not converge (`gsl_cdf_beta_Pinv` at p = 1e-300 for
/// beta(0.5, 0.5), `gsl_cdf_gamma_Pinv` below p ≈ 0.13 for shape 0.1), a matrix that is not
/// positive definite, an exhausted quasi-random sequence, a failed allocation. A scenario can
/// reach all of these, and the engine never wants the process stopped for them: it checks every
/// result itself, by the status GSL returns (`gsl_qrng_get`, `gsl_linalg_cholesky_decomp1`,
/// `gsl_eigen_symmv`, nil from the allocators) and by validation of the values (non-finite or
/// out-of-range CDFs and quantiles fall back to bisection or are reported by `ScenarioChecks`).
/// So the handler is off (`gsl_set_error_handler_off`: GSL then only returns its error codes).
///
/// The handler is one process-wide pointer. Every engine entry point that calls GSL calls
/// `GSL.prepare()` first — `RandomStream.init` (the trial kernel, Latin hypercube, Sobol
/// bootstrap), `PreparedDistribution`'s initialiser, `ScenarioChecks.windowMass`, the Sobol
/// sequence, Iman–Conover and `Rebalance.allowedExceedances` — so whichever comes first switches it off. Cost: the first call
/// sets the pointer once (a Swift `static let` is initialised exactly once, thread-safely);
/// every later call is a load and a branch.
enum GSL {
    private static let handlerOff: Bool = {
        ss_gsl_errors_off()
        return true
    }()

    /// Makes sure GSL's error handler is off before a GSL call (see `GSL`).
    @inline(__always)
    static func prepare() {
        // Reading the flag runs its initialiser on first use (the branch is never taken): a read
        // whose value is used, so no optimisation level can drop it.
        if !handlerOff { ss_gsl_errors_off() }
    }
}
