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

    public static func write(_ r: SweepResult, loaded: LoadedScenario, line: String, to path: String, fields: [String: Any]) throws -> [String] {
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
            try Manifest.write(in: staging, fields: fields)
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
        var md = "# \(sc.title)：参数扫描\n\n"
        md += "> 扫描 \(r.axes.indices.map { a in "\(fields[a].name) = \(r.axes[a].texts.indices.map { value(a, $0) }.joined(separator: "、"))" }.joined(separator: "；"))；每点 \(r.trials) 次试验，"
        md += "各点使用同一批模拟企业（共 \(r.populations) 种企业总体）。金额单位：万元。\n\n"
        for (vi, v) in r.variantLabels.enumerated() {
            md += "## \(v)：\(lineLabel)\n\n| " + fields.map(\.name).joined(separator: " | ")
            md += " | 需求均值 | P5 | P50 | P95 | 不足概率（95%区间） | \(source)结余 |\n|" + String(repeating: "---|", count: r.axes.count) + "---:|---:|---:|---:|---:|---:|\n"
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

    /// Writes the solve folder: solve.csv, points.csv, the chart, summary.md (`summary` is its text
    /// above the chart section) and manifest.json. Returns the warnings.
    public static func write(_ answers: [WhatIf.SolveAnswer], key: String, target: Double, what: String, title: String, draft: [Double?],
                             summary: String, to path: String, fields: [String: Any]) throws -> [String] {
        var folder = OutputFolder(path)
        folder.add("solve.csv", table(answers, key: key).data)
        let pts = points(answers)
        folder.add("points.csv", pts.data)
        let plan = Charts.Plan("solve", caption: "求解", script: chart(answers, key: key, target: target, what: what, title: title, draft: draft),
                               skip: Charts.dataProblem(pts, columns: [2]))
        if let s = plan.script { folder.add("charts/solve.gp", text: s) }
        var warnings: [String] = []
        try folder.commit { staging in
            let drawn = Charts.render(folder: staging.url.appendingPathComponent("charts"), plans: [plan])
            warnings = drawn.warnings
            try staging.write("summary.md", text: summary + "\n" + Charts.markdown(drawn.outcomes, heading: nil))
            try Manifest.write(in: staging, fields: fields)
        }
        return warnings
    }
}

/// Files of `subsidysim sensitivity`.
public enum SensitivityReport {
    /// Writes one folder for every variant analysed, in one atomic commit: with one variant the
    /// folder is that variant's; with several, each variant is a sub-folder (its id) and the
    /// folder's own summary.md and manifest.json cover all. A failure in any variant's analysis
    /// happens before anything is written; a killed run leaves the previous folder whole.
    public static func write(_ results: [SensitivityResult], loaded: LoadedScenario, to path: String, fields: [[String: Any]],
                             common: [String: Any]) throws -> [String] {
        var folder = OutputFolder(path)
        let single = results.count == 1
        let subs = single ? [""] : SweepReport.heatmapNames(results.map(\.variant)).map { String($0.dropFirst("heatmap_".count)) }
        var plans: [[Charts.Plan]] = []
        for (k, r) in results.enumerated() {
            plans.append(add(r, loaded: loaded, to: &folder, prefix: single ? "" : subs[k] + "/"))
        }
        var warnings: [String] = []
        try folder.commit { staging in
            var outcomes: [[Charts.Outcome]] = []
            for (k, r) in results.enumerated() {
                let sub = single ? staging : OutputFolder.Staging(url: staging.url.appendingPathComponent(subs[k]),
                                                                  destination: staging.destination.appendingPathComponent(subs[k]), kept: [])
                let drawn = Charts.render(folder: sub.url.appendingPathComponent("charts"), plans: plans[k])
                warnings += drawn.warnings.map { single ? $0 : "\(r.variant)：\($0)" }
                outcomes.append(drawn.outcomes)
                try sub.write("summary.md", text: markdown(r, loaded: loaded, charts: drawn.outcomes))
                if !single { try Manifest.write(in: sub, fields: fields[k]) }
            }
            if !single {
                var md = "# \(loaded.scenario.title)：敏感性分析（\(results.first?.metric.label ?? "")）\n\n"
                for (k, r) in results.enumerated() {
                    md += "## \(r.variantLabel)\n\n\(paragraph(r))\n\n详见 [\(subs[k])/summary.md](\(subs[k])/summary.md)。\n\n"
                    let missing = outcomes[k].filter { !$0.drawn }
                    if !missing.isEmpty { md += "未绘制的图表：" + missing.map { "\($0.caption)（\($0.omitted ?? "")）" }.joined(separator: "；") + "\n\n" }
                }
                try staging.write("summary.md", text: md)
            }
            try Manifest.write(in: staging, fields: single ? (fields.first ?? common) : common)
        }
        return warnings
    }

    /// Adds one variant's tables and chart scripts under `prefix`; returns its chart plans.
    static func add(_ r: SensitivityResult, loaded: LoadedScenario, to folder: inout OutputFolder, prefix: String) -> [Charts.Plan] {
        let byID = Dictionary(uniqueKeysWithValues: r.inputs.enumerated().map { ($1.id, $0) })
        var tor = CSVTable(header: ["输入 input", "名称 label", "P10取值 p10_value", "P90取值 p90_value", "P10时输出均值 output_at_p10",
                                    "P90时输出均值 output_at_p90", "摆幅 swing", "十分位摆幅 decile_swing", "十分位噪声水平 decile_noise", "Spearman秩相关 spearman",
                                    "一阶Sobol S1", "S1下限 s1_low", "S1上限 s1_high", "总Sobol ST", "ST下限 st_low", "ST上限 st_high"])
        for t in r.tornado {
            let j = byID[t.input.id] ?? 0
            let d = r.deciles[j]
            let sob = j < r.sobol.count ? r.sobol[j] : SobolIndex(s1: 0, s1Low: 0, s1High: 0, st: 0, stLow: 0, stHigh: 0)
            tor.add([.text(t.input.id), .text(t.input.label), .number(t.lowValue, decimals: 4), .number(t.highValue, decimals: 4),
                     .money(t.outputLow), .money(t.outputHigh), .money(t.swing), .money((d.max() ?? 0) - (d.min() ?? 0)),
                     .money(r.decileNoise), .fraction(r.spearman[j]), .fraction(sob.s1), .fraction(sob.s1Low), .fraction(sob.s1High),
                     .fraction(sob.st), .fraction(sob.stLow), .fraction(sob.stHigh)])
        }
        folder.add(prefix + "sensitivity.csv", tor.data)
        // Tornado chart data: sorted by swing, bars as offsets from the baseline.
        var tc = CSVTable(header: ["序号 index", "名称 label", "P10 low", "P90 high", "十分位最低 decile_min", "十分位最高 decile_max"])
        for (i, t) in r.tornado.reversed().enumerated() {
            let d = r.deciles[byID[t.input.id] ?? 0]
            tc.add([.integer(i), .text(t.input.label), .money(t.outputLow), .money(t.outputHigh), .money(d.min() ?? 0), .money(d.max() ?? 0)])
        }
        folder.add(prefix + "chart_tornado.csv", tc.data)
        var sp = CSVTable(header: ["百分位 percentile"] + r.inputs.map { "\($0.label) \($0.id)" })
        for (pi, p) in r.spiderPercentiles.enumerated() { sp.add([.number(p * 100, decimals: 0)] + r.spider.map { .money($0[pi]) }) }
        folder.add(prefix + "spider.csv", sp.data)
        var dc = CSVTable(header: ["十分位 decile"] + r.inputs.map { "\($0.label) \($0.id)" })
        for q in 0..<10 { dc.add([.integer(q + 1)] + r.deciles.map { .money($0[q]) }) }
        folder.add(prefix + "deciles.csv", dc.data)
        var sb = CSVTable(header: ["序号 index", "名称 label", "S1", "S1下限 s1_low", "S1上限 s1_high", "ST", "ST下限 st_low", "ST上限 st_high"])
        let sobolOrder = r.inputs.indices.sorted { (r.sobol[$0].st, $1) > (r.sobol[$1].st, $0) }
        for (i, j) in sobolOrder.enumerated() {
            let s = r.sobol[j]
            sb.add([.integer(i), .text(r.inputs[j].label), .fraction(s.s1), .fraction(s.s1Low), .fraction(s.s1High), .fraction(s.st), .fraction(s.stLow), .fraction(s.stHigh)])
        }
        folder.add(prefix + "sobol.csv", sb.data)
        let title = loaded.scenario.title
        let baseProblem: String? = r.baseline.isFinite ? nil : "基准输出（各输入取中位数）不是有限数，无法绘制"
        let plans = [
            Charts.Plan("tornado", caption: "龙卷风图（P10/P90）", script: tornadoChart(r, title: title, deciles: false),
                        skip: baseProblem ?? Charts.dataProblem(tc, columns: [2, 3]) ?? nonFinite(tc, columns: [2, 3])),
            Charts.Plan("tornado_deciles", caption: "十分位龙卷风图", script: tornadoChart(r, title: title, deciles: true),
                        skip: baseProblem ?? Charts.dataProblem(tc, columns: [4, 5]) ?? nonFinite(tc, columns: [4, 5])),
            Charts.Plan("spider", caption: "蛛网图", script: spiderChart(r, title: title),
                        skip: Charts.dataProblem(sp, columns: Array(1..<(1 + r.inputs.count)))),
            Charts.Plan("sobol", caption: "Sobol 指数", script: sobolChart(r, title: title),
                        skip: Charts.dataProblem(sb, columns: [2, 5]) ?? nonFinite(sb, columns: [2, 5])),
        ]
        for p in plans { if let s = p.script { folder.add(prefix + "charts/\(p.name).gp", text: s) } }
        return plans
    }

    /// A bar chart with some bars infinite or NaN would silently leave them out: not drawn, with the reason.
    static func nonFinite(_ t: CSVTable, columns: [Int]) -> String? {
        for r in t.rows {
            for c in columns where c < r.count {
                switch r[c] {
                case let .money(v), let .fraction(v), let .number(v, _): if !v.isFinite { return "部分数值为无穷大或非数值（NaN），无法绘制" }
                default: continue
                }
            }
        }
        return nil
    }

    static func tornadoChart(_ r: SensitivityResult, title: String, deciles: Bool) -> String {
        let name = deciles ? "tornado_deciles" : "tornado"
        var s = Charts.head(name, title: "龙卷风图 / tornado")
        let n = r.tornado.count
        let base = Charts.num(r.baseline) ?? "0"
        let sub = deciles ? "按输入十分位的输出均值范围（其他输入不固定；噪声水平约 \(CSVTable.fixed(r.decileNoise, 1)) 万元）" : "各输入取 P10 与 P90、其余取中位数时的输出均值"
        s += """
        set title \(Charts.titleText(title, "\(sub)：\(r.metric.label)，\(r.variantLabel)")) font ",18" noenhanced
        set xlabel \(Charts.literal(r.metric.label)) noenhanced
        \(Charts.tics("ytics", r.tornado.reversed().map(\.input.label), extra: " nomirror"))set yrange [-0.7:\(Double(n) - 0.3)]
        set style fill solid 0.7 border -1
        set key bottom right
        set arrow 1 from \(base), graph 0 to \(base), graph 1 nohead ls 9
        set label 1 \(Charts.literal("基准 \(CSVTable.fixed(r.baseline, 1))")) at \(base), graph 1 offset -3,0.8 tc rgb "#444444" noenhanced

        """
        if deciles {
            s += "plot '../chart_tornado.csv' skip 1 using (($5+$6)/2):1:5:6:($1-0.35):($1+0.35) with boxxyerror ls 1 title '十分位均值的范围'\n"
        } else {
            s += "plot '../chart_tornado.csv' skip 1 using ((\(base)+$3)/2):1:(\(base) < $3 ? \(base) : $3):(\(base) < $3 ? $3 : \(base)):($1-0.35):($1+0.35) with boxxyerror ls 1 title '输入取 P10', \\\n"
            s += "     '' skip 1 using ((\(base)+$4)/2):1:(\(base) < $4 ? \(base) : $4):(\(base) < $4 ? $4 : \(base)):($1-0.35):($1+0.35) with boxxyerror ls 2 title '输入取 P90'\n"
        }
        return s + Charts.tail(name)
    }

    static func spiderChart(_ r: SensitivityResult, title: String) -> String {
        var s = Charts.head("spider", title: "蛛网图 / spider")
        s += """
        set title \(Charts.titleText(title, "输出均值随各输入百分位变化（其余输入取中位数）：\(r.variantLabel)")) font ",18" noenhanced
        set xlabel '输入百分位（%）'
        set ylabel \(Charts.literal(r.metric.label)) noenhanced
        set xrange [5:95]
        set key outside right top

        """
        let plots = r.inputs.enumerated().map { i, inp in
            (i == 0 ? "'../spider.csv'" : "''") + " skip 1 using 1:\(i + 2) with linespoints lw 2 pt \(5 + i % 4) dt \(1 + i / 8) title \(Charts.literal(inp.label)) noenhanced"
        }
        s += "plot " + plots.joined(separator: ", \\\n     ") + "\n"
        return s + Charts.tail("spider")
    }

    static func sobolChart(_ r: SensitivityResult, title: String) -> String {
        var s = Charts.head("sobol", title: "Sobol 指数 / Sobol indices")
        let order = r.inputs.indices.sorted { (r.sobol[$0].st, $1) > (r.sobol[$1].st, $0) }
        s += """
        set title \(Charts.titleText(title, "Sobol 指数（N = \(r.sobolN)，竖线：自助法95%区间）：\(r.metric.label)")) font ",18" noenhanced
        set ylabel '方差占比'
        set yrange [0:1]
        set style data histogram
        set style histogram errorbars gap 2 lw 2
        set style fill solid 0.7 border -1
        \(Charts.tics("xtics", order.map { r.inputs[$0].label }, extra: " rotate by 20 right"))set bmargin 7
        set key top right

        """
        s += "plot '../sobol.csv' skip 1 using 3:4:5 ls 1 title '一阶 S1', '' skip 1 using 6:7:8 ls 2 title '总效应 ST'\n"
        return s + Charts.tail("sobol")
    }

    /// The paragraph a reviewer reads: which inputs matter, in Chinese.
    public static func paragraph(_ r: SensitivityResult) -> String {
        if r.outputSD <= 1e-9 * Swift.max(1, abs(r.outputMean)) {
            return "对「\(r.variantLabel)」而言，\(r.metric.label)在所有试验中都等于 \(CSVTable.fixed(r.outputMean, 2))，不随任何输入变化；敏感性指标没有意义。"
        }
        let order = r.inputs.indices.sorted { r.sobol[$0].st > r.sobol[$1].st }
        let top = order.prefix(3).filter { r.sobol[$0].st > 0.05 }
        let explained = r.sobol.map(\.s1).reduce(0, +)
        var p = "对「\(r.variantLabel)」的\(r.metric.label)而言，"
        if top.isEmpty {
            p += "没有哪个试验级输入单独解释超过 5% 的方差；结果主要来自企业之间的差异。"
        } else {
            p += "最重要的输入是" + top.map { j in
                "\(r.inputs[j].label)（总效应 ST = \(CSVTable.fixed(r.sobol[j].st, 2))，一阶 S1 = \(CSVTable.fixed(r.sobol[j].s1, 2))）"
            }.joined(separator: "、") + "。"
        }
        if let t = r.tornado.first {
            p += "单因素分析中，\(t.input.label)从 P10（\(CSVTable.fixed(t.lowValue, 2))）变到 P90（\(CSVTable.fixed(t.highValue, 2))）使输出均值从 \(CSVTable.fixed(t.outputLow, 1)) 变为 \(CSVTable.fixed(t.outputHigh, 1)) 万元，摆幅最大。"
        }
        p += "各一阶指数之和为 \(CSVTable.fixed(explained, 2))，其余 \(CSVTable.fixed(Swift.max(0, 1 - explained), 2)) 来自输入间的交互作用和企业层面的随机差异（投资额、硬件占比、验收结果等）。"
        let small = order.filter { r.sobol[$0].st < 0.01 }.map { r.inputs[$0].label }
        if !small.isEmpty { p += "影响可以忽略（ST < 0.01）的输入：\(small.joined(separator: "、"))。" }
        p += "十分位摆幅小于噪声水平 \(CSVTable.fixed(r.decileNoise, 1)) 万元的输入，其摆幅主要来自抽样误差。"
        if r.correlated { p += "情景设定了输入间的相关性：十分位与 Spearman 已按相关抽样；单因素分析与 Sobol 指数按输入相互独立计算。" }
        return p
    }

    static func markdown(_ r: SensitivityResult, loaded: LoadedScenario, charts: [Charts.Outcome]) -> String {
        var md = "# \(loaded.scenario.title)：敏感性分析\n\n"
        md += "> 输出：\(r.metric.label)；方案：\(r.variantLabel)。单因素分析每点 \(r.oatTrials) 次试验；十分位与 Spearman 来自 \(r.mcTrials) 次蒙特卡洛试验；"
        md += "Sobol 指数用 Saltelli 设计（GSL Sobol 序列，N = \(r.sobolN)，一阶用 Saltelli 2010，总效应用 Jansen 估计，自助法区间）。金额单位：万元。\n\n"
        md += "## 结论\n\n\(paragraph(r))\n\n"
        md += "## 各输入\n\n| 输入 | P10 → P90 | 输出均值（P10 / P90） | 摆幅 | 十分位摆幅 | Spearman | S1（95%区间） | ST（95%区间） |\n|---|---:|---:|---:|---:|---:|---:|---:|\n"
        let byID = Dictionary(uniqueKeysWithValues: r.inputs.enumerated().map { ($1.id, $0) })
        for t in r.tornado {
            let j = byID[t.input.id] ?? 0
            let d = r.deciles[j], s = r.sobol[j]
            md += "| \(t.input.label) | \(CSVTable.fixed(t.lowValue, 3)) → \(CSVTable.fixed(t.highValue, 3)) | \(CSVTable.fixed(t.outputLow, 1)) / \(CSVTable.fixed(t.outputHigh, 1)) | \(CSVTable.fixed(t.swing, 1)) | \(CSVTable.fixed((d.max() ?? 0) - (d.min() ?? 0), 1)) | \(CSVTable.fixed(r.spearman[j], 3)) | \(CSVTable.fixed(s.s1, 3))（\(CSVTable.fixed(s.s1Low, 3)) 至 \(CSVTable.fixed(s.s1High, 3))） | \(CSVTable.fixed(s.st, 3))（\(CSVTable.fixed(s.stLow, 3)) 至 \(CSVTable.fixed(s.stHigh, 3))） |\n"
        }
        md += "\n"
        md += Charts.markdown(charts)
        return md
    }
}
