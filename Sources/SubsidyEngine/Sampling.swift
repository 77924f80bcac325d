internal import CGSL
import Dispatch
import Foundation
import Synchronization
public import SubsidyModel

/// A distribution made ready to sample: truncation probabilities computed once.
///
/// `quantile(u)` is the inverse CDF of the truncated law, F⁻¹(F(lower) + u·(F(upper) − F(lower))),
/// exact for every family (GSL's `gsl_cdf_*_Pinv`; discrete laws by search on `gsl_cdf_*_P`).
/// Trial-level inputs are always drawn this way, so Latin hypercube, Sobol and Iman–Conover
/// designs can drive them. `sample(_:)` draws firm-level values by inverting one uniform
/// (through the quantile tables where there are any), and with GSL's samplers only for an
/// untruncated law that has no table (a discrete law too wide to tabulate). Cost: O(1) per draw
/// (a table look-up or a closed form; discrete tables: a binary search, O(log(range))).
///
/// The maths per family (CDF, inverse CDF, GSL calls) is here and in `DistributionMaths.swift`;
/// what a family is — its support, whether it takes whole numbers, its mean — is its entry in
/// `DistributionFamily.all` (SubsidyModel), which this file reads and does not restate.
public struct PreparedDistribution: Sendable {
    public let distribution: Distribution
    public let pLow: Double
    public let pHigh: Double
    /// The law's family takes whole numbers (`DistributionFamily.wholeNumbers`), resolved once.
    let wholeNumbers: Bool

    /// Fast paths, resolved once at preparation (never per draw): which closed form or table
    /// `quantile` uses. `table`: tabulated inverse CDF (normal, beta, PERT, gamma, a lognormal
    /// with `tabulate`); `discrete`: tabulated CDF of a law on whole numbers; `exact`: no table
    /// (empty truncation window, or a discrete law too wide), `exactQuantile` per draw.
    enum Fast: Sendable { case fixed, uniform, triangular, lognormal, table, discrete, empirical, exact }
    let fast: Fast
    let a: Double, b: Double, c: Double
    /// For laws whose inverse CDF is iterative (beta, PERT, gamma) or discrete: the truncated law's
    /// quantile at u = i/`tableSize`, i = 0…tableSize. Continuous laws interpolate linearly inside
    /// [tableTail, 1 − tableTail] and compute the tails exactly; discrete laws are exact
    /// (the table holds the step function's values at the grid and a search finishes between them).
    let table: [Double]
    static let tableSize = 8192
    /// Below this u (and above 1 − it) the inverse is computed exactly: linear interpolation loses
    /// accuracy where the quantile function curves sharply (measured: worst 1.1e-1 relative for
    /// beta(0.5, 0.5) at u ≈ 2e-4, under 1e-6 beyond u = 0.061). Cost: ~2 µs for 14% of trial-level draws.
    static let tableTail = 0.07
    /// The u range the centre table serves for this law: [`centreLow`, `centreHigh`], at most
    /// [tableTail, 1 − tableTail], wider where the nodes' second differences show the
    /// interpolation error within `centreTolerance` (see `centreRange`). Draws outside go to the tails.
    let centreLow: Double
    let centreHigh: Double
    /// The interpolation error a law's centre may reach, relative: a fifth of the 1e-6 the tables
    /// are held to (`SamplerTests.tableQuantiles`), as the estimate is the error at a cell's middle
    /// from the curvature at its ends.
    static let centreTolerance = 2e-7
    /// Empirical laws: the distinct values in increasing order; `table` holds F at each.
    let points: [Double]
    /// Tail tables of `.table` laws, for u in [tailMin, tableTail) and 1 − u in the same range:
    /// g at t = ln u (lower) and s = ln(1 − u) (upper) on `tailSize` + 1 even steps, where
    /// g = ln(Q − L) near a finite lower end L (power-law tails become straight lines), else Q;
    /// and g = ln(U − Q) near a finite upper end U, else Q. Empty: that tail is computed exactly.
    let lowTail: [Double]
    let highTail: [Double]
    let lowEnd: Double?
    let highEnd: Double?
    static let tailSize = 4096
    static let tailMin = 1e-10

