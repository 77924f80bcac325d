internal import CGSL
public import SubsidyModel

/// Statistics of simulated quantities (the "analyse" stage).
public enum Statistics {
    /// 97.5th percentile of the standard normal.
    public static let z975 = 1.959963984540054

    /// Wilson score interval for a binomial proportion (95% by default): centre
    /// (p̂ + z²/2n)/(1 + z²/n), half-width z·√(p̂(1−p̂)/n + z²/4n²)/(1 + z²/n). Never outside [0, 1].
    public static func wilson(successes: Int, trials: Int, z: Double = z975) -> (low: Double, high: Double) {
        guard trials > 0 else { return (0, 1) }
        let n = Double(trials), p = Double(successes) / n
        let z2 = z * z
        let denom = 1 + z2 / n
        let centre = (p + z2 / (2 * n)) / denom
        let half = z * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot() / denom
        // At 0 (or n) successes the bound is exactly 0 (or 1); centre ∓ half only rounds to it.
        return (successes <= 0 ? 0 : Swift.max(0, centre - half), successes >= trials ? 1 : Swift.min(1, centre + half))
    }

    /// The Wilson interval of a proportion estimated as a mean of 0/1 values over `trials`.
    public static func wilson(proportion p: Double, trials: Int) -> (low: Double, high: Double) {
        wilson(successes: Int((p * Double(trials)).rounded()), trials: trials)
    }

    /// Exact sample quantiles (linear interpolation between order statistics, Hyndman–Fan type 7,
    /// as `gsl_stats_quantile_from_sorted_data` on the sorted data): with h = p·(n − 1),
    /// k = ⌊h⌋, δ = h − k, Q(p) = (1 − δ)·x₍ₖ₎ + δ·x₍ₖ₊₁₎ (0-based order statistics).
    ///
    /// The data is never sorted: each quantile is a quickselect of x₍ₖ₎ on one copy of `xs`
    /// (which the selections only permute), then one scan of the values above it for x₍ₖ₊₁₎.
    /// Cost: O(n) memory for the copy; expected O(n) time per quantile, O(n²) in the worst case
    /// of the median-of-three pivot. Empty `xs`: every quantile is 0.
    public static func quantiles(_ xs: [Double], _ ps: [Double]) -> [Double] {
        guard !xs.isEmpty else { return ps.map { _ in 0 } }
        // Selection instead of a full sort: O(n) per quantile, the same order statistics and the
        // same interpolation as `gsl_stats_quantile_from_sorted_data`: (1 − δ)·x₍ₖ₎ + δ·x₍ₖ₊₁₎.
        var a = xs
        let n = a.count
        return a.withUnsafeMutableBufferPointer { b in
            ps.map { p in
                let index = p * Double(n - 1)
                let k = Swift.min(Swift.max(Int(index.rounded(.down)), 0), n - 1)
                let delta = index - Double(k)
                let lhs = select(b, k)
                guard k < n - 1, delta > 0 else { return lhs }
                var rhs = Double.infinity
                for i in (k + 1)..<n where b[i] < rhs { rhs = b[i] }
                return (1 - delta) * lhs + delta * rhs
            }
        }
    }

    /// Hoare's quickselect (median-of-three pivot): reorders `a` so the k-th smallest value (0-based)
    /// is at index k, with smaller or equal values before it and larger or equal after, and returns
    /// it. Partial: neither side is sorted. Expected O(n), worst case O(n²).
    static func select(_ a: UnsafeMutableBufferPointer<Double>, _ k: Int) -> Double {
        var lo = 0, hi = a.count - 1
        while hi > lo {
            let mid = lo + (hi - lo) / 2
            if a[mid] < a[lo] { a.swapAt(mid, lo) }
            if a[hi] < a[lo] { a.swapAt(hi, lo) }
            if a[hi] < a[mid] { a.swapAt(hi, mid) }
            let pivot = a[mid]
            var i = lo, j = hi
            while i <= j {
                while a[i] < pivot { i += 1 }
                while a[j] > pivot { j -= 1 }
                if i <= j { a.swapAt(i, j); i += 1; j -= 1 }
            }
            if k <= j { hi = j } else if k >= i { lo = i } else { break }
        }
        return a[k]
    }

    /// The same quantiles of data that is already sorted ascending (GSL's
    /// `gsl_stats_quantile_from_sorted_data`): O(1) per quantile. Empty `s`: every quantile is 0.
    public static func quantilesSorted(_ s: [Double], _ ps: [Double]) -> [Double] {
        guard !s.isEmpty else { return ps.map { _ in 0 } }
        return s.withUnsafeBufferPointer { b in ps.map { gsl_stats_quantile_from_sorted_data(b.baseAddress, 1, b.count, $0) } }
    }
}

