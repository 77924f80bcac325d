import Foundation
import SubsidyEngine
import SubsidyModel

/// The CSV tables of `subsidysim run` (money in 万元, probabilities as fractions).
public enum RunTables {
    public static func summary(_ s: [VariantSummary]) -> CSVTable {
        var t = CSVTable(header: [
            "方案 variant", "方案名称 variant_label", "预算行 line", "条款 clause", "名称 name", "预算（万元） budget_wan",
            "需求均值（万元） demand_mean_wan", "需求标准差（万元） demand_sd_wan", "均值标准误（万元） demand_mean_se_wan",
            "需求P5（万元） demand_p5_wan", "需求P50（万元） demand_p50_wan", "需求P95（万元） demand_p95_wan",
            "超支概率 p_overrun", "超支概率95%下限 p_overrun_low95", "超支概率95%上限 p_overrun_high95", "超支概率标准误 p_overrun_se",
            "平均缺口（万元） unmet_mean_wan", "不足时平均缺口（万元） unmet_given_overrun_wan", "平均结余（万元） unspent_mean_wan",
            "兑付率（兑付均值÷需求均值） payout_ratio", "调剂给其他行（万元） reallocated_out_wan",
        ])
        for v in s {
            // Two total rows, each answering one question: all money pooled (total_pooled: P(total
            // demand > funding), pooled gap and unspent) and line by line (total_lines: P(some line
            // short), the lines' gaps and unspent money summed).
            let rows = v.lines.map { ($0, $0.line!.rawValue) } + [(v.total, "total_pooled"), (v.allLines, "total_lines")]
            for (i, (l, id)) in rows.enumerated() {
                let given = i < v.reallocatedMean.count ? v.reallocatedMean[i] : v.reallocatedMean.reduce(0, +)
                t.add([.text(v.id), .text(v.label), .text(id), .text(l.clause), .text(l.name), .money(l.budget),
                       .money(l.demandMean), .money(l.demandSD), .money(l.demandSE), .money(l.p5), .money(l.p50), .money(l.p95),
                       .fraction(l.overrunProbability), .fraction(l.overrunLow), .fraction(l.overrunHigh), .fraction(l.overrunSE),
                       .money(l.unmetMean), .money(l.unmetGivenOverrun), .money(l.unspentMean), .fraction(l.payoutRatioMean), .money(given)])
            }
        }
        return t
    }

    public static func sources(_ s: [VariantSummary]) -> CSVTable {
        var t = CSVTable(header: [
            "方案 variant", "资金来源 source", "名称 name", "金额（万元） amount_wan", "平均使用（万元） used_mean_wan",
            "平均结余（万元） unspent_mean_wan", "结余标准误（万元） unspent_se_wan", "结余P5（万元） unspent_p5_wan",
            "结余P50（万元） unspent_p50_wan", "结余P95（万元） unspent_p95_wan", "未用完概率 p_not_fully_used",
            "未用完概率95%下限 p_not_fully_used_low95", "未用完概率95%上限 p_not_fully_used_high95",
        ])
        for v in s {
            for x in v.sources {
                t.add([.text(v.id), .text(x.id), .text(x.name), .money(x.amount), .money(x.usedMean), .money(x.unspentMean),
                       .money(x.unspentSE), .money(x.unspentP5), .money(x.unspentP50), .money(x.unspentP95),
                       .fraction(x.notFullyUsedProbability), .fraction(x.notFullyUsedLow), .fraction(x.notFullyUsedHigh)])
            }
        }
        return t
    }

    public static func batches(_ s: [VariantSummary]) -> CSVTable {
        var t = CSVTable(header: [
            "方案 variant", "分组类型 group_type", "分组 group", "企业数均值 firms_mean", "按期完成数均值 completed_mean",
            "验收通过数均值 accepted_mean", "（一）需求均值（万元） demand_mean_wan", "（一）兑付均值（万元） paid_mean_wan",
            "户均补助（万元/家） award_per_accepted_wan", "达上限比例 share_at_cap", "实际补助比例 effective_rate",
        ])
        for v in s {
            for b in v.batches {
                t.add([.text(v.id), .text("批次 batch"), .text(b.name), .number(b.firms, decimals: 2), .number(b.completed, decimals: 2),
                       .number(b.accepted, decimals: 2), .money(b.demand), .money(b.paid), .money(b.meanAward), .fraction(b.atCapShare),
                       .fraction(b.effectiveRate)])
            }
            for g in v.segments {
                t.add([.text(v.id), .text("行业 segment"), .text(g.name), .number(g.firms, decimals: 2), .text(""),
                       .number(g.accepted, decimals: 2), .money(g.demand), .text(""), .money(g.meanAward), .fraction(g.atCapShare),
                       .fraction(g.effectiveRate)])
            }
        }
        return t
    }

