// Distribution maths: CDFs and inverse CDFs of every family, exact (GSL), with their fallbacks.
// This is the engine's part of a family; its parameters, support and mean are its entry in
// `DistributionFamily.all` (SubsidyModel). A new family needs its `cdf` and `inverse` here.
internal import CGSL
internal import CGSLMemo
import Dispatch
import Foundation
import SubsidyModel

extension PreparedDistribution {
    static func exactQuantile(_ d: Distribution, low pLow: Double, high pHigh: Double, _ u: Double) -> Double {
        if case let .fixed(v) = d.kind { return v }
        if pHigh <= pLow { return d.lower ?? d.upper ?? 0 }
        var p = pLow + u * (pHigh - pLow)
        p = Swift.min(Swift.max(p, 1e-300), 1 - 1e-16)
        var x = PreparedDistribution.inverse(d.kind, p)
        if let l = d.lower, x < l { x = l }
        if let h = d.upper, x > h { x = h }
        return x.isFinite ? x : (d.lower ?? d.upper ?? 0)
    }

    /// F(x) of the untruncated law.
    static func cdf(_ k: Distribution.Kind, _ x: Double) -> Double {
        switch k {
        case let .fixed(v): return x >= v ? 1 : 0
        case let .uniform(a, b): return b > a ? Swift.min(Swift.max((x - a) / (b - a), 0), 1) : (x >= a ? 1 : 0)
        case let .triangular(a, c, b):
            if x <= a { return 0 }
            if x >= b { return 1 }
            return x <= c ? (x - a) * (x - a) / ((b - a) * (c - a)) : 1 - (b - x) * (b - x) / ((b - a) * (b - c))
        case let .pert(a, c, b):
            let (al, be) = pertShape(a, c, b)
            return gsl_cdf_beta_P(Swift.min(Swift.max((x - a) / (b - a), 0), 1), al, be)
        case let .normal(m, s): return standardNormalCDF((x - m) / s)
        case let .lognormal(mu, s): return x <= 0 ? 0 : standardNormalCDF((Foundation.log(x) - mu) / s)
        case let .beta(a, b): return x <= 0 ? 0 : (x >= 1 ? 1 : gsl_cdf_beta_P(x, a, b))
        case let .gamma(k, t): return x <= 0 ? 0 : gsl_cdf_gamma_P(x, k, t)
        case let .poisson(m): return x < 0 ? 0 : gsl_cdf_poisson_P(UInt32(Swift.min(x.rounded(.down), 4e9)), m)
        case let .binomial(n, p): return x < 0 ? 0 : (x >= Double(n) ? 1 : gsl_cdf_binomial_P(UInt32(x.rounded(.down)), p, UInt32(n)))
        case let .negativeBinomial(n, p): return x < 0 ? 0 : gsl_cdf_negative_binomial_P(UInt32(Swift.min(x.rounded(.down), 4e9)), p, n)
        case let .empirical(v, w):
            let tw = w.reduce(0, +)
            return zip(v, w).filter { $0.0 <= x }.map(\.1).reduce(0, +) / tw
        }
    }

    /// Φ(z) = erfc(−z/√2)/2 by the C library's erfc (within an ulp or two, as GSL's
    /// `gsl_cdf_ugaussian_P`, at a third of its cost): the trial loop evaluates the investment
    /// law's truncation masses per segment and trial. Below z = −38 it is 0, as GSL's.
    @inline(__always)
    static func standardNormalCDF(_ z: Double) -> Double {
        guard !z.isNaN else { return .nan }
        return 0.5 * Foundation.erfc(-z * 0.70710678118654752440)
    }

    /// P(X < x): for discrete laws the mass strictly below x, so a truncation at `min` keeps `min`.
    static func cdfBelow(_ k: Distribution.Kind, _ x: Double) -> Double {
        cdfBelow(k, x, wholeNumbers: k.takesWholeNumbers)
    }

    /// P(X < x) of this law, its family's `wholeNumbers` resolved at preparation: the trial loop
    /// calls it per segment and trial (for the investment law's truncation), without the table.
    @inline(__always)
    func cdfBelow(_ x: Double) -> Double {
        PreparedDistribution.cdfBelow(distribution.kind, x, wholeNumbers: wholeNumbers)
    }

