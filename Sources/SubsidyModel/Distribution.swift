/// A probability distribution named in a scenario (Scenarios/MODEL.md §5). Parameters are stored in the
/// form the samplers use; the scenario may give them in another form (a lognormal by `median`
/// and `p90`, a beta by `mean` and `sd`), which the decoder converts and checks.
///
/// `lower`/`upper` truncate the distribution to `[lower, upper]`; the engine samples the
/// truncated law exactly (inverse CDF restricted to `[F(lower), F(upper)]`), never by clamping.
public struct Distribution: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// Always `value`. A bare number in a scenario.
        case fixed(Double)
        case uniform(min: Double, max: Double)
        case triangular(min: Double, mode: Double, max: Double)
        /// Beta-PERT on [min, max] with the given mode and shape λ = 4: α = 1 + 4(mode−min)/(max−min).
        case pert(min: Double, mode: Double, max: Double)
        case normal(mean: Double, sd: Double)
        /// ln X ~ N(mu, sigma²).
        case lognormal(mu: Double, sigma: Double)
        case beta(a: Double, b: Double)
        /// Shape k, scale θ: mean kθ.
        case gamma(shape: Double, scale: Double)
        case poisson(mean: Double)
        case binomial(n: Int, p: Double)
        /// Failures before the n-th success, success probability p (n may be fractional): mean n(1−p)/p.
        case negativeBinomial(n: Double, p: Double)
        /// One of `values`, with probability proportional to `weights`.
        case empirical(values: [Double], weights: [Double])
    }

    public var kind: Kind
    public var lower: Double?
    public var upper: Double?

    public init(_ kind: Kind, lower: Double? = nil, upper: Double? = nil) {
        self.kind = kind
        self.lower = lower
        self.upper = upper
    }

    public static func fixed(_ v: Double) -> Distribution { Distribution(.fixed(v)) }

    /// Standard normal 90th percentile, Φ⁻¹(0.9).
    public static let z90 = 1.2815515655446004

    /// True for a fixed value: such an input carries no uncertainty.
    public var isFixed: Bool {
        if case .fixed = kind { return true }
        if case let .uniform(a, b) = kind, a == b { return true }
        return false
    }

    /// True for integer-valued laws.
    public var isDiscrete: Bool {
        switch kind {
        case .poisson, .binomial, .negativeBinomial: return true
        default: return false
        }
    }

    /// The untruncated mean (analytic).
    public var untruncatedMean: Double {
        switch kind {
        case let .fixed(v): return v
        case let .uniform(a, b): return (a + b) / 2
        case let .triangular(a, c, b): return (a + b + c) / 3
        case let .pert(a, c, b): return (a + 4 * c + b) / 6
        case let .normal(m, _): return m
        case let .lognormal(mu, s): return (mu + s * s / 2).exp
        case let .beta(a, b): return a / (a + b)
        case let .gamma(k, t): return k * t
        case let .poisson(m): return m
        case let .binomial(n, p): return Double(n) * p
        case let .negativeBinomial(n, p): return n * (1 - p) / p
        case let .empirical(v, w):
            let tw = w.reduce(0, +)
            return zip(v, w).map { $0 * $1 }.reduce(0, +) / tw
        }
    }

    /// A short human description, e.g. `lognormal(median 45, p90 120) on [10, 400]`.
    public var summary: String {
        func f(_ x: Double) -> String { formatNumber(x) }
        var s: String
        switch kind {
        case let .fixed(v): s = f(v)
        case let .uniform(a, b): s = "uniform(\(f(a)), \(f(b)))"
        case let .triangular(a, c, b): s = "triangular(\(f(a)), \(f(c)), \(f(b)))"
        case let .pert(a, c, b): s = "pert(\(f(a)), \(f(c)), \(f(b)))"
        case let .normal(m, sd): s = "normal(\(f(m)), \(f(sd)))"
        case let .lognormal(mu, sg): s = "lognormal(median \(f(mu.exp)), p90 \(f((mu + Distribution.z90 * sg).exp)))"
        case let .beta(a, b): s = "beta(\(f(a)), \(f(b)))"
        case let .gamma(k, t): s = "gamma(shape \(f(k)), scale \(f(t)))"
        case let .poisson(m): s = "poisson(\(f(m)))"
        case let .binomial(n, p): s = "binomial(\(n), \(f(p)))"
        case let .negativeBinomial(n, p): s = "negative_binomial(n \(f(n)), p \(f(p)))"
        case let .empirical(v, _): s = "empirical(\(v.count) values)"
        }
        if lower != nil || upper != nil {
            s += " on [\(lower.map(f) ?? "-∞"), \(upper.map(f) ?? "∞")]"
        }
        return s
    }
}

extension Double {
    var exp: Double { Foundation.exp(self) }
}

/// Shortest plain decimal text of a number (no exponent for ordinary magnitudes).
public func formatNumber(_ x: Double) -> String {
    if x.isNaN { return "NaN" }
    if x.isInfinite { return x > 0 ? "∞" : "-∞" }
    if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
    var s = String(format: "%.6g", x)
    // Plain decimals between 1e-4 and 1e15; beyond, keep the exponent (a plain 1e-9 would read
    // "0" and 1e300 would take 301 digits).
    if s.contains("e"), abs(x) >= 1e-4, abs(x) < 1e15 { s = String(format: "%.6f", x) }
    if s.contains("."), !s.contains("e") {
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
    }
    return s
}

import Foundation