    /// Paired differences between variants on the same trials (b − a), per line and in total: each
    /// variant against the first (n − 1 pairs, not all n(n−1)/2: 64 variants would be 2016 pairs).
    public static func variantDifferences(_ r: SimulationResult) -> CSVTable {
        var t = CSVTable(header: [
            "方案A variant_a", "方案B variant_b", "预算行 line", "需求差均值（万元，B−A） diff_mean_wan", "差值标准误（万元） diff_se_wan",
            "差值P5（万元） diff_p5_wan", "差值P50（万元） diff_p50_wan", "差值P95（万元） diff_p95_wan", "B高于A的概率 p_b_above_a",
        ])
        let L = r.layout
        let nv = r.model.variantCount
        guard nv > 1 else { return t }
        let fields = L.lines.indices.map { (L.lines[$0].rawValue, L.line($0, .demand)) } + [("total", L.total(.demand))]
        for a in 0..<1 {
            for b in (a + 1)..<nv {
                for (name, f) in fields {
                    let x = r.column(a, f), y = r.column(b, f)
                    var m = Moments()
                    var above = 0
                    var d = [Double](repeating: 0, count: x.count)
                    for i in x.indices {
                        d[i] = y[i] - x[i]
                        m.add(d[i])
                        if d[i] > 1e-9 { above += 1 }
                    }
                    let q = Statistics.quantiles(d, [0.05, 0.5, 0.95])
                    t.add([.text(r.model.variantIDs[a]), .text(r.model.variantIDs[b]), .text(name), .money(m.mean), .money(m.standardError),
                           .money(q[0]), .money(q[1]), .money(q[2]), .fraction(Double(above) / Double(Swift.max(x.count, 1)))])
                }
            }
        }
        return t
    }

    /// Histogram of total demand per variant on shared bins (density per 万元), for the chart.
    public static func distribution(_ r: SimulationResult, bins: Int = 60) -> CSVTable {
        let nv = r.model.variantCount
        let f = r.layout.total(.demand)
        let cols = (0..<nv).map { r.column($0, f) }
        var t = CSVTable(header: ["区间下限（万元） bin_low_wan", "区间上限（万元） bin_high_wan", "区间中点（万元） bin_mid_wan"]
            + r.model.variantIDs.map { "\($0) 概率密度（每万元） density_per_wan" })
        let lo = cols.compactMap { Statistics.quantiles($0, [0.0005]).first }.min() ?? 0
        let hi = cols.compactMap { Statistics.quantiles($0, [0.9995]).first }.max() ?? 1
        let budget = r.model.scenarios[0].totalFunding
        let a = Swift.min(lo, budget * 0.98), b = Swift.max(hi, budget * 1.02)
        let w = (b - a) / Double(bins)
        guard w > 0 else { return t }
        var counts = Array(repeating: Array(repeating: 0, count: bins), count: nv)
        for v in 0..<nv {
            for x in cols[v] {
                // As a Double first: an infinite or NaN value must not reach Int(_:).
                let k = ((x - a) / w).rounded(.down)
                if k >= 0 && k < Double(bins) { counts[v][Int(k)] += 1 }
            }
        }
        for i in 0..<bins {
            let l = a + Double(i) * w
            t.add([.money(l), .money(l + w), .money(l + w / 2)]
                  + (0..<nv).map { .number(Double(counts[$0][i]) / (Double(Swift.max(cols[$0].count, 1)) * w), decimals: 8) })
        }
        return t
    }

    /// P(total demand > x) per variant on a grid of x (万元).
    public static func exceedance(_ r: SimulationResult, points: Int = 101) -> CSVTable {
        let nv = r.model.variantCount
        let f = r.layout.total(.demand)
        var sorted = (0..<nv).map { r.column($0, f).sorted() }
        var t = CSVTable(header: ["总需求（万元） total_demand_wan"] + r.model.variantIDs.map { "\($0) 超过概率 p_exceed" })
        let lo = sorted.compactMap { Statistics.quantilesSorted($0, [0.001]).first }.min() ?? 0
        let hi = sorted.compactMap { Statistics.quantilesSorted($0, [0.999]).first }.max() ?? 1
        let budget = r.model.scenarios[0].totalFunding
        let a = Swift.min(lo, budget * 0.95), b = Swift.max(hi, budget * 1.05)
        // An even grid, plus the total funding itself so the headline probability is on the curve.
        let grid = ((0..<points).map { a + (b - a) * Double($0) / Double(points - 1) } + [budget]).sorted()
        for x in grid {
            let row: [CSVTable.Cell] = [.money(x)] + (0..<nv).map { v in
                let s = sorted[v]
                // Count of values > x by binary search.
                var lo = 0, hi = s.count
                while lo < hi { let mid = (lo + hi) / 2; if s[mid] > x { hi = mid } else { lo = mid + 1 } }
                return .fraction(Double(s.count - lo) / Double(Swift.max(s.count, 1)))
            }
            t.add(row)
        }
        sorted.removeAll()
        return t
    }

