import Foundation

// The table of distribution families (see `DistributionFamily`): one entry per family, listed in
// `all` and named by its `Distribution.Kind` case in `Distribution.Kind.family` (an exhaustive
// switch, so a new case does not compile without its entry). Parameters are in the unit of the
// scenario key (万元, a count, a fraction: a law is unit-free); means and standard deviations are
// of the untruncated law.

private typealias P = DistributionFamily.Parameter
private typealias C = DistributionFamily.Constraint
private typealias Form = DistributionFamily.Form
private typealias Problem = DistributionFamily.ParameterProblem
private func m(_ zh: String, _ en: String) -> Message { Message(zh: zh, en: en) }
private func f(_ x: Double) -> String { formatNumber(x) }

// Parameters several families share.
private let lowEnd = P.number("min", m("下限", "the lower end"), [.atMost("max")], example: 1)
private let highEnd = P.number("max", m("上限", "the upper end"), [], example: 10)
private let modeIn = P.number("mode", m("众数（最可能值）", "the mode (most likely value)"), [.within("min", "max")], example: 3)

extension DistributionFamily {
    /// Every family, in the order messages list them.
    public static let all: [DistributionFamily] = [
        fixed, uniform, triangular, pert, normal, lognormal, beta, gamma, poisson, binomial, negativeBinomial, empirical,
    ]

    public static let fixed = DistributionFamily(
        name: "fixed", otherNames: [], description: m("固定值", "a fixed value"),
        forms: [Form([.number("value", m("取值", "the value"), [], example: 2.5)]) { .success(.fixed($0["value"])) }],
        truncatable: false, wholeNumbers: false, values: m("{value}", "{value}"),
        facts: { if case let .fixed(v) = $0 { LawFacts(lowest: v, highest: v, mean: v, sd: 0) } else { nil } },
        summary: { if case let .fixed(v) = $0 { f(v) } else { nil } })

    public static let uniform = DistributionFamily(
        name: "uniform", otherNames: [], description: m("均匀分布（[min, max] 上处处等可能）", "uniform on [min, max]"),
        forms: [Form([lowEnd, highEnd]) { .success(.uniform(min: $0["min"], max: $0["max"])) }],
        truncatable: false, wholeNumbers: false, values: m("[min, max]", "[min, max]"),
        facts: {
            guard case let .uniform(a, b) = $0 else { return nil }
            return LawFacts(lowest: a, highest: b, mean: (a + b) / 2, sd: (b - a) / 12.0.squareRoot())
        },
        summary: { if case let .uniform(a, b) = $0 { "uniform(\(f(a)), \(f(b)))" } else { nil } })

    public static let triangular = DistributionFamily(
        name: "triangular", otherNames: [], description: m("三角分布", "triangular"),
        forms: [Form([lowEnd, modeIn, highEnd]) { x in
            x["min"] == x["max"] ? .success(.fixed(x["min"])) : .success(.triangular(min: x["min"], mode: x["mode"], max: x["max"]))
        }],
        truncatable: false, wholeNumbers: false, values: m("[min, max]", "[min, max]"),
        facts: {
            guard case let .triangular(a, c, b) = $0 else { return nil }
            let v = (a * a + b * b + c * c - a * b - a * c - b * c) / 18
            return LawFacts(lowest: a, highest: b, mean: (a + b + c) / 3, sd: v.squareRoot())
        },
        summary: { if case let .triangular(a, c, b) = $0 { "triangular(\(f(a)), \(f(c)), \(f(b)))" } else { nil } })

