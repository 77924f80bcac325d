import Foundation
import SubsidyEngine
import SubsidyModel

/// Files of `subsidysim sweep`: sweep.csv, chart data, gnuplot charts, summary.md, manifest.json.
public enum SweepReport {
    public static func table(_ r: SweepResult) -> CSVTable {
        // The swept key as every other column is headed: its Chinese name and unit, then the key.
        var header = ["点 point"] + r.axes.map { "\(keyLabel($0.path.description)) \($0.path)" }
        header += ["方案 variant", "预算行 line", "预算（万元） budget_wan", "需求均值（万元） demand_mean_wan", "需求标准差（万元） demand_sd_wan",
                   "需求P5（万元） demand_p5_wan", "需求P50（万元） demand_p50_wan", "需求P95（万元） demand_p95_wan", "超支概率 p_overrun",
                   "超支概率95%下限 p_overrun_low95", "超支概率95%上限 p_overrun_high95", "平均结余（万元） unspent_mean_wan",
                   "自治区资金平均结余（万元） regional_unspent_mean_wan", "自治区资金未用完概率 p_regional_not_fully_used"]
        var t = CSVTable(header: header)
        for (pi, p) in r.points.enumerated() {
            for (vi, v) in r.variantIDs.enumerated() {
                for s in r.stats[pi][vi] {
                    var row: [CSVTable.Cell] = [.integer(pi)]
                    row += zip(r.axes, p).map { a, i in a.numbers != nil ? .number(a.numbers![i], decimals: 6) : .text(a.texts[i]) }
                    row += [.text(v), .text(s.line), .money(s.budget), .money(s.mean), .money(s.sd), .money(s.p5), .money(s.p50), .money(s.p95),
                            .fraction(s.pOverrun), .fraction(s.low), .fraction(s.high), .money(s.unspentMean),
                            .money(r.regional[pi][vi].unspent), .fraction(r.regional[pi][vi].pNotFullyUsed)]
                    t.add(row)
                }
            }
        }
        return t
    }

    /// One key: per point, per variant p5/p50/p95 of the chosen line and P(overrun) with its interval.
    static func chartTable(_ r: SweepResult, lineIndex: Int) -> CSVTable {
        var t = CSVTable(header: ["取值 value"] + r.variantIDs.flatMap { v in
            ["\(v) P5", "\(v) P50", "\(v) P95", "\(v) 超支概率 p", "\(v) 下限 low", "\(v) 上限 high", "\(v) 预算 budget"]
        })
        for (pi, p) in r.points.enumerated() {
            var row: [CSVTable.Cell] = [.number(r.axes[0].numbers?[p[0]] ?? Double(p[0]), decimals: 6)]
            for vi in r.variantIDs.indices {
                let s = r.stats[pi][vi][lineIndex]
                row += [.money(s.p5), .money(s.p50), .money(s.p95), .fraction(s.pOverrun), .fraction(s.low), .fraction(s.high), .money(s.budget)]
            }
            t.add(row)
        }
        return t
    }

    /// The file name part for a variant's heatmap: its id when that is a plain file name and no
    /// other variant maps to the same name, else its position and the cleaned id.
    static func heatmapNames(_ ids: [String]) -> [String] {
        let clean = ids.map { String(Charts.fileName($0).prefix(40)) }
        return ids.indices.map { i in
            clean[i] == ids[i] && clean.filter({ $0 == clean[i] }).count == 1 ? "heatmap_\(ids[i])" : "heatmap_\(i + 1)_\(clean[i])"
        }
    }

