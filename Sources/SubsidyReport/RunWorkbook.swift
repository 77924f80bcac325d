import Foundation
import SubsidyEngine
import SubsidyModel

/// 结果.xlsx of `subsidysim run`: the run's tables for a planner's workbook, in Chinese, numbers
/// stored as numbers (the CSVs' very values), with the draft's budget table and a native chart.
/// Sheets: 汇总, 概算表, 资金来源, 批次与行业, 方案差异, 审查发现, 主要假设.
public enum RunWorkbook {
    public static let fileName = "结果.xlsx"
    static let sheetNames = ["汇总", "概算表", "资金来源", "批次与行业", "方案差异", "审查发现", "主要假设"]

    typealias Cell = Workbook.Cell

    /// "（一）数字化改造" for a line, the row's own name for the two totals.
    static func lineLabel(_ l: LineSummary) -> String { l.line.map { "\($0.clause)\($0.chineseName)" } ?? l.name }

    /// What a person calls each variant: its label, with its id added where two labels are the same.
    static func variantNames(_ vs: [(id: String, label: String)]) -> [String] {
        var count: [String: Int] = [:]
        for v in vs { count[v.label, default: 0] += 1 }
        return vs.map { count[$0.label, default: 0] > 1 || $0.label.isEmpty ? "\($0.label)（\($0.id)）" : $0.label }
    }

    /// The headers of 汇总's table; the test reads the columns back by these positions.
    static let summaryHeader = [
        "方案名称", "预算行", "预算\n（万元）", "需求均值\n（万元）", "需求标准差\n（万元）", "需求P5\n（万元）", "需求P50\n（万元）",
        "需求P95\n（万元）", "资金不足\n概率", "95%区间\n下限", "95%区间\n上限", "平均缺口\n（万元）", "不足时平均\n缺口（万元）",
        "平均结余\n（万元）", "兑付率", "调剂给其他行\n（万元）",
    ]

    static func build(_ report: RunReport, summaries: [VariantSummary], variants: CSVTable, drivers: [[Drivers.Line]]) -> Workbook {
        var wb = Workbook()
        wb.sheets.append(summarySheet(report, summaries))
        wb.sheets.append(BudgetTable.sheet(BudgetTable(report.loaded.scenario), title: "\(report.loaded.scenario.title)：资金支持方向及资金概算表"))
        wb.sheets.append(sourcesSheet(summaries))
        wb.sheets.append(groupsSheet(summaries))
        wb.sheets.append(differencesSheet(report.result, variants))
        wb.sheets.append(findingsSheet(report.findings))
        wb.sheets.append(assumptionsSheet(AssumptionRegister.entries(report.loaded, drivers: drivers)))
        if let t = report.twoLevel { wb.sheets.append(twoLevelSheet(t, summaries)) }
        return wb
    }

    /// `run --two-level`: each line's P(short | world) across the worlds (two_level.csv's numbers).
    static func twoLevelSheet(_ t: TwoLevel, _ s: [VariantSummary]) -> Workbook.Sheet {
        var sh = start("假设不确定性", title: "资金不足的概率在假设组合间的分布（两层模拟）",
                       notes: ["\(t.worlds) 组假设 × 每组 \(t.perWorld) 批企业。P10–P90 之间是 80% 的假设组合；合并概率为各组的平均（标准误按假设组合计算）。"],
                       header: ["方案名称", "预算行", "合并概率", "标准误", "P10", "P50", "P90", "超过 \(percentText(t.target))\n的组合占比"], freezeColumns: 2)
        sh.columnMaxWidth[0] = 50
        for (rows, vname) in zip(t.lines, variantNames(s.map { ($0.id, $0.label) })) {
            for r in rows {
                sh.add([.text(vname), .text(r.name), .percent(r.pooled), .percent(r.pooledSE), .percent(r.p10), .percent(r.p50), .percent(r.p90),
                        .percent(r.shareAboveTarget)])
            }
        }
        return sh
    }

    /// A sheet with a title line, notes, and a frozen header row at `header`.
    static func start(_ name: String, title: String, notes: [String], header: [String], freezeColumns: Int = 0) -> Workbook.Sheet {
        var sh = Workbook.Sheet(name)
        sh.add([.text(title, .title)])
        for n in notes { sh.add([.text(n, .note)]) }
        let h = sh.add(header.map(Cell.header))
        sh.freezeRows = h + 1
        sh.freezeColumns = freezeColumns
        sh.printTitleRows = 0...h
        return sh
    }

