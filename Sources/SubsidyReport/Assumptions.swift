import Foundation
import SubsidyEngine
import SubsidyModel

/// The assumptions register (主要假设): every population input of the scenario with the value it
/// was run with, what that value rests on (`basis:`), how sure the author is (`confidence:`), and
/// — where the run's driver analysis says so — which budget lines' shortfalls it moves. It is the
/// same list in summary.md, 报告.docx, 结果.xlsx and `check`'s note on inputs without a basis.
public enum AssumptionRegister {
    public struct Entry: Sendable {
        /// The concrete key path (`population.batches[1].pass`, `population.segments[0]`).
        public var path: String
        /// The input's Chinese name, with the batch or segment filled in ("第二批二级达标率").
        public var name: String
        /// 试验级 (one value per trial: uncertainty about the world), 企业级 (varies between firms),
        /// 固定 (one value for every trial), or 行业分组.
        public var level: String
        /// As written in the scenario (YAML flow text, without basis and confidence).
        public var written: String
        /// Mean and the 5th and 95th percentiles of the law (before the segment factor or price
        /// level), in the field's units; nil for a segment.
        public var mean: Double?
        public var p5: Double?
        public var p95: Double?
        /// The field, for formatting the numbers above (万元, %, 家).
        public var field: FieldInfo
        public var basis: String?
        public var confidence: Confidence?
        /// Set on the command line (`--set`) for this run, so the written basis may no longer fit.
        public var overridden: Bool
        /// Budget lines whose shortfall trials this input moves (|shift| ≥ 0.5 sd), the line with
        /// the largest shift first, each with its shift in every variant where it is that large:
        /// "（一）偏高 0.9σ", or with two readings "（一）偏高：正文费率 1.1σ，概算表费率 1.4σ".
        public var moves: [String]
        /// The largest shift among `moves` (in sd, signed), for the register's example sentence.
        public var leadShift: Double?

        /// Mean and 90% range as a person reads them: "均值 53.3家（P5 36.6家 – P95 72.3家）".
        public var rangeText: String {
            guard let mean, let p5, let p95 else { return "" }
            // Plain numbers (a price factor) have no stated precision: two decimals read well; a
            // count's mean keeps one decimal (1.5 cases), its percentiles are whole.
            func f(_ x: Double, mean: Bool = false) -> String {
                if field.resolution == nil { return CSVTable.fixed(x, 2) + field.unit }
                if field.isWhole && mean && x != x.rounded() { return CSVTable.fixed(x, 1) + field.unit }
                return field.format(number: x)
            }
            if p5 == p95 { return f(mean) }
            return "均值 \(f(mean, mean: true))（P5 \(f(p5)) – P95 \(f(p95))）"
        }

        /// True when the entry lacks a basis or a confidence level.
        public var undocumented: Bool { basis == nil || confidence == nil }
    }

    /// The register of `loaded`'s base scenario, with the drivers of a finished run when given.
    public static func entries(_ loaded: LoadedScenario, drivers: [[Drivers.Line]] = []) -> [Entry] {
        let sc = loaded.scenario
        let p = sc.population
        let overridden = Set(loaded.overrides.map(\.path.description))
        let trialPaths = Set(TrialInputs.list(p).map(\.path))
        let moves = movedLines(drivers, variantNames: loaded.variants.map(\.name))
        func written(_ path: String) -> String {
            guard let kp = ScenarioPath(path), let node = loaded.tree.get(kp) else { return "" }
            guard case let .mapping(pairs) = node.value else { return node.flowText }
            return "{" + pairs.filter { !InputNote.keys.contains($0.key) }.map { $0.key + ": " + $0.value.flowText }.joined(separator: ", ") + "}"
        }
        func touched(_ path: String) -> Bool { overridden.contains { $0 == path || $0.hasPrefix(path + ".") } }

        var out: [Entry] = []
        var segmentsAdded = false
        for site in p.distributionSites {
            // Segments come right after the batches, in the scenario's own order.
            if !segmentsAdded, !site.path.hasPrefix("population.firms"), !site.path.hasPrefix("population.batches") {
                out += segmentEntries(loaded, overridden: touched)
                segmentsAdded = true
            }
            let d = PreparedDistribution(site.distribution)
            let kp = ScenarioPath(site.path)
            let field = kp.map { FieldInfo.of($0, in: sc) } ?? FieldInfo(name: site.path, kind: .number, unit: "")
            let level = site.distribution.isFixed ? "固定" : trialPaths.contains(site.path) ? "试验级" : "企业级"
            let note = p.notes[site.path]
            out.append(Entry(path: site.path, name: field.name, level: level, written: written(site.path),
                             mean: d.mean, p5: d.exactQuantile(0.05), p95: d.exactQuantile(0.95), field: field,
                             basis: note?.basis, confidence: note?.confidence, overridden: touched(site.path),
                             moves: moves[site.path]?.texts ?? [], leadShift: moves[site.path]?.lead))
        }
        if !segmentsAdded { out += segmentEntries(loaded, overridden: touched) }
        return out
    }

    static func segmentEntries(_ loaded: LoadedScenario, overridden: (String) -> Bool) -> [Entry] {
        let p = loaded.scenario.population
        return p.segments.enumerated().map { i, s in
            let path = "population.segments[\(i)]"
            let note = p.notes[path]
            let pct = FieldInfo(name: "", kind: .fraction, unit: "")
            let text = "企业占比 \(pct.format(number: s.share))，投资系数 \(formatNumber(s.investmentFactor))，新评先进级概率 \(pct.format(number: s.smartFactory))"
            return Entry(path: path, name: "行业分组：" + s.name, level: "行业分组", written: text, mean: nil, p5: nil, p95: nil,
                         field: FieldInfo(name: s.name, kind: .text, unit: ""), basis: note?.basis, confidence: note?.confidence,
                         overridden: overridden(path), moves: [], leadShift: nil)
        }
    }