    /// Writes the sweep folder (`sweep.csv`, chart data and scripts, charts, summary.md,
    /// manifest.json) in one atomic commit; `line` is a line id or `total`. Returns warnings
    /// (charts that could not be drawn).
    public static func write(_ r: SweepResult, loaded: LoadedScenario, line: String, to path: String,
                             invocation: Manifest.Invocation) throws -> [String] {
        var folder = OutputFolder(path)
        folder.add("sweep.csv", table(r).data)
        let lineIndex = r.stats.first?.first?.firstIndex { $0.line == line } ?? 0
        let lineLabel = LineID(rawValue: line).map { "\($0.clause)\($0.chineseName)" } ?? "合计"
        let sc = loaded.scenario
        let vs = Charts.series(ids: r.variantIDs, labels: r.variantLabels, loaded: loaded, omitting: Set(r.axes.map(\.path.description)))
        var plans: [Charts.Plan] = []
        let title = Charts.heading(loaded)
        let axes = r.axes.map { Charts.Axis($0.path, in: sc) }
        if r.axes.count == 1, let xs = r.axes[0].numbers {
            let t = chartTable(r, lineIndex: lineIndex)
            folder.add("sweep_chart.csv", t.data)
            let nv = vs.count
            let xProblem = Charts.dataProblem(t, columns: [0], constant: "扫描的取值都等于")
            let bandColumns: [Int] = (0..<nv).flatMap { v -> [Int] in [1 + 7 * v, 2 + 7 * v, 3 + 7 * v] }
            let overrunColumns: [Int] = (0..<nv).map { v -> Int in 4 + 7 * v }
            let bandSkip: String? = xProblem ?? Charts.dataProblem(t, columns: bandColumns)
            let overrunSkip: String? = xProblem ?? Charts.dataProblem(t, columns: overrunColumns)
            let finite = xs.filter(\.isFinite)
            let range = finite.isEmpty ? nil : finite.min()!...finite.max()!
            let draft = vs.map { loaded.number(at: r.axes[0].path, variant: $0.id) }
            // Where each variant's chance of overrunning crosses 5%, the headline of the chart.
            let cross = vs.indices.map { vi in Charts.crossing(xs, r.points.indices.map { r.stats[$0][vi][lineIndex].pOverrun }, level: 0.05) }
            let marks = SweepMarks(draft: draft, range: range, crossing: cross)
            plans.append(Charts.Plan("band", caption: "需求带", script: bandChart(vs, axis: axes[0], line: lineLabel, title: title, marks: marks), skip: bandSkip))
            plans.append(Charts.Plan("overrun", caption: "资金不足的概率", script: overrunChart(vs, axis: axes[0], line: lineLabel, title: title, marks: marks),
                                     skip: overrunSkip))
        } else if r.axes.count == 2, let xs = r.axes[0].numbers, let ys = r.axes[1].numbers {
            let names = heatmapNames(vs.map(\.id))
            // One colour scale for every variant's heatmap (they are read side by side): 0 to the
            // largest chance in any of them.
            let all = r.stats.flatMap { $0.map { $0[lineIndex].pOverrun } }.filter(\.isFinite)
            let top = Swift.max(all.max() ?? 0, 0.01)
            for (vi, v) in vs.enumerated() {
                let draft = r.axes.map { loaded.number(at: $0.path, variant: v.id) }
                var dat = "# \(Charts.plain(r.axes[0].path.description)) \(Charts.plain(r.axes[1].path.description)) p_overrun(\(Charts.plain(line)))\n"
                var finite = true
                var ps: [Double] = []
                var atDraft: Double?
                for (xi, x) in xs.enumerated() {
                    for (yi, y) in ys.enumerated() {
                        let pi = xi * ys.count + yi
                        let p = r.stats[pi][vi][lineIndex].pOverrun
                        finite = finite && x.isFinite && y.isFinite && p.isFinite
                        ps.append(p)
                        if x == draft[0], y == draft[1] { atDraft = p }
                        dat += "\(CSVTable.fixed(x, 6)) \(CSVTable.fixed(y, 6)) \(CSVTable.fixed(p, 6))\n"
                    }
                    dat += "\n"
                }
                let name = names[vi]
                folder.add("\(name).dat", text: dat)
                let skip: String? = xs.count < 2 || ys.count < 2 ? "热图需要每个键至少两个取值"
                    : (finite ? nil : "扫描结果含无穷大或非数值（NaN），无法绘制")
                // Only the contours the data reach: a promised 50% line that the chance never reaches is not drawn.
                let levels = [0.05, 0.5].filter { l in (ps.min() ?? 1) < l && (ps.max() ?? 0) > l }
                let caption = "资金不足概率热图：\(v.label)" + (levels.isEmpty ? "" : "（等值线 " + levels.map { CSVTable.fixed($0 * 100, 0) + "%" }.joined(separator: " 与 ") + "）")
                plans.append(Charts.Plan(name, caption: caption,
                                         script: heatmap(v, name: name, x: axes[0], y: axes[1], line: lineLabel, draft: (draft[0], draft[1]),
                                                         atDraft: atDraft, top: top, levels: levels, title: title,
                                                         span: (xs.min() ?? 0, xs.max() ?? 1, ys.min() ?? 0, ys.max() ?? 1)),
                                         skip: skip))
            }
        }
        for p in plans { if let s = p.script { folder.add("charts/\(p.name).gp", text: s) } }
        var warnings: [String] = []
        try folder.commit { staging in
            let drawn = Charts.render(folder: staging.url.appendingPathComponent("charts"), plans: plans)
            warnings = drawn.warnings
            try staging.write("summary.md", text: markdown(r, loaded: loaded, lineIndex: lineIndex, lineLabel: lineLabel, charts: drawn.outcomes))
            let fields = Manifest.SweepFields(axes: r.axes.map { .init(key: $0.path.description, values: $0.texts) }, line: line,
                                              populationsPerTrial: r.populations)
            try Manifest.write(fields, invocation, loaded: loaded, trials: r.trials, in: staging)
        }
        return warnings
    }