    /// P(X < x), given whether the law is on whole numbers (then P(X ≤ ⌈x⌉ − 1)).
    static func cdfBelow(_ k: Distribution.Kind, _ x: Double, wholeNumbers: Bool) -> Double {
        if wholeNumbers {
            let c = x.rounded(.up) - 1
            return c < 0 ? 0 : cdf(k, c)
        }
        switch k {
        case let .empirical(v, w):
            let tw = w.reduce(0, +)
            return zip(v, w).filter { $0.0 < x }.map(\.1).reduce(0, +) / tw
        case let .fixed(v): return x > v ? 1 : 0
        default: return cdf(k, x)
        }
    }

    static func pertShape(_ a: Double, _ c: Double, _ b: Double) -> (Double, Double) {
        let r = b - a
        return (1 + 4 * (c - a) / r, 1 + 4 * (b - c) / r)
    }

    /// P(X > x) computed directly, where GSL has the upper-tail function (`_Q`): 1 − F(x) loses
    /// every digit below 10⁻¹⁶, Q does not. nil for the other families.
    static func survival(_ k: Distribution.Kind, _ x: Double) -> Double? {
        switch k {
        case let .normal(m, s): return gsl_cdf_gaussian_Q(x - m, s)
        case let .lognormal(mu, s): return x <= 0 ? 1 : gsl_cdf_lognormal_Q(x, mu, s)
        case let .gamma(k, t): return x <= 0 ? 1 : gsl_cdf_gamma_Q(x, k, t)
        default: return nil
        }
    }

    /// The untruncated law's inverse CDF at p ∈ (0, 1).
    static func inverse(_ k: Distribution.Kind, _ p: Double) -> Double {
        switch k {
        case let .fixed(v): return v
        case let .uniform(a, b): return a + p * (b - a)
        case let .triangular(a, c, b):
            let fc = (c - a) / (b - a)
            return p < fc ? a + ((b - a) * (c - a) * p).squareRoot() : b - ((b - a) * (b - c) * (1 - p)).squareRoot()
        case let .pert(a, c, b):
            let (al, be) = pertShape(a, c, b)
            return a + (b - a) * betaInverse(p, al, be)
        case let .normal(m, s): return m + gsl_cdf_gaussian_Pinv(p, s)
        case let .lognormal(mu, s): return gsl_cdf_lognormal_Pinv(p, mu, s)
        case let .beta(a, b): return betaInverse(p, a, b)
        case let .gamma(kk, t): return t * gammaInverse(p, kk)
        case .poisson, .binomial, .negativeBinomial: return discreteInverse(k, p)
        case let .empirical(v, w):
            // Smallest value x with F(x) ≥ p, walking the values in increasing order.
            let tw = w.reduce(0, +)
            var acc = 0.0
            let order = v.indices.sorted { v[$0] < v[$1] }
            for i in order {
                acc += w[i]
                if p <= acc / tw { return v[i] }
            }
            return order.last.map { v[$0] } ?? 0
        }
    }

    /// Beta inverse CDF. GSL's `gsl_cdf_beta_Pinv` fails to converge (NaN) for small shapes, e.g.
    /// for about a third of p with beta(3, 0.05) or beta(0.05, 3); then bisect its CDF instead.
    static func betaInverse(_ p: Double, _ a: Double, _ b: Double) -> Double {
        let x = gsl_cdf_beta_Pinv(p, a, b)
        if x.isFinite, x >= 0, x <= 1 { return x }
        return bisectCDF(p, 0, 1) { gsl_cdf_beta_P($0, a, b) }
    }

    /// Unit-scale gamma inverse CDF, with the same fallback (GSL fails below p ≈ 0.13 at shape 0.1).
    static func gammaInverse(_ p: Double, _ k: Double) -> Double {
        let x = gsl_cdf_gamma_Pinv(p, k, 1)
        if x.isFinite, x >= 0 { return x }
        var hi = Swift.max(1, k)
        while gsl_cdf_gamma_P(hi, k, 1) < p, hi < 1e300 { hi *= 2 }
        return bisectCDF(p, 0, hi) { gsl_cdf_gamma_P($0, k, 1) }
    }

    /// Smallest x in (lo, hi] with F(x) ≥ p, to the last bit, for F(lo) < p ≤ F(hi): geometric steps
    /// while the bracket spans more than a factor 4 (so quantiles like 1e-70 take ~100 CDF calls),
    /// then halving.
    static func bisectCDF(_ p: Double, _ lo: Double, _ hi: Double, _ F: (Double) -> Double) -> Double {
        var a = lo, b = hi
        for _ in 0..<4000 {
            let m = a <= 0 ? b * 0x1p-16 : (b > 4 * a ? a.squareRoot() * b.squareRoot() : a + (b - a) / 2)
            if !(m > a && m < b) { break }
            if F(m) >= p { b = m } else { a = m }
        }
        return b
    }