    /// Prepared distributions are immutable and their tables cost ~10⁴ inverse-CDF calls, so one
    /// process keeps one per distinct distribution (runs, the audit's quick run, sweep points and
    /// solve rounds compile the same laws again and again).
    private struct CacheKey: Hashable { let distribution: Distribution; let tabulate: Bool }
    private static let cache = Mutex<[CacheKey: PreparedDistribution]>([:])

    /// - Parameter tabulate: also tabulate a lognormal's quantile function (instead of
    ///   exp(μ + σ·Φ⁻¹(u)) per draw): for the per-firm investment draw, where an `exp` per firm
    ///   cost more than a table look-up. Interpolation error below 2·10⁻⁷ relative (see `table`).
    public init(_ d: Distribution, tabulate: Bool = false) {
        let key = CacheKey(distribution: d, tabulate: tabulate)
        if let hit = PreparedDistribution.cache.withLock({ $0[key] }) {
            self = hit
            return
        }
        self.init(building: d, tabulate: tabulate)
        let made = self
        PreparedDistribution.cache.withLock { c in
            if c.count > 4096 { c.removeAll() }
            c[key] = made
        }
    }

    /// Prepares these laws (and caches them) on all cores; repeats are prepared once.
    static func prepareAll(_ laws: [(Distribution, Bool)]) {
        var seen = Set<CacheKey>(), distinct: [(Distribution, Bool)] = []
        for (d, t) in laws where seen.insert(CacheKey(distribution: d, tabulate: t)).inserted { distinct.append((d, t)) }
        let list = distinct
        DispatchQueue.concurrentPerform(iterations: list.count) { i in _ = PreparedDistribution(list[i].0, tabulate: list[i].1) }
    }

