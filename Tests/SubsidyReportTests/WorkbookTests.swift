import Foundation
import Testing
import SubsidyEngine
import SubsidyModel
@testable import SubsidyReport

/// 结果.xlsx read back by unzipping it: sheets, frozen headers, number formats, numbers stored as
/// numbers with summary.csv's values, the native chart on 汇总's cells, the draft's budget table,
/// identical bytes, text from a scenario kept as text, write failures as WriteError.
@Suite("结果.xlsx, the run's Excel workbook")
struct WorkbookTests {
    static func tempDir(_ tag: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("subsidysim-xlsx-\(tag)-\(UUID().uuidString)")
    }

    @discardableResult
    static func run(_ loaded: LoadedScenario, seed: UInt64 = 7, threads: Int = 2, trials: Int = 1500, findings: Bool = true, to dir: URL) throws -> [Finding] {
        let model = CompiledModel(loaded, seed: seed)
        let r = try Simulator.run(model, options: RunOptions(trials: trials, threads: threads), design: TrialDesign(method: .random, seed: seed))
        let f = findings ? Audit.findings(loaded, expectations: Audit.expectations(from: r, loaded: loaded)) : []
        let report = RunReport(loaded: loaded, result: r, findings: f, commandLine: ["test"], startTime: Date(), dumpTrials: false,
                               programVersion: "test", sampling: .random)
        _ = try report.write(to: dir.path)
        return f
    }

    @Test("a two-level run's workbook ends with 假设不确定性: one row per variant and line, the pooled probability equal to two_level.csv's")
    func twoLevelSheet() throws {
        let loaded = try LoadedScenario.load(nil)
        let model = CompiledModel(loaded, seed: 7)
        let design = try TwoLevel.design(base: TrialDesign(method: .random, seed: 7), worlds: 20, perWorld: 10, model: model)
        let r = try Simulator.run(model, options: RunOptions(trials: 200, threads: 2, keepInputs: true), design: design)
        var report = RunReport(loaded: loaded, result: r, findings: [], commandLine: ["test"], startTime: Date(), dumpTrials: false,
                               programVersion: "test", sampling: .random)
        let t = TwoLevel.analyse(r, worlds: 20, perWorld: 10)
        report.twoLevel = t
        let wb = RunWorkbook.build(report, summaries: r.summaries(), variants: RunTables.variantDifferences(r), drivers: [])
        let sheet = try #require(wb.sheets.last)
        #expect(sheet.name == "假设不确定性")
        let plain = RunWorkbook.build(RunReport(loaded: loaded, result: r, findings: [], commandLine: ["test"], startTime: Date(), dumpTrials: false,
                                                programVersion: "test", sampling: .random),
                                      summaries: r.summaries(), variants: RunTables.variantDifferences(r), drivers: [])
        #expect(!plain.sheets.contains { $0.name == "假设不确定性" })
        #expect(t.lines.count == 2 && t.lines[0].count == r.layout.lines.count + 2)
    }

    /// |xlsx − csv| within half a unit of the CSV's last printed decimal.
    static func close(_ x: Double?, _ csv: String) -> Bool {
        guard let x, let c = Double(csv) else { return false }
        let decimals = csv.split(separator: ".").dropFirst().first?.count ?? 0
        return abs(x - c) <= 0.5 * pow(10, -Double(decimals)) + 1e-12
    }

    /// 1-based row of the frozen header (the pane's ySplit).
    static func headerRow(_ s: XLSXReader.Sheet) -> Int { Int(s.pane["ySplit"] ?? "") ?? 0 }