    public static let pert = DistributionFamily(
        name: "pert", otherNames: [], description: m("Beta-PERT 分布（λ = 4）", "Beta-PERT (λ = 4)"),
        forms: [Form([lowEnd, modeIn, highEnd]) { x in
            x["min"] == x["max"] ? .success(.fixed(x["min"])) : .success(.pert(min: x["min"], mode: x["mode"], max: x["max"]))
        }],
        truncatable: false, wholeNumbers: false, values: m("[min, max]", "[min, max]"),
        facts: {
            // Mean (a + 4c + b)/6; variance (μ − a)(b − μ)/(λ + 3) with λ = 4.
            guard case let .pert(a, c, b) = $0 else { return nil }
            let mu = (a + 4 * c + b) / 6
            return LawFacts(lowest: a, highest: b, mean: mu, sd: ((mu - a) * (b - mu) / 7).squareRoot())
        },
        summary: { if case let .pert(a, c, b) = $0 { "pert(\(f(a)), \(f(c)), \(f(b)))" } else { nil } })

    public static let normal = DistributionFamily(
        name: "normal", otherNames: [], description: m("正态分布", "normal"),
        forms: [Form([.number("mean", m("均值", "the mean"), [], example: 50),
                      .number("sd", m("标准差", "the standard deviation"), [.positive], example: 12)]) {
            .success(.normal(mean: $0["mean"], sd: $0["sd"]))
        }],
        truncatable: true, wholeNumbers: false, values: m("(−∞, ∞)", "(−∞, ∞)"),
        facts: { if case let .normal(mu, s) = $0 { LawFacts(lowest: -.infinity, highest: .infinity, mean: mu, sd: s) } else { nil } },
        summary: { if case let .normal(mu, s) = $0 { "normal(\(f(mu)), \(f(s)))" } else { nil } })

    public static let lognormal = DistributionFamily(
        name: "lognormal", otherNames: [], description: m("对数正态分布（ln X 服从正态分布）", "lognormal (ln X is normal)"),
        forms: [
            Form([.number("median", m("中位数", "the median"), [.positive], example: 45),
                  .number("p90", m("第 90 百分位数", "the 90th percentile"), [.greaterThan("median")], example: 120)]) { x in
                // sigma = (ln p90 − ln median) / Φ⁻¹(0.9).
                let (med, p90) = (x["median"], x["p90"])
                let sigma = (Foundation.log(p90) - Foundation.log(med)) / Distribution.z90
                guard sigma <= Limits.maxLognormalSigma else {
                    return .failure(Problem("p90", zh: "p90/median = \(f(p90 / med)) 太大（lognormal 的 sigma 最大为 10，即 p90/median ≤ e^12.8 ≈ 3.7×10⁵）",
                                            en: "p90/median = \(f(p90 / med)) is too large (a lognormal sigma is at most 10: p90/median ≤ e^12.8 ≈ 3.7e5)"))
                }
                return .success(.lognormal(mu: Foundation.log(med), sigma: sigma))
            },
            Form([.number("mu", m("ln X 的均值（中位数为 e^mu）", "the mean of ln X (the median is e^mu)"),
                          [.closed(-Limits.maxLognormalMu...Limits.maxLognormalMu, reason: m("中位数 e^mu；本程序的限制，见 README“Limits”", "the median is e^mu; a limit of this program, see README “Limits”"))],
                          example: 3),
                  .number("sigma", m("ln X 的标准差", "the standard deviation of ln X"),
                          [.positive, .range(lower: 0, lowerOpen: true, upper: Limits.maxLognormalSigma, upperOpen: false, reason: C.programLimit)], example: 0.6)]) {
                .success(.lognormal(mu: $0["mu"], sigma: $0["sigma"]))
            },
        ],
        truncatable: true, wholeNumbers: false, values: m("(0, ∞)", "(0, ∞)"),
        facts: {
            // Mean e^(μ + σ²/2); variance (e^σ² − 1)·e^(2μ + σ²).
            guard case let .lognormal(mu, s) = $0 else { return nil }
            return LawFacts(lowest: 0, highest: .infinity, mean: (mu + s * s / 2).exp,
                            sd: ((s * s).exp - 1).squareRoot() * (mu + s * s / 2).exp)
        },
        summary: {
            guard case let .lognormal(mu, s) = $0 else { return nil }
            return "lognormal(median \(f(mu.exp)), p90 \(f((mu + Distribution.z90 * s).exp)))"
        })

