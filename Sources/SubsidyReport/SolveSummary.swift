import Foundation
import SubsidyEngine
import SubsidyModel

/// What `subsidysim solve` says and writes: one sentence per variant, the folder with its tables,
/// chart, summary and manifest. The command parses its options into a `Question` and calls
/// `SolveReport.run`.
extension SolveReport {
    /// What was asked, checked against the scenario: the key, the search range and lattice, the
    /// probability and its target, as used by the search, the sentences and the manifest.
    public struct Question: Sendable {
        public var path: ScenarioPath
        /// The search range [low, high] (whole-number keys: the ends rounded inward).
        public var low: Double
        public var high: Double
        public var metric: WhatIf.SolveMetric
        /// The probability that must not be exceeded.
        public var target: Double
        public var minimize: Bool
        /// Trials per evaluated value.
        public var trials: Int
        /// The lattice step: every evaluated and reported value is a multiple of it.
        public var step: Double
        /// The key and range as typed (`--vary`, `--in`), for the manifest.
        public var vary: String
        public var interval: String
        /// `--line` as given or defaulted (a line id or `total`), whichever the metric, for the manifest.
        public var line: String
        /// `--source`, else the scenario's restricted source, else empty, for the manifest.
        public var source: String

        public init(path: ScenarioPath, low: Double, high: Double, metric: WhatIf.SolveMetric, target: Double, minimize: Bool, trials: Int,
                    step: Double, vary: String? = nil, interval: String? = nil, line: String = "total", source: String = "") {
            self.path = path
            self.low = low
            self.high = high
            self.metric = metric
            self.target = target
            self.minimize = minimize
            self.trials = trials
            self.step = step
            self.vary = vary ?? path.description
            self.interval = interval ?? "\(formatNumber(low)):\(formatNumber(high))"
            self.line = line
            self.source = source
        }

        /// The question `solve`'s options ask of `loaded`. `vary` must name a value of the scenario;
        /// `interval` is `a:b`, a < b (a whole-number key, `integer` or a count, searches the whole
        /// numbers inside it); exactly one of `maxOverrun` (P(line short) ≤ it, `line` nil = total)
        /// and `minUse` (P(`source` money used < minUse) ≤ `alpha`; default source: the one
        /// `funding[].only_lines` restricts). `step` nil: the key's own precision
        /// (`WhatIf.solveStep`); `trials` nil: the scenario's, at most 20,000.
        /// Throws `UsageError` (exit 64) naming the option at fault.
        public init(_ loaded: LoadedScenario, vary: String, interval: String, line: LineID?, maxOverrun: Double?, minUse: Double?,
                    alpha: Double, source: String?, step: Double?, minimize: Bool, integer: Bool, trials: Int?) throws(UsageError) {
            guard let path = ScenarioPath(vary) else {
                throw UsageError(zh: "--vary 应为键路径，例如 policy.batches[0].cap", en: "--vary must be a key path such as policy.batches[0].cap")
            }
            guard loaded.tree.get(path) != nil else { throw UsageError(zh: "--vary：情景中没有 \(vary)", en: "--vary: the scenario has no \(vary)") }
            let ends = interval.split(separator: ":", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard ends.count == 2, var low = ends[0], var high = ends[1], low.isFinite, high.isFinite, low < high else {
                throw UsageError(zh: "--in 应为 a:b 且 a < b（实际 \(interval)）", en: "--in must be a:b with a < b (got \(interval))")
            }
            // Counts (the schema's whole-number fields) are searched as whole numbers.
            let whole = integer || FieldInfo.of(path).isWhole
            if whole {
                // Whole-number keys search whole numbers: the ends round inward (0.5:5 → 1:5).
                (low, high) = (low.rounded(.up), high.rounded(.down))
                guard low <= high else {
                    throw UsageError(zh: "--in \(interval)：\(vary) 取整数，区间内没有整数", en: "--in \(interval): \(vary) takes whole numbers and the interval holds none")
                }
            }
            let sc = loaded.scenario
            // The restricted source is whatever funding[].only_lines says, never a hard-coded id.
            let restricted = sc.restrictedSource?.id
            guard minUse == nil || source != nil || restricted != nil else {
                throw UsageError(zh: "--min-use：情景中没有限定用途的资金来源（only_lines），请用 --source 指定", en: "--min-use: no funding source has only_lines; name one with --source")
            }
            let metric: WhatIf.SolveMetric = minUse.map { .underuse(source: source ?? restricted!, fraction: $0) } ?? .overrun(line)
            self.init(path: path, low: low, high: high, metric: metric, target: maxOverrun ?? alpha, minimize: minimize,
                      trials: trials ?? Swift.min(sc.simulation.trials, 20_000),
                      step: step ?? WhatIf.solveStep(for: path, low: low, high: high, integer: whole),
                      vary: vary, interval: interval, line: line?.rawValue ?? "total", source: source ?? restricted ?? "")
        }

        /// The manifest's `solve` fields.
        public var manifestFields: Manifest.SolveFields {
            let m: String
            switch metric {
            case .overrun: m = "overrun"
            case .underuse: m = "underuse"
            }
            return Manifest.SolveFields(vary: vary, interval: interval, target: target, metric: m, line: line, minimize: minimize,
                                        step: step, source: source)
        }

    /// "（一）数字化改造资金不足的概率", in Chinese.
        public func what(_ s: Scenario) -> String {
            switch metric {
            case let .overrun(line?): return "\(line.clause)\(line.chineseName)资金不足的概率"
            case .overrun(nil): return "总需求超过总资金的概率"
            case let .underuse(source, fraction):
                let name = s.funding.first { $0.id == source }?.name ?? source
                return "\(name)使用不足 \(CSVTable.fixed(fraction * 100, 0))% 的概率"
            }
        }

        public func whatEnglish(_ s: Scenario) -> String {
            switch metric {
            case let .overrun(line?): return "P(\(line.rawValue) short)"
            case .overrun(nil): return "P(total demand > total funding)"
            case let .underuse(source, fraction): return "P(\(source) money used < \(CSVTable.fixed(fraction * 100, 0))%)"
            }
        }
    }

