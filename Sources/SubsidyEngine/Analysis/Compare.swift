import Foundation
public import SubsidyModel

/// Several scenarios (and their variants) run side by side in one simulation, each compared with
/// the first. Every entry's trial t uses the same random streams (Philox keyed by seed, trial,
/// batch and firm), so entries whose populations coincide see the same firms in every trial and
/// their per-trial differences are exact; entries with another population share the streams but
/// not the firms. Either way the trial pairs are independent across trials, so the paired
/// differences and their intervals (mean ± 1.96·SE of the per-trial differences) are valid; with
/// common firms they are much narrower.
public enum Compare {
    /// One column of the comparison.
    public struct Entry: Sendable {
        public var id: String
        public var label: String
        /// Where it comes from (a file, or the reading it changes).
        public var source: String
        public var variant: ResolvedVariant
        public init(id: String, label: String, source: String, variant: ResolvedVariant) {
            self.id = id
            self.label = label
            self.source = source
            self.variant = variant
        }
    }

    /// A paired difference (entry − reference) with its 95% interval.
    public struct Difference: Sendable, Hashable {
        public var mean: Double
        public var low: Double
        public var high: Double
        /// The interval excludes 0.
        public var significant: Bool { low > 0 || high < 0 }

        init(_ d: [Double]) {
            var m = Moments()
            for x in d { m.add(x) }
            let h = 1.959963984540054 * m.standardError
            mean = m.mean
            low = m.mean - h
            high = m.mean + h
        }
    }

    public struct Row: Sendable {
        public var entry: Entry
        public var summary: VariantSummary
        /// Same population as the reference: the same firms in every trial.
        public var sameFirms: Bool
        /// Against the reference, per line (the reference's line order): P(short), mean demand, mean unspent.
        public var shortDifference: [Difference]
        public var demandDifference: [Difference]
        public var unspentDifference: [Difference]
        /// Per source: mean unspent.
        public var sourceUnspentDifference: [Difference]
        public var anyShortDifference: Difference
    }

    public struct Result: Sendable {
        public var rows: [Row]
        public var trials: Int
        public var seed: UInt64
        public var seconds: Double
        public var lines: [LineID]
        public var sources: [String]
    }

    /// Why these entries cannot be run in one model (different lines, sources or correlations),
    /// or nil.
    public static func incompatibility(_ entries: [Entry]) -> Message? {
        guard let first = entries.first?.variant.scenario else { return Message(zh: "没有可比较的方案", en: "nothing to compare") }
        for e in entries.dropFirst() {
            let s = e.variant.scenario
            if s.funding.map(\.id) != first.funding.map(\.id) {
                return Message(zh: "\(e.source)（\(e.label)）的资金来源（\(s.funding.map(\.id).joined(separator: ", "))）与第一个（\(first.funding.map(\.id).joined(separator: ", "))）不同，不能放在一张表里比较",
                               en: "\(e.source) ('\(e.id)') has funding sources \(s.funding.map(\.id)) but the first has \(first.funding.map(\.id)); they cannot share one table")
            }
            if s.lines.map(\.id) != first.lines.map(\.id) {
                return Message(zh: "\(e.source)（\(e.label)）的预算行顺序与第一个不同，不能放在一张表里比较",
                               en: "\(e.source) ('\(e.id)') lists the budget lines in another order than the first")
            }
            if s.population.correlations.map({ "\($0.a)|\($0.b)|\($0.rho)" }) != first.population.correlations.map({ "\($0.a)|\($0.b)|\($0.rho)" }) {
                return Message(zh: "\(e.source)（\(e.label)）的输入相关性与第一个不同：一次模拟只能用一组相关性，请分别运行",
                               en: "\(e.source) ('\(e.id)') correlates its inputs differently from the first; one run can use only one set of correlations")
            }
        }
        return nil
    }

    public static func run(_ entries: [Entry], trials: Int, seed: UInt64, threads: Int, sampling: SamplingMethod?) throws -> Result {
        if let m = incompatibility(entries) {
            throw ScenarioError(.invalid, [Diagnostic(SourceLocation(file: "compare", line: 0, column: 0), key: "", m)])
        }
        let t0 = Date()
        let model = CompiledModel(variants: entries.map(\.variant), seed: seed)
        let L = model.layout
        let design = try TrialDesign.forScenario(model, scenario: entries[0].variant.scenario, sampling: sampling, seed: seed).design
        var opts = RunOptions(trials: trials, threads: threads, keepInputs: false)
        opts.storedFields = L.storedFields + L.lines.indices.map { L.line($0, .unspent) }
        let r = try Simulator.run(model, options: opts, design: design)
        let summaries = r.summaries()
        // Who holds a chain case, and whether an unheld case is funded, change no firm's draws.
        func firms(_ p: Population) -> Population {
            var q = p.drawn
            q.chainCaseHolder = .outside
            q.chainCaseUnheld = .unfunded
            return q
        }
        let refPop = firms(entries[0].variant.scenario.population)
        func short(_ v: Int) -> [[Double]] {
            let s = entries[v].variant.scenario
            return L.lines.indices.map { i in
                let b = s.line(L.lines[i])?.total ?? 0
                return r.column(v, L.line(i, .demand)).map { $0 > b + 1e-9 ? 1 : 0 }
            }
        }
        let refShort = short(0)
        func any(_ s: [[Double]]) -> [Double] { (0..<r.trials).map { t in s.contains { $0[t] > 0 } ? 1 : 0 } }
        let refAny = any(refShort)
        func diff(_ a: [Double], _ b: [Double]) -> Difference { Difference(zip(a, b).map { $0 - $1 }) }
        // A difference of two shares (0/1 per trial): a − b lies in [−mean b, 1 − mean b], and so
        // does its interval (the normal one runs past it near 0% and 100%: "−100.2 至 −99.4").
        func shareDiff(_ a: [Double], _ b: [Double]) -> Difference {
            var d = diff(a, b)
            let mb = b.isEmpty ? 0 : b.reduce(0, +) / Double(b.count)
            d.low = Swift.max(d.low, -mb)
            d.high = Swift.min(d.high, 1 - mb)
            return d
        }
        var rows: [Row] = []
        for (v, e) in entries.enumerated() {
            let sh = v == 0 ? refShort : short(v)
            rows.append(Row(
                entry: e, summary: summaries[v], sameFirms: firms(e.variant.scenario.population) == refPop,
                shortDifference: L.lines.indices.map { shareDiff(sh[$0], refShort[$0]) },
                demandDifference: L.lines.indices.map { diff(r.column(v, L.line($0, .demand)), r.column(0, L.line($0, .demand))) },
                unspentDifference: L.lines.indices.map { diff(r.column(v, L.line($0, .unspent)), r.column(0, L.line($0, .unspent))) },
                sourceUnspentDifference: L.sources.indices.map { diff(r.column(v, L.source($0, .unspent)), r.column(0, L.source($0, .unspent))) },
                anyShortDifference: shareDiff(any(sh), refAny)))
        }
        return Result(rows: rows, trials: r.trials, seed: seed, seconds: Date().timeIntervalSince(t0), lines: L.lines, sources: L.sources)
    }
}

