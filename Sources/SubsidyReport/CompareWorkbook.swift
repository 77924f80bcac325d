import Foundation
import SubsidyEngine
import SubsidyModel

/// 结果.xlsx of `subsidysim compare`: 方案差异 (every entry × line against the first, with a native
/// chart of the chances of a shortfall) and 资金来源, in Chinese, numbers as numbers.
enum CompareWorkbook {
    typealias Cell = Workbook.Cell

    /// A change of a probability in percentage points, with its sign (+2.3 under a header saying
    /// 百分点, as summary.md writes "+2.3 个百分点"; shown as a percent, −7.3% read as a relative change).
    static func change(_ x: Double) -> Cell {
        Cell.number(x * 100, .signedPoints, csvDecimals: 4)
    }

    static func build(_ r: Compare.Result, title: String) -> Workbook {
        var wb = Workbook()
        wb.sheets = [differences(r, title: title), sources(r)]
        return wb
    }

    static func differences(_ r: Compare.Result, title: String) -> Workbook.Sheet {
        let ref = r.rows.first?.entry.label ?? ""
        var sh = RunWorkbook.start("方案差异", title: "\(title)：各方案资金不足的概率",
                                   notes: ["共 \(r.rows.count) 个方案，同一次模拟（每个 \(r.trials) 次试验，种子 \(r.seed)）；与方案0「\(ref)」比较，差值为逐次试验配对之差，95% 区间只反映模拟误差。金额单位：万元。"],
                                   header: ["序号", "方案", "来源", "同一批\n企业", "预算行", "预算\n（万元）", "资金不足\n概率", "95%区间\n下限",
                                            "95%区间\n上限", "需求均值\n（万元）", "需求P95\n（万元）", "平均结余\n（万元）", "不足概率变化\n（百分点）",
                                            "变化的95%\n区间下限", "变化的95%\n区间上限", "需求均值变化\n（万元）", "结余变化\n（万元）"],
                                   freezeColumns: 2)
        sh.columnMaxWidth[1] = 50
        sh.columnMaxWidth[2] = 36
        let names = RunWorkbook.variantNames(r.rows.map { ($0.entry.id, $0.entry.label) })
        var firstRows: [Int] = []
        for (k, (row, name)) in zip(r.rows, names).enumerated() {
            let same = k == 0 ? "（参照）" : row.sameFirms ? "是" : "否"
            let s = row.summary
            for (i, l) in s.lines.enumerated() {
                let dp = row.shortDifference[i], dd = row.demandDifference[i], du = row.unspentDifference[i]
                let at = sh.add([.integer(k), .text(name), .text(row.entry.source), .text(same), .text(RunWorkbook.lineLabel(l)), .money(l.budget),
                                 .percent(l.overrunProbability), .percent(l.overrunLow), .percent(l.overrunHigh), .money(l.demandMean),
                                 .money(l.p95), .money(l.unspentMean), change(dp.mean), change(dp.low), change(dp.high),
                                 .money(dd.mean), .money(du.mean)])
                if i == 0 { firstRows.append(at) }
            }
            let a = row.anyShortDifference
            sh.add([.integer(k, .total), .text(name, .total), .text(row.entry.source, .total), .text(same, .total), .text("任一预算行", .total),
                    .money(s.allLines.budget, .total), .percent(s.anyLineShort, .total), .percent(s.anyLineShortLow, .total),
                    .percent(s.anyLineShortHigh, .total), .money(s.allLines.demandMean, .total), .money(s.allLines.p95, .total),
                    .money(s.allLines.unspentMean, .total), change(a.mean), change(a.low), change(a.high), .blank(.total), .blank(.total)])
        }
        let lines = r.rows.first?.summary.lines.count ?? 0
        if lines > 0, (1...8).contains(r.rows.count) {
            sh.skip()
            sh.charts.append(Workbook.ColumnChart(
                title: "各方案各预算行资金不足的概率", xAxis: "预算行", yAxis: "资金不足概率",
                firstRow: firstRows[0], lastRow: firstRows[0] + lines - 1, categoryColumn: 4,
                series: firstRows.map { .init(nameRow: $0, nameColumn: 1, firstRow: $0, lastRow: $0 + lines - 1, column: 6) },
                row: sh.nextRow, column: 0))
        }
        return sh
    }

    static func sources(_ r: Compare.Result) -> Workbook.Sheet {
        var sh = RunWorkbook.start("资金来源", title: "各方案各资金来源的结余", notes: ["金额单位：万元。结余变化为与方案0相比（逐次试验配对）。"],
                                   header: ["序号", "方案", "资金来源", "金额\n（万元）", "平均结余\n（万元）", "未用完的\n概率", "结余变化\n（万元）",
                                            "变化的95%\n区间下限", "变化的95%\n区间上限"], freezeColumns: 2)
        sh.columnMaxWidth[1] = 50
        let names = RunWorkbook.variantNames(r.rows.map { ($0.entry.id, $0.entry.label) })
        for (k, (row, name)) in zip(r.rows, names).enumerated() {
            for (j, src) in row.summary.sources.enumerated() {
                let d = j < row.sourceUnspentDifference.count ? row.sourceUnspentDifference[j] : nil
                sh.add([.integer(k), .text(name), .text(src.name), .money(src.amount), .money(src.unspentMean), .percent(src.notFullyUsedProbability),
                        d.map { .money($0.mean) } ?? .blank(), d.map { .money($0.low) } ?? .blank(), d.map { .money($0.high) } ?? .blank()])
            }
        }
        return sh
    }
}

