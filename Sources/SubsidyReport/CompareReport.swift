import Foundation
import SubsidyEngine
import SubsidyModel

/// Files of `subsidysim compare`: compare.csv (every entry × line, with paired differences against
/// the first), sources.csv, the P(short) chart, summary.md and manifest.json.
public enum CompareReport {
    static func pct(_ p: Double) -> String { percentText(p) }
    static func pp(_ d: Double) -> String { (d >= 0 ? "+" : "−") + CSVTable.fixed(abs(d) * 100, 1) }

    public static func table(_ r: Compare.Result) -> CSVTable {
        var t = CSVTable(header: ["序号 entry", "标识 id", "名称 label", "来源 source", "同一批企业 same_firms", "预算行 line", "条款 clause",
                                  "预算（万元） budget_wan", "不足概率 p_short", "下限 low", "上限 high", "需求均值（万元） demand_mean_wan",
                                  "需求P95（万元） demand_p95_wan", "平均结余（万元） unspent_mean_wan",
                                  "不足概率差 d_p_short", "下限 low", "上限 high", "需求均值差（万元） d_demand_wan", "下限 low", "上限 high",
                                  "结余差（万元） d_unspent_wan", "下限 low", "上限 high"])
        for (k, row) in r.rows.enumerated() {
            let s = row.summary
            for (i, l) in s.lines.enumerated() {
                let dp = row.shortDifference[i], dd = row.demandDifference[i], du = row.unspentDifference[i]
                t.add([.integer(k), .text(row.entry.id), .text(row.entry.label), .text(row.entry.source), .text(row.sameFirms ? "yes" : "no"),
                       .text(l.line?.rawValue ?? ""), .text(l.clause), .money(l.budget), .fraction(l.overrunProbability), .fraction(l.overrunLow),
                       .fraction(l.overrunHigh), .money(l.demandMean), .money(l.p95), .money(l.unspentMean),
                       .fraction(dp.mean), .fraction(dp.low), .fraction(dp.high), .money(dd.mean), .money(dd.low), .money(dd.high),
                       .money(du.mean), .money(du.low), .money(du.high)])
            }
            let a = row.anyShortDifference
            t.add([.integer(k), .text(row.entry.id), .text(row.entry.label), .text(row.entry.source), .text(row.sameFirms ? "yes" : "no"),
                   .text("any_line"), .text("任一预算行"), .money(s.allLines.budget), .fraction(s.anyLineShort), .fraction(s.anyLineShortLow),
                   .fraction(s.anyLineShortHigh), .money(s.allLines.demandMean), .money(s.allLines.p95), .money(s.allLines.unspentMean),
                   .fraction(a.mean), .fraction(a.low), .fraction(a.high), .text(""), .text(""), .text(""), .text(""), .text(""), .text("")])
        }
        return t
    }

    public static func sources(_ r: Compare.Result) -> CSVTable {
        var t = CSVTable(header: ["序号 entry", "标识 id", "资金来源 source", "名称 name", "金额（万元） amount_wan", "平均结余（万元） unspent_mean_wan",
                                  "未用完的概率 p_not_fully_used", "结余差（万元） d_unspent_wan", "下限 low", "上限 high"])
        for (k, row) in r.rows.enumerated() {
            for (j, src) in row.summary.sources.enumerated() {
                let d = row.sourceUnspentDifference[j]
                t.add([.integer(k), .text(row.entry.id), .text(src.id), .text(src.name), .money(src.amount), .money(src.unspentMean),
                       .fraction(src.notFullyUsedProbability), .money(d.mean), .money(d.low), .money(d.high)])
            }
        }
        return t
    }

    static func chartTable(_ r: Compare.Result) -> CSVTable {
        var header = ["预算行 line"]
        for row in r.rows { header += ["\(row.entry.id) %", "low", "high"] }
        var t = CSVTable(header: header)
        for (i, l) in r.lines.enumerated() {
            var cells: [CSVTable.Cell] = [.text(l.clause)]
            for row in r.rows {
                let x = row.summary.lines[i]
                cells += [.number(x.overrunProbability * 100, decimals: 3), .number(x.overrunLow * 100, decimals: 3), .number(x.overrunHigh * 100, decimals: 3)]
            }
            t.add(cells)
        }
        return t
    }