/// One budget line (or the total) under one variant: what `summary.csv` prints.
public struct LineSummary: Sendable {
    public var line: LineID?
    public var name: String
    public var clause: String
    public var budget: Double
    public var demandMean: Double
    public var demandSD: Double
    public var demandSE: Double
    public var p5: Double
    public var p50: Double
    public var p95: Double
    public var overrunProbability: Double
    public var overrunLow: Double
    public var overrunHigh: Double
    public var overrunSE: Double
    public var unmetMean: Double
    public var unspentMean: Double
    public var payoutRatioMean: Double
    /// Mean unmet demand given an overrun (万元), 0 when no trial overran.
    public var unmetGivenOverrun: Double
}

public struct SourceSummary: Sendable {
    public var id: String
    public var name: String
    public var amount: Double
    public var usedMean: Double
    public var unspentMean: Double
    public var unspentSE: Double
    public var unspentP5: Double
    public var unspentP50: Double
    public var unspentP95: Double
    public var notFullyUsedProbability: Double
    public var notFullyUsedLow: Double
    public var notFullyUsedHigh: Double
}

public struct GroupSummary: Sendable {
    public var name: String
    public var firms: Double
    public var completed: Double
    public var accepted: Double
    public var demand: Double
    public var paid: Double
    /// Mean （一） award per accepted firm (ratio of means).
    public var meanAward: Double
    /// Share of accepted firms whose award is at the cap.
    public var atCapShare: Double
    /// Award ÷ eligible investment over accepted firms.
    public var effectiveRate: Double
}

public struct VariantSummary: Sendable {
    public var id: String
    public var label: String
    public var lines: [LineSummary]
    /// The total as if all money could be pooled (moved freely between lines and sources): every
    /// figure answers that question — P(total demand > total funding), the pooled gap
    /// E[max(0, D − F)], the pooled unspent E[max(0, F − D)], the pooled payout ratio.
    public var total: LineSummary
    /// The total as the measure runs, line by line under its overrun rule: P(some line runs short),
    /// the sum of the lines' gaps and unspent money, paid over demand.
    public var allLines: LineSummary
    public var sources: [SourceSummary]
    public var batches: [GroupSummary]
    public var segments: [GroupSummary]
    /// P(at least one budget line's demand exceeds its budget), with its 95% Wilson interval.
    public var anyLineShort: Double
    public var anyLineShortLow: Double
    public var anyLineShortHigh: Double
    /// Mean county money each line gave to others under `reallocate` (万元), in line order.
    public var reallocatedMean: [Double]
    public var ceilingCutsMean: Double
    public var benchmarkFirmsMean: Double
    public var smartFactoriesMean: Double
    public var cloudFirmsMean: Double
}