    @Test("sheets in order; header rows frozen; numbers stored as numbers in 0.00 and 0.0%; 汇总 and 资金来源 equal summary.csv and sources.csv")
    func readBack() throws {
        let dir = Self.tempDir("read")
        defer { try? FileManager.default.removeItem(at: dir) }
        let loaded = try LoadedScenario.load(nil)
        let findings = try Self.run(loaded, to: dir)
        let x = XLSXReader(path: dir.appendingPathComponent("结果.xlsx").path)
        #expect(x.sheetNames() == ["汇总", "概算表", "资金来源", "批次与行业", "方案差异", "审查发现", "主要假设"])
        let formats = x.styleFormats()
        var sheets: [XLSXReader.Sheet] = []
        for i in 0..<7 {
            let s = try #require(x.sheet(i), "sheet \(i + 1) missing")
            #expect(s.pane["state"] == "frozen", "sheet \(i + 1) has no frozen pane")
            let h = Self.headerRow(s)
            #expect(h >= 3, "sheet \(i + 1): the title and a note come before the header")
            // The last frozen row is a header: shaded text cells, no numbers.
            let header = s.cells.filter { $0.row == h }
            #expect(!header.isEmpty && header.allSatisfy { $0.type == "s" || $0.value == nil }, "sheet \(i + 1): row \(h) is not a header")
            sheets.append(s)
        }

        // 汇总 against summary.csv, row for row.
        let summary = sheets[0]
        let h = Self.headerRow(summary)
        #expect((0..<RunWorkbook.summaryHeader.count).map { summary.cell(h, $0)?.value } == RunWorkbook.summaryHeader)
        let csv = XLSXReader.csv(dir.appendingPathComponent("summary.csv").path)
        #expect(csv.count == 1 + 2 * 9)
        // (CSV column, 汇总 column, format)
        let map: [(Int, Int, String)] = [(5, 2, "0.00"), (6, 3, "0.00"), (7, 4, "0.00"), (9, 5, "0.00"), (10, 6, "0.00"), (11, 7, "0.00"),
                                         (12, 8, "0.0%"), (13, 9, "0.0%"), (14, 10, "0.0%"), (16, 11, "0.00"), (17, 12, "0.00"),
                                         (18, 13, "0.00"), (19, 14, "0.0%"), (20, 15, "0.00")]
        for (i, row) in csv.dropFirst().enumerated() {
            let r = h + 1 + i
            #expect(summary.cell(r, 0)?.value == row[1], "汇总 row \(r): variant")
            for (c, xc, fmt) in map {
                let cell = try #require(summary.cell(r, xc), "汇总 row \(r) column \(xc) missing")
                #expect(cell.type == nil && cell.value != nil, "汇总 \(cell.ref) is not a number")
                #expect(Self.close(cell.number, row[c]), "汇总 \(cell.ref) = \(cell.value ?? "nil"), summary.csv \(row[c])")
                // A probability that would show as 0.0% or 100.0% without being 0 or 1 shows as the reports write it.
                let shown = fmt == "0.0%" ? percentText(Double(row[c]) ?? 0) : ""
                let want = shown.hasPrefix("<") ? "\"<0.1%\"" : shown.hasPrefix(">") ? "\">99.9%\"" : fmt
                #expect(formats[cell.style] == want, "汇总 \(cell.ref) format \(formats[cell.style]), want \(want)")
            }
        }
        // 资金来源 against sources.csv.
        let src = sheets[2]
        let hs = Self.headerRow(src)
        let scsv = XLSXReader.csv(dir.appendingPathComponent("sources.csv").path)
        #expect(scsv.count == 1 + 2 * 2)
        let smap: [(Int, Int, String)] = [(3, 2, "0.00"), (4, 3, "0.00"), (5, 4, "0.00"), (7, 5, "0.00"), (8, 6, "0.00"), (9, 7, "0.00"),
                                          (10, 8, "0.0%"), (11, 9, "0.0%"), (12, 10, "0.0%")]
        for (i, row) in scsv.dropFirst().enumerated() {
            #expect(src.cell(hs + 1 + i, 1)?.value == row[2])
            for (c, xc, fmt) in smap {
                let cell = try #require(src.cell(hs + 1 + i, xc))
                #expect(cell.type == nil && Self.close(cell.number, row[c]), "资金来源 \(cell.ref) = \(cell.value ?? "nil"), sources.csv \(row[c])")
                #expect(formats[cell.style] == fmt)
            }
        }
        // Formulas only in the budget table (its sums and shares); nowhere else.
        for (i, s) in sheets.enumerated() where i != 1 {
            #expect(!s.cells.contains { $0.formula != nil }, "sheet \(i + 1) has a formula")
        }
        // 审查发现: one row per finding; 主要假设: one row per input.
        #expect(!findings.isEmpty)
        let fRows = Set(sheets[5].cells.filter { $0.row > Self.headerRow(sheets[5]) && $0.column == 0 && $0.type == nil }.map(\.row))
        #expect(fRows.count == findings.count)
        let entries = AssumptionRegister.entries(loaded)
        let aRows = Set(sheets[6].cells.filter { $0.row > Self.headerRow(sheets[6]) && $0.column == 1 }.map(\.value))
        #expect(aRows == Set(entries.map(\.path)))

        // The manifest lists the workbook with its hash.
        let manifest = String(decoding: FileManager.default.contents(atPath: dir.appendingPathComponent("manifest.json").path) ?? Data(), as: UTF8.self)
        #expect(manifest.contains("结果.xlsx"))
    }