    /// Demand of each line as a share of its budget (p5, p50, p95), for the per-line chart.
    public static func lineChart(_ s: [VariantSummary]) -> CSVTable {
        var t = CSVTable(header: ["序号 index", "方案 variant", "预算行 line", "标签 label", "预算（万元） budget_wan",
                                  "需求P5占预算 p5_share", "需求P50占预算 p50_share", "需求P95占预算 p95_share", "超支概率 p_overrun"])
        for (vi, v) in s.enumerated() {
            for (i, l) in v.lines.enumerated() {
                let b = Swift.max(l.budget, 1e-9)
                t.add([.number(Double(i) + (Double(vi) - Double(s.count - 1) / 2) * 0.25, decimals: 3), .text(v.id),
                       .text(l.line?.rawValue ?? ""), .text("\(l.clause)\(l.line?.chineseName ?? l.name)"), .money(l.budget),
                       .fraction(l.p5 / b), .fraction(l.p50 / b), .fraction(l.p95 / b), .fraction(l.overrunProbability)])
            }
        }
        return t
    }

    /// Every trial: inputs, per-line demand, total, source unspent (`--dump-trials`).
    public static func trials(_ r: SimulationResult) -> CSVTable {
        let L = r.layout
        let nv = r.model.variantCount
        var header = ["试验 trial"] + r.model.inputs.map { "\($0.label) \($0.id)" }
        for v in 0..<nv {
            let id = r.model.variantIDs[v]
            header += L.lines.map { "\(id) \($0.chineseName)需求（万元） \($0.rawValue)_demand_wan" }
            header += ["\(id) 总需求（万元） total_demand_wan", "\(id) 总兑付（万元） total_paid_wan"]
            header += L.sources.map { "\(id) \($0)结余（万元） \($0)_unspent_wan" }
        }
        var t = CSVTable(header: header)
        for i in 0..<r.trials {
            var row: [CSVTable.Cell] = [.integer(i)]
            row += r.inputValues.map { .number($0[i], decimals: 6) }
            for v in 0..<nv { row += r.stored[v].map { .money($0[i]) } }
            t.add(row)
        }
        return t
    }
}

extension RunTables {
    /// Histogram of the paired difference in total demand, variant 2 − variant 1.
    public static func variantDifferenceHistogram(_ r: SimulationResult, bins: Int = 60) -> CSVTable {
        var t = CSVTable(header: ["区间下限（万元） bin_low_wan", "区间上限（万元） bin_high_wan", "区间中点（万元） bin_mid_wan",
                                  "概率密度（每万元） density_per_wan"])
        guard r.model.variantCount > 1 else { return t }
        let f = r.layout.total(.demand)
        let a = r.column(0, f), b = r.column(1, f)
        let d = zip(b, a).map { $0 - $1 }
        let q = Statistics.quantiles(d, [0.0005, 0.9995])
        var lo = Swift.min(q[0], 0), hi = Swift.max(q[1], 0)
        if hi - lo < 1e-9 { lo -= 1; hi += 1 }
        let w = (hi - lo) / Double(bins)
        var counts = [Int](repeating: 0, count: bins)
        for x in d {
            let k = ((x - lo) / w).rounded(.down)
            if k >= 0 && k < Double(bins) { counts[Int(k)] += 1 } else if k == Double(bins) { counts[bins - 1] += 1 }
        }
        for i in 0..<bins {
            let l = lo + Double(i) * w
            t.add([.money(l), .money(l + w), .money(l + w / 2), .number(Double(counts[i]) / (Double(Swift.max(d.count, 1)) * w), decimals: 8)])
        }
        return t
    }
}

extension RunTables {
    /// One row per funding source, three columns (mean, p5, p95 of unspent money, 万元) per variant.
    public static func unspentChart(_ s: [VariantSummary]) -> CSVTable {
        var t = CSVTable(header: ["资金来源 source"] + s.flatMap { v in
            ["\(v.id) 平均结余（万元） unspent_mean_wan", "\(v.id) 结余P5（万元） unspent_p5_wan", "\(v.id) 结余P95（万元） unspent_p95_wan"]
        })
        guard let first = s.first else { return t }
        for (i, src) in first.sources.enumerated() {
            var row: [CSVTable.Cell] = [.text(src.name)]
            for v in s where i < v.sources.count {
                row += [.money(v.sources[i].unspentMean), .money(v.sources[i].unspentP5), .money(v.sources[i].unspentP95)]
            }
            t.add(row)
        }
        return t
    }
}
