import Foundation

/// The documented limits on scenario input (README, "Limits"). Every one is checked before any
/// work starts, with a message that names the value and the limit: inside them the samplers, the
/// quantile tables and the statistics are known to stay finite and fast. The limits on a
/// distribution's parameters are checked where `DistributionFamily.all` names them, as
/// constraints of the parameter (or of what its form derives, e.g. a beta's shapes from mean and sd).
public enum Limits {
    /// Largest amount of money (万元) anywhere in a scenario, and largest magnitude of any number
    /// (distribution parameters, factors, scores): sums over all firms and lines stay finite.
    public static let maxAmount = 1e9
    /// Largest scenario file (each file of a base: chain), in bytes.
    public static let maxFileBytes = 4 << 20
    /// Longest text value (title, source, names, labels), in characters.
    public static let maxTextLength = 2000
    /// Characters in an id (scenario, variant, batch, source, …): ids name folders and files
    /// (`Output/<id>/sensitivity-<metric>-<variant>`), which must stay within 255 bytes.
    public static let maxIDLength = 64
    /// Most values of an empirical distribution.
    public static let maxEmpiricalValues = 100_000
    /// Most variants in a scenario.
    public static let maxVariants = 64
    /// Most batches of pilot firms (the draft has two).
    public static let maxBatches = 8
    /// Most segments (industry groups) in a population: a county's industries are a handful, and
    /// decoding and every trial cost grow with them.
    public static let maxSegments = 100
    /// Deepest nesting of YAML mappings and lists (a scenario needs about 6).
    public static let maxNesting = 64
    /// Beta shapes a, b (also as derived from mean and sd): inside, GSL's inverse CDF (or the bisection
    /// that backs it) builds a quantile table in about 2 s; at a = b = 10⁶ `gsl_cdf_beta_Pinv` does not return.
    public static let betaShape: ClosedRange<Double> = 1e-2...1e5
    /// Gamma shape (also as derived from mean and sd).
    public static let gammaShape: ClosedRange<Double> = 1e-2...1e5
    /// Largest lognormal sigma (p90/median ≤ e^(1.28·sigma)).
    public static let maxLognormalSigma = 10.0
    /// Largest magnitude of a lognormal mu (the median e^mu stays within 10^±21.7).
    public static let maxLognormalMu = 50.0
    /// Largest binomial n (its CDF table stays bounded).
    public static let maxBinomialN = 1e7
    /// Largest mean of a poisson or negative binomial law (the discrete tables and searches stay bounded).
    public static let maxDiscreteMean = 1e7
    /// Smallest negative-binomial success probability p.
    public static let minNegativeBinomialP = 1e-6
    /// Least probability a truncation window [min, max] must hold.
    public static let minTruncationMass = 1e-9
}

/// Text of a limit for messages: a power of ten from 10⁵ up or 10⁻⁵ down as "10⁹" / "10⁻⁶",
/// anything else as `formatNumber` writes it (0.001, 100, 0.01).
func limitText(_ x: Double) -> String {
    let e = Foundation.log10(Swift.abs(x)).rounded()
    guard x != 0, x.isFinite, Swift.abs(e) >= 5, Swift.abs(e) < 100, Foundation.pow(10, e) == Swift.abs(x) else { return formatNumber(x) }
    let digits: [Character] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]
    let power = String(Int(Swift.abs(e))).map { digits[Int(String($0))!] }
    return (x < 0 ? "-" : "") + "10" + (e < 0 ? "⁻" : "") + String(power)
}

/// The number as typed, to the last digit that matters: formatNumber's 6 significant digits when
/// they read back as the same number, else the shortest text that does (1.0000001, not 1).
public func exactNumber(_ x: Double) -> String {
    let short = formatNumber(x)
    if Double(short) == x || !x.isFinite { return short }
    return "\(x)"
}
