import Foundation
import Testing
import SubsidyEngine
import SubsidyModel
@testable import SubsidyReport

/// The pieces of 报告.docx that are not pandoc's: table widths, code spans, the 结论 and the
/// assumptions register.
@Suite("Report pack: tables, conclusion, assumptions")
struct ReportPackUnitTests {
    @Test("table shares: a number is never broken, a Chinese character counts double, a text column keeps four characters")
    func tableShares() {
        var t = MarkdownTable(numbers: ["预算行", "预算", "不足概率（95%区间）"])
        t.add(["（七）（八）专业支撑服务", "2600.00", "9.8%（9.4%–10.2%）"])
        t.add(["（一）数字化改造", "15.00", "0.0%（0.0%–<0.1%）"])
        let w = t.shares
        #expect(w.count == 3)
        #expect(w[1] >= 7 + MarkdownTable.padding)                    // "2600.00" whole, plus the cell's margins
        #expect(w[2] >= MarkdownTable.width("9.4%–10.2%") + MarkdownTable.padding)
        #expect(w[0] >= MarkdownTable.narrowestText + MarkdownTable.padding)
        #expect(w.reduce(0, +) <= t.pageWidth + 3)
        #expect(MarkdownTable.width("专业") == 4 && MarkdownTable.width("ab") == 2 && MarkdownTable.width("**粗**") == 2)
        let lines = t.text.split(separator: "\n")
        #expect(lines.count == 4 && lines[1].hasPrefix("|") && lines[1].hasSuffix("-:|"))
        // A row with too few cells is padded; one with a newline stays on its line.
        var u = MarkdownTable(["a", "b"], rightAligned: [false, false])
        u.add(["x\ny"])
        #expect(u.text.hasSuffix("| x y |  |\n"))
    }

    /// The per-line table of 报告.docx has ten columns: at full widths it is wider than the page,
    /// and pandoc then scaled every column down alike, breaking "2800.00" over two lines. The
    /// columns that can wrap (the line names, the interval, the headers) give way instead.
    @Test("a table wider than the page squeezes what can wrap, never a number")
    func wideTableKeepsNumbers() {
        var t = MarkdownTable(numbers: ["预算行", "预算", "需求均值", "P5", "P50", "P95", "不足概率（95%区间）", "平均缺口", "平均结余", "兑付率"])
        t.add(["（一）数字化改造", "2600.00", "1759.66", "1160.83", "1729.48", "2452.01", "2.5%（2.3%–2.7%）", "4.80", "845.14", "99.7%"])
        t.add(["**合计（各预算行分别执行）**", "2800.00", "2036.33", "1388.71", "2006.04", "2778.30", ">99.9%（99.9%–>99.9%）", "98.47", "862.14", "95.2%"])
        let w = t.shares
        #expect(w.reduce(0, +) <= t.pageWidth + w.count, "\(w)")
        for (i, number) in ["", "2800.00", "2036.33", "1388.71", "2006.04", "2778.30", "99.9%–>99.9%", "98.47", "862.14", "99.7%"].enumerated() where i > 0 {
            #expect(w[i] >= MarkdownTable.width(Substring(number)) + MarkdownTable.padding, "column \(i): \(w)")
        }
        // The line names keep four Chinese characters a line: the interval wraps first.
        #expect(w[0] >= MarkdownTable.narrowestText + MarkdownTable.padding, "\(w)")
        #expect(w[6] < MarkdownTable.width(">99.9%（99.9%–>99.9%）") + MarkdownTable.padding, "\(w)")
    }

    @Test("code spans hold any text: the fence outgrows its backticks; newlines and bars become spaces")
    func codeSpans() {
        #expect(Markdown.code("sweep-old/") == "`sweep-old/`")
        #expect(Markdown.code("a`b") == "``a`b``")
        #expect(Markdown.code("`x``") == "``` `x`` ```")
        #expect(Markdown.code("a\nb|c") == "`a b c`")
        #expect(Markdown.code(String(repeating: "x", count: 5000)).count == Markdown.maxText + 3)
    }

    static let run: (LoadedScenario, SimulationResult) = {
        let loaded = try! LoadedScenario.load(nil)
        let model = CompiledModel(loaded, seed: 11)
        let r = try! Simulator.run(model, options: RunOptions(trials: 4000, threads: 2, keepInputs: true),
                                   design: TrialDesign(method: .random, seed: 11))
        return (loaded, r)
    }()

