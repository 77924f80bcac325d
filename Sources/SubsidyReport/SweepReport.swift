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
        let vs = zip(r.variantIDs, r.variantLabels).map { (id: $0, label: $1) }
        var plans: [Charts.Plan] = []
        let title = loaded.scenario.title
        let keyText = r.axes.map { keyLabel($0.path.description) }.joined(separator: " × ")
        if r.axes.count == 1, r.axes[0].numbers != nil {
            let t = chartTable(r, lineIndex: lineIndex)
            folder.add("sweep_chart.csv", t.data)
            let nv = vs.count
            let xProblem = Charts.dataProblem(t, columns: [0], constant: "扫描的取值都等于")
            let bandColumns: [Int] = (0..<nv).flatMap { v -> [Int] in [1 + 7 * v, 2 + 7 * v, 3 + 7 * v] }
            let overrunColumns: [Int] = (0..<nv).map { v -> Int in 4 + 7 * v }
            let bandSkip: String? = xProblem ?? Charts.dataProblem(t, columns: bandColumns)
            let overrunSkip: String? = xProblem ?? Charts.dataProblem(t, columns: overrunColumns)
            plans.append(Charts.Plan("band", caption: "需求带", script: bandChart(vs, key: keyText, line: lineLabel, title: title), skip: bandSkip))
            plans.append(Charts.Plan("overrun", caption: "超支概率", script: overrunChart(vs, key: keyText, line: lineLabel, title: title), skip: overrunSkip))
        } else if r.axes.count == 2, let xs = r.axes[0].numbers, let ys = r.axes[1].numbers {
            let names = heatmapNames(vs.map(\.id))
            for (vi, v) in vs.enumerated() {
                let draft = r.axes.map { loaded.number(at: $0.path, variant: v.id) }
                var dat = "# \(Charts.plain(r.axes[0].path.description)) \(Charts.plain(r.axes[1].path.description)) p_overrun(\(Charts.plain(line)))\n"
                var finite = true
                for (xi, x) in xs.enumerated() {
                    for (yi, y) in ys.enumerated() {
                        let pi = xi * ys.count + yi
                        let p = r.stats[pi][vi][lineIndex].pOverrun
                        finite = finite && x.isFinite && y.isFinite && p.isFinite
                        dat += "\(CSVTable.fixed(x, 6)) \(CSVTable.fixed(y, 6)) \(CSVTable.fixed(p, 6))\n"
                    }
                    dat += "\n"
                }
                let name = names[vi]
                folder.add("\(name).dat", text: dat)
                let skip: String? = xs.count < 2 || ys.count < 2 ? "热图需要每个键至少两个取值"
                    : (finite ? nil : "扫描结果含无穷大或非数值（NaN），无法绘制")
                plans.append(Charts.Plan(name, caption: "超支概率热图：\(v.label)",
                                         script: heatmap(v, name: name, x: keyLabel(r.axes[0].path.description), y: keyLabel(r.axes[1].path.description),
                                                         line: lineLabel, draft: (draft[0], draft[1]), title: title),
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

    static func bandChart(_ vs: [(id: String, label: String)], key: String, line: String, title: String) -> String {
        var s = Charts.head("band", title: "需求带 / demand band against the swept key")
        s += """
        set title \(Charts.titleText(title, "\(line)需求（P5–P50–P95）随 \(key) 变化")) font ",18" noenhanced
        set xlabel \(Charts.literal(key)) noenhanced
        set ylabel '需求（万元）'
        set key bottom right
        set style fill transparent solid 0.2 noborder

        """
        var plans: [String] = []
        for (i, v) in vs.enumerated() {
            let c = 2 + i * 7
            plans.append("'../sweep_chart.csv' skip 1 using 1:\(c):\(c + 2) with filledcurves ls \(i + 1) title \(Charts.literal(v.label + " P5–P95")) noenhanced")
            plans.append("'' skip 1 using 1:\(c + 1) with linespoints ls \(i + 1) pt 7 title \(Charts.literal(v.label + " P50")) noenhanced")
        }
        plans.append("'' skip 1 using 1:8 with lines ls 9 title '预算'")
        s += "plot " + plans.joined(separator: ", \\\n     ") + "\n"
        return s + Charts.tail("band")
    }

    static func overrunChart(_ vs: [(id: String, label: String)], key: String, line: String, title: String) -> String {
        var s = Charts.head("overrun", title: "超支概率 / overrun probability against the swept key")
        s += """
        set title \(Charts.titleText(title, "\(line)超支概率随 \(key) 变化（竖线：95%区间）")) font ",18" noenhanced
        set xlabel \(Charts.literal(key)) noenhanced
        set ylabel '超支概率（%）'
        set yrange [0:*]
        set key top left
        set arrow 1 from graph 0, first 5 to graph 1, first 5 nohead ls 9
        set label 1 '5%' at graph 1, first 5 offset 0.5,0 tc rgb "#444444" noenhanced

        """
        let plots = vs.enumerated().map { i, v -> String in
            let c = 2 + i * 7 + 3
            return (i == 0 ? "'../sweep_chart.csv'" : "''") + " skip 1 using 1:($\(c)*100):($\(c + 1)*100):($\(c + 2)*100) with yerrorlines ls \(i + 1) pt 7 title \(Charts.literal(v.label)) noenhanced"
        }
        s += "plot " + plots.joined(separator: ", \\\n     ") + "\n"
        return s + Charts.tail("overrun")
    }

    static func heatmap(_ v: (id: String, label: String), name: String, x: String, y: String, line: String, draft: (Double?, Double?), title: String) -> String {
        var s = Charts.head(name, title: "超支概率热图 / P(overrun) heatmap")
        s += """
        set title \(Charts.titleText(title, "\(v.label)：\(line)超支概率（等值线 5% 与 50%）")) font ",18" noenhanced
        set xlabel \(Charts.literal(x)) noenhanced
        set ylabel \(Charts.literal(y)) noenhanced
        set datafile separator whitespace
        set view map
        set pm3d map interpolate 0,0
        set palette defined (0 "#f7fbff", 0.3 "#9ecae1", 0.6 "#fd8d3c", 1 "#a50f15")
        set cbrange [0:*]
        set cblabel '超支概率（%）'
        set tmargin 3
        set size ratio 0.55
        set contour base
        set cntrparam levels discrete 5, 50
        set cntrlabel onecolor format "%.0f%%" start 5 interval 30 font ",13"
        unset key

        """
        if let dx = Charts.num(draft.0), let dy = Charts.num(draft.1) {
            s += "set label 10 '草案' at \(dx),\(dy),1 point pt 7 ps 2 lc rgb \"black\" offset 1,1 front tc rgb \"black\" noenhanced\n"
        }
        s += "splot \(Charts.literal("../\(name).dat")) using 1:2:($3*100) with pm3d notitle, '' using 1:2:($3*100) with lines nosurface lc rgb \"black\" lw 2.5 notitle, " +
            "'' using 1:2:($3*100) with labels boxed nosurface notitle\n"
        return s + Charts.tail(name)
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
                md += "\(CSVTable.fixed(s.pOverrun * 100, 1))%（\(CSVTable.fixed(s.low * 100, 1))–\(CSVTable.fixed(s.high * 100, 1))%） | \(CSVTable.fixed(r.regional[pi][vi].unspent, 2)) |\n"
            }
            md += "\n"
        }
        md += Charts.markdown(charts)
        return md
    }
}