    public static let beta = DistributionFamily(
        name: "beta", otherNames: [], description: m("Beta 分布（取值于 [0, 1]）", "beta (values in [0, 1])"),
        forms: [
            Form([.number("mean", m("均值", "the mean"), [.range(lower: 0, lowerOpen: true, upper: 1, upperOpen: true, reason: nil)], example: 0.5),
                  .number("sd", m("标准差", "the standard deviation"), [.positive], example: 0.15)]) { x in
                betaFromMoments(x["mean"], x["sd"])
            },
            Form([.number("a", m("形状参数 a（α）", "the shape a (α)"), [.positive, .closed(Limits.betaShape, reason: C.programLimit)], example: 3),
                  .number("b", m("形状参数 b（β）", "the shape b (β)"), [.positive, .closed(Limits.betaShape, reason: C.programLimit)], example: 6)]) {
                .success(.beta(a: $0["a"], b: $0["b"]))
            },
        ],
        truncatable: true, wholeNumbers: false, values: m("[0, 1]", "[0, 1]"),
        facts: {
            // Mean a/(a + b); variance ab / ((a + b)²(a + b + 1)).
            guard case let .beta(a, b) = $0 else { return nil }
            return LawFacts(lowest: 0, highest: 1, mean: a / (a + b), sd: (a * b / ((a + b) * (a + b) * (a + b + 1))).squareRoot())
        },
        summary: { if case let .beta(a, b) = $0 { "beta(\(f(a)), \(f(b)))" } else { nil } })

    public static let gamma = DistributionFamily(
        name: "gamma", otherNames: [], description: m("Gamma 分布", "gamma"),
        forms: [
            Form([.number("shape", m("形状参数 k", "the shape k"), [.positive, .closed(Limits.gammaShape, reason: C.programLimit)], example: 2.5),
                  .number("scale", m("尺度参数 θ（均值 kθ）", "the scale θ (the mean is kθ)"), [.positive], example: 4)]) {
                .success(.gamma(shape: $0["shape"], scale: $0["scale"]))
            },
            Form([.number("mean", m("均值", "the mean"), [.positive], example: 10),
                  .number("sd", m("标准差", "the standard deviation"), [.positive], example: 6)]) { x in
                // shape = (mean/sd)², scale = sd²/mean; shape in [0.01, 10⁵] ⇔ sd in [mean/√10⁵, 10·mean].
                let (mean, sd) = (x["mean"], x["sd"])
                let k = mean * mean / (sd * sd)
                guard Limits.gammaShape.contains(k) else {
                    return .failure(Problem("sd", zh: "sd \(exactNumber(sd)) 使 gamma 的 shape = (mean/sd)² = \(f(k)) 超出 [0.01, 10⁵]（mean \(f(mean)) 时 sd 应在 [\(f(mean / 1e5.squareRoot())), \(f(mean * 10))] 内）",
                                            en: "sd \(exactNumber(sd)) gives a gamma shape (mean/sd)² = \(f(k)) outside [0.01, 10⁵] (for mean \(f(mean)) the sd must be in [\(f(mean / 1e5.squareRoot())), \(f(mean * 10))])"))
                }
                return .success(.gamma(shape: k, scale: sd * sd / mean))
            },
        ],
        truncatable: true, wholeNumbers: false, values: m("(0, ∞)", "(0, ∞)"),
        facts: { if case let .gamma(k, t) = $0 { LawFacts(lowest: 0, highest: .infinity, mean: k * t, sd: k.squareRoot() * t) } else { nil } },
        summary: { if case let .gamma(k, t) = $0 { "gamma(shape \(f(k)), scale \(f(t)))" } else { nil } })