/// 结果.xlsx of `subsidysim rebalance`: the proposed 资金概算表 in the draft's layout (with shares),
/// the draft's and the proposal's amounts side by side, and the risks before and after.
enum RebalanceWorkbook {
    typealias Cell = Workbook.Cell

    static func build(_ st: Rebalance.Study, loaded: LoadedScenario) -> Workbook {
        let s = loaded.scenario
        var wb = Workbook()
        let proposed = BudgetTable(
            sources: s.funding.enumerated().map { j, f in (f.name, f.amount + (j < st.proposal.extra.count ? st.proposal.extra[j] : 0)) },
            lines: s.lines.enumerated().map { i, l in
                BudgetTable.Line(part: l.id.part, label: l.clause + l.name,
                                 amounts: s.funding.indices.map { j in i < st.proposal.budgets.count && j < st.proposal.budgets[i].count ? st.proposal.budgets[i][j] : 0 })
            })
        wb.sheets.append(BudgetTable.sheet(proposed, title: "\(s.title)：资金支持方向及资金概算表（建议）", name: "建议概算表"))
        wb.sheets.append(comparison(RebalanceReport.budgetTable(st, scenario: s), scenario: s))
        wb.sheets.append(risks(st))
        return wb
    }

    /// budget_table.csv in Chinese: per line the draft's and the proposal's money per source.
    static func comparison(_ t: CSVTable, scenario s: Scenario) -> Workbook.Sheet {
        var header = ["支持方向", "条款", "预算行"]
        for f in s.funding { header += ["\(f.name)\n草案（万元）", "\(f.name)\n建议（万元）", "\(f.name)\n分配比例（建议）"] }
        header += ["合计\n草案（万元）", "合计\n建议（万元）", "增减\n（万元）"]
        var sh = RunWorkbook.start("调整前后", title: "草案与建议的资金概算对比", notes: ["金额单位：万元。分配比例为占该来源资金（含建议增加的资金）的比例。"],
                                   header: header, freezeColumns: 3)
        sh.columnMaxWidth[0] = 42
        for row in t.rows {
            let total = row.count > 2 && { if case let .text(x) = row[2] { return x.hasPrefix("小计") || x.hasPrefix("合计") }; return false }()
            let role: Workbook.Role = total ? .total : .body
            sh.add(row.enumerated().map { i, c in
                // "小计 subtotal" / "合计 total": the Chinese word only.
                if i == 2, case let .text(x) = c, total { return .text(String(x.prefix { $0 != " " }), role) }
                // Shares as the draft's table prints them (13.13%).
                if case let .fraction(x) = c { var p = Cell.percent(x, role); p.style.number = .share; return p }
                return .csv(c, role)
            })
        }
        return sh
    }

    static func risks(_ st: Rebalance.Study) -> Workbook.Sheet {
        var sh = RunWorkbook.start("资金不足风险", title: "调整前后各预算行资金不足的概率",
                                   notes: ["用另一组随机数（检验试验，与拟合建议的试验不同）重新模拟草案与建议。金额单位：万元。"],
                                   header: ["方案名称", "预算行", "预算（草案）\n（万元）", "预算（建议）\n（万元）", "不足概率\n（草案）", "95%区间\n下限",
                                            "95%区间\n上限", "不足概率\n（建议）", "95%区间\n下限", "95%区间\n上限", "拟合试验中\n的不足比例",
                                            "平均结余（草案）\n（万元）", "平均结余（建议）\n（万元）"], freezeColumns: 2)
        sh.columnMaxWidth[0] = 50
        let labels = st.comparedLabels
        let names = RunWorkbook.variantNames(st.before.indices.map { (st.before[$0].id, labels[$0]) })
        for (v, (b, a)) in zip(st.before, st.after).enumerated() {
            let fitted = st.fittedVariants.firstIndex(of: v)
            for (i, (lb, la)) in zip(b.lines, a.lines).enumerated() {
                let f: Cell = fitted.flatMap { k in k < st.proposal.fittedShort.count && i < st.proposal.fittedShort[k].count ? .percent(st.proposal.fittedShort[k][i]) : nil } ?? .blank()
                sh.add([.text(names[v]), .text(RunWorkbook.lineLabel(lb)), .money(lb.budget), .money(la.budget),
                        .percent(lb.overrunProbability), .percent(lb.overrunLow), .percent(lb.overrunHigh),
                        .percent(la.overrunProbability), .percent(la.overrunLow), .percent(la.overrunHigh), f,
                        .money(lb.unspentMean), .money(la.unspentMean)])
            }
            let f: Cell = fitted.flatMap { k in k < st.proposal.fittedAnyShort.count ? .percent(st.proposal.fittedAnyShort[k], .total) : nil } ?? .blank(.total)
            sh.add([.text(names[v], .total), .text("任一预算行", .total), .money(b.allLines.budget, .total), .money(a.allLines.budget, .total),
                    .percent(b.anyLineShort, .total), .percent(b.anyLineShortLow, .total), .percent(b.anyLineShortHigh, .total),
                    .percent(a.anyLineShort, .total), .percent(a.anyLineShortLow, .total), .percent(a.anyLineShortHigh, .total), f,
                    .money(b.allLines.unspentMean, .total), .money(a.allLines.unspentMean, .total)])
        }
        return sh
    }
}