    /// Smallest k with F(k) ≥ p for a law on whole numbers, searched from a normal approximation
    /// with the law's mean and sd, up to its upper end (4·10⁹ when unbounded: `cdf`'s UInt32 range).
    static func discreteInverse(_ k: Distribution.Kind, _ p: Double) -> Double {
        let facts = k.facts
        let (mean, sd) = (facts.mean, facts.sd)
        let top = Swift.min(facts.highest, 4e9)
        let guess = (mean + sd * gsl_cdf_ugaussian_Pinv(p)).rounded(.down)
        let x = guess.isFinite ? Swift.max(0, Swift.min(top, guess)) : 0
        // Galloping then bisection from the guess: the same k as a walk of unit steps (F is
        // monotone), in O(log distance) CDF calls however far off the normal approximation is
        // (a skewed negative binomial is off by millions).
        if x > 0, cdf(k, x - 1) >= p {
            // Answer below x: find lo with F(lo) < p (or lo = -1), then bisect (lo, hi].
            var hi = x - 1, step = 1.0, lo = hi - step
            while lo >= 0, cdf(k, lo) >= p { hi = lo; step *= 2; lo = hi - step }
            lo = Swift.max(lo, -1)
            while hi - lo > 1 { let m = (lo + (hi - lo) / 2).rounded(.down); if cdf(k, m) >= p { hi = m } else { lo = m } }
            return hi
        }
        if x < top, cdf(k, x) < p {
            // Answer above x: find hi with F(hi) ≥ p (or top), then bisect (lo, hi].
            var lo = x, step = 1.0, hi = Swift.min(top, lo + step)
            while hi < top, cdf(k, hi) < p { lo = hi; step *= 2; hi = Swift.min(top, lo + step) }
            while hi - lo > 1 { let m = (lo + (hi - lo) / 2).rounded(.down); if cdf(k, m) >= p { hi = m } else { lo = m } }
            return hi
        }
        return x
    }
}

// MARK: - Quantile tables by Newton steps from the neighbouring entry

extension PreparedDistribution {
    /// `exactQuantile(d, low:, high:, u)` for every u of `us` (a monotone grid: a table's nodes),
    /// on all cores in contiguous blocks. For beta, PERT and gamma — whose exact inverse costs
    /// about a dozen CDF evaluations — each entry after a block's first starts from its neighbour,
    /// x₀ = x₋ + (p − p₋)/f(x₋), and takes Newton steps x ← x − (F(x) − p)/f(x) until the next
    /// step's error, (f′/2f)·Δx² with f′ from the neighbour's density, is below 2⁻⁵⁰·x; about one
    /// CDF and one density per entry. Any doubt (a step leaving the support, a zero or non-finite
    /// density, no convergence in 8 steps) falls back to the exact inverse for that entry.
    /// Agreement with the exact inverse: `SamplerTests.newtonTablesMatchExactInverse`.
    static func tableQuantiles(_ d: Distribution, low pl: Double, high ph: Double, _ us: [Double]) -> [Double] {
        let n = us.count
        guard n > 0 else { return [] }
        // The standardized law Newton works on (x ∈ support), and how x maps to the quantile.
        let F: (@Sendable (Double) -> Double), f: (@Sendable (Double) -> Double)
        let map: @Sendable (Double) -> Double
        let support: (Double, Double)
        // Densities with their normalising constants computed once (GSL's pdfs recompute ln B(a, b)
        // or ln Γ(k) per call); they only steer Newton's steps, the CDF decides the root.
        switch d.kind {
        case let .beta(a, b):
            let lnB = gsl_sf_lnbeta(a, b)
            F = { gsl_cdf_beta_P($0, a, b) }; f = { betaDensity($0, a, b, lnB) }; map = { $0 }; support = (0, 1)
        case let .pert(lo, c, hi):
            let (a, b) = pertShape(lo, c, hi)
            let lnB = gsl_sf_lnbeta(a, b)
            F = { gsl_cdf_beta_P($0, a, b) }; f = { betaDensity($0, a, b, lnB) }; map = { lo + (hi - lo) * $0 }; support = (0, 1)
        case let .gamma(k, t):
            let lnG = gsl_sf_lngamma(k)
            F = { gsl_cdf_gamma_P($0, k, 1) }
            f = { x in x > 0 ? Foundation.exp((k - 1) * Foundation.log(x) - x - lnG) : 0 }
            map = { t * $0 }; support = (0, .infinity)
        default:
            return concurrentMap(n) { exactQuantile(d, low: pl, high: ph, us[$0]) }
        }
        guard ph > pl else { return us.map { exactQuantile(d, low: pl, high: ph, $0) } }
        var out = [Double](repeating: 0, count: n)
        let blocks = Swift.max(1, Swift.min(n, ProcessInfo.processInfo.activeProcessorCount))
        out.withUnsafeMutableBufferPointer { buf in
            let o = UnsafeSendable(buf)
            DispatchQueue.concurrentPerform(iterations: blocks) { blk in
                let from = n * blk / blocks, to = n * (blk + 1) / blocks
                // The previous entry: its standardized x, p and density (nil: none usable).
                var prev: (x: Double, p: Double, fx: Double)?
                var prevPrev: (x: Double, fx: Double)?
                for i in from..<to {
                    let p = Swift.min(Swift.max(pl + us[i] * (ph - pl), 1e-300), 1 - 1e-16)
                    var z: (x: Double, fx: Double)?
                    if let q = prev {
                        let curvature: Double? = prevPrev.flatMap { pp in
                            let dx = q.x - pp.x
                            return dx != 0 ? (q.fx - pp.fx) / dx : nil
                        }
                        z = newton(p, from: q, curvature: curvature, support: support, F: F, f: f)
                    }
                    let x: Double, exact: Double?, fx: Double
                    if let z {
                        // The density at the last iterate (within ~1e-8 of x): enough for the next start.
                        x = z.x; fx = z.fx; exact = nil
                    } else {
                        // The exact inverse, standardized again for the next entry's start.
                        let e = inverse(d.kind, p)
                        x = standardized(d.kind, e); exact = e; fx = f(x)
                    }
                    if fx > 0, fx.isFinite, x.isFinite {
                        prevPrev = prev.map { ($0.x, $0.fx) }
                        prev = (x, p, fx)
                    } else {
                        prev = nil; prevPrev = nil
                    }
                    var q = exact ?? map(x)
                    if let l = d.lower, q < l { q = l }
                    if let h = d.upper, q > h { q = h }
                    o.value[i] = q.isFinite ? q : (d.lower ?? d.upper ?? 0)
                }
            }
        }
        return out
    }

