import Foundation
import SubsidyEngine
import SubsidyModel

/// What `subsidysim solve` says and writes: one sentence per variant, the folder with its tables,
/// chart, summary and manifest. The command only parses and calls `SolveReport.write`.
extension SolveReport {
    /// What was asked, for sentences and the manifest.
    public struct Question: Sendable {
        public var path: KeyPath
        public var low: Double
        public var high: Double
        public var metric: WhatIf.SolveMetric
        public var target: Double
        public var minimize: Bool
        public var trials: Int

        public init(path: KeyPath, low: Double, high: Double, metric: WhatIf.SolveMetric, target: Double, minimize: Bool, trials: Int) {
            self.path = path
            self.low = low
            self.high = high
            self.metric = metric
            self.target = target
            self.minimize = minimize
            self.trials = trials
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
                             fields: [String: Any]) throws -> [String] {
        let s = loaded.scenario
        let f = FieldInfo.of(q.path, in: s)
        var md = "# \(s.title)：求解\(f.name)\n\n"
        md += "> 目标：\(q.what(s)) ≤ \(CSVTable.fixed(q.target * 100, 1))%；\(f.name)在 \(f.format(number: q.low)) 至 \(f.format(number: q.high)) 之间按 "
        md += "\(f.format(number: answers.first?.step ?? 0)) 的步长取值，每个取值 \(q.trials) 次试验，同一批模拟企业。"
        md += "答案区间按各取值概率的95%区间给出：只反映模拟误差，不反映假设的不确定性。\n\n"
        md += answers.map { "- " + sentence($0, q, scenario: s, lang: .zh) }.joined(separator: "\n") + "\n"
        let draft = loaded.variants.map { loaded.number(at: q.path, variant: $0.id) }
        return try write(answers, key: q.path.description, target: q.target, what: q.what(s), title: s.title, draft: draft,
                         summary: md, to: path, fields: fields)
    }
}