extension SimulationResult {
    /// Summaries per variant (Scenarios/MODEL.md §8).
    public func summaries() -> [VariantSummary] {
        let L = layout
        return (0..<model.variantCount).map { v in
            let s = model.scenarios[v]
            let m = moments[v]
            func lineSummary(_ i: Int?, name: String, clause: String, budget: Double, demandField: Int, paidField: Int,
                             overrunField: Int, unmetField: Int, unspentField: Int, unmetIfOverrunField: Int) -> LineSummary {
                let col = column(v, demandField)
                let q = Statistics.quantiles(col, [0.05, 0.5, 0.95])
                let pOver = m[overrunField].mean
                let succ = Int((pOver * Double(trials)).rounded())
                let w = Statistics.wilson(successes: succ, trials: trials)
                // Mean unmet demand in the trials that overran: E[unmet·1{overrun}] / P(overrun).
                let unmetGiven = pOver > 0 ? m[unmetIfOverrunField].mean / pOver : 0
                // Payout ratio as a ratio of means (paid over demand), the same for lines and total.
                let payout = m[demandField].mean > 0 ? m[paidField].mean / m[demandField].mean : 1
                return LineSummary(line: i.map { L.lines[$0] }, name: name, clause: clause, budget: budget,
                                   demandMean: m[demandField].mean, demandSD: m[demandField].sd, demandSE: m[demandField].standardError,
                                   p5: q[0], p50: q[1], p95: q[2], overrunProbability: pOver, overrunLow: w.low, overrunHigh: w.high,
                                   overrunSE: (pOver * (1 - pOver) / Double(Swift.max(trials, 1))).squareRoot(),
                                   unmetMean: m[unmetField].mean, unspentMean: m[unspentField].mean, payoutRatioMean: payout,
                                   unmetGivenOverrun: unmetGiven)
            }
            let lines = L.lines.enumerated().map { i, l -> LineSummary in
                let bl = s.line(l)
                return lineSummary(i, name: bl?.name ?? l.chineseName, clause: bl?.clause ?? l.clause, budget: bl?.total ?? 0,
                                   demandField: L.line(i, .demand), paidField: L.line(i, .paid), overrunField: L.line(i, .overrun),
                                   unmetField: L.line(i, .unmet), unspentField: L.line(i, .unspent), unmetIfOverrunField: L.line(i, .unmetIfOverrun))
            }
            // Two totals, each row answering one question (see VariantSummary.total and .allLines).
            var total = lineSummary(nil, name: "合计（若资金可统筹使用）", clause: "", budget: s.totalFunding, demandField: L.total(.demand),
                                    paidField: L.total(.paid), overrunField: L.total(.overrun), unmetField: L.total(.gapIfOverrun),
                                    unspentField: L.total(.unspent), unmetIfOverrunField: L.total(.gapIfOverrun))
            // max(0, F − D) = F − D + max(0, D − F); min(D, F) = D − max(0, D − F).
            let gap = m[L.total(.gapIfOverrun)].mean, demand = m[L.total(.demand)].mean
            total.unspentMean = s.totalFunding - demand + gap
            total.payoutRatioMean = demand > 0 ? (demand - gap) / demand : 1
            var allLines = lineSummary(nil, name: "合计（各预算行分别执行）", clause: "", budget: s.totalFunding, demandField: L.total(.demand),
                                       paidField: L.total(.paid), overrunField: L.total(.anyLineShort), unmetField: L.total(.unmet),
                                       unspentField: L.total(.unspent), unmetIfOverrunField: L.total(.unmet))
            // Unmet demand is positive only in trials where some line ran short, so E[unmet | short] = E[unmet] / P(short).
            allLines.unmetGivenOverrun = allLines.overrunProbability > 0 ? allLines.unmetMean / allLines.overrunProbability : 0
            let sources = L.sources.enumerated().map { i, id -> SourceSummary in
                let src = s.funding.first { $0.id == id }
                let col = column(v, L.source(i, .unspent))
                let q = Statistics.quantiles(col, [0.05, 0.5, 0.95])
                let p = m[L.source(i, .notFullyUsed)].mean
                let w = Statistics.wilson(proportion: p, trials: trials)
                return SourceSummary(id: id, name: src?.name ?? id, amount: src?.amount ?? 0, usedMean: m[L.source(i, .used)].mean,
                                     unspentMean: m[L.source(i, .unspent)].mean, unspentSE: m[L.source(i, .unspent)].standardError,
                                     unspentP5: q[0], unspentP50: q[1], unspentP95: q[2],
                                     notFullyUsedProbability: p, notFullyUsedLow: w.low, notFullyUsedHigh: w.high)
            }
            func ratio(_ a: Double, _ b: Double) -> Double { b > 0 ? a / b : 0 }
            let batches = (0..<L.batches).map { b -> GroupSummary in
                let f = { (x: RecordLayout.BatchField) in m[L.batch(b, x)].mean }
                return GroupSummary(name: b < s.policy.batches.count ? s.policy.batches[b].name : FieldInfo.batchName(b),
                                    firms: f(.firms), completed: f(.completed), accepted: f(.accepted), demand: f(.demand), paid: f(.paid),
                                    meanAward: ratio(f(.demand), f(.accepted)), atCapShare: ratio(f(.atCap), f(.accepted)),
                                    effectiveRate: ratio(f(.demand), f(.eligible)))
            }
            let segments = (0..<L.segments).map { g -> GroupSummary in
                let f = { (x: RecordLayout.SegmentField) in m[L.segment(g, x)].mean }
                return GroupSummary(name: g < s.population.segments.count ? s.population.segments[g].name : "segment \(g + 1)",
                                    firms: f(.firms), completed: 0, accepted: f(.accepted), demand: f(.demand), paid: 0,
                                    meanAward: ratio(f(.demand), f(.accepted)), atCapShare: ratio(f(.atCap), f(.accepted)),
                                    effectiveRate: ratio(f(.demand), f(.eligible)))
            }
            let pAny = m[L.total(.anyLineShort)].mean
            let wAny = Statistics.wilson(proportion: pAny, trials: trials)
            return VariantSummary(id: model.variantIDs[v], label: model.variantLabels[v], lines: lines, total: total, allLines: allLines, sources: sources,
                                  batches: batches, segments: segments, anyLineShort: pAny, anyLineShortLow: wAny.low, anyLineShortHigh: wAny.high,
                                  reallocatedMean: L.lines.indices.map { m[L.line($0, .reallocated)].mean },
                                  ceilingCutsMean: m[L.misc(.ceilingCuts)].mean,
                                  benchmarkFirmsMean: m[L.misc(.benchmarkFirms)].mean, smartFactoriesMean: m[L.misc(.smartFactories)].mean,
                                  cloudFirmsMean: m[L.misc(.cloudFirms)].mean)
        }
    }
}