    /// How many times GSL computed ln B(a, b) on this thread rather than CGSLMemo serving it
    /// (GSL's beta CDF asks for it at every call): tests check that the memo is in effect.
    static var lnBetaComputations: Int { gslmemo_lnbeta_computations() }

    /// x^(a−1)·(1 − x)^(b−1) / B(a, b) on (0, 1), with ln B(a, b) given.
    @inline(__always)
    private static func betaDensity(_ x: Double, _ a: Double, _ b: Double, _ lnB: Double) -> Double {
        guard x > 0, x < 1 else { return 0 }
        return Foundation.exp((a - 1) * Foundation.log(x) + (b - 1) * Foundation.log1p(-x) - lnB)
    }

    /// The standardized x of quantile e (inverse of `tableQuantiles`' map), for the next start.
    private static func standardized(_ k: Distribution.Kind, _ e: Double) -> Double {
        switch k {
        case let .pert(lo, _, hi): return (e - lo) / (hi - lo)
        case let .gamma(_, t): return e / t
        default: return e
        }
    }

    /// Newton's root of F(x) = p from the neighbour `q` (see `tableQuantiles`), with the density at
    /// the last iterate; nil when in doubt.
    private static func newton(_ p: Double, from q: (x: Double, p: Double, fx: Double), curvature: Double?,
                               support: (Double, Double), F: (Double) -> Double, f: (Double) -> Double) -> (x: Double, fx: Double)? {
        var x = q.x + (p - q.p) / q.fx
        guard x > support.0, x < support.1 else { return nil }
        for _ in 0..<8 {
            let fx = f(x)
            guard fx > 0, fx.isFinite else { return nil }
            let step = (F(x) - p) / fx
            guard step.isFinite else { return nil }
            let next = x - step
            guard next > support.0, next < support.1 else { return nil }
            // Error left after this step ≈ |f′/(2f)|·step² (Newton's quadratic convergence); the
            // step is accepted when that is below 2⁻⁵⁰ of x and the step itself is small.
            // Without the neighbour's curvature (a block's second entry) the step itself must be that small.
            if let c = curvature {
                let left = Swift.abs(c / (2 * fx)) * step * step
                if Swift.abs(step) <= 1e-6 * next, left <= 0x1p-50 * next { return (next, fx) }
            } else if Swift.abs(step) <= 0x1p-50 * next {
                return (next, fx)
            }
            x = next
        }
        return nil
    }
}
