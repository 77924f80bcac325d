// The cell shortcut of the trial kernel: （一）–（五） demand from per-cell sums when no firm can reach the ceiling.
import Foundation
import SubsidyModel

extension TrialKernel {
    /// True when no firm's awards can reach the per-project ceiling and no payment needs per-firm
    /// awards (lottery): then a line's demand depends on the firms only through sums, and
    /// `applyByCells` computes it without visiting firms. Sweeps over caps and rates live here.
    func canSkipFirms(_ cv: CompiledVariant, group g: CompiledGroup, funded: Int) -> Bool {
        guard !forceFirmLoop, cv.overrun != .lottery else { return false }
        let chain = g.holderIsTopFirm && funded > 0 ? caseAwards[0] : 0
        return cv.mostUnderCeiling(chainCase: chain) <= cv.ceiling
    }

    /// （一）–（五） demand without a pass over the firms: per batch × segment cell, accepted firms'
    /// eligible investments sorted once per trial (per hardware rule), so Σ min(rate·e, cap) =
    /// rate·(sum of e below cap/rate) + cap·(count at or above it), found by binary search.
    /// Cost O(cells · log n) per variant instead of O(n).
    mutating func applyByCells(_ cv: CompiledVariant, group g: CompiledGroup, funded: Int,
                               sums: inout FirmLevelAwards,
                               misc: inout AwardTallies,
                               record r: UnsafeMutableBufferPointer<Double>) {
        let L = model.layout
        let ci = cellIndex(limit: cv.hardwareLimit, rule: cv.hardwareRule)
        let set = cellSets[ci]   // shares storage with the kernel's buffers: no copy
        let ns = L.segments
        set.values.withUnsafeBufferPointer { e in
            set.prefix.withUnsafeBufferPointer { pre in
                for b in 0..<Swift.min(cv.rates.count, L.batches) {
                    let rate = cv.rates[b], cap = cv.caps[b]
                    for sg in 0..<ns {
                        let c = b * ns + sg
                        let o1 = set.offsets[c], o2 = set.offsets[c + 1], n = o2 - o1
                        guard n > 0 else { continue }
                        // Sorted when many variants (sweep points) share these firms; otherwise a straight pass is cheaper.
                        let demand: Double, atCap: Double
                        if set.isSorted {
                            (demand, atCap) = Rules.transformationSum(sorted: e, prefix: pre, o1..<o2, rate: rate, cap: cap)
                        } else {
                            (demand, atCap) = Rules.transformationSum(eligible: e, o1..<o2, rate: rate, cap: cap)
                        }
                        sums.transformation += demand
                        r[L.batch(b, .demand)] += demand
                        r[L.batch(b, .eligible)] += set.total[c]
                        r[L.segment(sg, .demand)] += demand
                        r[L.segment(sg, .eligible)] += set.total[c]
                        if rate > 0 && cap > 0 { r[L.batch(b, .awarded)] += Double(set.positive[c]) }
                        r[L.batch(b, .atCap)] += atCap
                        r[L.segment(sg, .atCap)] += atCap
                    }
                }
            }
        }
        // （二）–（五） as counts × `Rules.firmAwards`'s amounts: no ceiling can cut here, so every
        // selected, rated or deploying firm gets the clause's amount.
        let p = cv.policy
        let bench = Swift.min(cv.benchmarkCount, rank.count)
        if p.benchmarkAmount > 0 { misc.benchmarkFirms = Double(bench); sums.benchmark = Double(bench) * Rules.benchmark(selected: true, policy: p) }
        if p.smartFactoryAmount > 0 { misc.smartFactories = Double(smartAccepted); sums.smartFactory = Double(smartAccepted) * Rules.smartFactory(rated: true, policy: p) }
        if p.cloudAmount > 0 { misc.cloudFirms = Double(cloudFirms); sums.cloud = Double(cloudFirms) * Rules.cloud(deployed: true, policy: p) }
        if g.holderIsTopFirm {
            for i in 0..<Swift.min(funded, rank.count) { sums.chainCase += Rules.chainCase(merit: caseAwards[i], amount: p.chainCaseAmount) }
        }
    }