    @Test("the conclusion: the draft is short on （四） and （七）（八）; money moves from （一） and the receivers then meet the target on these trials")
    func conclusion() throws {
        let (loaded, r) = Self.run
        let s = r.summaries()
        let c = RunConclusion(result: r, summaries: s, scenario: loaded.scenario)
        #expect(c.verdicts.count == 2 && c.verdicts.allSatisfy { !$0.enough })
        for v in c.verdicts {
            let short = Set(v.short.compactMap(\.line))
            #expect(short.isSuperset(of: [.cloud, .professionalServices]))
            #expect(RunConclusion.verdictText(v).hasPrefix("不够。"))
        }
        let m = try #require(c.move)
        #expect(m.donor == .transformation)
        #expect(m.adds.map(\.line).contains(.cloud) && !m.partial)
        // Each receiver gets exactly what the proposal says it needs beyond its budget.
        let p = try #require(c.proposal)
        for a in m.adds {
            let i = try #require(loaded.scenario.lines.firstIndex { $0.id == a.line })
            #expect(abs(a.amount - (p.needs[i] - loaded.scenario.lines[i].total)) < 1e-9)
        }
        // On the trials it was fitted to, no receiver is short more often than the target; the donor more often than before.
        #expect(m.receiversAfter.flatMap { $0 }.allSatisfy { $0 <= RunConclusion.target + 1e-12 })
        #expect(zip(m.donorBefore, m.donorAfter).allSatisfy { $0.0 <= $0.1 })
        let text = try #require(c.moveText())
        #expect(text.contains("从（一）调出") && text.contains("（四）增加"))
    }

    @Test("报告.docx: a table's bold title line becomes its caption (kept with the table); a bold paragraph before text does not")
    func tableTitles() {
        let md = "**资金来源**（万元）\n\n| a | b |\n|---|--:|\n| x | 1 |\n\n**正文费率：不够。**（四）……\n\n下一段\n\n**合计**\n| not | a title |\n"
        let out = WordReport.tableTitles(md).components(separatedBy: "\n")
        #expect(out[0] == "Table: **资金来源**（万元）")
        #expect(out.contains("**正文费率：不够。**（四）……") && out.contains("**合计**"))
        #expect(out.filter { $0.hasPrefix("Table: ") }.count == 1)
        // pandoc reads a caption after a table as that table's: a title right after a table stays a paragraph.
        let adjacent = "| a |\n|---|\n| 1 |\n\n**B**\n\n| b |\n|---|\n| 2 |\n"
        #expect(WordReport.tableTitles(adjacent) == adjacent)
        // After a table with its own caption, pandoc gives the next caption to the next table.
        let both = "**A**\n\n| a |\n|---|\n| 1 |\n\n**B**\n\n| b |\n|---|\n| 2 |\n"
        #expect(WordReport.tableTitles(both).components(separatedBy: "\n").filter { $0.hasPrefix("Table: ") } == ["Table: **A**", "Table: **B**"])
    }

    @Test("a probability reads 0.0% or 100.0% only when it is 0 or 1: what would round there is <0.1% or >99.9%, in the texts and in 结果.xlsx")
    func percentRounding() {
        #expect(percentText(0) == "0.0%" && percentText(1) == "100.0%")
        #expect(percentText(0.0004) == "<0.1%" && percentText(0.00049999) == "<0.1%" && percentText(0.00051) == "0.1%")
        #expect(percentText(0.9995) == ">99.9%" && percentText(0.99957) == ">99.9%" && percentText(0.99949) == "99.9%")
        #expect(percentText(0.094) == "9.4%")
        #expect(Workbook.Cell.percent(0.99957).style.number == .nearOne && Workbook.Cell.percent(0.0002).style.number == .nearZero)
        #expect(Workbook.Cell.percent(1).style.number == .percent && Workbook.Cell.percent(0).style.number == .percent)
        #expect(Workbook.Cell.percent(0.5).style.number == .percent)
        #expect(Workbook.NumberFormat.nearOne.shown(0.99957) == ">99.9%" && Workbook.NumberFormat.nearOne.rawValue == "\">99.9%\"")
    }

