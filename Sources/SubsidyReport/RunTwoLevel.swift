import Foundation
import SubsidyEngine
import SubsidyModel

/// The two-level run's outputs (`run --two-level U×V`): two_level.csv, the chart two_level and
/// the summary.md section 假设的不确定性（两层模拟）.
public enum RunTwoLevel {
    /// two_level.csv: one row per variant and line (then any_line, total_pooled); probabilities as fractions.
    public static func table(_ t: TwoLevel, variantIDs: [String]) -> CSVTable {
        var c = CSVTable(header: ["方案 variant", "指标 metric", "名称 name", "合并概率 pooled", "合并概率标准误 pooled_se",
                                  "P10 p10", "P50 p50", "P90 p90", "超过目标的假设组合占比 share_above_target", "目标 target",
                                  "假设组合数 worlds", "每组企业批数 firms_per_world", "位置 position"])
        for (v, rows) in t.lines.enumerated() {
            for (k, r) in rows.enumerated() {
                c.add([.text(variantIDs[v]), .text(r.metric), .text(r.name), .fraction(r.pooled), .fraction(r.pooledSE),
                       .fraction(r.p10), .fraction(r.p50), .fraction(r.p90), .fraction(r.shareAboveTarget), .fraction(t.target),
                       .integer(t.worlds), .integer(t.perWorld), .integer(k)])
            }
        }
        return c
    }

    /// The section: per variant, a sentence for each line whose chance of running short is not
    /// negligible, then the table. Says what the spread contains (firm-level noise of V trials).
    static func markdown(_ t: TwoLevel, labels: [String]) -> String {
        var md = "## 假设的不确定性（两层模拟）\n\n"
        md += "本次为两层模拟：先抽 \(t.worlds) 组假设（试点规模、达标率、价格水平、上云比例等试验层输入，按情景给出的分布与相关性），"
        md += "每组假设下再模拟 \(t.perWorld) 批企业，共 \(t.worlds * t.perWorld) 次试验；各方案使用同一批假设与企业。"
        md += "对每组假设，资金不足的概率是该组 \(t.perWorld) 批企业中资金不足的比例，下表给出它在各组假设之间的分布。"
        md += "P10–P90 之间是 80% 的假设组合；“超过 \(percentText(t.target))”是资金不足概率超过 \(percentText(t.target)) 的假设组合所占比例。"
        md += "每组只有 \(t.perWorld) 批企业，组内概率本身也有抽样误差（概率为 p 时标准误约为 √(p(1−p)/\(t.perWorld))，p = 10% 时约 \(CSVTable.fixed((0.09 / Double(t.perWorld)).squareRoot() * 100, 1)) 个百分点），"
        md += "所以分布的宽度略大于假设本身造成的差异。同一组假设内的试验并不独立，summary.csv 中按独立试验计算的 95% 区间偏窄；合并概率的标准误以本节（按假设组合计算）为准；两层模拟也不画收敛图（它假定试验相互独立）。\n\n"
        for (v, rows) in t.lines.enumerated() {
            if t.lines.count > 1 { md += "**\(Markdown.text(labels[v]))**\n\n" }
            var always: [String] = []
            for r in rows where r.metric != "any_line" && r.pooled >= 0.005 {
                if r.p10 >= 0.995 { always.append(Markdown.text(r.name)); continue }
                let what = r.metric == "total_pooled" ? "总需求超过总资金（资金可统筹时）的概率" : "\(Markdown.text(r.name))资金不足的概率"
                md += "- 按现有假设，\(what)为 \(percentText(r.pooled))；在 80% 的假设组合下，该概率介于 \(percentText(r.p10)) 与 \(percentText(r.p90)) 之间"
                md += "（中位数 \(percentText(r.p50))，\(percentText(r.shareAboveTarget)) 的假设组合超过 \(percentText(t.target))）。\n"
            }
            if !always.isEmpty {
                md += "- \(always.joined(separator: "、")) 在至少 90% 的假设组合下都几乎必然不足（P10 不低于 99.5%）：这不取决于假设，而是预算本身不够。\n"
            }
            md += "\n"
            var table = MarkdownTable(["预算行", "合并概率（标准误）", "P10", "P50", "P90", "超过 \(percentText(t.target)) 的组合占比"],
                                      rightAligned: [false, true, true, true, true, true])
            for r in rows {
                table.add([Markdown.text(r.name), "\(percentText(r.pooled))（\(CSVTable.fixed(r.pooledSE * 100, 2)) 个百分点）",
                           percentText(r.p10), percentText(r.p50), percentText(r.p90), percentText(r.shareAboveTarget)])
            }
            md += table.text + "\n"
        }
        return md
    }

    /// The chart: per budget line (the seven lines; any_line and the pooled total are in the table),
    /// for each variant the P10–P90 band of P(short | world) with its median (point) and the pooled
    /// probability (cross), and the risk target as a dashed line. Reads two_level.csv by position.
    static func chart(_ t: TwoLevel, variants vs: [Charts.Series], lineNames: [Charts.LineName], title: String) -> String {
        let name = "two_level"
        let n = lineNames.count, per = (t.lines.first?.count ?? n)
        var s = Charts.head(name, title: "两层模拟 / P(short | world) across worlds")
        let heading = [title, "各预算行资金不足概率在假设组合间的分布\(Charts.shown(vs))（竖线：P10–P90，点：P50，×：合并概率）"]
        let key = Charts.legendLines(vs.map(\.label) + ["合并概率", "目标 \(percentText(t.target))"])
        s += Charts.setTitle(heading[0], heading[1])
        s += "set ylabel '资金不足的概率'\nset format y \"%g%%\"\nset yrange [0:105]\nset ytics 0, 10, 100\n"
        s += Charts.lineTics("xtics", lineNames, ems: Charts.slotEms(n, fraction: 0.82), extra: " nomirror")
        s += "set xrange [-0.6:\(Charts.num(Double(n) - 0.4) ?? "1")]\n"
        s += key.set + "set bmargin \(5 + key.height)\n"
        let offsets = (0..<vs.count).map { (Double($0) - Double(vs.count - 1) / 2) * 0.25 }
        var plots: [String] = []
        for (i, _) in vs.enumerated() {
            let off = Charts.num(offsets[i]) ?? "0"
            let rows = "every ::\(i * per)::\(i * per + n - 1)"
            plots.append((i == 0 ? "'../two_level.csv'" : "''") + " skip 1 \(rows) using ($13 + \(off)):($7*100):($6*100):($8*100) with yerrorbars ls \(i + 1) pt 7 ps 1.6 title \(key.titles[i]) noenhanced")
            plots.append("'' skip 1 \(rows) using ($13 + \(off)):($4*100) with points ls \(i + 1) pt 2 ps 2.2 lw 3 \(i == 0 ? "title \(key.titles[vs.count])" : "notitle") noenhanced")
        }
        plots.append("\(Charts.num(t.target * 100) ?? "5") with lines ls 9 title \(key.titles[vs.count + 1]) noenhanced")
        s += "plot " + plots.joined(separator: ", \\\n     ") + "\n"
        return s + Charts.tail(name)
    }
}