    /// What a one-key sweep's charts mark: each variant's own value of the key (the draft's),
    /// the swept range, and where each variant's chance of overrunning crosses 5%.
    struct SweepMarks {
        var draft: [Double?]
        var range: ClosedRange<Double>?
        var crossing: [(x: Double, rising: Bool)?]
    }

    static func bandChart(_ vs: [Charts.Series], axis: Charts.Axis, line: String, title: String, marks: SweepMarks) -> String {
        var s = Charts.head("band", title: "需求带 / demand band against the swept key")
        // Short names in the legend (the title names the variants): the bands in one column,
        // the medians in the next, the budget last (gnuplot fills the legend column by column).
        let labels = vs.map { Charts.name($0) + " P5–P95" } + vs.map { Charts.name($0) + " P50" } + ["预算"]
        let key = Charts.legendLines(labels, at: "below center horizontal maxrows \(vs.count)", columns: 3)
        s += Charts.setTitle(title, "\(line)需求随\(axis.field.name)变化\(Charts.shown(vs))")
        s += """
        set xlabel \(Charts.literal(axis.label)) noenhanced
        set ylabel '需求（万元）'
        \(axis.format("x"))\(key.set)set style fill transparent solid 0.2 noborder
        set autoscale xfix
        set offsets graph 0.02, graph 0.02, graph 0.05, 0

        """
        var plots: [String] = []
        let x = axis.column(1)
        for i in vs.indices {
            let c = 2 + i * 7
            plots.append((i == 0 ? "'../sweep_chart.csv'" : "''") + " skip 1 using \(x):\(c):\(c + 2) with filledcurves ls \(i + 1) title \(key.titles[i])")
        }
        for i in vs.indices {
            plots.append("'' skip 1 using \(x):\(2 + i * 7 + 1) with linespoints ls \(i + 1) pt 7 title \(key.titles[vs.count + i])")
        }
        plots.append("'' skip 1 using \(x):8 with lines ls 9 title \(key.titles[2 * vs.count])")
        s += Charts.measured("plot " + plots.joined(separator: ", \\\n     ") + "\n")
        s += Charts.draftMarks(vs, values: marks.draft, axis: axis, range: marks.range)
        return s + Charts.tail("band", again: true)
    }