    /// Entry k ≥ 1 against the reference, per line: x = line, y = entry, the change of P(short) in
    /// percentage points, and its label ("·" when the interval holds 0).
    static func differenceTable(_ r: Compare.Result) -> CSVTable {
        var t = CSVTable(header: ["预算行 line", "方案 entry", "不足概率变化（百分点） d_p_short_pp", "标注 label"])
        for k in r.rows.indices.dropFirst() {
            for i in r.lines.indices {
                let d = r.rows[k].shortDifference[i]
                t.add([.integer(i), .integer(k), .number(d.mean * 100, decimals: 3), .text(d.significant ? pp(d.mean) : "·")])
            }
        }
        return t
    }

    /// The change of every line's chance of running short against the reference, one row per
    /// entry: a diverging colour map with the numbers written in. The entries' names sit left of
    /// their rows in up to two lines, the margin as wide as the widest; the chart grows with the rows.
    static func differenceChart(_ r: Compare.Result, title: String) -> String? {
        guard r.rows.count > 1 else { return nil }
        let n = r.rows.count - 1, nL = r.lines.count
        let m = Swift.max(1, r.rows.dropFirst().flatMap { $0.shortDifference.map { abs($0.mean) * 100 } }.max() ?? 1)
        // Rows by number, as the bar chart's legend and the tables number the entries (方案1 …):
        // whole labels, cut to two lines here, lost what told entries apart.
        let names = r.rows.indices.dropFirst().map { "方案\($0)" }
        let nameEms = 14.0
        let widest = Charts.widest(names, ems: nameEms, lines: 2)
        let left = Swift.min(0.45, (widest + 1.5) * Double(Charts.smallSize) * 4 / 3 / Double(Charts.width) + 0.02)
        let h = Swift.max(Charts.height, 560 + 110 * n)
        var s = Charts.head("short_difference", title: "与参照方案相比资金不足概率的变化 / change in P(short)", height: h)
        // The names' margin moves the frame right: the title is centred on the chart instead.
        let heading = Charts.screenTitle([title, "与方案0「\(r.rows[0].entry.label)」相比，各预算行资金不足的概率变化（百分点；· 为不超出模拟误差）"], height: h)
        s += heading.set
        s += """
        set tmargin at screen \(Charts.num(heading.top) ?? "0.8")
        set xrange [-0.5:\(Double(nL) - 0.5)]
        set yrange [\(Double(n) + 0.5):0.5]
        \(Charts.lineTics("xtics", r.lines.map { (clause: $0.clause, name: $0.chineseName) }, ems: Charts.slotEms(nL, fraction: 0.84 - left, font: Charts.smallSize), extra: " nomirror", font: Charts.smallSize))set ytics (\(r.rows.indices.dropFirst().map { "\(Charts.wrappedText(names[$0 - 1], ems: nameEms, lines: 2, tic: true)) \($0)" }.joined(separator: ", "))) nomirror font ",\(Charts.smallSize)" noenhanced
        set palette defined (-1 "#2166ac", 0 "#f7f7f7", 1 "#b2182b")
        set cbrange [-\(Charts.num(m) ?? "1"):\(Charts.num(m) ?? "1")]
        set cblabel '变化（百分点）' offset 1.5,0
        set lmargin at screen \(Charts.num(left) ?? "0.3")
        set rmargin at screen 0.86
        set bmargin 5
        unset key
        set grid noxtics noytics

        """
        s += "plot '../chart_difference.csv' skip 1 using 1:2:3 with image notitle, '' skip 1 using 1:2:4 with labels font \",\(Charts.smallSize)\" notitle\n"
        return s + Charts.tail("short_difference", height: h)
    }