    public static let poisson = DistributionFamily(
        name: "poisson", otherNames: [], description: m("泊松分布", "Poisson"),
        forms: [Form([.number("mean", m("均值", "the mean"), [.positive, .range(lower: 0, lowerOpen: true, upper: Limits.maxDiscreteMean, upperOpen: false, reason: C.programLimit)], example: 4.2)]) {
            .success(.poisson(mean: $0["mean"]))
        }],
        truncatable: true, wholeNumbers: true, values: m("0, 1, 2, …", "0, 1, 2, …"),
        facts: { if case let .poisson(mu) = $0 { LawFacts(lowest: 0, highest: .infinity, mean: mu, sd: mu.squareRoot()) } else { nil } },
        summary: { if case let .poisson(mu) = $0 { "poisson(\(f(mu)))" } else { nil } })

    public static let binomial = DistributionFamily(
        name: "binomial", otherNames: [], description: m("二项分布（n 次试验中成功的次数）", "binomial (successes in n trials)"),
        forms: [Form([.number("n", m("试验次数", "the number of trials"),
                              [.wholeNumber, .nonNegative, .closed(0...Limits.maxBinomialN, reason: C.programLimit)], example: 20),
                      .number("p", m("每次成功的概率", "the success probability"), [.probability], example: 0.3)]) {
            .success(.binomial(n: Int($0["n"]), p: $0["p"]))
        }],
        truncatable: true, wholeNumbers: true, values: m("0, 1, …, n", "0, 1, …, n"),
        facts: {
            guard case let .binomial(n, p) = $0 else { return nil }
            return LawFacts(lowest: 0, highest: Double(n), mean: Double(n) * p, sd: (Double(n) * p * (1 - p)).squareRoot())
        },
        summary: { if case let .binomial(n, p) = $0 { "binomial(\(n), \(f(p)))" } else { nil } })

    public static let negativeBinomial = DistributionFamily(
        name: "negative_binomial", otherNames: [],
        description: m("负二项分布（第 n 次成功前的失败次数）", "negative binomial (failures before the n-th success)"),
        forms: [Form([.number("n", m("成功次数（可为小数）", "the number of successes (may be fractional)"), [.positive], example: 3.5),
                      .number("p", m("每次成功的概率", "the success probability"),
                              [.range(lower: 0, lowerOpen: true, upper: 1, upperOpen: false, reason: nil),
                               .closed(Limits.minNegativeBinomialP...1, reason: C.programLimit)], example: 0.4)]) { x in
            // Mean n(1 − p)/p.
            let (n, p) = (x["n"], x["p"])
            guard n * (1 - p) / p <= Limits.maxDiscreteMean else {
                return .failure(Problem("p", zh: "均值 n(1−p)/p = \(f(n * (1 - p) / p)) 超过上限 10⁷",
                                        en: "the mean n(1−p)/p = \(f(n * (1 - p) / p)) is above the limit of 10⁷"))
            }
            return .success(.negativeBinomial(n: n, p: p))
        }],
        truncatable: true, wholeNumbers: true, values: m("0, 1, 2, …", "0, 1, 2, …"),
        facts: {
            // Mean n(1 − p)/p; variance n(1 − p)/p².
            guard case let .negativeBinomial(n, p) = $0 else { return nil }
            return LawFacts(lowest: 0, highest: .infinity, mean: n * (1 - p) / p, sd: (n * (1 - p)).squareRoot() / p)
        },
        summary: { if case let .negativeBinomial(n, p) = $0 { "negative_binomial(n \(f(n)), p \(f(p)))" } else { nil } })