    private init(building d: Distribution, tabulate: Bool) {
        // The truncation masses and quantile tables below call GSL, whose default error handler
        // aborts the process (e.g. `gsl_cdf_beta_Pinv` does not converge at p = 1e-300 for
        // beta(0.5, 0.5), nor `gsl_cdf_gamma_Pinv` below p ≈ 0.13 for shape 0.1). A model is
        // compiled before any `RandomStream` exists, so switch the handler off here too.
        GSL.prepare()
        distribution = d
        wholeNumbers = d.isDiscrete
        var lo = 0.0, hi = 1.0
        if let l = d.lower { lo = PreparedDistribution.cdfBelow(d.kind, l, wholeNumbers: wholeNumbers) }
        if let u = d.upper { hi = PreparedDistribution.cdf(d.kind, u) }
        pLow = lo
        pHigh = Swift.max(hi, lo)
        var fast = Fast.exact
        var a = 0.0, b = 0.0, c = 0.0
        switch d.kind {
        case let .fixed(v): fast = .fixed; a = v
        case let .uniform(x, y): fast = .uniform; a = x; b = y
        case let .triangular(x, m, y): fast = .triangular; a = x; b = y; c = m
        case let .lognormal(mu, sigma): fast = tabulate ? .table : .lognormal; a = mu; b = sigma
        case .empirical: fast = .empirical
        default:
            // No closed form: tabulate the exact inverse CDF (normal, beta, PERT, gamma), or the
            // CDF of a law on whole numbers (poisson, binomial, negative binomial).
            fast = wholeNumbers ? .discrete : .table
        }
        self.b = b; self.c = c
        var t: [Double] = []
        var lowTail: [Double] = [], highTail: [Double] = []
        var lowEnd: Double?, highEnd: Double?
        if fast == .table, pHigh > pLow {
            let n = PreparedDistribution.tableSize
            let (pl, ph) = (lo, Swift.max(hi, lo))
            t = PreparedDistribution.tableQuantiles(d, low: pl, high: ph, (0...n).map { Double($0) / Double(n) })
            // The law's own ends (its family's support), narrowed by the truncation.
            let facts = d.kind.facts
            var natural = (facts.lowest, facts.highest)
            if let l = d.lower { natural.0 = Swift.max(natural.0, l) }
            if let u = d.upper { natural.1 = Swift.min(natural.1, u) }
            lowEnd = natural.0.isFinite ? natural.0 : nil
            highEnd = natural.1.isFinite ? natural.1 : nil
            let m = PreparedDistribution.tailSize
            let t0 = Foundation.log(PreparedDistribution.tailMin), t1 = Foundation.log(PreparedDistribution.tableTail)
            func build(upper: Bool) -> [Double] {
                var g: [Double] = []
                var last = upper ? Double.infinity : -Double.infinity
                let xs = PreparedDistribution.tableQuantiles(d, low: pl, high: ph, (0...m).map { i in
                    let e = Foundation.exp(t0 + (t1 - t0) * Double(i) / Double(m))
                    return upper ? 1 - e : e
                })
                for i in 0...m {
                    let x = xs[i]
                    // Quantiles must move monotonically toward the body; anything else means GSL lost precision.
                    if upper ? x > last : x < last { return [] }
                    last = x
                    let v: Double
                    if upper { v = highEnd.map { Foundation.log($0 - x) } ?? x } else { v = lowEnd.map { Foundation.log(x - $0) } ?? x }
                    guard v.isFinite else { return [] }
                    g.append(v)
                }
                return g
            }
            lowTail = build(upper: false)
            highTail = build(upper: true)
            (centreLow, centreHigh) = PreparedDistribution.centreRange(t)
        } else {
            (centreLow, centreHigh) = (PreparedDistribution.tableTail, 1 - PreparedDistribution.tableTail)
        }
        // Discrete laws: F(k) for k from the lowest kept value until the kept mass is exhausted
        // (a quantile is then a binary search: exact). `a` holds the first k.
        if fast == .discrete, pHigh > pLow {
            let k0 = (d.lower ?? 0).rounded(.up)
            let top = Swift.min(d.upper ?? .infinity, k0 + 200_000)
            var k = Swift.max(k0, 0)
            a = k
            while k <= top {
                let f = PreparedDistribution.cdf(d.kind, k)
                t.append(f)
                if f >= Swift.max(hi, lo) - 1e-15 || f >= 1 - 1e-15 { break }
                k += 1
            }
            if t.isEmpty || k > top && (t.last ?? 0) < hi - 1e-12 { fast = .exact; t = [] }
        }
        // Empirical laws: F at each distinct value, values sorted (the scenario may list them in
        // any order, repeat them, or give zero weights); a quantile is a binary search.
        var pts: [Double] = []
        if case let .empirical(v, w) = d.kind {
            let tw = w.reduce(0, +)
            var acc = 0.0
            for i in v.indices.sorted(by: { v[$0] < v[$1] }) {
                acc += w[i]
                if pts.last == v[i] { t[t.count - 1] = acc / tw } else { pts.append(v[i]); t.append(acc / tw) }
            }
            if pHigh <= pLow || pts.isEmpty { fast = .exact; t = []; pts = [] }
        }
        self.fast = fast
        self.a = a
        table = t
        self.lowTail = lowTail
        self.highTail = highTail
        self.lowEnd = lowEnd
        self.highEnd = highEnd
        points = pts
    }

    /// The u range where linear interpolation in the centre table `t` (nodes at i/n) stays within
    /// `centreTolerance` relative: the error at a cell's middle is about |t[i+1] − 2t[i] + t[i−1]|/8
    /// (h²·Q″/8), relative to |t[i]| (or to 1e-9 of the table's span near 0). From the middle
    /// outwards, the range ends at the first node that misses it, and never extends past
    /// [tableTail, 1 − tableTail] (the tails' range). Cost: one pass over the table.
    static func centreRange(_ t: [Double]) -> (Double, Double) {
        let n = t.count - 1
        let tail = tableTail
        guard n >= 8 else { return (tail, 1 - tail) }
        let floor = 1e-9 * Swift.abs(t[n - 1] - t[1])
        func good(_ i: Int) -> Bool {
            let d2 = Swift.abs(t[i + 1] - 2 * t[i] + t[i - 1]) / 8
            return d2.isFinite && d2 <= centreTolerance * Swift.max(Swift.abs(t[i]), floor)
        }
        var lo = n / 2
        while lo > 1 && good(lo - 1) { lo -= 1 }
        var hi = n / 2
        while hi < n - 1 && good(hi + 1) { hi += 1 }
        // Cells are bounded by the curvature at both their nodes: the first usable cell starts one node in.
        let low = Double(Swift.min(lo + 1, n)) / Double(n), high = Double(Swift.max(hi - 1, 0)) / Double(n)
        return (Swift.min(Swift.max(low, 2 / Double(n)), tail), Swift.max(Swift.min(high, 1 - 2 / Double(n)), 1 - tail))
    }

