/// A probability distribution named in a scenario (Scenarios/MODEL.md §5). Parameters are stored in the
/// form the samplers use; the scenario may give them in another form (a lognormal by `median`
/// and `p90`, a beta by `mean` and `sd`), which the decoder converts and checks. What each family
/// takes and allows, and the values it can produce, is its entry in `DistributionFamily.all`.
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

    /// True for integer-valued laws (their family's `wholeNumbers`).
    public var isDiscrete: Bool { kind.takesWholeNumbers }

    /// The untruncated mean (analytic, from the family's entry in `DistributionFamily.all`).
    public var untruncatedMean: Double { kind.facts.mean }

    /// A short human description, e.g. `lognormal(median 45, p90 120) on [10, 400]`.
    public var summary: String {
        func f(_ x: Double) -> String { formatNumber(x) }
        var s = kind.family.summary(kind) ?? "\(kind)"
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
    if s.utf8.contains(UInt8(ascii: "e")), abs(x) >= 1e-4, abs(x) < 1e15 { s = String(format: "%.6f", x) }
    if s.utf8.contains(UInt8(ascii: ".")), !s.utf8.contains(UInt8(ascii: "e")) {
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
    }
    return s
}

import Foundation