    // MARK: 汇总

    static func summarySheet(_ report: RunReport, _ s: [VariantSummary]) -> Workbook.Sheet {
        let sc = report.loaded.scenario
        let r = report.result
        var notes = ["蒙特卡洛模拟 \(r.trials) 次（种子 \(r.model.seed)，\(report.sampling == .lhs ? "拉丁超立方抽样" : "独立抽样")），各方案使用同一批模拟企业。"
            + "金额单位：万元。资金不足概率的 95% 区间只反映模拟次数带来的误差，不反映假设本身的不确定性（见“主要假设”）。"]
        if !report.loaded.overrides.isEmpty {
            notes.append("本次另作以下修改：" + report.loaded.overrides.map { report.loaded.describe($0) }.joined(separator: "；") + "。")
        }
        if r.precisionMissed, let e = r.precisionTarget, let got = r.precisionReached {
            notes.append("注意：未达到精度目标（要求主要概率的标准误低于 \(formatNumber(e))，模拟 \(r.trials) 次后为 \(String(format: "%.2g", got))）。")
        }
        var sh = start("汇总", title: "\(sc.title)：资金需求测算结果", notes: notes, header: summaryHeader, freezeColumns: 2)
        sh.columnMaxWidth[0] = 50
        let names = variantNames(s.map { ($0.id, $0.label) })
        var seriesRows: [(first: Int, name: Int)] = []
        for (v, vname) in zip(s, names) {
            let rows = v.lines.map { ($0, Workbook.Role.body) } + [(v.total, .total), (v.allLines, .total)]
            var first = -1
            for (i, (l, role)) in rows.enumerated() {
                let given = i < v.reallocatedMean.count ? v.reallocatedMean[i] : v.reallocatedMean.reduce(0, +)
                let row = sh.add([.text(vname, role), .text(lineLabel(l), role), .money(l.budget, role),
                                  .money(l.demandMean, role), .money(l.demandSD, role), .money(l.p5, role), .money(l.p50, role),
                                  .money(l.p95, role), .percent(l.overrunProbability, role), .percent(l.overrunLow, role),
                                  .percent(l.overrunHigh, role), .money(l.unmetMean, role), .money(l.unmetGivenOverrun, role),
                                  .money(l.unspentMean, role), .percent(l.payoutRatioMean, role), .money(given, role)])
                if first < 0 { first = row }
            }
            seriesRows.append((first, first))
        }
        sh.skip()
        if let v = s.first {
            sh.add([.text("两行合计各答一个问题：“\(v.total.name)”是总需求超过总资金的概率，以及统筹后的缺口与结余；“\(v.allLines.name)”是至少一条预算行资金不足的概率，以及各行缺口、结余之和。", .note)])
            sh.add([.text("自治区资金只能用于（一），各预算行按“\(report.overrunText(sc.policy.overrun))”处理超支；因此请先看各预算行。", .note)])
        }
        // The headline chart: each line's chance of a shortfall, one series per variant, from the cells above.
        if let lines = s.first?.lines.count, lines > 0 {
            sh.skip()
            let chart = Workbook.ColumnChart(
                title: "各预算行资金不足的概率", xAxis: "预算行", yAxis: "资金不足概率",
                firstRow: seriesRows[0].first, lastRow: seriesRows[0].first + lines - 1, categoryColumn: 1,
                series: seriesRows.map { .init(nameRow: $0.name, nameColumn: 0, firstRow: $0.first, lastRow: $0.first + lines - 1, column: 8) },
                row: sh.nextRow, column: 0)
            sh.charts.append(chart)
        }
        return sh
    }

    // MARK: 资金来源, 批次与行业