    /// One sentence per answer, in the chosen language; values at the field's precision with its unit.
    public static func sentence(_ a: WhatIf.SolveAnswer, _ q: Question, scenario s: Scenario, lang: Language) -> String {
        let f = FieldInfo.of(q.path, in: s)
        let v = { (x: Double?) in x.map { f.format(number: $0) } ?? "—" }
        let pct = { (x: Double?) in CSVTable.fixed((x ?? 0) * 100, 2) + "%" }
        let t = CSVTable.fixed(q.target * 100, 1) + "%"
        let end = q.minimize ? q.low : q.high, start = q.minimize ? q.high : q.low
        let most = q.minimize ? "最小" : "最大"
        let what = q.what(s)
        if lang == .en {
            let w = q.whatEnglish(s)
            switch a.status {
            case .noneFeasible:
                return "\(a.variant): no value of \(q.path) in [\(v(q.low)), \(v(q.high))] keeps \(w) at or below \(t)"
            case .atBound:
                return "\(a.variant): the whole range meets the target, even at the upper end of the 95% interval (\(w) = \(pct(a.p)) at \(v(a.x))): the answer is the end of the range, \(v(end)); widen it to learn more"
            case .undetermined:
                return "\(a.variant): from \(a.xLow.map(v) ?? v(start)) to the end of the range (\(v(end))) \(w) stays within Monte Carlo error of \(t): \(q.path) does not determine the answer there (estimate: \(v(a.x)), \(pct(a.p)))"
            case .found:
                return "\(a.variant): \(q.minimize ? "smallest" : "largest") \(q.path) = \(v(a.x)), \(w) = \(pct(a.p)) (95% CI \(pct(a.pLow))–\(pct(a.pHigh))); given simulation error the answer lies between \(a.xLow.map(v) ?? "below \(v(start))") and \(a.xHigh.map(v) ?? "beyond \(v(end))")"
            }
        }
        switch a.status {
        case .noneFeasible:
            return "\(a.label)：\(f.name)在 \(v(q.low)) 至 \(v(q.high)) 之间取任何值，\(what)都高于 \(t)，没有满足目标的取值"
        case .atBound:
            return "\(a.label)：\(f.name)在整个搜索区间（\(v(q.low)) 至 \(v(q.high))）内都满足目标，连95%区间的上端也不超过 \(t)（取 \(v(a.x)) 时为 \(pct(a.p))）；答案为区间端点 \(v(end))，可放宽搜索区间再求"
        case .undetermined:
            let from = a.xLow.map(v) ?? v(start)
            return "\(a.label)：\(f.name)从 \(from) 到区间端点 \(v(end))，\(what)都与目标 \(t) 相差在模拟误差之内，在这一范围内该参数不决定能否达标；按点估计\(most)取 \(v(a.x))（\(pct(a.p))，95%区间 \(pct(a.pLow))–\(pct(a.pHigh))）"
        case .found:
            let lo = a.xLow.map(v) ?? "低于搜索起点 \(v(start))", hi = a.xHigh.map(v) ?? "超出区间端点 \(v(end))"
            return "\(a.label)：\(f.name)\(most)取 \(v(a.x))，此时\(what)为 \(pct(a.p))（95%区间 \(pct(a.pLow))–\(pct(a.pHigh))）；考虑模拟误差，答案在 \(lo) 至 \(hi) 之间"
        }
    }

    /// The folder `solve` writes: solve.csv, points.csv, the chart, summary.md, manifest.json.
    /// Returns warnings (charts that could not be drawn).
    public static func write(_ answers: [WhatIf.SolveAnswer], question q: Question, loaded: LoadedScenario, to path: String,
                             invocation: Manifest.Invocation) throws -> [String] {
        let s = loaded.scenario
        let f = FieldInfo.of(q.path, in: s)
        var md = "# \(Markdown.text(s.title))：求解\(Markdown.text(f.name))\n\n"
        md += "> 目标：\(q.what(s)) ≤ \(CSVTable.fixed(q.target * 100, 1))%；\(f.name)在 \(f.format(number: q.low)) 至 \(f.format(number: q.high)) 之间按 "
        md += "\(f.format(number: answers.first?.step ?? 0)) 的步长取值，每个取值 \(q.trials) 次试验，同一批模拟企业。"
        md += "答案区间按各取值概率的95%区间给出：只反映模拟误差，不反映假设的不确定性。\n\n"
        md += answers.map { "- " + sentence($0, q, scenario: s, lang: .zh) }.joined(separator: "\n") + "\n"
        let draft = loaded.variants.map { loaded.number(at: q.path, variant: $0.id) }
        return try write(answers, key: q.path.description, target: q.target, what: q.what(s), draft: draft, summary: md,
                         loaded: loaded, manifest: q.manifestFields, invocation: invocation, trials: q.trials, to: path)
    }
}
