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
    /// `series`: the variants as the chart names them (default: by their labels); `scenario`
    /// names the key's batch, line or source.
    public static func chart(_ answers: [WhatIf.SolveAnswer], key: String, target: Double, what: String, title: String,
                             draft: [Double?] = [], series: [Charts.Series]? = nil, scenario: Scenario? = nil) -> String {
        let vs = series ?? answers.map { Charts.Series(id: $0.variant, name: $0.label, label: $0.label) }
        let axis = Charts.Axis(key, in: scenario)
        var s = Charts.head("solve", title: "求解 / goal seek")
        let key = Charts.legend(vs.map(\.label))
        // The target is the labelled dashed line (right margin), not part of the title.
        s += Charts.setTitle(title, "\(what)随\(axis.field.name)变化\(Charts.shown(vs))")
        s += """
        set xlabel \(Charts.literal(axis.label)) noenhanced
        set ylabel '概率（竖线：95%区间）'
        set yrange [0:*]
        set format y "%g%%"
        \(axis.format("x"))\(key.set)set autoscale xfix
        set offsets graph 0.02, graph 0.02, graph 0.08, 0

        """
        if let t = Charts.num(target * 100) {
            s += "set arrow 1 from graph 0, first \(t) to graph 1, first \(t) nohead ls 9 back\n"
            s += "set link y2\nset ytics nomirror\n"
            s += "set y2tics (\(Charts.ticLiteral("目标 \(formatNumber(target * 100))%")) \(t)) tc rgb \"#444444\" nomirror noenhanced\n"
        }
        var plots: [String] = []
        var first = 0
        for (i, a) in answers.enumerated() where !a.points.isEmpty {
            plots.append((plots.isEmpty ? "'../points.csv'" : "''") + " skip 1 every ::\(first)::\(first + a.points.count - 1) using \(axis.column(2)):($3*100):($4*100):($5*100) with yerrorbars ls \(i + 1) pt 7 title \(i < key.titles.count ? key.titles[i] : "''")")
            first += a.points.count
        }
        s += Charts.measured("plot " + plots.joined(separator: ", \\\n     ") + "\n")
        // The answers, each a dotted line in its variant's colour with its value; then the draft's own values.
        let xs = answers.flatMap { $0.points.map(\.x) }.filter(\.isFinite)
        let range = xs.isEmpty ? nil : xs.min()!...xs.max()!
        var row = 0
        for (i, a) in answers.enumerated() {
            guard let x = a.x, let n = Charts.num(axis.value(x)) else { continue }
            let c = Charts.colors[i % Charts.colors.count]
            let note = a.status == .undetermined ? "（在模拟误差内不确定）" : a.status == .atBound ? "（区间端点）" : ""
            let name = i < vs.count ? Charts.name(vs[i]) : a.label
            s += "set arrow \(10 + i) from \(n), graph 0 to \(n), graph 1 nohead lc rgb \"\(c)\" lw 2.5 dt 3 back\n"
            s += Charts.sideLabel(10 + i, "\(name)：答案 \(axis.text(x))\(note)", x: n, y: "graph \(Charts.num(0.93 - 0.08 * Double(row)) ?? "0.9")", color: c)
            row += 1
        }
        s += Charts.draftMarks(vs, values: Array(draft.prefix(vs.count)), axis: axis, range: range, tag: 20, y: 0.93 - 0.08 * Double(row))
        return s + Charts.tail("solve", again: true)
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
        let title = Charts.heading(loaded)
        let vs = Charts.series(ids: answers.map(\.variant), labels: answers.map(\.label), loaded: loaded, omitting: [key])
        let plan = Charts.Plan("solve", caption: "求解", script: chart(answers, key: key, target: target, what: what, title: title, draft: draft,
                                                                       series: vs, scenario: loaded.scenario),
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