    static func sourcesSheet(_ s: [VariantSummary]) -> Workbook.Sheet {
        var sh = start("资金来源", title: "各资金来源的使用与结余", notes: ["金额单位：万元。结余为资金未被兑付的部分（按各方案的超支处理规则）。"],
                       header: ["方案名称", "资金来源", "金额\n（万元）", "平均使用\n（万元）", "平均结余\n（万元）", "结余P5\n（万元）",
                                "结余P50\n（万元）", "结余P95\n（万元）", "未用完的\n概率", "95%区间\n下限", "95%区间\n上限"], freezeColumns: 2)
        sh.columnMaxWidth[0] = 50
        for (v, vname) in zip(s, variantNames(s.map { ($0.id, $0.label) })) {
            for x in v.sources {
                sh.add([.text(vname), .text(x.name), .money(x.amount), .money(x.usedMean), .money(x.unspentMean),
                        .money(x.unspentP5), .money(x.unspentP50), .money(x.unspentP95), .percent(x.notFullyUsedProbability),
                        .percent(x.notFullyUsedLow), .percent(x.notFullyUsedHigh)])
            }
        }
        return sh
    }

    static func groupsSheet(_ s: [VariantSummary]) -> Workbook.Sheet {
        var sh = start("批次与行业", title: "（一）数字化改造：按批次与行业", notes: ["企业数为模拟的均值（家）；金额单位：万元。户均补助为（一）需求除以验收通过的企业数。"],
                       header: ["方案名称", "分组类型", "分组", "企业数\n均值", "按期完成数\n均值", "验收通过数\n均值", "（一）需求均值\n（万元）",
                                "（一）兑付均值\n（万元）", "户均补助\n（万元/家）", "达上限\n比例", "实际补助\n比例"], freezeColumns: 3)
        sh.columnMaxWidth[0] = 50
        for (v, vname) in zip(s, variantNames(s.map { ($0.id, $0.label) })) {
            for b in v.batches {
                sh.add([.text(vname), .text("批次"), .text(b.name), .count(b.firms), .count(b.completed), .count(b.accepted),
                        .money(b.demand), .money(b.paid), .money(b.meanAward), .percent(b.atCapShare), .percent(b.effectiveRate)])
            }
            for g in v.segments {
                sh.add([.text(vname), .text("行业"), .text(g.name), .count(g.firms), .blank(), .count(g.accepted),
                        .money(g.demand), .blank(), .money(g.meanAward), .percent(g.atCapShare), .percent(g.effectiveRate)])
            }
        }
        return sh
    }

    // MARK: 方案差异

    /// variants.csv in Chinese: labels for ids, the line's name for its id.
    static func differencesSheet(_ r: SimulationResult, _ t: CSVTable) -> Workbook.Sheet {
        var sh = start("方案差异", title: "方案之间的差异（同一批模拟企业，逐次试验配对）",
                       notes: ["每个方案与第一个方案比较：差值 = 方案B − 方案A，金额单位：万元。"],
                       header: ["方案A", "方案B", "预算行", "需求差均值\n（万元）", "差值标准误\n（万元）", "差值P5\n（万元）", "差值P50\n（万元）",
                                "差值P95\n（万元）", "B高于A的\n概率"], freezeColumns: 3)
        let labels = Dictionary(zip(r.model.variantIDs, variantNames(Array(zip(r.model.variantIDs, r.model.variantLabels)))),
                                uniquingKeysWith: { a, _ in a })
        sh.columnMaxWidth[0] = 50
        sh.columnMaxWidth[1] = 50
        func name(_ c: CSVTable.Cell, _ f: (String) -> String) -> Cell {
            if case let .text(s) = c { return .text(f(s)) }
            return .csv(c)
        }
        for row in t.rows where row.count == 9 {
            sh.add([name(row[0]) { labels[$0] ?? $0 }, name(row[1]) { labels[$0] ?? $0 },
                    name(row[2]) { id in LineID(rawValue: id).map { "\($0.clause)\($0.chineseName)" } ?? (id == "total" ? "合计" : id) }]
                   + row[3...].map { Cell.csv($0) })
        }
        if t.rows.isEmpty { sh.add([.text("本次只有一个方案，没有方案差异。", .note)]) }
        return sh
    }

    // MARK: 审查发现

    static func findingsSheet(_ findings: [Finding]) -> Workbook.Sheet {
        var sh = start("审查发现", title: "草案审查发现", notes: ["级别：错误 — 草案自相矛盾或算不通；警告 — 需要核实；提示 — 供参考。"],
                       header: ["序号", "级别", "条款", "发现"])
        sh.columnMaxWidth[3] = 90
        for (i, f) in findings.enumerated() {
            sh.add([.integer(i + 1), .text(f.severity.chinese), .text(f.clauseText), .text(f.zh)])
        }
        if findings.isEmpty { sh.add([.text("草案审查没有发现问题。", .note)]) }
        return sh
    }

