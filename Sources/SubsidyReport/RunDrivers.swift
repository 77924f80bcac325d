import Foundation
import SubsidyEngine
import SubsidyModel

/// `drivers.csv` and the summary's "资金不足的原因" section: what the trials in which a line runs
/// short have in common (`Drivers`).
public enum RunDrivers {
    /// One row per variant, line that runs short and uncertain input.
    public static func table(_ d: [[Drivers.Line]], result r: SimulationResult) -> CSVTable {
        var t = CSVTable(header: ["方案 variant", "预算行 line", "条款 clause", "不足概率 p_short", "不足的试验数 short_trials", "输入 input",
                                  "名称 label", "全部试验中位数 median_all", "不足试验中位数 median_short", "全部试验标准差 sd_all",
                                  "偏移（标准差） shift_sd", "排名 rank"])
        for lines in d {
            for l in lines where !l.drivers.isEmpty {
                for (k, x) in l.drivers.enumerated() {
                    t.add([.text(r.model.variantIDs[l.variant]), .text(l.line.rawValue), .text(l.line.clause), .fraction(l.pShort),
                           .integer(l.shortTrials), .text(x.input.id), .text(x.input.label), .number(x.medianAll, decimals: 4),
                           .number(x.medianShort, decimals: 4), .number(x.sdAll, decimals: 4), .number(x.shift, decimals: 3), .integer(k + 1)])
                }
            }
        }
        return t
    }

    static func value(_ x: Double, _ input: TrialInput) -> String {
        guard let kp = ScenarioPath(input.path) else { return formatNumber(x) }
        let f = FieldInfo.of(kp)
        // Plain numbers (a price factor) have no stated precision: two decimals read well.
        return f.resolution == nil ? CSVTable.fixed(x, 2) : f.format(number: f.isWhole ? x.rounded() : x)
    }

    /// One sentence per line that can run short, per variant.
    public static func markdown(_ d: [[Drivers.Line]], labels: [String]) -> String {
        guard d.contains(where: { !$0.isEmpty }) else { return "" }
        var md = "## 资金不足的原因\n\n"
        md += "> 在某预算行资金不足的那些试验中，各试验级输入（企业数、完成率、达标率、价格水平等）的中位数与全部试验相比偏了多少"
        md += "（以全部试验的标准差计；偏 0.5 个标准差以上视为明显）。偏得多的输入就是这一行不足的主要原因。完整表格见 `drivers.csv`。\n\n"
        for (v, lines) in d.enumerated() where !lines.isEmpty {
            if d.count > 1 { md += "**\(labels[v])**\n\n" }
            for l in lines {
                md += "- " + sentence(l) + "\n\n"
            }
            md += "\n"
        }
        return md
    }

    public static func sentence(_ l: Drivers.Line) -> String {
        let name = "\(l.line.clause)\(l.line.chineseName)"
        let p = percentText(l.pShort)
        if l.structural {
            return "\(name)在 \(p) 的试验中资金不足：预算 \(formatNumber(l.budget)) 万元" +
                (l.budget < l.demandP5 ? "低于需求的 P5（\(CSVTable.fixed(l.demandP5, 1)) 万元）" : "低于需求的中位数（\(CSVTable.fixed(l.demandP50, 1)) 万元）") +
                "，原因是预算本身而不是不确定因素：要么增加这一行的预算，要么降低这一行的标准。"
        }
        if l.tooFew {
            return "\(name)只在 \(l.shortTrials) 次试验（\(p)）中资金不足，次数太少，不比较原因。"
        }
        let sig = l.significant.prefix(3)
        if sig.isEmpty {
            return "\(name)资金不足的试验（占 \(p)）中，没有哪个试验级输入明显偏离（都在 0.5 个标准差以内）：不足主要来自企业层面的随机差异（各企业的投资额、硬件占比、是否验收通过）。"
        }
        let parts = sig.map { x in
            "\(x.input.label)中位数 \(value(x.medianShort, x.input))（全部试验 \(value(x.medianAll, x.input))，\(x.shift > 0 ? "高" : "低") \(CSVTable.fixed(abs(x.shift), 1)) 个标准差）"
        }
        return "\(name)资金不足的试验（占 \(p)）中，" + parts.joined(separator: "，") + "。"
    }
}