    static func overrunChart(_ vs: [Charts.Series], axis: Charts.Axis, line: String, title: String, marks: SweepMarks) -> String {
        var s = Charts.head("overrun", title: "资金不足的概率 / overrun probability against the swept key")
        let key = Charts.legend(vs.map(\.label))
        s += Charts.setTitle(title, "\(line)资金不足的概率随\(axis.field.name)变化\(Charts.shown(vs))")
        s += """
        set xlabel \(Charts.literal(axis.label)) noenhanced
        set ylabel '资金不足的概率（竖线：95%区间）'
        set yrange [0:*]
        set format y "%g%%"
        \(axis.format("x"))\(key.set)set autoscale xfix
        set offsets graph 0.03, graph 0.03, graph 0.05, 0
        set link y2
        set y2tics ('5%%' 5) tc rgb "#444444" nomirror noenhanced
        set ytics nomirror
        set arrow 1 from graph 0, first 5 to graph 1, first 5 nohead ls 9 back

        """
        let x = axis.column(1)
        let plots = vs.enumerated().map { i, _ -> String in
            let c = 2 + i * 7 + 3
            return (i == 0 ? "'../sweep_chart.csv'" : "''") + " skip 1 using \(x):($\(c)*100):($\(c + 1)*100):($\(c + 2)*100) with yerrorlines ls \(i + 1) pt 7 title \(key.titles[i])"
        }
        s += Charts.measured("plot " + plots.joined(separator: ", \\\n     ") + "\n")
        s += Charts.draftMarks(vs, values: marks.draft, axis: axis, range: marks.range)
        // The headline: where each curve crosses 5%, a point on the 5% line and its value.
        // Set where the curve is not: for a rising curve below the line on its right (above on its
        // left), for a falling one the other way round.
        for (i, c) in marks.crossing.enumerated() where i < vs.count {
            guard let c = c?.x, let n = Charts.num(axis.value(c)) else { continue }
            let color = Charts.colors[i % Charts.colors.count]
            let d = (1.2 + 1.3 * Double(i)) * (marks.crossing[i]!.rising ? -1 : 1)
            s += "set object \(40 + i) circle at \(n), 5 size screen 0.006 fc rgb \"\(color)\" fs solid front\n"
            s += Charts.sideLabel(40 + i, "\(Charts.name(vs[i]))：约 \(axis.text(c)) 时达 5%", x: n, y: "first 5", color: color,
                                  dy: d, dyLeft: -d)
        }
        return s + Charts.tail("overrun", again: true)
    }

    /// One variant's heatmap. `top`: the largest chance over every variant's heatmap, so that all
    /// share one colour scale; `levels`: the contours to draw (those the data cross); `atDraft`:
    /// the chance at the draft's own point when the grid has it; `span`: the grid's x and y ranges,
    /// so the draft's label goes to the side of its point that has room (a draft at the top or
    /// right edge would put it over the heading or off the frame).
    static func heatmap(_ v: Charts.Series, name: String, x: Charts.Axis, y: Charts.Axis, line: String, draft: (Double?, Double?),
                        atDraft: Double?, top: Double, levels: [Double], title: String,
                        span: (x0: Double, x1: Double, y0: Double, y1: Double) = (0, 1, 0, 1)) -> String {
        var s = Charts.head(name, title: "资金不足概率热图 / P(overrun) heatmap")
        let contours = levels.isEmpty ? "（资金不足的概率未跨过 5%，无等值线）"
            : "（等值线 " + levels.map { CSVTable.fixed($0 * 100, 0) + "%" }.joined(separator: " 与 ") + "）"
        // A map view puts gnuplot's title over the frame: the title is a label at the top instead.
        let heading = Charts.screenTitle([title, "\(Charts.name(v))：\(line)资金不足的概率\(contours)"])
        let topMargin = heading.top
        s += heading.set
        s += """
        set xlabel \(Charts.literal(x.label)) noenhanced
        set ylabel \(Charts.literal(y.label)) offset -1,0 noenhanced
        \(x.format("x"))\(y.format("y"))set datafile separator whitespace
        set view map
        set autoscale xfix
        set autoscale yfix
        set pm3d map interpolate 0,0
        set palette defined (0 "#f7fbff", 0.3 "#9ecae1", 0.6 "#fd8d3c", 1 "#a50f15")
        set cbrange [0:\(Charts.num(top * 100) ?? "100")]
        set cblabel '资金不足的概率（各方案的热图同一色标）' offset 1.5,0
        set format cb "%g%%"
        set lmargin at screen 0.15
        set rmargin at screen 0.80
        set bmargin at screen 0.17
        set tmargin at screen \(Charts.num(topMargin) ?? "0.85")
        unset key

        """
        if !levels.isEmpty {
            s += "set contour base\n"
            s += "set cntrparam levels discrete " + levels.compactMap { Charts.num($0 * 100) }.joined(separator: ", ") + "\n"
            s += "set cntrlabel onecolor format \"%.0f%%\" start 2 interval 1000 font \",\(Charts.smallSize)\"\n"
        }
        if let dx = draft.0, let dy = draft.1, let px = Charts.num(x.value(dx)), let py = Charts.num(y.value(dy)) {
            let text = "草案" + (atDraft.map { " " + percentText($0) } ?? "")
            // Above and to the right of the point, unless it sits in the top fifth or the right third.
            let fx = span.x1 > span.x0 ? (dx - span.x0) / (span.x1 - span.x0) : 0
            let fy = span.y1 > span.y0 ? (dy - span.y0) / (span.y1 - span.y0) : 0
            let side = fx > 2.0 / 3 ? "right" : "left", ox = fx > 2.0 / 3 ? "-1" : "1", oy = fy > 0.8 ? "-1.5" : "1"
            s += "set label 10 \(Charts.literal(text)) at \(px),\(py),1 \(side) point pt 7 ps 2 lc rgb \"black\" offset \(ox),\(oy) front boxed tc rgb \"black\" noenhanced\n"
        }
        let u = "\(x.column(1)):\(y.column(2)):($3*100)"
        s += "splot \(Charts.literal("../\(name).dat")) using \(u) with pm3d notitle"
        if !levels.isEmpty {
            s += ", '' using \(u) with lines nosurface lc rgb \"black\" lw 2.5 notitle, '' using \(u) with labels boxed nosurface notitle"
        }
        return s + "\n" + Charts.tail(name)
    }