    /// Per input path, the lines whose short trials it shifts by 0.5 sd or more, the line with the
    /// largest shift first; each line's text names the shift in every variant where it is that
    /// large (by the variant's name when the run has more than one, so no figure is read as the
    /// other reading's), and `lead` is the largest shift.
    static func movedLines(_ drivers: [[Drivers.Line]], variantNames: [String]) -> [String: (texts: [String], lead: Double)] {
        // path → line → variant → shift.
        var shifts: [String: [LineID: [Int: Double]]] = [:]
        for (v, lines) in drivers.enumerated() {
            for l in lines where !l.tooFew && !l.structural {
                for d in l.significant { shifts[d.input.path, default: [:]][l.line, default: [:]][v] = d.shift }
            }
        }
        let named = drivers.count > 1
        func sd(_ x: Double) -> String { CSVTable.fixed(abs(x), 1) + "σ" }
        func dir(_ x: Double) -> String { x > 0 ? "偏高" : "偏低" }
        return shifts.mapValues { byLine in
            let largest = byLine.mapValues { $0.values.map(abs).max() ?? 0 }
            let lines = byLine.keys.sorted { largest[$0]! != largest[$1]! ? largest[$0]! > largest[$1]! : $0.rawValue < $1.rawValue }
            let texts = lines.map { line -> String in
                let byVariant = byLine[line]!.sorted { $0.key < $1.key }
                guard named else { return line.clause + dir(byVariant[0].value) + " " + sd(byVariant[0].value) }
                func name(_ v: Int) -> String { v < variantNames.count ? variantNames[v] : "方案\(v + 1)" }
                if Set(byVariant.map { $0.value > 0 }).count == 1 {
                    return line.clause + dir(byVariant[0].value) + "：" + byVariant.map { "\(name($0.key)) \(sd($0.value))" }.joined(separator: "，")
                }
                return line.clause + byVariant.map { "\(name($0.key))\(dir($0.value)) \(sd($0.value))" }.joined(separator: "，")
            }
            let lead = byLine.values.flatMap(\.values).max { abs($0) < abs($1) } ?? 0
            return (texts, lead)
        }
    }

    /// The inputs without a basis or a confidence level, as a `check` note; nil when all have both.
    public static func finding(_ loaded: LoadedScenario) -> Finding? {
        let missing = entries(loaded).filter(\.undocumented)
        guard !missing.isEmpty else { return nil }
        let names = missing.map { "\($0.name)（`\($0.path)`）" }
        return Finding(severity: .note, clauses: ["主要假设"],
                       zh: "\(missing.count) 个输入没有写依据（basis）或置信度（confidence：高/中/低）：\(names.joined(separator: "、"))。报告的“主要假设”表中它们显示为“未说明”；请在情景文件中补写，例如 `{dist: beta, mean: 0.9, sd: 0.05, basis: 银川2024年验收结果, confidence: 中}`。",
                       en: "\(missing.count) input(s) have no basis or confidence level (basis:, confidence: high/medium/low): \(missing.map(\.path).joined(separator: ", ")). They show as \"not stated\" in the report's assumptions register; add them in the scenario file.")
    }

    /// The 主要假设 section of summary.md and 报告.docx.
    public static func markdown(_ entries: [Entry], heading: String = "## 主要假设") -> String {
        guard !entries.isEmpty else { return "" }
        var md = "\(heading)\n\n"
        md += "> 下表列出情景中的每个输入：计算所用的取值、它的依据与置信度。“试验级”输入每次试验取一个值，表示对实际情况的不确定；"
        md += "“企业级”输入在企业之间变化。**结果表中的 95% 区间只反映模拟次数带来的误差（模拟精度），不反映这些假设本身的不确定性**："
        md += "假设取值不同，结果也会不同；影响最大的输入见“对结果的影响”一列与 `subsidysim sensitivity`。\n\n"
        var t = MarkdownTable(["输入", "类型", "写法", "均值与范围", "依据", "置信度", "对结果的影响"], rightAligned: [Bool](repeating: false, count: 7))
        for e in entries {
            let basis = e.basis.map(Markdown.text) ?? "未说明"
            let conf = e.confidence?.rawValue ?? "未说明"
            let written = e.written.isEmpty ? "" : Markdown.text(e.written) + (e.overridden ? "（本次运行时修改）" : "")
            let moves = e.moves.isEmpty ? (e.level == "试验级" ? "不明显" : "") : e.moves.map(Markdown.text).joined(separator: "；")
            t.add([Markdown.text(e.name), e.level, written, e.rangeText, basis, conf, moves])
        }
        md += t.text
        let low = entries.filter { $0.confidence == .low }
        let key = entries.filter { !$0.moves.isEmpty }
        md += "\n"
        if !low.isEmpty {
            md += "置信度为“低”的输入有 \(low.count) 个。"
        }
        if !key.isEmpty {
            md += "对资金不足影响最明显的输入：" + key.prefix(4).map { "\(Markdown.text($0.name))——\(Markdown.text($0.moves.first ?? ""))" }.joined(separator: "；")
            // The example quotes a figure of the table, never a fixed one.
            let x = key.first?.leadShift ?? 0
            let n = CSVTable.fixed(abs(x), 1)
            md += "。σ 前的数字是标准差的倍数：如 \(n)σ 指在该行资金不足的试验中，这个输入的中位数比全部试验\(x > 0 ? "高" : "低") \(n) 个标准差。"
        }
        if !low.isEmpty || !key.isEmpty { md += "定稿前，最值得核实的是置信度低、影响又明显的输入。\n\n" }
        return md
    }
}
