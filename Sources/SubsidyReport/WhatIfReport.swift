import Foundation
import SubsidyEngine
import SubsidyModel

/// Files of `subsidysim sweep`: sweep.csv, chart data, gnuplot charts, summary.md, manifest.json.
public enum SweepReport {
    public static func table(_ r: SweepResult) -> CSVTable {
        var header = ["点 point"] + r.axes.map { "\($0.path)" }
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

    public static func write(_ r: SweepResult, loaded: LoadedScenario, line: String, to path: String, fields: [String: Any]) throws -> [String] {
        var folder = OutputFolder(path)
        folder.add("sweep.csv", table(r).data)
        let lineIndex = r.stats.first?.first?.firstIndex { $0.line == line } ?? 0
        let lineLabel = LineID(rawValue: line).map { "\($0.clause)\($0.chineseName)" } ?? "合计"
        let vs = zip(r.variantIDs, r.variantLabels).map { (id: $0, label: $1) }
        var scripts: [String] = []
        let title = loaded.scenario.title
        let keyText = r.axes.map { keyLabel($0.path.description) }.joined(separator: " × ")
        if r.axes.count == 1, r.axes[0].numbers != nil {
            folder.add("sweep_chart.csv", chartTable(r, lineIndex: lineIndex).data)
            folder.add("charts/band.gp", text: bandChart(vs, key: keyText, line: lineLabel, title: title))
            folder.add("charts/overrun.gp", text: overrunChart(vs, key: keyText, line: lineLabel, title: title))
            scripts = ["band.gp", "overrun.gp"]
        } else if r.axes.count == 2, let xs = r.axes[0].numbers, let ys = r.axes[1].numbers {
            for (vi, v) in vs.enumerated() {
                let draft = r.axes.map { loaded.number(at: $0.path, variant: v.id) }
                var dat = "# \(r.axes[0].path) \(r.axes[1].path) p_overrun(\(line))\n"
                for (xi, x) in xs.enumerated() {
                    for (yi, y) in ys.enumerated() {
                        let pi = xi * ys.count + yi
                        dat += "\(CSVTable.fixed(x, 6)) \(CSVTable.fixed(y, 6)) \(CSVTable.fixed(r.stats[pi][vi][lineIndex].pOverrun, 6))\n"
                    }
                    dat += "\n"
                }
                folder.add("heatmap_\(v.id).dat", text: dat)
                folder.add("charts/heatmap_\(v.id).gp", text: heatmap(v, x: keyLabel(r.axes[0].path.description), y: keyLabel(r.axes[1].path.description), line: lineLabel,
                                                                    draft: (draft[0], draft[1]), title: title))
                scripts.append("heatmap_\(v.id).gp")
            }
        }
        folder.add("summary.md", text: markdown(r, loaded: loaded, lineIndex: lineIndex, lineLabel: lineLabel, charts: scripts))
        var warnings: [String] = []
        try folder.commit { tmp in
            if !scripts.isEmpty { warnings = Charts.render(folder: tmp.appendingPathComponent("charts"), scripts: scripts) }
            try Manifest.write(in: tmp, fields: fields)
        }
        return warnings
    }

    static func bandChart(_ vs: [(id: String, label: String)], key: String, line: String, title: String) -> String {
        var s = Charts.head("band", title: "需求带 / demand band against the swept key")
        s += """
        set title "\(Charts.q(title))\\n\(Charts.q(line))需求（P5–P50–P95）随 \(Charts.q(key)) 变化" font ",18"
        set xlabel "\(Charts.q(key))"
        set ylabel "需求（万元）"
        set key bottom right
        set style fill transparent solid 0.2 noborder

        """
        var plots: [String] = []
        for (i, v) in vs.enumerated() {
            let c = 2 + i * 7
            plots.append("'../sweep_chart.csv' skip 1 using 1:\(c):\(c + 2) with filledcurves ls \(i + 1) title \"\(Charts.q(v.label)) P5–P95\"")
            plots.append("'' skip 1 using 1:\(c + 1) with linespoints ls \(i + 1) pt 7 title \"\(Charts.q(v.label)) P50\"")
        }
        plots.append("'' skip 1 using 1:8 with lines ls 9 title \"预算\"")
        s += "plot " + plots.joined(separator: ", \\\n     ") + "\n"
        return s + Charts.tail("band")
    }

    static func overrunChart(_ vs: [(id: String, label: String)], key: String, line: String, title: String) -> String {
        var s = Charts.head("overrun", title: "超支概率 / overrun probability against the swept key")
        s += """
        set title "\(Charts.q(title))\\n\(Charts.q(line))超支概率随 \(Charts.q(key)) 变化（竖线：95%区间）" font ",18"
        set xlabel "\(Charts.q(key))"
        set ylabel "超支概率（%）"
        set yrange [0:*]
        set key top left
        set arrow 1 from graph 0, first 5 to graph 1, first 5 nohead ls 9
        set label 1 "5%" at graph 1, first 5 offset 0.5,0 tc rgb "#444444"

        """
        let plots = vs.enumerated().map { i, v -> String in
            let c = 2 + i * 7 + 3
            return (i == 0 ? "'../sweep_chart.csv'" : "''") + " skip 1 using 1:($\(c)*100):($\(c + 1)*100):($\(c + 2)*100) with yerrorlines ls \(i + 1) pt 7 title \"\(Charts.q(v.label))\""
        }
        s += "plot " + plots.joined(separator: ", \\\n     ") + "\n"
        return s + Charts.tail("overrun")
    }

    static func heatmap(_ v: (id: String, label: String), x: String, y: String, line: String, draft: (Double?, Double?), title: String) -> String {
        let name = "heatmap_\(v.id)"
        var s = Charts.head(name, title: "超支概率热图 / P(overrun) heatmap")
        s += """
        set title "\(Charts.q(title))\\n\(Charts.q(v.label))：\(Charts.q(line))超支概率（等值线 5% 与 50%）" font ",18"
        set xlabel "\(Charts.q(x))"
        set ylabel "\(Charts.q(y))"
        set datafile separator whitespace
        set view map
        set pm3d map interpolate 0,0
        set palette defined (0 "#f7fbff", 0.3 "#9ecae1", 0.6 "#fd8d3c", 1 "#a50f15")
        set cbrange [0:*]
        set cblabel "超支概率（%）"
        set tmargin 3
        set size ratio 0.55
        set contour base
        set cntrparam levels discrete 5, 50
        set cntrlabel onecolor format "%.0f%%" start 5 interval 30 font ",13"
        unset key

        """
        if let dx = draft.0, let dy = draft.1 {
            s += "set label 10 \"草案\" at \(dx),\(dy),1 point pt 7 ps 2 lc rgb \"black\" offset 1,1 front tc rgb \"black\"\n"
        }
        s += "splot '../\(name).dat' using 1:2:($3*100) with pm3d notitle, '' using 1:2:($3*100) with lines nosurface lc rgb \"black\" lw 2.5 notitle, " +
            "'' using 1:2:($3*100) with labels boxed nosurface notitle\n"
        return s + Charts.tail(name)
    }

    static func markdown(_ r: SweepResult, loaded: LoadedScenario, lineIndex: Int, lineLabel: String, charts: [String]) -> String {
        var md = "# \(loaded.scenario.title)：参数扫描\n\n"
        md += "> 扫描 \(r.axes.map { "`\($0.path)` = \($0.texts.joined(separator: ", "))" }.joined(separator: "；"))；每点 \(r.trials) 次试验，"
        md += "各点使用同一批模拟企业（共 \(r.populations) 种企业总体）。金额单位：万元。\n\n"
        for (vi, v) in r.variantLabels.enumerated() {
            md += "## \(v)：\(lineLabel)\n\n| " + r.axes.map { "`\($0.path)`" }.joined(separator: " | ")
            md += " | 需求均值 | P5 | P50 | P95 | 超支概率（95%区间） | 自治区资金结余 |\n|" + String(repeating: "---|", count: r.axes.count) + "---:|---:|---:|---:|---:|---:|\n"
            for (pi, p) in r.points.enumerated() {
                let s = r.stats[pi][vi][lineIndex]
                md += "| " + zip(r.axes, p).map { $0.texts[$1] }.joined(separator: " | ")
                md += " | \(CSVTable.fixed(s.mean, 2)) | \(CSVTable.fixed(s.p5, 2)) | \(CSVTable.fixed(s.p50, 2)) | \(CSVTable.fixed(s.p95, 2)) | "
                md += "\(CSVTable.fixed(s.pOverrun * 100, 1))%（\(CSVTable.fixed(s.low * 100, 1))–\(CSVTable.fixed(s.high * 100, 1))%） | \(CSVTable.fixed(r.regional[pi][vi].unspent, 2)) |\n"
            }
            md += "\n"
        }
        let captions = ["band.gp": "需求带", "overrun.gp": "超支概率"]
        for c in charts { md += "![\(captions[c] ?? "超支概率热图")](charts/\(c.dropLast(3)).png)\n\n" }
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
    public static func chart(_ answers: [WhatIf.SolveAnswer], key: String, target: Double, what: String, title: String,
                             draft: [Double?] = []) -> String {
        var s = Charts.head("solve", title: "求解 / goal seek")
        s += """
        set title "\(Charts.q(title))\\n\(Charts.q(what))随 \(Charts.q(keyLabel(key))) 变化；目标 ≤ \(CSVTable.fixed(target * 100, 1))%" font ",18"
        set xlabel "\(Charts.q(keyLabel(key)))"
        set ylabel "概率（%）"
        set yrange [0:*]
        set key top left
        set arrow 1 from graph 0, first \(target * 100) to graph 1, first \(target * 100) nohead ls 9

        """
        var plots: [String] = []
        for (i, a) in answers.enumerated() {
            plots.append((i == 0 ? "'../points.csv'" : "''") + " skip 1 using ((strcol(1) eq \"\(Charts.q(a.variant))\") ? $2 : NaN):($3*100):($4*100):($5*100) with yerrorbars ls \(i + 1) pt 7 title \"\(Charts.q(a.label))\"")
        }
        for (i, a) in answers.enumerated() {
            if let x = a.x { s += "set arrow \(10 + i) from \(x), graph 0 to \(x), graph 1 nohead ls \(i + 1) dt 3\n" }
            if i < draft.count, let d = draft[i], !draft[..<i].contains(d) {
                s += "set label \(20 + i) \"草案 \(formatNumber(d))\" at \(d), graph \(0.9 - 0.06 * Double(i)) point pt 9 ps 1.8 lc rgb \"black\" offset 1,0 front\n"
            }
        }
        s += "plot " + plots.joined(separator: ", \\\n     ") + "\n"
        return s + Charts.tail("solve")
    }
}

/// Files of `subsidysim sensitivity`.
public enum SensitivityReport {
    public static func write(_ r: SensitivityResult, loaded: LoadedScenario, to path: String, fields: [String: Any]) throws -> [String] {
        var folder = OutputFolder(path)
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
        folder.add("sensitivity.csv", tor.data)
        // Tornado chart data: sorted by swing, bars as offsets from the baseline.
        var tc = CSVTable(header: ["序号 index", "名称 label", "P10 low", "P90 high", "十分位最低 decile_min", "十分位最高 decile_max"])
        for (i, t) in r.tornado.reversed().enumerated() {
            let d = r.deciles[byID[t.input.id] ?? 0]
            tc.add([.integer(i), .text(t.input.label), .money(t.outputLow), .money(t.outputHigh), .money(d.min() ?? 0), .money(d.max() ?? 0)])
        }
        folder.add("chart_tornado.csv", tc.data)
        var sp = CSVTable(header: ["百分位 percentile"] + r.inputs.map { "\($0.label) \($0.id)" })
        for (pi, p) in r.spiderPercentiles.enumerated() { sp.add([.number(p * 100, decimals: 0)] + r.spider.map { .money($0[pi]) }) }
        folder.add("spider.csv", sp.data)
        var dc = CSVTable(header: ["十分位 decile"] + r.inputs.map { "\($0.label) \($0.id)" })
        for q in 0..<10 { dc.add([.integer(q + 1)] + r.deciles.map { .money($0[q]) }) }
        folder.add("deciles.csv", dc.data)
        var sb = CSVTable(header: ["序号 index", "名称 label", "S1", "S1下限 s1_low", "S1上限 s1_high", "ST", "ST下限 st_low", "ST上限 st_high"])
        let sobolOrder = r.inputs.indices.sorted { (r.sobol[$0].st, $1) > (r.sobol[$1].st, $0) }
        for (i, j) in sobolOrder.enumerated() {
            let s = r.sobol[j]
            sb.add([.integer(i), .text(r.inputs[j].label), .fraction(s.s1), .fraction(s.s1Low), .fraction(s.s1High), .fraction(s.st), .fraction(s.stLow), .fraction(s.stHigh)])
        }
        folder.add("sobol.csv", sb.data)
        let title = loaded.scenario.title
        folder.add("charts/tornado.gp", text: tornadoChart(r, title: title, deciles: false))
        folder.add("charts/tornado_deciles.gp", text: tornadoChart(r, title: title, deciles: true))
        folder.add("charts/spider.gp", text: spiderChart(r, title: title))
        folder.add("charts/sobol.gp", text: sobolChart(r, title: title))
        let scripts = ["tornado.gp", "tornado_deciles.gp", "spider.gp", "sobol.gp"]
        folder.add("summary.md", text: markdown(r, loaded: loaded, charts: scripts))
        var warnings: [String] = []
        try folder.commit { tmp in
            warnings = Charts.render(folder: tmp.appendingPathComponent("charts"), scripts: scripts)
            try Manifest.write(in: tmp, fields: fields)
        }
        return warnings
    }

    static func tornadoChart(_ r: SensitivityResult, title: String, deciles: Bool) -> String {
        let name = deciles ? "tornado_deciles" : "tornado"
        var s = Charts.head(name, title: "龙卷风图 / tornado")
        let n = r.tornado.count
        s += """
        set title "\(Charts.q(title))\\n\(deciles ? "按输入十分位的输出均值范围（其他输入不固定；噪声水平约 \(CSVTable.fixed(r.decileNoise, 1)) 万元）" : "各输入取 P10 与 P90、其余取中位数时的输出均值")：\(Charts.q(r.metric.label))，\(Charts.q(r.variantLabel))" font ",18"
        set xlabel "\(Charts.q(r.metric.label))"
        set ytics nomirror
        set yrange [-0.7:\(Double(n) - 0.3)]
        set style fill solid 0.7 border -1
        set key bottom right
        set arrow 1 from \(r.baseline), graph 0 to \(r.baseline), graph 1 nohead ls 9
        set label 1 "基准 \(CSVTable.fixed(r.baseline, 1))" at \(r.baseline), graph 1 offset -3,0.8 tc rgb "#444444"

        """
        if deciles {
            s += "plot '../chart_tornado.csv' skip 1 using (($5+$6)/2):1:5:6:($1-0.35):($1+0.35):yticlabel(2) with boxxyerror ls 1 title \"十分位均值的范围\"\n"
        } else {
            s += "plot '../chart_tornado.csv' skip 1 using ((\(r.baseline)+$3)/2):1:(\(r.baseline) < $3 ? \(r.baseline) : $3):(\(r.baseline) < $3 ? $3 : \(r.baseline)):($1-0.35):($1+0.35):yticlabel(2) with boxxyerror ls 1 title \"输入取 P10\", \\\n"
            s += "     '' skip 1 using ((\(r.baseline)+$4)/2):1:(\(r.baseline) < $4 ? \(r.baseline) : $4):(\(r.baseline) < $4 ? $4 : \(r.baseline)):($1-0.35):($1+0.35) with boxxyerror ls 2 title \"输入取 P90\"\n"
        }
        return s + Charts.tail(name)
    }

    static func spiderChart(_ r: SensitivityResult, title: String) -> String {
        var s = Charts.head("spider", title: "蛛网图 / spider")
        s += """
        set title "\(Charts.q(title))\\n输出均值随各输入百分位变化（其余输入取中位数）：\(Charts.q(r.variantLabel))" font ",18"
        set xlabel "输入百分位（%）"
        set ylabel "\(Charts.q(r.metric.label))"
        set xrange [5:95]
        set key outside right top

        """
        let plots = r.inputs.enumerated().map { i, inp in
            (i == 0 ? "'../spider.csv'" : "''") + " skip 1 using 1:\(i + 2) with linespoints lw 2 pt \(5 + i % 4) dt \(1 + i / 8) title \"\(Charts.q(inp.label))\""
        }
        s += "plot " + plots.joined(separator: ", \\\n     ") + "\n"
        return s + Charts.tail("spider")
    }

    static func sobolChart(_ r: SensitivityResult, title: String) -> String {
        var s = Charts.head("sobol", title: "Sobol 指数 / Sobol indices")
        s += """
        set title "\(Charts.q(title))\\nSobol 指数（N = \(r.sobolN)，竖线：自助法95%区间）：\(Charts.q(r.metric.label))" font ",18"
        set ylabel "方差占比"
        set yrange [0:1]
        set style data histogram
        set style histogram errorbars gap 2 lw 2
        set style fill solid 0.7 border -1
        set xtics rotate by 20 right
        set bmargin 7
        set key top right

        """
        s += "plot '../sobol.csv' skip 1 using 3:4:5:xtic(2) ls 1 title \"一阶 S1\", '' skip 1 using 6:7:8 ls 2 title \"总效应 ST\"\n"
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

    static func markdown(_ r: SensitivityResult, loaded: LoadedScenario, charts: [String]) -> String {
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
        let captions = ["tornado.gp": "龙卷风图（P10/P90）", "tornado_deciles.gp": "十分位龙卷风图", "spider.gp": "蛛网图", "sobol.gp": "Sobol 指数"]
        for c in charts { md += "![\(captions[c] ?? c)](charts/\(c.dropLast(3)).png)\n\n" }
        return md
    }
}