extension Compare {
    /// The draft's open readings, each as overrides of `base` (Scenarios/MODEL.md §10): the hardware
    /// rule, which lines count toward the per-project ceiling, the fee bases, the chain-case holder,
    /// and the overrun rule. Each is one change from the scenario as written; a reading the scenario
    /// already takes is left out.
    public static func readings(of s: Scenario) -> [(id: String, overrides: [(String, String)])] {
        var out: [(String, [(String, String)])] = []
        for r in HardwareRule.allCases where r != s.policy.hardwareRule {
            out.append(("hardware-\(r.rawValue)", [("policy.hardware.rule", r.rawValue)]))
        }
        let part2 = LineID.firmLevel.filter { $0.part == 2 }
        let ceilings: [(String, [LineID])] = [("ceiling-clauses1-5", LineID.firmLevel), ("ceiling-part2", part2), ("ceiling-none", [])]
        for (id, lines) in ceilings where lines != s.policy.ceilingLines {
            out.append((id, [("policy.ceiling.lines", "[" + lines.map(\.rawValue).joined(separator: ", ") + "]")]))
        }
        let fees = ["process_management", "acceptance", "audit"]
        for basis in FeeBasis.allCases {
            let current = [s.policy.processManagementFee.basis, s.policy.acceptanceFee.basis, s.policy.auditFee.basis]
            guard current.contains(where: { $0 != basis }) else { continue }
            out.append(("fees-\(basis.rawValue)", fees.map { ("policy.services.\($0).basis", basis.rawValue) }))
        }
        if s.population.chainCaseHolder != .topFirm {
            out.append(("chain-top-firm", [("population.chain_case_holder", ChainCaseHolder.topFirm.rawValue)]))
        } else {
            out.append(("chain-outside", [("population.chain_case_holder", ChainCaseHolder.outside.rawValue)]))
        }
        for r in OverrunRule.allCases where r != s.policy.overrun {
            out.append(("overrun-\(r.rawValue)", [("policy.overrun", r.rawValue)]))
        }
        return out
    }

    /// The entries of `compare --readings`: each reading of `readings(of:)` applied to `loaded`, as
    /// variant `v` sees it, labelled as a person says it.
    public static func readingEntries(_ loaded: LoadedScenario, variant v: ResolvedVariant) throws(ScenarioError) -> [Entry] {
        var out: [Entry] = []
        for r in readings(of: v.scenario) {
            var os: [Override] = []
            for (k, value) in r.overrides {
                switch Override.parse("\(k)=\(value)") {
                case let .success(o): os.append(o)
                case let .failure(e): throw e
                }
            }
            let l = try loaded.with(os)
            guard let rv = l.variants.first(where: { $0.id == v.id }) else { continue }
            let what = os.map { l.describe($0) }
            out.append(Entry(id: r.id, label: readingLabel(r.id, r.overrides, described: what),
                             source: "读法：" + r.overrides.map { "\($0.0)=\($0.1)" }.joined(separator: ", "), variant: rv))
        }
        return out
    }

    /// A reading as a person says it: "各项服务费都按试点企业数计", "70万上限只计入（五）（按字面）".
    static func readingLabel(_ id: String, _ overrides: [(String, String)], described: [String]) -> String {
        if id.hasPrefix("fees-"), let basis = overrides.first?.1 { return "各项服务费都" + FieldInfo.wordName(basis) + "计" }
        if id == "ceiling-none" { return "不设70万单个项目上限" }
        if id == "ceiling-clauses1-5" { return "70万上限计入（一）至（五）" }
        if id.hasPrefix("ceiling-"), let v = overrides.first?.1 {
            let lines = v.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).split(separator: ",")
                .compactMap { LineID(rawValue: $0.trimmingCharacters(in: .whitespaces)) }
            return "70万上限只计入" + lines.map(\.clause).joined() + "（按字面）"
        }
        if id.hasPrefix("hardware-"), let v = overrides.first?.1 { return "硬件超限：" + FieldInfo.wordName(v) }
        if id.hasPrefix("overrun-"), let v = overrides.first?.1 { return "资金不足时：" + FieldInfo.wordName(v) }
        if id.hasPrefix("chain-"), let v = overrides.first?.1 { return "链式案例由" + FieldInfo.wordName(v) + "承担" }
        return described.joined(separator: "；")
    }
}