    @Test("the headline chart is a native column chart whose data are 汇总's cells, titled and scaled in Chinese and percent")
    func chart() throws {
        let dir = Self.tempDir("chart")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.run(try LoadedScenario.load(nil), findings: false, to: dir)
        let x = XLSXReader(path: dir.appendingPathComponent("结果.xlsx").path)
        #expect(x.partNames().contains("xl/charts/chart1.xml"))
        let chart = try #require(x.text("xl/charts/chart1.xml"))
        #expect(chart.contains("<c:barChart>") && chart.contains("<c:barDir val=\"col\"/>") && chart.contains("<c:grouping val=\"clustered\"/>"))
        #expect(chart.contains("各预算行资金不足的概率") && chart.contains("formatCode=\"0%\""))
        // Values: column I (资金不足概率) of 汇总, one series per variant; categories column B; names are cell references.
        let refs = chart.components(separatedBy: "<c:f>").dropFirst().map { String($0.prefix { $0 != "<" }) }
        #expect(!refs.isEmpty && refs.allSatisfy { $0.hasPrefix("汇总!") || $0.hasPrefix("'汇总'!") }, "\(refs)")
        let summary = try #require(x.sheet(0))
        let h = Self.headerRow(summary)
        #expect(refs.contains { $0.hasSuffix("!$I$\(h + 1):$I$\(h + 7)") }, "\(refs)")
        #expect(refs.contains { $0.hasSuffix("!$I$\(h + 10):$I$\(h + 16)") }, "\(refs)")
        #expect(refs.contains { $0.hasSuffix("!$B$\(h + 1):$B$\(h + 7)") }, "\(refs)")
        #expect(refs.contains { $0.hasSuffix("!$A$\(h + 1)") } && refs.contains { $0.hasSuffix("!$A$\(h + 10)") }, "\(refs)")
        // The chart is drawn on 汇总.
        #expect(x.text("xl/worksheets/_rels/sheet1.xml.rels")?.contains("drawing1.xml") == true)
    }

    @Test("概算表 reproduces the draft's budget table: amounts per source, shares of each source and of 2800万元, 小计 and 合计")
    func budgetTable() throws {
        let dir = Self.tempDir("budget")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.run(try LoadedScenario.load(nil), trials: 300, findings: false, to: dir)
        let x = XLSXReader(path: dir.appendingPathComponent("结果.xlsx").path)
        let formats = x.styleFormats()
        let s = try #require(x.sheet(1))
        func row(_ label: String, column: Int) -> Int? { s.cells.first { $0.column == column && $0.value == label }?.row }
        // The draft's figures: （一） 2000 (100%) + 600 (75.00%) = 2600 (92.86%); （七）（八） 105 (13.13%, 3.75%).
        let one = try #require(row("（一）中小企业数字化改造投入", column: 1))
        #expect(s.cell(one, 2)?.number == 2000 && s.cell(one, 4)?.number == 600)
        #expect(abs((s.cell(one, 3)?.number ?? 0) - 1) < 1e-12 && abs((s.cell(one, 5)?.number ?? 0) - 0.75) < 1e-12)
        #expect(s.cell(one, 6)?.number == 2600 && abs((s.cell(one, 7)?.number ?? 0) - 2600.0 / 2800) < 1e-12)
        #expect(formats[s.cell(one, 7)!.style] == "0.00%" && formats[s.cell(one, 2)!.style] == "0.00")
        #expect(s.cell(one, 7)?.formula?.contains("/") == true, "the share is a formula over the amounts")
        let services = try #require(row("（七）（八）数字化转型专业支撑服务", column: 1))
        #expect(abs((s.cell(services, 5)?.number ?? 0) - 105.0 / 800) < 1e-12 && abs((s.cell(services, 7)?.number ?? 0) - 105.0 / 2800) < 1e-12)
        // 小计 of part 一 (650, 81.25%) and part 二 (150, 18.75%); 合计 2800.
        let subtotals = s.cells.filter { $0.column == 0 && $0.value == "小计" }.map(\.row).sorted()
        #expect(subtotals.count == 2)
        if subtotals.count == 2 {
            #expect(s.cell(subtotals[0], 4)?.number == 650 && abs((s.cell(subtotals[0], 5)?.number ?? 0) - 0.8125) < 1e-12)
            #expect(s.cell(subtotals[1], 4)?.number == 150 && abs((s.cell(subtotals[1], 7)?.number ?? 0) - 150.0 / 2800) < 1e-12)
            #expect(s.cell(subtotals[0], 4)?.formula?.hasPrefix("SUM(") == true)
        }
        let total = try #require(row("合计", column: 0))
        #expect(s.cell(total, 2)?.number == 2000 && s.cell(total, 4)?.number == 800 && s.cell(total, 6)?.number == 2800)
        #expect(s.cell(total, 7)?.number == 1)
        // The part headings, as the draft writes them.
        #expect(s.cells.contains { $0.value == "一、着力推进智改数转，深化数字赋能增效" } && s.cells.contains { $0.value == "二、提升数转供给质效，优化协同转型生态" })
    }

