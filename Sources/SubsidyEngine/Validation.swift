internal import CGSL
public import SubsidyModel

/// Checks that need the distributions' CDFs (GSL), so they run here rather than in the decoder:
/// a truncation window `[min, max]` must hold some probability. With none (numerically), the
/// truncated law is undefined and a sampler would return a bound every time — e.g. a firm count
/// `{dist: normal, mean: 1e6, sd: 1, min: 0, max: 100}` would give 0 firms in every trial.
public enum ScenarioChecks {
    /// Every distribution of the scenario, with its key path (`Population.distributionSites`).
    static func sites(_ s: Scenario) -> [(String, Distribution)] { s.population.distributionSites.map { ($0.path, $0.distribution) } }

    /// The probability the law gives its window [lower, upper] (1 without one).
    public static func windowMass(_ d: Distribution) -> Double {
        guard d.lower != nil || d.upper != nil else { return 1 }
        GSL.prepare()
        let lo = d.lower.map { PreparedDistribution.cdfBelow(d.kind, $0) } ?? 0
        let hi = d.upper.map { PreparedDistribution.cdf(d.kind, $0) } ?? 1
        // An upper-tail window: 1 − F loses every digit below 1e-16, so take the mass from the
        // complement Q(lower) − Q(upper) where GSL has it (`survival`).
        if let l = d.lower, d.upper == nil || hi >= 1 - 1e-12, let q = PreparedDistribution.survival(d.kind, l) {
            let upperQ = d.upper.map { PreparedDistribution.survival(d.kind, $0) ?? 0 } ?? 0
            return Swift.max(q - upperQ, 0)
        }
        return Swift.max(hi - lo, 0)
    }

    /// Throws with every window that holds less than `Limits.minTruncationMass`, located in the
    /// merged tree (the file, a base file or the `--set` that wrote it).
    public static func check(_ loaded: LoadedScenario) throws(ScenarioError) {
        var bag = DiagnosticBag()
        var seen = Set<String>()
        let lists = [(nil as String?, loaded.scenario)] + loaded.variants.map { (Optional($0.id), $0.scenario) }
        for (variant, s) in lists {
            for (path, d) in sites(s) where d.lower != nil || d.upper != nil {
                let mass = windowMass(d)
                guard !(mass >= Limits.minTruncationMass), seen.insert(path + d.summary).inserted else { continue }
                let node = ScenarioPath(path).flatMap { loaded.tree.get($0) }
                let loc = node?.location ?? loaded.tree.location
                let tag = variant.map { Message(zh: "（方案 \($0)）", en: "(variant \($0)) ") } ?? Message(zh: "", en: "")
                let m = String(format: "%.3g", mass)
                bag.add(loc, path, Message(
                    zh: "\(tag.zh)截断区间 [\(d.lower.map(formatNumber) ?? "-∞"), \(d.upper.map(formatNumber) ?? "∞")] 内几乎没有概率（\(d.summary) 在其中的概率为 \(m)，至少应为 10⁻⁹）：请检查 min/max 与分布参数",
                    en: "\(tag.en)the truncation window [\(d.lower.map(formatNumber) ?? "-∞"), \(d.upper.map(formatNumber) ?? "∞")] holds (numerically) no probability (\(d.summary) gives it \(m); at least 1e-9 is needed): check min/max against the law's parameters"))
            }
        }
        if !bag.isEmpty { throw ScenarioError(.invalid, bag.sorted) }
    }
}