    // MARK: 主要假设

    static func assumptionsSheet(_ entries: [AssumptionRegister.Entry]) -> Workbook.Sheet {
        var sh = start("主要假设", title: "主要假设（每个输入的取值、依据与置信度）",
                       notes: ["“试验级”输入每次试验取一个值，表示对实际情况的不确定；“企业级”输入在企业之间变化。结果中的 95% 区间只反映模拟精度，不反映这些假设本身的不确定性。",
                               "“对结果的影响”：在该预算行资金不足的试验中，这个输入的中位数比全部试验高（偏高）或低（偏低）多少个标准差。"],
                       header: ["输入", "键路径", "类型", "写法", "均值与范围", "依据", "置信度", "对结果的影响"], freezeColumns: 1)
        sh.columnMaxWidth = [0: 28, 1: 34, 3: 40, 4: 40, 5: 50, 7: 30]
        for e in entries {
            let moves = e.moves.isEmpty ? (e.level == "试验级" ? "不明显" : "") : e.moves.joined(separator: "；")
            sh.add([.text(e.name), .text(e.path), .text(e.level), .text(e.written + (e.overridden ? "（本次运行时修改）" : "")),
                    .text(e.rangeText), .text(e.basis ?? "未说明"), .text(e.confidence?.rawValue ?? "未说明"), .text(moves)])
        }
        if entries.isEmpty { sh.add([.text("情景没有列出输入。", .note)]) }
        return sh
    }
}

/// The draft's 资金支持方向及资金概算表: each budget line's money per funding source, each
/// source's share going to the line, the line's total and its share of all the money, with a
/// 小计 per part of the draft and a 合计. Shares and sums are formulas over the amounts, so the
/// planner can change an amount and the table stays right.
struct BudgetTable {
    struct Line {
        var part: Int
        var label: String
        /// 万元 per source, in `sources` order.
        var amounts: [Double]
    }
    var sources: [(name: String, amount: Double)]
    var lines: [Line]

    init(sources: [(name: String, amount: Double)], lines: [Line]) {
        self.sources = sources
        self.lines = lines
    }

    /// The scenario's own table.
    init(_ sc: Scenario) {
        sources = sc.funding.map { ($0.name, $0.amount) }
        lines = sc.lines.map { l in
            Line(part: l.id.part, label: l.clause + l.name, amounts: sc.funding.map { l.budget[$0.id] ?? 0 })
        }
    }