    @Test("with two readings the register gives each reading's shift by name, and its example quotes one of its own figures")
    func registerPerReading() throws {
        let (loaded, r) = Self.run
        let drivers = Drivers.analyse(r)
        let entries = AssumptionRegister.entries(loaded, drivers: drivers)
        let firms = try #require(entries.first { $0.path == "population.firms.per_batch[0]" })
        let one = try #require(firms.moves.first { $0.hasPrefix("（一）") })
        // Each reading's own shift for （一）, as drivers.csv has it.
        for (v, name) in ["正文费率", "概算表费率"].enumerated() {
            let line = try #require(drivers[v].first { $0.line == .transformation })
            let d = try #require(line.significant.first { $0.input.path == "population.firms.per_batch[0]" })
            #expect(one.contains("\(name) \(CSVTable.fixed(abs(d.shift), 1))σ"), "\(one)")
        }
        let md = AssumptionRegister.markdown(entries)
        let lead = try #require(entries.first { !$0.moves.isEmpty }?.leadShift)
        let n = CSVTable.fixed(abs(lead), 1)
        #expect(md.contains("如 \(n)σ 指") && md.contains("\(lead > 0 ? "高" : "低") \(n) 个标准差") && !md.contains("（（"), "\(md)")
        #expect(entries.contains { $0.moves.contains { $0.contains("\(lead > 0 ? "偏高" : "偏低")") && $0.contains(" \(n)σ") } })
        // One variant: no names.
        let single = try LoadedScenario.load(nil, only: ["text"])
        let one1 = AssumptionRegister.entries(single, drivers: [drivers[0]]).first { $0.path == "population.firms.per_batch[0]" }?.moves.first ?? ""
        #expect(one1.hasPrefix("（一）偏高 ") && !one1.contains("正文费率"), "\(one1)")
    }

    @Test("the conclusion names each reading's idle money (never a range that reads as an interval) and the rebalance command that gives its table")
    func conclusionNames() throws {
        let (loaded, r) = Self.run
        var c = RunConclusion(result: r, summaries: r.summaries(), scenario: loaded.scenario)
        c.names = ["正文费率", "概算表费率"]
        c.rebalanceCommand = "subsidysim rebalance --seed 11 --trials 4000"
        let text = try #require(c.moveText())
        #expect(text.contains("万元（正文费率）、") && text.contains("万元（概算表费率）用不完"), "\(text)")
        #expect(!text.contains("（（"), "\(text)")
        let table = try #require(c.proposalTable())
        #expect(table.contains("本次模拟的 4000 次试验") && table.contains("`subsidysim rebalance --seed 11 --trials 4000`"), "\(table)")
        #expect(table.contains("不足概率（草案→建议；各方案中最高）"))
    }

    @Test("the register lists every population input once, with the draft's bases; an input a --set rewrote is flagged and undocumented")
    func register() throws {
        let (loaded, r) = Self.run
        let entries = AssumptionRegister.entries(loaded, drivers: Drivers.analyse(r))
        let p = loaded.scenario.population
        #expect(entries.count == p.distributionSites.count + p.segments.count)
        #expect(Set(entries.map(\.path)).count == entries.count)
        #expect(entries.allSatisfy { !$0.undocumented })
        #expect(AssumptionRegister.finding(loaded) == nil)
        let firms = try #require(entries.first { $0.path == "population.firms.per_batch[0]" })
        #expect(firms.level == "试验级" && firms.name == "第一批试点企业数" && firms.rangeText.hasPrefix("均值 53.3家"))
        #expect(entries.contains { !$0.moves.isEmpty })
        let md = AssumptionRegister.markdown(entries)
        #expect(md.contains("只反映模拟次数带来的误差") && md.contains("| 项目总投入 | 企业级 |"))

        let o = try Override.parse("population.cloud_uptake={dist: beta, a: 5, b: 5}").get()
        let changed = try LoadedScenario.load(nil, overrides: [o])
        let e = try #require(AssumptionRegister.entries(changed).first { $0.path == "population.cloud_uptake" })
        #expect(e.overridden && e.undocumented && e.written == "{dist: beta, a: 5, b: 5}")
        let f = try #require(AssumptionRegister.finding(changed))
        #expect(f.severity == .note && f.zh.contains("上云比例（`population.cloud_uptake`）"))
    }
}