    /// The truncated law's inverse CDF, computed without tables.
    public func exactQuantile(_ u: Double) -> Double {
        PreparedDistribution.exactQuantile(distribution, low: pLow, high: pHigh, u)
    }

    public var isFixed: Bool { distribution.isFixed }

    /// The truncated law's inverse CDF at u ∈ (0, 1).
    @inline(__always)
    public func quantile(_ u: Double) -> Double {
        switch fast {
        case .fixed: return a
        case .uniform where distribution.lower == nil && distribution.upper == nil: return a + u * (b - a)
        case .triangular where distribution.lower == nil && distribution.upper == nil:
            let fc = (c - a) / (b - a)
            return u < fc ? a + ((b - a) * (c - a) * u).squareRoot() : b - ((b - a) * (b - c) * (1 - u)).squareRoot()
        case .lognormal where distribution.lower == nil && distribution.upper == nil:
            return Foundation.exp(a + b * gsl_cdf_ugaussian_Pinv(Swift.min(Swift.max(u, 1e-300), 1 - 1e-16)))
        case .discrete:
            // Smallest k with F(k) ≥ p, p = F(lower−) + u·(F(upper) − F(lower−)).
            return a + Double(firstAtLeast(pLow + u * (pHigh - pLow)))
        case .empirical:
            return points[firstAtLeast(pLow + u * (pHigh - pLow))]
        case .table where !table.isEmpty:
            if u < centreLow { return tailQuantile(u, upper: false) }
            if u > centreHigh { return tailQuantile(1 - u, upper: true) }
            return tableCentre(u)
        default:
            return exactQuantile(u)
        }
    }

    /// True when `sample` uses one of GSL's samplers, which may draw any number of uniforms;
    /// otherwise `sample(r)` is `quantile` of one uniform from `r` (or of none, for a fixed value).
    var usesGSLSampler: Bool {
        switch fast {
        case .fixed: return false
        case .table where !table.isEmpty, .discrete where !table.isEmpty: return false
        default:
            guard distribution.lower == nil && distribution.upper == nil else { return false }
            switch distribution.kind {
            case .beta, .gamma, .poisson, .binomial, .negativeBinomial: return true
            default: return false
            }
        }
    }


    /// One draw, from exactly one uniform wherever the law has a quantile table (normal, beta, PERT,
    /// gamma, discrete laws: tables built from GSL's inverse CDFs, see `table`) or a closed form,
    /// so a firm's later draws never shift when a parameter changes. GSL's samplers (which may
    /// take any number of uniforms) only for an untruncated law without a table: in practice a
    /// discrete law too wide to tabulate. (GSL's `gsl_ran_beta` costs two gamma variates, ~170 ns
    /// here, against ~10 ns for the table.)
    @inline(__always)
    public func sample(_ r: RandomStream) -> Double {
        if fast == .fixed { return a }
        guard usesGSLSampler else { return quantile(r.open01()) }
        switch distribution.kind {
        case let .beta(x, y): return gsl_ran_beta(r.rng, x, y)
        case let .gamma(k, t): return gsl_ran_gamma(r.rng, k, t)
        case let .poisson(m): return Double(gsl_ran_poisson(r.rng, m))
        case let .binomial(n, p): return Double(gsl_ran_binomial(r.rng, p, UInt32(n)))
        case let .negativeBinomial(n, p): return Double(gsl_ran_negative_binomial(r.rng, p, n))
        default: return quantile(r.open01())
        }
    }

    /// Mean of the truncated law, by 4096-point midpoint quadrature on the quantile function
    /// (exact for fixed; used for `check`'s expectations, not in the trial loop).
    public var mean: Double {
        if case let .fixed(v) = distribution.kind { return v }
        if distribution.lower == nil && distribution.upper == nil, !distribution.isDiscrete { return distribution.untruncatedMean }
        let n = 4096
        var s = 0.0
        for i in 0..<n { s += quantile((Double(i) + 0.5) / Double(n)) }
        return s / Double(n)
    }
}