    static func sheet(_ t: BudgetTable, title: String, name: String = "概算表") -> Workbook.Sheet {
        typealias Cell = Workbook.Cell
        var sh = Workbook.Sheet(name)
        let ns = t.sources.count
        let totalCol = 2 + 2 * ns
        let grand = t.lines.reduce(0) { $0 + $1.amounts.reduce(0, +) }
        sh.add([.text(title, .title)])
        sh.add([.text("金额单位：万元。各资金来源的“资金分配比例”为占该来源各行合计的比例；总资金预算的比例为占全部资金（\(formatNumber(grand))万元）的比例。", .note)])
        let h1 = sh.nextRow, h2 = h1 + 1
        sh.merge(h1, 0, h2, 1, .header("支持方向"))
        if ns > 0 { sh.merge(h1, 2, h1, 1 + 2 * ns, .header("资金预算安排（万元）")) }
        sh.merge(h1, totalCol, h1, totalCol + 1, .header("总资金预算（万元）"))
        for (j, s) in t.sources.enumerated() {
            sh.put(h2, 2 + 2 * j, .header("\(s.name)\n（万元）"))
            sh.put(h2, 3 + 2 * j, .header("资金分配\n比例"))
        }
        sh.put(h2, totalCol, .header("金额\n（万元）"))
        sh.put(h2, totalCol + 1, .header("资金分配\n比例"))
        sh.freezeRows = h2 + 1
        sh.printTitleRows = 0...h2
        sh.columnMinWidth[0] = 16

        let parts = [1, 2].filter { p in t.lines.contains { $0.part == p } }
        let firstBody = h2 + 1
        // Row of each part's 小计, and of 合计, known before the rows are written (shares refer to 合计).
        var rowsOfPart: [Int: [Int]] = [:], subtotalRow: [Int: Int] = [:]
        var r = firstBody
        for p in parts {
            let n = t.lines.filter { $0.part == p }.count
            rowsOfPart[p] = Array(r..<(r + n))
            subtotalRow[p] = r + n
            r += n + 1
        }
        let totalRow = r
        let sourceTotals = (0..<ns).map { j in t.lines.reduce(0) { $0 + $1.amounts[j] } }
        func money(_ x: Double) -> Double { Double(CSVTable.fixed(x, 2)) ?? 0 }
        func share(_ x: Double, of total: Double) -> Double { total == 0 ? 0 : x / total }
        /// amount (a number or a formula), its share of the column's 合计, for every amount column.
        func rowCells(_ row: Int, amounts: [Double], amountFormula: ((Int) -> String)?, role: Workbook.Role) -> [Cell] {
            var cells: [Cell] = []
            for j in 0...ns {
                let col = 2 + 2 * j
                let x = j < ns ? amounts[j] : amounts.reduce(0, +)
                let colTotal = j < ns ? sourceTotals[j] : grand
                let a = Workbook.ref(row, col), tot = Workbook.ref(totalRow, col, absoluteRow: true)
                if j == ns {
                    let f = (0..<ns).map { Workbook.ref(row, 2 + 2 * $0) }.joined(separator: "+")
                    cells.append(Cell(value: .formula(ns == 0 ? "0" : f, cached: money(x)), style: .init(role: role, number: .money)))
                } else if let amountFormula {
                    cells.append(Cell(value: .formula(amountFormula(col), cached: money(x)), style: .init(role: role, number: .money)))
                } else {
                    cells.append(Cell(value: .number(money(x)), style: .init(role: role, number: .money)))
                }
                cells.append(Cell(value: .formula("IF(\(tot)=0,0,\(a)/\(tot))", cached: share(x, of: colTotal)), style: .init(role: role, number: .share)))
            }
            return cells
        }
        for p in parts {
            let ls = t.lines.filter { $0.part == p }
            let rows = rowsOfPart[p]!
            for (l, row) in zip(ls, rows) {
                sh.put(row, 1, .text(l.label))
                for (k, c) in rowCells(row, amounts: l.amounts, amountFormula: nil, role: .body).enumerated() { sh.put(row, 2 + k, c) }
            }
            let heading = LineID.partNames[p] ?? "第\(p)部分"
            if rows.count > 1 { sh.merge(rows[0], 0, rows[rows.count - 1], 0, .text(heading)) } else { sh.put(rows[0], 0, .text(heading)) }
            let sub = subtotalRow[p]!
            let sums = (0..<ns).map { j in ls.reduce(0) { $0 + $1.amounts[j] } }
            sh.merge(sub, 0, sub, 1, .text("小计", .total))
            let cells = rowCells(sub, amounts: sums, amountFormula: { col in
                "SUM(\(Workbook.ref(rows[0], col)):\(Workbook.ref(rows[rows.count - 1], col)))"
            }, role: .total)
            for (k, c) in cells.enumerated() { sh.put(sub, 2 + k, c) }
        }
        sh.merge(totalRow, 0, totalRow, 1, .text("合计", .total))
        let cells = rowCells(totalRow, amounts: sourceTotals, amountFormula: { col in
            parts.isEmpty ? "0" : parts.map { Workbook.ref(subtotalRow[$0]!, col) }.joined(separator: "+")
        }, role: .total)
        for (k, c) in cells.enumerated() { sh.put(totalRow, 2 + k, c) }
        // Where the lines hold less (or more) of a source than the source has, say so.
        var notes: [String] = []
        for (j, s) in t.sources.enumerated() where abs(sourceTotals[j] - s.amount) > 0.005 {
            notes.append("注意：\(s.name)为 \(formatNumber(s.amount)) 万元，各预算行合计 \(formatNumber(sourceTotals[j])) 万元。")
        }
        if !notes.isEmpty {
            sh.skip()
            for n in notes { sh.add([.text(n, .note)]) }
        }
        return sh
    }
}