    /// The biggest changes against the reference, in words: per entry, the lines whose chance of
    /// running short moved most (when the interval excludes no change), and the money left unspent.
    /// `plain`: names as they are, for the terminal (no Markdown escapes).
    public static func paragraph(_ r: Compare.Result, plain: Bool = false) -> [String] {
        guard let ref = r.rows.first else { return [] }
        let text: (String) -> String = plain ? { $0 } : { Markdown.text($0) }
        var out: [String] = []
        for row in r.rows.dropFirst() {
            let moved = biggestChanges(row)
            var s = "「\(text(row.entry.label))」相比「\(text(ref.entry.label))」"
            s += row.sameFirms ? "（同一批模拟企业，逐次试验配对）：" : "（企业总体的假设不同，模拟企业不同；差异含总体假设的影响，仍按试验配对）："
            if moved.isEmpty {
                s += "各预算行资金不足的概率都没有超出模拟误差的变化"
            } else {
                s += moved.map { i, d in
                    let l = ref.summary.lines[i], after = row.summary.lines[i]
                    return "\(l.clause)\(l.line?.chineseName ?? l.name)资金不足的概率从 \(pct(l.overrunProbability)) \(d.mean > 0 ? "升" : "降")到 \(pct(after.overrunProbability))"
                        + "（\(pp(d.mean)) 个百分点，95%区间 \(pp(d.low)) 至 \(pp(d.high))）"
                }.joined(separator: "；")
            }
            let any = row.anyShortDifference
            // As for the lines: a change of half a point or more, beyond the simulation's error.
            if any.significant && abs(any.mean) >= 0.005 { s += "；任一预算行不足的概率 \(pp(any.mean)) 个百分点" }
            let unspent = row.summary.allLines.unspentMean - ref.summary.allLines.unspentMean
            if abs(unspent) >= 0.5 { s += "；平均结余\(unspent > 0 ? "多" : "少") \(CSVTable.fixed(abs(unspent), 1)) 万元" }
            out.append(s + "。")
        }
        return out
    }

    /// The lines whose chance of running short moved most against the reference (at most three,
    /// at least half a point, interval excluding 0), largest first.
    static func biggestChanges(_ row: Compare.Row) -> ArraySlice<(offset: Int, element: Compare.Difference)> {
        row.shortDifference.enumerated().filter { $0.element.significant && abs($0.element.mean) >= 0.005 }
            .sorted { abs($0.element.mean) > abs($1.element.mean) }.prefix(3)
    }

    /// The same findings for the terminal in English (`--lang en`).
    public static func paragraphEnglish(_ r: Compare.Result) -> [String] {
        guard let ref = r.rows.first else { return [] }
        return r.rows.dropFirst().map { row in
            let moved = biggestChanges(row)
            var s = "\(row.entry.id) against \(ref.entry.id)\(row.sameFirms ? " (same firms, paired)" : " (other population, paired trials)"): "
            s += moved.isEmpty ? "no line's chance of running short moves beyond simulation error"
                : moved.map { i, d in
                    let l = ref.summary.lines[i]
                    return "\(l.line?.rawValue ?? l.name) P(short) \(pct(l.overrunProbability)) → \(pct(row.summary.lines[i].overrunProbability)) (\(pp(d.mean)) pp, 95% \(pp(d.low)) to \(pp(d.high)))"
                }.joined(separator: "; ")
            return s
        }
    }

