import Foundation
import SubsidyEngine
import SubsidyModel

/// Files of `subsidysim solve`.
public enum SolveReport {
    public static func table(_ answers: [WhatIf.SolveAnswer], key: String) -> CSVTable {
        var t = CSVTable(header: ["方案 variant", "方案名称 variant_label", "状态 status", "键 key", "答案 answer", "答案区间下限 answer_low",
                                  "答案区间上限 answer_high", "该点概率 p_at_answer", "概率95%下限 p_low95", "概率95%上限 p_high95"])
        for a in answers {
            func cell(_ x: Double?) -> CSVTable.Cell { x.map { .number($0, decimals: 6) } ?? .text("") }
            t.add([.text(a.variant), .text(a.label), .text(a.status.rawValue), .text(key), cell(a.x), cell(a.xLow), cell(a.xHigh),
                   cell(a.p), cell(a.pLow), cell(a.pHigh)])
        }
        return t
    }

    public static func points(_ answers: [WhatIf.SolveAnswer]) -> CSVTable {
        var t = CSVTable(header: ["方案 variant", "取值 value", "概率 p", "95%下限 low", "95%上限 high"])
        for a in answers { for p in a.points { t.add([.text(a.variant), .number(p.x, decimals: 6), .fraction(p.p), .fraction(p.low), .fraction(p.high)]) } }
        return t
    }

    /// `draft`: each variant's own value of the key (its override, else the scenario's), marked on the chart.
    /// `points.csv` holds each answer's points one after another; each variant is plotted from its own rows.
    public static func chart(_ answers: [WhatIf.SolveAnswer], key: String, target: Double, what: String, title: String,
                             draft: [Double?] = []) -> String {
        var s = Charts.head("solve", title: "求解 / goal seek")
        s += """
        set title \(Charts.titleText(title, "\(what)随 \(keyLabel(key)) 变化；目标 ≤ \(CSVTable.fixed(target * 100, 1))%")) font ",18" noenhanced
        set xlabel \(Charts.literal(keyLabel(key))) noenhanced
        set ylabel '概率（%）'
        set yrange [0:*]
        set key top left

        """
        if let t = Charts.num(target * 100) { s += "set arrow 1 from graph 0, first \(t) to graph 1, first \(t) nohead ls 9\n" }
        var plots: [String] = []
        var first = 0
        for (i, a) in answers.enumerated() where !a.points.isEmpty {
            plots.append((plots.isEmpty ? "'../points.csv'" : "''") + " skip 1 every ::\(first)::\(first + a.points.count - 1) using 2:($3*100):($4*100):($5*100) with yerrorbars ls \(i + 1) pt 7 title \(Charts.literal(a.label)) noenhanced")
            first += a.points.count
        }
        for (i, a) in answers.enumerated() {
            if let x = Charts.num(a.x) { s += "set arrow \(10 + i) from \(x), graph 0 to \(x), graph 1 nohead ls \(i + 1) dt 3\n" }
            if i < draft.count, let d = draft[i], let dn = Charts.num(d), !draft[..<i].contains(d) {
                s += "set label \(20 + i) \(Charts.literal("草案 \(formatNumber(d))")) at \(dn), graph \(0.9 - 0.06 * Double(i)) point pt 9 ps 1.8 lc rgb \"black\" offset 1,0 front noenhanced\n"
            }
        }
        s += "plot " + plots.joined(separator: ", \\\n     ") + "\n"
        return s + Charts.tail("solve")
    }

    /// Writes the solve folder: solve.csv, points.csv, the chart (titled with the scenario's
    /// title), summary.md (`summary` is its text above the chart section) and manifest.json (the
    /// header and `manifest`) in one atomic commit. Returns the warnings.
    public static func write(_ answers: [WhatIf.SolveAnswer], key: String, target: Double, what: String, draft: [Double?],
                             summary: String, loaded: LoadedScenario, manifest: Manifest.SolveFields, invocation: Manifest.Invocation,
                             trials: Int, to path: String) throws -> [String] {
        var folder = OutputFolder(path)
        folder.add("solve.csv", table(answers, key: key).data)
        let pts = points(answers)
        folder.add("points.csv", pts.data)
        let title = loaded.scenario.title
        let plan = Charts.Plan("solve", caption: "求解", script: chart(answers, key: key, target: target, what: what, title: title, draft: draft),
                               skip: Charts.dataProblem(pts, columns: [2]))
        if let s = plan.script { folder.add("charts/solve.gp", text: s) }
        var warnings: [String] = []
        try folder.commit { staging in
            let drawn = Charts.render(folder: staging.url.appendingPathComponent("charts"), plans: [plan])
            warnings = drawn.warnings
            try staging.write("summary.md", text: summary + "\n" + Charts.markdown(drawn.outcomes, heading: nil))
            try Manifest.write(manifest, invocation, loaded: loaded, trials: trials, in: staging)
        }
        return warnings
    }

    /// What `solve` found and what writing its folder said.
    public struct Outcome: Sendable {
        /// One answer per variant, in the scenario's order.
        public var answers: [WhatIf.SolveAnswer]
        /// Charts that could not be drawn.
        public var warnings: [String]
    }

    /// `subsidysim solve` after parsing: searches the question's lattice under every variant on
    /// common random numbers (`WhatIf.solve`, seed and threads from `invocation`), then writes the
    /// folder at `path`. Throws the search's `ScenarioError` (exit 65) or the folder's
    /// `OutputFolder.WriteError` (exit 73); nothing is written when the search fails.
    /// Cost: the search's, a few rounds of up to nine lattice values × `q.trials` trials each.
    public static func run(_ q: Question, loaded: LoadedScenario, design: TrialDesign, invocation: Manifest.Invocation,
                           to path: String) throws -> Outcome {
        let answers = try WhatIf.solve(loaded, path: q.path, low: q.low, high: q.high, step: q.step, metric: q.metric, target: q.target,
                                       minimize: q.minimize, trials: q.trials, seed: invocation.seed, threads: invocation.threads,
                                       design: design)
        return Outcome(answers: answers, warnings: try write(answers, question: q, loaded: loaded, to: path, invocation: invocation))
    }

    /// One answer as `solve --json` prints it; absent values are `null`.
    struct JSONRow: Encodable {
        var a: WhatIf.SolveAnswer
        enum Keys: String, CodingKey {
            case variant, status, answer, answerLow = "answer_low", answerHigh = "answer_high", p, pLow = "p_low", pHigh = "p_high", step
        }
        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(a.variant, forKey: .variant)
            try c.encode(a.status.rawValue, forKey: .status)
            // `encode` of an optional writes null for nil (encodeIfPresent would leave the key out).
            try c.encode(a.x, forKey: .answer)
            try c.encode(a.xLow, forKey: .answerLow)
            try c.encode(a.xHigh, forKey: .answerHigh)
            try c.encode(a.p, forKey: .p)
            try c.encode(a.pLow, forKey: .pLow)
            try c.encode(a.pHigh, forKey: .pHigh)
            try c.encode(a.step, forKey: .step)
        }
    }

    /// `solve --json`: a list with one object per variant (variant, status, answer, answer_low,
    /// answer_high, p, p_low, p_high, step), pretty-printed with sorted keys.
    public static func json(_ answers: [WhatIf.SolveAnswer]) throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try e.encode(answers.map(JSONRow.init))
    }
}