    @Test("same seed: byte-identical 结果.xlsx for 1 and 2 threads, and nothing of libxlsxwriter's temporary files left")
    func identicalBytes() throws {
        let base = Self.tempDir("bytes")
        defer { try? FileManager.default.removeItem(at: base) }
        let loaded = try LoadedScenario.load(nil)
        try Self.run(loaded, seed: 11, threads: 1, trials: 2000, to: base.appendingPathComponent("a"))
        Thread.sleep(forTimeInterval: 1.1)   // a creation time from the clock would now differ
        try Self.run(loaded, seed: 11, threads: 2, trials: 2000, to: base.appendingPathComponent("b"))
        try Self.run(loaded, seed: 12, threads: 2, trials: 2000, to: base.appendingPathComponent("c"))
        let a = FileManager.default.contents(atPath: base.appendingPathComponent("a/结果.xlsx").path)
        let b = FileManager.default.contents(atPath: base.appendingPathComponent("b/结果.xlsx").path)
        let c = FileManager.default.contents(atPath: base.appendingPathComponent("c/结果.xlsx").path)
        #expect(a != nil && a == b)
        #expect(a != c, "another seed gives other numbers")
        #expect(try FileManager.default.contentsOfDirectory(atPath: base.path).sorted() == ["a", "b", "c"])
        for d in ["a", "b", "c"] {
            let names = try FileManager.default.contentsOfDirectory(atPath: base.appendingPathComponent(d).path)
            #expect(!names.contains { $0.hasPrefix("tmp") }, "\(d): \(names)")
        }
        let x = XLSXReader(path: base.appendingPathComponent("a/结果.xlsx").path)
        let core = try #require(x.text("docProps/core.xml"))
        #expect(core.contains("<dcterms:created xsi:type=\"dcterms:W3CDTF\">2000-01-01T00:00:00Z</dcterms:created>") || ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"] != nil)
        #expect(core.contains("<dc:title>\(loaded.scenario.title)</dc:title>"))
        #expect(Workbook.fixedCreationTime(["SOURCE_DATE_EPOCH": "1700000000"]) == 1_700_000_000)
        #expect(Workbook.fixedCreationTime(["SOURCE_DATE_EPOCH": "soon"]) == 946_684_800 && Workbook.fixedCreationTime([:]) == 946_684_800)
    }

