import Foundation
import SubsidyEngine
import SubsidyModel

/// How the headline estimates of a run settled: convergence.csv, the convergence chart and the
/// summary.md section 收敛与精度.
public enum RunConvergence {
    /// convergence.csv: one row per series and checkpoint, series after series (variant, then
    /// metric), checkpoints increasing. Probabilities as fractions, the demand mean in 万元.
    public static func table(_ c: Convergence, variantIDs: [String]) -> CSVTable {
        var t = CSVTable(header: ["试验次数 trials", "方案 variant", "指标 metric", "估计 estimate", "95%下限 low95", "95%上限 high95"])
        for s in c.series {
            for (k, n) in c.checkpoints.enumerated() where k < s.estimate.count {
                let cell: (Double) -> CSVTable.Cell = s.kind == .probability ? { .fraction($0) } : { .money($0) }
                t.add([.integer(n), .text(variantIDs[s.variant]), .text(s.metric), cell(s.estimate[k]), cell(s.low[k]), cell(s.high[k])])
            }
        }
        return t
    }

    /// "0.5 个百分点" / "12.34 万元": a half-width as the report states it.
    static func width(_ x: Double, _ kind: Convergence.Kind) -> String {
        kind == .probability ? "\(CSVTable.fixed(x * 100, 2)) 个百分点" : "\(CSVTable.fixed(x, 2)) 万元"
    }

    static func value(_ x: Double, _ kind: Convergence.Kind) -> String {
        kind == .probability ? percentText(x) : CSVTable.fixed(x, 2) + " 万元"
    }

    /// The section for summary.md (and 报告.docx): the precision standard and, per variant, when
    /// each estimate reached it and whether it stayed in its final band afterwards.
    static func markdown(_ c: Convergence, result r: SimulationResult, labels: [String]) -> String {
        guard !c.series.isEmpty else { return "" }
        var md = "## 收敛与精度\n\n"
        md += "下表说明各主要估计随试验次数增加如何稳定下来（检查点为 \(c.checkpoints.first ?? 0) 至 \(r.trials) 次之间按对数等距取的 \(c.checkpoints.count) 个试验次数，数据见 convergence.csv，图见“模拟估计随试验次数的收敛”）。"
        if c.fromPrecision, let e = r.precisionTarget {
            md += "精度标准：概率的标准误不超过 --precision \(formatNumber(e))（即 95% 区间半宽不超过 \(width(c.probabilityTarget, .probability))）；"
        } else {
            md += "精度标准（未指定 --precision，采用默认标准）：概率的 95% 区间半宽不超过 \(width(c.probabilityTarget, .probability))；"
        }
        md += "总需求均值的 95% 区间半宽不超过均值的 \(CSVTable.fixed(c.relativeMeanTarget * 100, 0))%。"
        md += "“达到精度”指从该检查点起直到最后，区间半宽始终不超过标准；“此后与最终估计的最大差距”指从达到精度的检查点起，各检查点的估计与最终估计相差最多多少；不超过精度标准即说明估计此后已稳定在所述精度内。\n\n"
        if let e = r.precisionTarget {
            md += "本次 --precision \(formatNumber(e)) 针对的是\(Markdown.text(r.precisionEstimate.chinese))"
            if let id = r.precisionEstimate.id { md += "（--precision-line \(Markdown.text(id))）" }
            md += "：各方案中最大的标准误为 \(String(format: "%.2g", r.precisionReached ?? 0))，\(r.precisionMissed ? "未达到目标" : "已达到目标")，共 \(r.trials) 次试验。\n\n"
        }
        for v in 0..<r.model.variantCount {
            let rows = c.series.filter { $0.variant == v }
            guard !rows.isEmpty else { continue }
            if r.model.variantCount > 1 { md += "**\(Markdown.text(labels[v]))**\n\n" }
            var t = MarkdownTable(["估计", "最终估计（95%区间）", "最终半宽", "达到精度的试验次数", "此后与最终估计的最大差距"],
                                  rightAligned: [false, true, true, true, false])
            for s in rows {
                guard let last = s.estimate.indices.last else { continue }
                let reached = s.reachedAt.map { String($0) } ?? "未达到"
                let stayed: String
                if let d = s.driftAfterReached {
                    stayed = width(d, s.kind) + (d <= s.target + 1e-12 ? "（在标准内）" : "（超过标准）")
                } else { stayed = "—" }
                t.add([Markdown.text(s.name), "\(value(s.estimate[last], s.kind))（\(s.kind == .probability ? percentInterval(s.low[last], s.high[last]) : value(s.low[last], s.kind) + "–" + value(s.high[last], s.kind))）",
                       width(s.halfWidth[last], s.kind), reached, stayed])
            }
            md += t.text + "\n"
        }
        let missed = c.series.filter { $0.reachedAt == nil }
        if !missed.isEmpty {
            md += "有 \(missed.count) 项估计在 \(r.trials) 次试验内未达到上述精度；需要更精确时可增加 --trials，或用 --precision 与 --precision-line 指定要达到的精度与估计。\n\n"
        }
        return md
    }

    /// A 1-2-5 tic step giving at most five tics over the mean panel's bands (the panel is short:
    /// gnuplot's own choice crowded eleven labels into it); nil when the bands are not finite.
    static func meanTicStep(_ series: [Convergence.Series]) -> Double? {
        let lo = series.flatMap(\.low).filter(\.isFinite).min(), hi = series.flatMap(\.high).filter(\.isFinite).max()
        guard let lo, let hi, hi > lo else { return nil }
        let raw = (hi - lo) / 4
        let e = pow(10, (log10(raw)).rounded(.down))
        let f = raw / e
        return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * e
    }