    static func markdown(_ r: SweepResult, loaded: LoadedScenario, lineIndex: Int, lineLabel: String, charts: [Charts.Outcome]) -> String {
        let sc = loaded.scenario
        // Axes by their Chinese names and values as people read them (55%, 45万元), never raw key paths.
        let fields = r.axes.map { FieldInfo.of($0.path, in: sc) }
        func value(_ a: Int, _ i: Int) -> String {
            guard let ns = r.axes[a].numbers else { return FieldInfo.wordName(r.axes[a].texts[i]) }
            return fields[a].format(number: ns[i])
        }
        let source = sc.restrictedSource?.name ?? sc.funding.first?.name ?? ""
        var md = "# \(Markdown.text(sc.title))：参数扫描\n\n"
        md += "> 扫描 \(r.axes.indices.map { a in "\(Markdown.text(fields[a].name)) = \(r.axes[a].texts.indices.map { value(a, $0) }.joined(separator: "、"))" }.joined(separator: "；"))；每点 \(r.trials) 次试验，"
        md += "各点使用同一批模拟企业（共 \(r.populations) 种企业总体）。金额单位：万元。\n\n"
        for (vi, v) in r.variantLabels.enumerated() {
            md += "## \(Markdown.text(v))：\(lineLabel)\n\n| " + fields.map { Markdown.text($0.name) }.joined(separator: " | ")
            md += " | 需求均值 | P5 | P50 | P95 | 不足概率（95%区间） | \(Markdown.text(source))结余 |\n|" + String(repeating: "---|", count: r.axes.count) + "---:|---:|---:|---:|---:|---:|\n"
            for (pi, p) in r.points.enumerated() {
                let s = r.stats[pi][vi][lineIndex]
                md += "| " + p.enumerated().map { value($0.offset, $0.element) }.joined(separator: " | ")
                md += " | \(CSVTable.fixed(s.mean, 2)) | \(CSVTable.fixed(s.p5, 2)) | \(CSVTable.fixed(s.p50, 2)) | \(CSVTable.fixed(s.p95, 2)) | "
                md += "\(percentText(s.pOverrun))（\(percentInterval(s.low, s.high))） | \(CSVTable.fixed(r.regional[pi][vi].unspent, 2)) |\n"
            }
            md += "\n"
        }
        md += Charts.markdown(charts)
        return md
    }
}