    public static let empirical = DistributionFamily(
        name: "empirical", otherNames: [],
        description: m("经验分布（列出的取值，按权重抽取）", "empirical (the listed values, drawn by weight)"),
        forms: [Form([.list("values", m("取值列表", "the values"), [], example: [12, 5.5, 30, 8], maxItems: Limits.maxEmpiricalValues),
                      .list("weights", m("各取值的权重（默认相等）", "each value's weight (equal if left out)"), [.nonNegative],
                            example: [1, 2, 0.5, 1], optional: true, maxItems: Limits.maxEmpiricalValues)]) { x in
            let values = x.lists["values"] ?? []
            let weights = x.lists["weights"] ?? Array(repeating: 1, count: values.count)
            guard weights.count == values.count else {
                return .failure(Problem("weights", zh: "weights 有 \(weights.count) 项，values 有 \(values.count) 项；两者应一样多",
                                        en: "weights has \(weights.count) items but values has \(values.count); they must match"))
            }
            guard weights.reduce(0, +) > 0 else {
                return .failure(Problem("weights", zh: "权重之和必须大于 0", en: "the weights must sum to more than 0"))
            }
            return .success(.empirical(values: values, weights: weights))
        }],
        truncatable: false, wholeNumbers: false, values: m("values 中的数", "the listed values"),
        facts: {
            guard case let .empirical(v, w) = $0 else { return nil }
            let tw = w.reduce(0, +)
            let mean = zip(v, w).map { $0 * $1 }.reduce(0, +) / tw
            let variance = zip(v, w).map { ($0 - mean) * ($0 - mean) * $1 }.reduce(0, +) / tw
            let kept = zip(v, w).filter { $0.1 > 0 }.map(\.0)
            return LawFacts(lowest: kept.min() ?? 0, highest: kept.max() ?? 0, mean: mean, sd: variance.squareRoot())
        },
        summary: { if case let .empirical(v, _) = $0 { "empirical(\(v.count) values)" } else { nil } })
}

/// A beta law from its mean and sd: k = mean(1 − mean)/sd² − 1, a = mean·k, b = (1 − mean)·k;
/// needs sd² < mean(1 − mean), and a and b within `Limits.betaShape`.
private func betaFromMoments(_ mean: Double, _ sd: Double) -> Result<Distribution.Kind, DistributionFamily.ParameterProblem> {
    guard sd * sd < mean * (1 - mean) else {
        let maxSD = (mean * (1 - mean)).squareRoot()
        return .failure(Problem("sd", zh: "sd \(f(sd)) 对 mean \(f(mean)) 太大（beta 要求 sd < √(mean·(1−mean)) = \(String(format: "%.4f", maxSD))）",
                                en: "sd \(f(sd)) is too large for mean \(f(mean)) (a beta needs sd < √(mean·(1−mean)) = \(String(format: "%.4f", maxSD)))"))
    }
    let k = mean * (1 - mean) / (sd * sd) - 1
    let (a, b) = (mean * k, (1 - mean) * k)
    guard Limits.betaShape.contains(a), Limits.betaShape.contains(b) else {
        // The sd range whose shapes stay in range: k from lower/min(m, 1−m) to upper/max(m, 1−m).
        let v = mean * (1 - mean)
        let sdMin = (v / (Limits.betaShape.upperBound / Swift.max(mean, 1 - mean) + 1)).squareRoot()
        let sdMax = Swift.min((v / (Limits.betaShape.lowerBound / Swift.min(mean, 1 - mean) + 1)).squareRoot(), v.squareRoot())
        return .failure(Problem("sd", zh: "sd \(exactNumber(sd)) 使 beta 的形状参数为 a = \(f(a))、b = \(f(b))，超出 [0.01, 10⁵]（mean \(f(mean)) 时 sd 应在 [\(String(format: "%.3g", sdMin)), \(String(format: "%.4g", sdMax))] 内）",
                                en: "sd \(exactNumber(sd)) gives beta shapes a = \(f(a)), b = \(f(b)), outside [0.01, 10⁵] (for mean \(f(mean)) the sd must be in [\(String(format: "%.3g", sdMin)), \(String(format: "%.4g", sdMax))])"))
    }
    return .success(.beta(a: a, b: b))
}

extension Distribution.Kind {
    /// This law's entry in `DistributionFamily.all`.
    public var family: DistributionFamily {
        switch self {
        case .fixed: return .fixed
        case .uniform: return .uniform
        case .triangular: return .triangular
        case .pert: return .pert
        case .normal: return .normal
        case .lognormal: return .lognormal
        case .beta: return .beta
        case .gamma: return .gamma
        case .poisson: return .poisson
        case .binomial: return .binomial
        case .negativeBinomial: return .negativeBinomial
        case .empirical: return .empirical
        }
    }
}