    @Test("text from the scenario is written as text, never as a formula; every part stays well-formed XML")
    func hostileText() throws {
        let base = Self.tempDir("hostile")
        defer { try? FileManager.default.removeItem(at: base) }
        let corpus = ["=HYPERLINK(\"http://example.com\",\"点这里\")", "=1+1", "+SUM(A1:A9)", "-2+3", "@SUM(1)", "=cmd|' /C calc'!A0",
                      "\u{1}\u{7}\u{8}\u{b}\u{c}\u{1b}[31m控制字符\u{FFFE}", "a\r\nb\tc", "<b>&amp;</b> ]]> _x0041_",
                      String(repeating: "长", count: 40_000)]
        var loaded = try LoadedScenario.load(nil)
        loaded = HostileTextTests.hostile(loaded, 0, corpus: corpus)
        loaded.scenario.lines[0].name = corpus[2]
        loaded.scenario.lines[1].name = corpus[5]
        try Self.run(loaded, trials: 300, findings: false, to: base)
        let x = XLSXReader(path: base.appendingPathComponent("结果.xlsx").path)
        for p in x.partNames() where p.hasSuffix(".xml") || p.hasSuffix(".rels") {
            #expect(XLSXReader.walk(x.part(p) ?? Data()), "\(p) is not well-formed XML")
        }
        var formulas: [String] = []
        for i in 0..<7 { formulas += (x.sheet(i)?.cells ?? []).compactMap(\.formula) }
        // The budget table's own formulas only: cell references, SUM and IF.
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789$:+/=(),")
        #expect(formulas.allSatisfy { $0.unicodeScalars.allSatisfy(allowed.contains) }, "\(formulas.filter { !$0.unicodeScalars.allSatisfy(allowed.contains) })")
        let strings = Set(x.sharedStrings())
        // Title, variant labels, source names, line names (the line names after their clause).
        for t in corpus.prefix(6) { #expect(strings.contains { $0.hasPrefix(t) || $0.hasSuffix(t) }, "\(t) is not a text cell") }
        // Series names are references to the label cells, not text the chart would parse.
        let chart = x.text("xl/charts/chart1.xml") ?? ""
        #expect(chart.contains("<c:tx><c:strRef>"))
        #expect(!chart.contains("HYPERLINK") || chart.components(separatedBy: "<c:f>").dropFirst().allSatisfy { !$0.hasPrefix("HYPERLINK") })
    }

    @Test("a workbook that cannot be written is an OutputFolder.WriteError naming the path and the reason, and nothing is left")
    func writeFailures() throws {
        var wb = Workbook()
        var sh = Workbook.Sheet("表")
        sh.add([.header("金额\n（万元）")])
        sh.add([.money(1.5)])
        wb.sheets = [sh]
        let props = Workbook.Properties(title: "t", subject: "s")
        // A folder that does not exist.
        let missing = "/nonexistent-\(UUID().uuidString)/结果.xlsx"
        do {
            try wb.write(to: missing, shown: "Output/x/结果.xlsx", tmpdir: FileManager.default.temporaryDirectory.path, properties: props)
            Issue.record("writing into a missing folder succeeded")
        } catch let e as OutputFolder.WriteError {
            #expect(e.zh.contains("Output/x/结果.xlsx") && e.zh.contains("路径不存在"), "\(e.zh)")
            #expect(e.en.contains("Output/x/结果.xlsx"), "\(e.en)")
            #expect(!e.zh.contains("nonexistent-"), "the message names the real path, not the temporary one")
        }
        // A full disk: the file is /dev/full.
        let dir = Self.tempDir("full")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("结果.xlsx").path
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: "/dev/full")
        do {
            try wb.write(to: path, shown: "Output/x/结果.xlsx", tmpdir: dir.path, properties: props)
            Issue.record("writing to /dev/full succeeded")
        } catch let e as OutputFolder.WriteError {
            #expect(e.zh.hasPrefix("无法") && e.zh.contains("Output/x/结果.xlsx") && e.zh.contains("磁盘空间不足"), "\(e.zh)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty, "something was left behind")
    }

    @Test("column widths fit the content (a CJK character counts 2); header line breaks and wrapped text get taller rows")
    func widths() {
        #expect(Workbook.width("需求均值（万元）") == 16 && Workbook.width("P50") == 3 && Workbook.width("12.3%") == 5)
        #expect(Workbook.ref(3, 1) == "B4" && Workbook.ref(0, 26) == "AA1" && Workbook.ref(9, 7, absoluteRow: true) == "H$10")
        var sh = Workbook.Sheet("表")
        sh.add([.text("一个很长很长的标题，不算进列宽", .title)])
        sh.add([.header("需求均值\n（万元）"), .header("名称"), .header("发现")])
        sh.add([.money(1234.5), .text("正文费率"), .text(String(repeating: "很长的发现", count: 30))])
        sh.add([.percent(0.0123), .blank(), .blank()])
        let w = sh.columnWidths()
        #expect(abs(w[0] - (8 * 1.1 + 2)) < 1e-9, "\(w)")       // "需求均值" in bold is wider than "1234.50"
        #expect(abs(w[1] - (8 * 1.0 + 2)) < 1e-9, "\(w)")
        #expect(w[2] == sh.maxWidth, "long text is capped and wraps")
        let lines = sh.rowLines(widths: w)
        #expect(lines[1] == 2 && (lines[2] ?? 1) >= 4, "\(lines)")
    }
}

@Suite("结果.xlsx of compare and rebalance")
struct WhatIfWorkbookTests {
    static func write(_ wb: Workbook, tag: String) throws -> (XLSXReader, URL) {
        let dir = WorkbookTests.tempDir(tag)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("结果.xlsx").path
        try wb.write(to: path, shown: path, tmpdir: dir.path, properties: .init(title: "t", subject: "s"))
        return (XLSXReader(path: path), dir)
    }