    public static func summary(_ r: Compare.Result, title: String, readings: Bool) -> String {
        guard let ref = r.rows.first else { return "" }
        var md = readings ? "# \(Markdown.text(title))：草案未写明之处的各种读法\n\n" : "# 情景比较\n\n"
        md += "> 共 \(r.rows.count) 个方案，同一次模拟：每个方案 \(r.trials) 次试验（种子 \(r.seed)），每次试验用同一组随机数；"
        md += "企业总体相同的方案看到的是同一批模拟企业，差异逐次试验配对，精确到每一次试验。与第一个方案「\(Markdown.text(ref.entry.label))」比较（种子与抽样方法取它的情景）；"
        md += "差的 95% 区间由逐次配对的差计算，只反映模拟误差，不反映假设的不确定性。\n\n"
        if readings {
            md += "> 每种读法只改一处（其余同第一个方案），看它对各预算行资金不足的概率影响多大：差异大的读法，定稿时必须写明。\n\n"
        }
        md += "## 各方案\n\n"
        var entries = MarkdownTable(["序号", "方案", "来源", "同一批企业"], rightAligned: [true, false, false, false])
        for (k, row) in r.rows.enumerated() {
            entries.add([String(k), Markdown.text(row.summary.label), Markdown.text(row.entry.source), k == 0 ? "（参照）" : row.sameFirms ? "是" : "否"])
        }
        md += entries.text
        md += "\n## 结论\n\n每个方案只列出资金不足的概率变化至少半个百分点、且超出模拟误差的预算行（最多三条，按变化大小）；全部数字见下表。\n\n"
        md += paragraph(r).map { "- \($0)\n\n" }.joined()
        md += "## 各预算行资金不足的概率\n\n"
        var lines = MarkdownTable(numbers: ["预算行"] + r.rows.indices.map { "方案\($0)" })
        for (i, l) in ref.summary.lines.enumerated() {
            lines.add(["\(l.clause)\(l.line?.chineseName ?? Markdown.text(l.name))"] + r.rows.enumerated().map { k, row in
                let x = row.summary.lines[i]
                let d = row.shortDifference[i]
                return pct(x.overrunProbability) + (k > 0 && d.significant ? "（\(pp(d.mean))）" : "")
            })
        }
        lines.add(["任一预算行"] + r.rows.map { pct($0.summary.anyLineShort) })
        lines.add(["平均结余（万元）"] + r.rows.map { CSVTable.fixed($0.summary.allLines.unspentMean, 1) })
        md += lines.text + "\n"
        md += "括号内为与方案0相比的变化（百分点），只在 95% 区间不含 0 时标出。完整数字（需求均值、P95、结余及各差的区间）见 `compare.csv` 与 `sources.csv`。\n\n"
        return md
    }

    /// Writes the compare folder in one atomic commit; the manifest's header names `loaded` (the
    /// first entry's scenario) and `trials`. Returns warnings (charts that could not be drawn).
    public static func write(_ r: Compare.Result, title: String, readings: Bool, to path: String, manifest: Manifest.CompareFields,
                             loaded: LoadedScenario, trials: Int, invocation: Manifest.Invocation, docx: Bool = true, xlsx: Bool = true) throws -> [String] {
        var folder = OutputFolder(path)
        folder.add("compare.csv", table(r).data)
        folder.add("sources.csv", sources(r).data)
        let ct = chartTable(r)
        folder.add("chart_short.csv", ct.data)
        let series = r.rows.enumerated().map { "方案\($0.offset)：\($0.element.entry.label)" }
        let plan = Charts.Plan("short_by_line", caption: "各方案各预算行资金不足的概率",
                               script: Charts.shortBars(name: "short_by_line", csv: "chart_short.csv", series: series,
                                                        lineNames: r.lines.map { (clause: $0.clause, name: $0.chineseName) }, target: nil, title: title,
                                                        heading: "各方案资金不足的概率 / P(short) per line and scenario",
                                                        subtitle: "各预算行资金不足的概率（柱：概率，竖线：95%区间；同一次模拟）"),
                               skip: r.rows.count > 8 ? "方案多于 8 个，柱状图放不下；见下面的差异图与 compare.csv"
                                   : Charts.dataProblem(ct, columns: Array(1..<ct.header.count)))
        if let s = plan.script { folder.add("charts/short_by_line.gp", text: s) }
        let dt = differenceTable(r)
        folder.add("chart_difference.csv", dt.data)
        let diffPlan = Charts.Plan("short_difference", caption: "与参照方案相比各预算行资金不足概率的变化", script: differenceChart(r, title: title),
                                   skip: r.rows.count < 2 ? "只有一个方案" : nil)
        if let s = diffPlan.script { folder.add("charts/short_difference.gp", text: s) }
        var warnings: [String] = []
        let md = summary(r, title: title, readings: readings)
        let workbook = xlsx ? CompareWorkbook.build(r, title: title) : nil
        try folder.commit { staging in
            let plans = [plan, diffPlan]
            let drawn = Charts.render(folder: staging.url.appendingPathComponent("charts"), plans: plans)
            warnings = drawn.warnings
            try staging.write("summary.md", text: md + Charts.markdown(drawn.outcomes))
            if docx, let w = WordReport.write(markdown: md + Charts.markdown(drawn.outcomes, printWidth: WordReport.printWidth), in: staging) {
                warnings.append(w)
            }
            if let workbook { try workbook.write(in: staging, title: title, subject: "情景比较") }
            try Manifest.write(manifest, invocation, loaded: loaded, trials: trials, in: staging)
        }
        return warnings
    }
}
