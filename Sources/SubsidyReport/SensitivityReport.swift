import Foundation
import SubsidyEngine
import SubsidyModel

/// Files of `subsidysim sensitivity`.
public enum SensitivityReport {
    /// Writes one folder for every variant analysed, in one atomic commit: with one variant the
    /// folder is that variant's; with several, each variant is a sub-folder (its id) and the
    /// folder's own summary.md and manifest.json cover all. A failure in any variant's analysis
    /// happens before anything is written; a killed run leaves the previous folder whole.
    ///
    /// Each variant's manifest has `variant` and `inputs`; the folder over several has `variants`.
    /// `trials` in the header is the Monte Carlo run's (deciles, Spearman). Returns warnings; with
    /// no results there is nothing to write.
    public static func write(_ results: [SensitivityResult], loaded: LoadedScenario, to path: String,
                             invocation: Manifest.Invocation) throws -> [String] {
        guard let first = results.first else { return [] }
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
                warnings += indexWarnings(r).map { single ? $0 : "\(r.variant)：\($0)" }
                outcomes.append(drawn.outcomes)
                try sub.write("summary.md", text: markdown(r, loaded: loaded, charts: drawn.outcomes))
                if !single { try Manifest.write(fields(r), invocation, loaded: loaded, trials: r.mcTrials, in: sub) }
            }
            if !single {
                var md = "# \(Markdown.text(loaded.scenario.title))：敏感性分析（\(first.metric.label)）\n\n"
                for (k, r) in results.enumerated() {
                    md += "## \(Markdown.text(r.variantLabel))\n\n\(paragraph(r))\n\n详见 [\(subs[k])/summary.md](\(subs[k])/summary.md)。\n\n"
                    let missing = outcomes[k].filter { !$0.drawn }
                    if !missing.isEmpty { md += "未绘制的图表：" + missing.map { "\($0.caption)（\($0.omitted ?? "")）" }.joined(separator: "；") + "\n\n" }
                }
                try staging.write("summary.md", text: md)
            }
            let common = Manifest.SensitivityFields(variants: results.map(\.variant), outputMetric: first.metric.id,
                                                    sobolN: first.sobolN, oatTrials: first.oatTrials)
            try Manifest.write(single ? fields(first) : common, invocation, loaded: loaded, trials: first.mcTrials, in: staging)
        }
        return warnings
    }

    /// One variant's manifest fields.
    static func fields(_ r: SensitivityResult) -> Manifest.SensitivityFields {
        Manifest.SensitivityFields(variant: r.variant, outputMetric: r.metric.id, sobolN: r.sobolN, oatTrials: r.oatTrials,
                                   inputs: r.inputs.map(\.id))
    }

    /// Adds one variant's tables and chart scripts under `prefix`; returns its chart plans.
    static func add(_ r: SensitivityResult, loaded: LoadedScenario, to folder: inout OutputFolder, prefix: String) -> [Charts.Plan] {
        let byID = Dictionary(uniqueKeysWithValues: r.inputs.enumerated().map { ($1.id, $0) })
        let o = OutputScale(r.metric)
        var tor = CSVTable(header: ["输入 input", "名称 label", "P10取值 p10_value", "P90取值 p90_value", "P10时输出均值 output_at_p10",
                                    "P90时输出均值 output_at_p90", "摆幅 swing", "十分位摆幅 decile_swing", "十分位噪声水平 decile_noise", "Spearman秩相关 spearman",
                                    "一阶Sobol S1", "S1下限 s1_low", "S1上限 s1_high", "总Sobol ST", "ST下限 st_low", "ST上限 st_high"])
        for t in r.tornado {
            let j = byID[t.input.id] ?? 0
            let d = r.deciles[j]
            let sob = j < r.sobol.count ? r.sobol[j] : SobolIndex(s1: 0, s1Low: 0, s1High: 0, st: 0, stLow: 0, stHigh: 0)
            tor.add([.text(t.input.id), .text(t.input.label), .number(t.lowValue, decimals: 4), .number(t.highValue, decimals: 4),
                     o.cell(t.outputLow), o.cell(t.outputHigh), o.cell(t.swing), o.cell((d.max() ?? 0) - (d.min() ?? 0)),
                     o.cell(r.decileNoise), .fraction(r.spearman[j]), .fraction(sob.s1), .fraction(sob.s1Low), .fraction(sob.s1High),
                     .fraction(sob.st), .fraction(sob.stLow), .fraction(sob.stHigh)])
        }
        folder.add(prefix + "sensitivity.csv", tor.data)
        // Tornado chart data: sorted by swing, bars as offsets from the baseline.
        var tc = CSVTable(header: ["序号 index", "名称 label", "P10 low", "P90 high", "十分位最低 decile_min", "十分位最高 decile_max"])
        for (i, t) in r.tornado.reversed().enumerated() {
            let d = r.deciles[byID[t.input.id] ?? 0]
            tc.add([.integer(i), .text(t.input.label), o.chart(t.outputLow), o.chart(t.outputHigh), o.chart(d.min() ?? 0), o.chart(d.max() ?? 0)])
        }
        folder.add(prefix + "chart_tornado.csv", tc.data)
        var sp = CSVTable(header: ["百分位 percentile"] + r.inputs.map { "\($0.label) \($0.id)" })
        for (pi, p) in r.spiderPercentiles.enumerated() { sp.add([.number(p * 100, decimals: 0)] + r.spider.map { o.cell($0[pi]) }) }
        folder.add(prefix + "spider.csv", sp.data)
        var dc = CSVTable(header: ["十分位 decile"] + r.inputs.map { "\($0.label) \($0.id)" })
        for q in 0..<10 { dc.add([.integer(q + 1)] + r.deciles.map { o.cell($0[q]) }) }
        folder.add(prefix + "deciles.csv", dc.data)
        var sb = CSVTable(header: ["序号 index", "名称 label", "S1", "S1下限 s1_low", "S1上限 s1_high", "ST", "ST下限 st_low", "ST上限 st_high"])
        let sobolOrder = r.inputs.indices.sorted { (r.sobol[$0].st, $1) > (r.sobol[$1].st, $0) }
        for (i, j) in sobolOrder.enumerated() {
            let s = r.sobol[j]
            sb.add([.integer(i), .text(r.inputs[j].label), .fraction(s.s1), .fraction(s.s1Low), .fraction(s.s1High), .fraction(s.st), .fraction(s.stLow), .fraction(s.stHigh)])
        }
        folder.add(prefix + "sobol.csv", sb.data)
        var shapleyTable: CSVTable?
        if let sh = r.shapley {
            // Shapley shares (they sum to 1 and respect correlations) beside the Sobol indices, by share.
            var t = CSVTable(header: ["序号 index", "名称 label", "输入 id", "Shapley效应 effect", "Shapley占比 share", "占比下限 share_low", "占比上限 share_high", "S1", "ST"])
            let order = r.inputs.indices.sorted { (sh.shares[$0], $1) > (sh.shares[$1], $0) }
            for (i, j) in order.enumerated() {
                t.add([.integer(i), .text(r.inputs[j].label), .text(r.inputs[j].id), .number(sh.effects[j], decimals: 6), .fraction(sh.shares[j]),
                       .fraction(sh.shareLow[j]), .fraction(sh.shareHigh[j]), .fraction(r.sobol[j].s1), .fraction(r.sobol[j].st)])
            }
            folder.add(prefix + "shapley.csv", t.data)
            shapleyTable = t
        }
        let title = Charts.heading(loaded)
        let v = variantName(r, loaded)
        let baseProblem: String? = r.baseline.isFinite ? nil : "基准输出（各输入取中位数）不是有限数，无法绘制"
        let plans = [
            Charts.Plan("tornado", caption: "龙卷风图（P10/P90）", script: tornadoChart(r, title: title, deciles: false, variant: v),
                        skip: baseProblem ?? Charts.dataProblem(tc, columns: [2, 3]) ?? nonFinite(tc, columns: [2, 3])),
            Charts.Plan("tornado_deciles", caption: "十分位龙卷风图", script: tornadoChart(r, title: title, deciles: true, variant: v),
                        skip: baseProblem ?? Charts.dataProblem(tc, columns: [4, 5]) ?? nonFinite(tc, columns: [4, 5])),
            Charts.Plan("spider", caption: "蛛网图", script: spiderChart(r, title: title, variant: v),
                        skip: Charts.dataProblem(sp, columns: Array(1..<(1 + r.inputs.count)))),
            Charts.Plan("sobol", caption: "Sobol 指数", script: sobolChart(r, title: title, variant: v),
                        skip: Charts.dataProblem(sb, columns: [2, 5]) ?? nonFinite(sb, columns: [2, 5])),
        ] + (shapleyTable.map { t in
            [Charts.Plan("shapley", caption: "Shapley 效应与 Sobol 总效应", script: shapleyChart(r, title: title, variant: v),
                         skip: Charts.dataProblem(t, columns: [4]) ?? nonFinite(t, columns: [4, 5, 6]))]
        } ?? [])
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

    /// The variant a chart shows, by its name in the scenario (its label when it has none).
    static func variantName(_ r: SensitivityResult, _ loaded: LoadedScenario?) -> String {
        guard let v = loaded?.variants.first(where: { $0.id == r.variant }) else { return r.variantLabel }
        return v.name == loaded?.scenario.title && loaded?.scenario.variantSpecs.isEmpty == true ? "" : v.name
    }

    static func tornadoChart(_ r: SensitivityResult, title: String, deciles: Bool, variant: String? = nil) -> String {
        let name = deciles ? "tornado_deciles" : "tornado"
        var s = Charts.head(name, title: "龙卷风图 / tornado")
        let n = r.tornado.count
        let o = OutputScale(r.metric)
        let base = Charts.num(o.chartValue(r.baseline)) ?? "0"
        let v = variant ?? r.variantLabel
        let sub = deciles ? "按输入十分位的输出均值范围（其他输入不固定；噪声水平约 \(o.text(r.decileNoise))）"
            : "各输入取 P10 与 P90、其余取中位数时的输出均值"
        let key = Charts.legend(deciles ? ["十分位均值的范围"] : ["输入取 P10", "输入取 P90"])
        s += Charts.setTitle(title, "\(r.metric.label)\(v.isEmpty ? "" : "：" + v)", sub)
        s += """
        set xlabel \(Charts.literal(o.prob ? r.metric.label : o.axis)) noenhanced
        \(o.prob ? "set format x \"%g%%\"\n" : "")\(Charts.tics("ytics", r.tornado.reversed().map(\.input.label), extra: " nomirror"))set yrange [-0.7:\(Double(n) - 0.3)]
        set style fill solid 0.7 border -1
        \(key.set)set offsets graph 0.03, graph 0.03, 0, 0
        set arrow 1 from \(base), graph 0 to \(base), graph 1 nohead ls 9
        set link x2
        set x2tics (\(Charts.ticLiteral("基准 \(o.text(r.baseline))")) \(base)) tc rgb "#444444" nomirror noenhanced
        set xtics nomirror

        """
        if deciles {
            s += "plot '../chart_tornado.csv' skip 1 using (($5+$6)/2):1:5:6:($1-0.35):($1+0.35) with boxxyerror ls 1 title \(key.titles[0])\n"
        } else {
            s += "plot '../chart_tornado.csv' skip 1 using ((\(base)+$3)/2):1:(\(base) < $3 ? \(base) : $3):(\(base) < $3 ? $3 : \(base)):($1-0.35):($1+0.35) with boxxyerror ls 1 title \(key.titles[0]), \\\n"
            s += "     '' skip 1 using ((\(base)+$4)/2):1:(\(base) < $4 ? \(base) : $4):(\(base) < $4 ? $4 : \(base)):($1-0.35):($1+0.35) with boxxyerror ls 2 title \(key.titles[1])\n"
        }
        return s + Charts.tail(name)
    }

    static func spiderChart(_ r: SensitivityResult, title: String, variant: String? = nil) -> String {
        // Taller than the others: its legend has a row for every three inputs.
        let h = Charts.height + 45 * Swift.max(0, (r.inputs.count + 2) / 3 - 1)
        var s = Charts.head("spider", title: "蛛网图 / spider", height: h)
        let o = OutputScale(r.metric)
        let v = variant ?? r.variantLabel
        let key = Charts.legendLines(r.inputs.map(\.label), at: "below center horizontal maxcols 3", columns: 3)
        s += Charts.setTitle(title, "\(r.metric.label)\(v.isEmpty ? "" : "：" + v)", "输出均值随各输入百分位变化（其余输入取中位数）")
        s += """
        set xlabel '输入百分位'
        set format x "P%g"
        set ylabel \(Charts.literal(o.prob ? r.metric.label : o.axis)) noenhanced
        \(o.prob ? "set format y \"%g%%\"\n" : "")set xrange [5:95]
        set xtics 10
        \(key.set)
        """
        let plots = r.inputs.enumerated().map { i, _ in
            (i == 0 ? "'../spider.csv'" : "''") + " skip 1 using 1:($\(i + 2)*\(o.prob ? 100 : 1)) with linespoints lw 2 pt \(5 + i % 4) dt \(1 + i / 8) title \(key.titles[i])"
        }
        s += "plot " + plots.joined(separator: ", \\\n     ") + "\n"
        return s + Charts.tail("spider", height: h)
    }

    static func sobolChart(_ r: SensitivityResult, title: String, variant: String? = nil) -> String {
        var s = Charts.head("sobol", title: "Sobol 指数 / Sobol indices")
        let order = r.inputs.indices.sorted { (r.sobol[$0].st, $1) > (r.sobol[$1].st, $0) }
        let v = variant ?? r.variantLabel
        let key = Charts.legend(["一阶 S1", "总效应 ST"])
        s += Charts.setTitle(title, "\(r.metric.label)\(v.isEmpty ? "" : "：" + v)", "Sobol 指数（N = \(r.sobolN)，竖线：自助法95%区间）")
        s += """
        set ylabel '方差占比'
        set format y "%g%%"
        set yrange [0:100]
        set style data histogram
        set style histogram errorbars gap 2 lw 2
        set style fill solid 0.7 border -1
        \(Charts.inputTics(order.map { r.inputs[$0].label }, fraction: 0.88))\(key.set)set bmargin 6
        set xrange [-0.6:\(Double(order.count) - 0.4)]

        """
        s += "plot '../sobol.csv' skip 1 using ($3*100):($4*100):($5*100) ls 1 title \(key.titles[0]), '' skip 1 using ($6*100):($7*100):($8*100) ls 2 title \(key.titles[1])\n"
        return s + Charts.tail("sobol")
    }

    /// Shapley shares (with their bootstrap intervals) beside Sobol's total index, input by input in
    /// shapley.csv's order (largest share first). Reads shapley.csv by column position.
    static func shapleyChart(_ r: SensitivityResult, title: String, variant: String? = nil) -> String? {
        guard let sh = r.shapley else { return nil }
        var s = Charts.head("shapley", title: "Shapley 效应 / Shapley effects")
        let order = r.inputs.indices.sorted { (sh.shares[$0], $1) > (sh.shares[$1], $0) }
        let v = variant ?? r.variantLabel
        let key = Charts.legend(["Shapley 占比（考虑相关性）", "Sobol 总效应 ST（假定独立）"])
        s += Charts.setTitle(title, "\(r.metric.label)\(v.isEmpty ? "" : "：" + v)", "Shapley 效应（\(sh.permutations) 个排列，竖线：自助法95%区间）")
        s += """
        set ylabel '方差占比'
        set format y "%g%%"
        set yrange [*:100]
        set style data histogram
        set style histogram errorbars gap 2 lw 2
        set style fill solid 0.7 border -1
        set arrow 1 from graph 0, first 0 to graph 1, first 0 nohead ls 9 back
        \(Charts.inputTics(order.map { r.inputs[$0].label }, fraction: 0.88))\(key.set)set bmargin 6
        set xrange [-0.6:\(Double(order.count) - 0.4)]

        """
        s += "plot '../shapley.csv' skip 1 using ($5*100):($6*100):($7*100) ls 1 title \(key.titles[0]), '' skip 1 using ($9*100):($9*100):($9*100) ls 2 title \(key.titles[1])\n"
        return s + Charts.tail("shapley")
    }

    /// The paragraph a reviewer reads: which inputs matter, in Chinese.
    public static func paragraph(_ r: SensitivityResult) -> String {
        let o = OutputScale(r.metric)
        if r.outputSD <= 1e-9 * Swift.max(1, abs(r.outputMean)) {
            return "对「\(r.variantLabel)」而言，\(r.metric.label)在所有试验中都等于 \(o.text(r.outputMean, 2))，不随任何输入变化；敏感性指标没有意义。"
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
        if r.metric.isProbability, r.outputMean < 0.02 || r.outputMean > 0.98 {
            p += "注意：这一概率为 \(o.text(r.outputMean))，接近 0 或 1，其方差很小，Sobol 指数与单因素摆幅主要是抽样噪声，只宜参考；可加大 --sobol-n 与试验次数，或改看需求均值（--output-metric 预算行）。"
        }
        if let t = r.tornado.first, t.swing == 0 {
            p += "单因素分析中，各输入从 P10 变到 P90 都不改变输出均值。"
        } else if let t = r.tornado.first {
            p += "单因素分析中，\(t.input.label)从 P10（\(CSVTable.fixed(t.lowValue, 2))）变到 P90（\(CSVTable.fixed(t.highValue, 2))）使\(o.prob ? "这一概率" : "输出均值")从 \(o.text(t.outputLow)) 变为 \(o.text(t.outputHigh))，摆幅最大。"
        }
        p += "各一阶指数之和为 \(CSVTable.fixed(explained, 2))，其余 \(CSVTable.fixed(Swift.max(0, 1 - explained), 2)) 来自输入间的交互作用和企业层面的随机差异（投资额、硬件占比、验收结果等）。"
        let small = order.filter { r.sobol[$0].st < 0.01 }.map { r.inputs[$0].label }
        if !small.isEmpty { p += "影响可以忽略（ST < 0.01）的输入：\(small.joined(separator: "、"))。" }
        p += "十分位摆幅小于噪声水平 \(o.text(r.decileNoise)) 的输入，其摆幅主要来自抽样误差。"
        if r.correlated { p += "情景设定了输入间的相关性：十分位与 Spearman 已按相关抽样；单因素分析与 Sobol 指数按输入相互独立计算。" }
        return p
    }

    static func markdown(_ r: SensitivityResult, loaded: LoadedScenario, charts: [Charts.Outcome]) -> String {
        var md = "# \(Markdown.text(loaded.scenario.title))：敏感性分析\n\n"
        md += "> 输出：\(r.metric.label)；方案：\(Markdown.text(r.variantLabel))。单因素分析每点 \(r.oatTrials) 次试验；十分位与 Spearman 来自 \(r.mcTrials) 次蒙特卡洛试验；"
        md += "Sobol 指数用 Saltelli 设计（GSL Sobol 序列，N = \(r.sobolN)，一阶用 Saltelli 2010，总效应用 Jansen 估计，自助法区间）。\(OutputScale(r.metric).prob ? "输出是资金不足的概率（每次试验不足记 1、否则记 0 的平均），下表以百分比列出；CSV 中为小数。" : "金额单位：万元。")\n\n"
        md += "## 结论\n\n\(paragraph(r))\n\n"
        md += "## 各输入\n\n| 输入 | P10 → P90 | 输出均值（P10 / P90） | 摆幅 | 十分位摆幅 | Spearman | S1（95%区间） | ST（95%区间） |\n|---|---:|---:|---:|---:|---:|---:|---:|\n"
        let byID = Dictionary(uniqueKeysWithValues: r.inputs.enumerated().map { ($1.id, $0) })
        let o = OutputScale(r.metric)
        for t in r.tornado {
            let j = byID[t.input.id] ?? 0
            let d = r.deciles[j], s = r.sobol[j]
            md += "| \(t.input.label) | \(CSVTable.fixed(t.lowValue, 3)) → \(CSVTable.fixed(t.highValue, 3)) | \(o.plain(t.outputLow)) / \(o.plain(t.outputHigh)) | \(o.plain(t.swing)) | \(o.plain((d.max() ?? 0) - (d.min() ?? 0))) | \(CSVTable.fixed(r.spearman[j], 3)) | \(CSVTable.fixed(s.s1, 3))（\(CSVTable.fixed(s.s1Low, 3)) 至 \(CSVTable.fixed(s.s1High, 3))） | \(CSVTable.fixed(s.st, 3))（\(CSVTable.fixed(s.stLow, 3)) 至 \(CSVTable.fixed(s.stHigh, 3))） |\n"
        }
        md += "\n"
        md += shapleyMarkdown(r)
        md += Charts.markdown(charts)
        return md
    }

    /// For the terminal: a constant output, and indices the sample cannot tell from zero.
    static func indexWarnings(_ r: SensitivityResult) -> [String] {
        var w: [String] = []
        if r.outputSD == 0 || r.shapley?.constant == true {
            w.append("注意：输出在所有抽样中都相同，敏感性指数都为 0 / note: the output is constant; every index is 0")
            return w
        }
        let unclear = r.inputs.indices.filter { j in
            (r.sobol[j].st > 0.01 && r.sobol[j].stLow <= 0) || (r.shapley.map { $0.shareHigh[j] > 0.01 && $0.shareLow[j] <= 0 } ?? false)
        }
        if !unclear.isEmpty {
            // Counted, not named: input names can hold scenario text, which stays out of the terminal.
            w.append("注意：有 \(unclear.count) 个输入的 Sobol 或 Shapley 区间包含 0，N = \(r.sobolN) 不足以把它们与 0 区分（见 summary.md；可增大 --sobol-n） / note: N = \(r.sobolN) is too small to tell \(unclear.count) indices from zero")
        }
        return w
    }

    /// The Shapley section: shares with intervals beside Sobol's, what they mean when inputs move
    /// together, and warnings when the sample cannot tell an index from zero.
    static func shapleyMarkdown(_ r: SensitivityResult) -> String {
        guard let sh = r.shapley else { return "" }
        var md = "## Shapley 效应（考虑输入间的相关性）\n\n"
        if sh.constant { return md + "输出在所有抽样中都相同，无法分解方差（Shapley 效应与 Sobol 指数都为 0）。\n\n" }
        md += "Shapley 效应把输出的方差完整地分给各个输入（各输入占比之和为 100%）：两个一起变动的输入分享它们共同解释的部分，"
        md += "因此在输入相关时仍有意义；Sobol 指数则假定输入相互独立。"
        md += r.correlated ? "本情景设定了输入间的相关性，按高斯 copula（秩相关换算为正态得分相关 2·sin(πρ/6)）条件抽样计算。"
                           : "本情景的输入相互独立。"
        md += "估计方法：Song、Nelson 与 Staum（2016）的随机排列法，\(sh.permutations) 个排列，每步 3 次内层抽样；区间为对排列自助抽样的 95% 区间。"
        md += "分解的是各输入能解释的方差：企业层面的随机差异（同样的输入下试点企业仍各不相同）不计入任何输入，各占比之和为 100%；"
        md += "S1、ST 则是占总方差（含企业层面的随机差异）的比例，口径不同，不宜直接比较大小。输入相互独立时二者的排序应当一致；"
        md += "几个百分点的小占比与 0 的差别常在抽样误差之内（见区间）。\n\n"
        var t = MarkdownTable(["输入", "Shapley 占比（95%区间）", "S1", "ST"], rightAligned: [false, true, true, true])
        let order = r.inputs.indices.sorted { (sh.shares[$0], $1) > (sh.shares[$1], $0) }
        for j in order {
            t.add([Markdown.text(r.inputs[j].label), "\(percentText(sh.shares[j]))（\(percentInterval(sh.shareLow[j], sh.shareHigh[j]))）",
                   CSVTable.fixed(r.sobol[j].s1, 3), CSVTable.fixed(r.sobol[j].st, 3)])
        }
        md += t.text + "\n"
        let unclear = order.filter { sh.shareLow[$0] <= 0 && sh.shareHigh[$0] >= 0 }.map { Markdown.text(r.inputs[$0].label) }
        if !unclear.isEmpty {
            md += "> **注意：**\(unclear.joined(separator: "、")) 的 Shapley 占比区间包含 0，以本次的抽样量（\(sh.permutations) 个排列，随 --sobol-n 增加，最多 4096 个）无法把它与 0 区分；低于 0 的估计只是抽样误差。需要更确定时可增大 --sobol-n。\n\n"
        }
        let sobolUnclear = order.filter { r.sobol[$0].stLow <= 0 && r.sobol[$0].st > 0.01 }.map { Markdown.text(r.inputs[$0].label) }
        if !sobolUnclear.isEmpty {
            md += "> **注意：**\(sobolUnclear.joined(separator: "、")) 的 Sobol 总效应区间包含 0：N = \(r.sobolN) 太小，无法把它与 0 区分；可增大 --sobol-n。\n\n"
        }
        return md
    }
}

/// How sensitivity shows its output: money (万元, two decimals in CSV, one in text) or, for a
/// chance of running short, a fraction in CSV and a percentage for people and charts.
struct OutputScale {
    let prob: Bool
    let label: String
    init(_ m: OutputMetric) { prob = m.isProbability; label = m.label }
    func cell(_ v: Double) -> CSVTable.Cell { prob ? .fraction(v) : .money(v) }
    func chartValue(_ v: Double) -> Double { prob ? v * 100 : v }
    func chart(_ v: Double) -> CSVTable.Cell { prob ? .number(v * 100, decimals: 3) : .money(v) }
    func text(_ v: Double, _ decimals: Int = 1) -> String { prob ? CSVTable.fixed(v * 100, decimals) + "%" : CSVTable.fixed(v, decimals) + " 万元" }
    /// Without the unit, for table cells under a header that states it.
    func plain(_ v: Double) -> String { prob ? percentText(v) : CSVTable.fixed(v, 1) }
    var axis: String { prob ? label + "（%）" : label }
}