    /// The cells for a hardware rule, built on first use in the trial (buffers reused across trials):
    /// a counting sort of accepted firms' eligible investments by batch × segment.
    mutating func cellIndex(limit: Double, rule: HardwareRule) -> Int {
        if let i = cellKeys.firstIndex(where: { $0.limit == limit && $0.rule == rule }) { return i }
        let L = model.layout
        let ns = L.segments, cells = L.batches * ns
        let k = cellKeys.count
        if cellSets.count <= k { cellSets.append(CellSet()) }
        let n = firmCount
        if cellOf.count < n { cellOf = [Int](repeating: -1, count: Swift.max(n, 64) * 2); cellValue = [Double](repeating: 0, count: Swift.max(n, 64) * 2) }
        if cellCounts.count != cells + 1 { cellCounts = [Int](repeating: 0, count: cells + 1); cellFill = cellCounts }
        for c in 0...cells { cellCounts[c] = 0 }
        var kept = 0
        let cap = firmCapacity, accepted = acceptedCount
        // Buffer pointers throughout: a store into an array property costs a uniqueness check.
        real.withUnsafeBufferPointer { R in
        small.withUnsafeBufferPointer { S in
        acceptedFirms.withUnsafeBufferPointer { AC in
        cellOf.withUnsafeMutableBufferPointer { cellOf in
        cellValue.withUnsafeMutableBufferPointer { cellValue in
        cellCounts.withUnsafeMutableBufferPointer { counts in
            for j in 0..<accepted {
                let f = Int(AC[j])
                let inv = R[FirmColumn.investment * cap + f], hs = R[FirmColumn.hardware * cap + f]
                guard let e = Rules.eligibleInvestment(software: inv * (1 - hs), hardware: inv * hs, limit: limit, rule: rule) else { continue }
                let c = Int(S[FirmColumn.batch * cap + f]) * ns + Int(S[FirmColumn.segment * cap + f])
                cellOf[kept] = c
                cellValue[kept] = e
                counts[c + 1] += 1
                kept += 1
            }
        } } } } } }
        for c in 0..<cells { cellCounts[c + 1] += cellCounts[c] }
        // Sorting pays off only when many variants (sweep points) query the same cells.
        let sort = variantsSharing > 4
        var set = cellSets[k]
        cellSets[k] = CellSet()   // take the buffers, so writes below do not copy them
        if set.offsets.count != cells + 1 { set.offsets = [Int](repeating: 0, count: cells + 1) }
        for c in 0...cells { set.offsets[c] = cellCounts[c]; cellFill[c] = cellCounts[c] }
        if set.values.count < kept { set.values = [Double](repeating: 0, count: Swift.max(kept, 64) * 2) }
        if set.positive.count != cells { set.positive = [Int](repeating: 0, count: cells); set.total = [Double](repeating: 0, count: cells) }
        if set.prefix.count < kept + 1 { set.prefix = [Double](repeating: 0, count: Swift.max(kept, 64) * 2 + 1) }
        set.values.withUnsafeMutableBufferPointer { values in
        cellOf.withUnsafeBufferPointer { cellOf in
        cellValue.withUnsafeBufferPointer { cellValue in
        cellCounts.withUnsafeBufferPointer { counts in
        cellFill.withUnsafeMutableBufferPointer { fill in
        set.positive.withUnsafeMutableBufferPointer { positive in
        set.total.withUnsafeMutableBufferPointer { total in
            for j in 0..<kept {
                let c = cellOf[j]
                values[fill[c]] = cellValue[j]
                fill[c] += 1
            }
            for c in 0..<cells {
                let o1 = counts[c], o2 = counts[c + 1]
                if sort && o2 - o1 > 1 { var run = UnsafeMutableBufferPointer(rebasing: values[o1..<o2]); run.sort() }
                var acc = 0.0, n = 0
                for i in o1..<o2 {
                    acc += values[i]
                    if values[i] > 0 { n += 1 }
                }
                positive[c] = n
                total[c] = acc
            }
        } } } } } } }
        if sort {
            var acc = 0.0
            set.prefix[0] = 0
            for i in 0..<kept { acc += set.values[i]; set.prefix[i + 1] = acc }
        }
        set.isSorted = sort
        cellSets[k] = set
        cellKeys.append((limit, rule))
        return k
    }
}