    /// The chart: above, the first variant's chance of a shortfall per line, for some line and in
    /// total (in %); below, every variant's mean total demand (万元); each with its 95% band, the
    /// trial axis logarithmic. Rows of convergence.csv are picked by position (`every`), never by text.
    static func chart(_ c: Convergence, variants vs: [Charts.Series], title: String) -> String {
        let name = "convergence"
        let k = c.checkpoints.count
        var s = Charts.head(name, title: "收敛 / convergence of the running estimates")
        s += "set style line 10 lc rgb \"#7f7f7f\" lw 2.5\nset style line 11 lc rgb \"#bcbd22\" lw 2.5\nset style line 12 lc rgb \"#000000\" lw 2.5\n"
        let colors = Charts.colors + ["#7f7f7f", "#bcbd22", "#000000"]
        let probs = c.series.enumerated().filter { $0.element.variant == 0 && $0.element.kind == .probability }
        let means = c.series.enumerated().filter { $0.element.kind == .mean }
        let heading = [title, "模拟估计随试验次数的收敛\(vs.count > 1 ? "（上：\(Charts.name(vs[0]))）" : "")（阴影为95%区间）"]
        let titleLines = heading.flatMap { Charts.wrap(Charts.plain($0), width: Charts.titleEms) }.count
        let top = 1 - (Double(titleLines) * Double(Charts.titleSize) * 4 / 3 * 1.45 + 70) / Double(Charts.height)
        var body = "set multiplot title \(Charts.titleText(heading)) font \",\(Charts.titleSize)\" noenhanced\n"
        body += "set logscale x 10\nset format x \"%.0f\"\nset xrange [\(Charts.num(Double(c.checkpoints.first ?? 1)) ?? "1"):\(Charts.num(Double(c.checkpoints.last ?? 10)) ?? "10")]\n"
        body += "set lmargin at screen 0.11\nset rmargin at screen 0.60\nset mxtics 10\n"
        let split = 0.14 + (top - 0.14) * 0.42
        func rows(_ i: Int) -> String { "every ::\(i * k)::\(i * k + k - 1)" }
        func band(_ i: Int, _ color: String, _ scale: String) -> String {
            "'../convergence.csv' skip 1 \(rows(i)) using 1:($5\(scale)):($6\(scale)) with filledcurves fs transparent solid 0.18 noborder lc rgb \"\(color)\" notitle"
        }
        // Top panel: probabilities in %.
        // A line short in no trial (or in every one) lies on the frame at 0% (100%) under the
        // others: its legend entry says so, since its line cannot be seen.
        let pNames = probs.map { e in
            e.element.name + (e.element.estimate.allSatisfy { $0 == 0 } ? "（始终为 0%）" : e.element.estimate.allSatisfy { $0 == 1 } ? "（始终为 100%）" : "")
        }
        let pKey = Charts.legend(pNames, at: "rmargin vertical Left reverse maxrows 12 spacing 0.9 samplen 2.5 font \",\(Charts.smallSize)\"", lines: 1)
        body += "set tmargin at screen \(Charts.num(top) ?? "0.85")\nset bmargin at screen \(Charts.num(split + 0.035) ?? "0.5")\n"
        body += "set ylabel '资金不足的概率'\nset format y \"%g%%\"\nset yrange [-3:103]\nset ytics 0, 20, 100\nset format x ''\nunset xlabel\n" + pKey.set
        let pPlots = probs.enumerated().flatMap { j, e -> [String] in
            let color = colors[j % colors.count]
            return [band(e.offset, color, "*100"),
                    "'' skip 1 \(rows(e.offset)) using 1:($4*100) with lines lw 2.5 lc rgb \"\(color)\" title \(pKey.titles[j]) noenhanced"]
        }
        if !pPlots.isEmpty { body += "plot " + pPlots.joined(separator: ", \\\n     ") + "\n" }
        // Bottom panel: mean total demand in 万元.
        let mKey = Charts.legend(means.map { Charts.name(vs[$0.element.variant]) + " 总需求均值" },
                                 at: "rmargin vertical Left reverse maxrows 12 spacing 0.9 samplen 2.5 font \",\(Charts.smallSize)\"", lines: 1)
        body += "set tmargin at screen \(Charts.num(split - 0.035) ?? "0.45")\nset bmargin at screen 0.14\n"
        body += "set ylabel '总需求均值（万元）'\nset format y \"%g\"\nset yrange [*:*]\nset ytics \(meanTicStep(means.map(\.element)).flatMap(Charts.num) ?? "autofreq")\nset format x \"%.0f\"\nset xlabel '试验次数（对数刻度）'\n" + mKey.set
        let mPlots = means.enumerated().flatMap { j, e -> [String] in
            let color = colors[j % colors.count]
            return [band(e.offset, color, ""),
                    "'' skip 1 \(rows(e.offset)) using 1:4 with lines lw 2.5 lc rgb \"\(color)\" title \(mKey.titles[j]) noenhanced"]
        }
        if !mPlots.isEmpty { body += "plot " + mPlots.joined(separator: ", \\\n     ") + "\n" }
        body += "unset multiplot\n"
        return s + Charts.twice(name, body)
    }
}