    @Test("compare: 方案差异 and 资金来源, the chances equal compare.csv's, a chart per line and entry from the cells")
    func compare() throws {
        let loaded = try LoadedScenario.load(nil)
        let entries = loaded.variants.map { Compare.Entry(id: $0.id, label: $0.label, source: "内置情景", variant: $0) }
        let r = try Compare.run(entries, trials: 600, seed: 3, threads: 2, sampling: nil)
        let (x, dir) = try Self.write(CompareWorkbook.build(r, title: loaded.scenario.title), tag: "compare")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(x.sheetNames() == ["方案差异", "资金来源"])
        let formats = x.styleFormats()
        let s = try #require(x.sheet(0))
        let h = WorkbookTests.headerRow(s)
        #expect(s.pane["state"] == "frozen" && h >= 3)
        let csv = CompareReport.table(r)
        #expect(csv.rows.count == r.rows.count * 8)
        for (i, row) in csv.rows.enumerated() {
            // compare.csv column 8 (p_short) is 方案差异 column 6; 14 (d_p_short) is column 12.
            // The change is in percentage points (×100), as its header and summary.md say.
            for (c, xc, fmt, scale) in [(8, 6, "0.0%", 1.0), (14, 12, "+0.0;-0.0;0.0", 100.0), (7, 5, "0.00", 1.0)] {
                let cell = try #require(s.cell(h + 1 + i, xc))
                #expect(cell.type == nil && abs((cell.number ?? .nan) - (Double(CSVTable.format(row[c])) ?? .nan) * scale) < 1.01e-6 * scale, "\(cell.ref)")
                #expect(formats[cell.style] == fmt, "\(cell.ref): \(formats[cell.style])")
            }
        }
        let chart = try #require(x.text("xl/charts/chart1.xml"))
        #expect(chart.components(separatedBy: "<c:ser>").count - 1 == r.rows.count)
        let src = try #require(x.sheet(1))
        #expect(src.cells.filter { $0.row > WorkbookTests.headerRow(src) && $0.column == 3 }.count == r.rows.count * 2)
    }

    @Test("rebalance: the proposed 资金概算表 in the draft's layout (line totals as proposed), the two tables side by side, the risks")
    func rebalance() throws {
        let loaded = try LoadedScenario.load(nil)
        let st = try Rebalance.study(loaded, options: .init(alpha: 0.05, unit: 5), trials: 1500, checkTrials: 500, seed: 3, threads: 2,
                                     sampling: nil, withCaps: false)
        let (x, dir) = try Self.write(RebalanceWorkbook.build(st, loaded: loaded), tag: "rebalance")
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(x.sheetNames() == ["建议概算表", "调整前后", "资金不足风险"])
        let s = try #require(x.sheet(0))
        for (i, l) in loaded.scenario.lines.enumerated() {
            let row = try #require(s.cells.first { $0.column == 1 && $0.value == l.clause + l.name }?.row, "\(l.name)")
            #expect(abs((s.cell(row, 6)?.number ?? -1) - st.proposal.lineTotals[i]) < 0.005, "\(l.name)")
        }
        let total = try #require(s.cells.first { $0.column == 0 && $0.value == "合计" }?.row)
        #expect(abs((s.cell(total, 6)?.number ?? -1) - st.proposal.lineTotals.reduce(0, +)) < 0.005)
        #expect(s.cell(total, 7)?.number == 1)
        // Risks: one row per variant × line and one 任一预算行 row per variant; the proposal's chances as in risks.csv.
        let risks = try #require(x.sheet(2))
        let hr = WorkbookTests.headerRow(risks)
        let csv = RebalanceReport.risksTable(st)
        for (i, row) in csv.rows.enumerated() {
            #expect(WorkbookTests.close(risks.cell(hr + 1 + i, 7)?.number, CSVTable.format(row[9])), "row \(i)")
        }
    }
}
