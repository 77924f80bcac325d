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

    /// （一）–（五） demand without a pass over the rules firm by firm: per batch × segment cell, the
    /// accepted firms' eligible investments (`cellIndex`, once per trial and hardware rule), then
    /// Σ min(rate·e, cap) per cell in one pass over them (`Rules.transformationSums`); when many
    /// variants share the cells they are sorted, and a binary search splits each cell into firms
    /// below the cap (rate × their sum) and at it. Cost O(accepted) per variant, or O(cells · log n).
    mutating func applyByCells(_ cv: CompiledVariant, group g: CompiledGroup, funded: Int,
                               sums: inout FirmLevelAwards,
                               misc: inout AwardTallies,
                               record r: UnsafeMutableBufferPointer<Double>) {
        let L = offsets
        let ci = cellIndex(limit: cv.hardwareLimit, rule: cv.hardwareRule)
        let ns = L.segments, cells = L.batches * ns
        let nb = Swift.min(cv.rates.count, L.batches)
        if cellRate.count != cells {
            cellRate = [Double](repeating: 0, count: cells); cellCap = cellRate; cellDemand = cellRate; cellAtCap = cellRate
        }
        // Through a pointer: reading the set's arrays borrows them (a copy of the set would retain each).
        cellSets.withUnsafeMutableBufferPointer { sets in
        let set = sets.baseAddress! + ci
        set.pointee.values.withUnsafeBufferPointer { e in
        set.pointee.cell.withUnsafeBufferPointer { cellOf in
        set.pointee.sorted.withUnsafeBufferPointer { sorted in
        set.pointee.prefix.withUnsafeBufferPointer { pre in
        set.pointee.counts.withUnsafeBufferPointer { counts in
        set.pointee.total.withUnsafeBufferPointer { total in
        set.pointee.positive.withUnsafeBufferPointer { positive in
        cellRate.withUnsafeMutableBufferPointer { rate in
        cellCap.withUnsafeMutableBufferPointer { cap in
        cellDemand.withUnsafeMutableBufferPointer { demand in
        cellAtCap.withUnsafeMutableBufferPointer { atCap in
            for c in 0..<cells {
                let b = c / ns
                rate[c] = b < nb ? cv.rates[b] : 0
                cap[c] = b < nb ? cv.caps[b] : 0
                demand[c] = 0
                atCap[c] = 0
            }
            if set.pointee.isSorted {
                for c in 0..<(nb * ns) where counts[c] > 0 {
                    (demand[c], atCap[c]) = Rules.transformationSum(sorted: sorted, prefix: pre, set.pointee.offsets[c]..<set.pointee.offsets[c + 1],
                                                                    rate: rate[c], cap: cap[c])
                }
            } else if set.pointee.kept > 0 {
                Rules.transformationSums(eligible: e.baseAddress!, cell: cellOf.baseAddress!, count: set.pointee.kept, rate: rate.baseAddress!, cap: cap.baseAddress!,
                                         demand: demand.baseAddress!, atCap: atCap.baseAddress!)
            }
            for b in 0..<nb {
                for sg in 0..<ns {
                    let c = b * ns + sg
                    guard counts[c] > 0 else { continue }
                    let d = demand[c], at = atCap[c]
                    sums.transformation += d
                    r[L.batch(b, .demand)] += d
                    r[L.batch(b, .eligible)] += total[c]
                    r[L.segment(sg, .demand)] += d
                    r[L.segment(sg, .eligible)] += total[c]
                    if rate[c] > 0 && cap[c] > 0 { r[L.batch(b, .awarded)] += Double(positive[c]) }
                    r[L.batch(b, .atCap)] += at
                    r[L.segment(sg, .atCap)] += at
                }
            }
        } } } } } } } } } } } }
        // （二）–（五） as counts × `Rules.firmAwards`'s amounts: no ceiling can cut here, so every
        // selected, rated or deploying firm gets the clause's amount.
        // `cv.policy` borrowed in place, never copied into a local (a copy retains each of its arrays).
        let bench = Swift.min(cv.benchmarkCount, rank.count)
        if cv.terms.benchmarkAmount > 0 { misc.benchmarkFirms = Double(bench); sums.benchmark = Double(bench) * Rules.benchmark(selected: true, policy: cv.policy) }
        if cv.terms.smartFactoryAmount > 0 { misc.smartFactories = Double(smartAccepted); sums.smartFactory = Double(smartAccepted) * Rules.smartFactory(rated: true, policy: cv.policy) }
        if cv.terms.cloudAmount > 0 { misc.cloudFirms = Double(cloudFirms); sums.cloud = Double(cloudFirms) * Rules.cloud(deployed: true, policy: cv.policy) }
        if g.holderIsTopFirm {
            for i in 0..<Swift.min(funded, rank.count) { sums.chainCase += Rules.chainCase(merit: caseAwards[i], amount: cv.chainCaseAmount) }
        }
    }

    /// The cells for a hardware rule, built on first use in the trial (buffers reused across
    /// trials): accepted firms' eligible investments with their batch × segment cell, in firm order,
    /// and per cell the count, total and positive count; sorted per cell (counting sort, then each
    /// run) when many variants share them.
    mutating func cellIndex(limit: Double, rule: HardwareRule) -> Int {
        if let i = cellKeys.firstIndex(where: { $0.limit == limit && $0.rule == rule }) { return i }
        let L = offsets
        let ns = L.segments, cells = L.batches * ns
        let k = cellKeys.count
        if cellSets.count <= k { cellSets.append(CellSet()) }
        let cap = firmCapacity, accepted = acceptedCount
        // Sorting pays off only when many variants (sweep points) query the same cells.
        let sort = variantsSharing > 4
        if sort && cellFill.count != cells { cellFill = [Int](repeating: 0, count: cells) }
        // The set in place, through a pointer (no copy of its arrays, no uniqueness checks per store).
        cellSets.withUnsafeMutableBufferPointer { sets in
            let set = sets.baseAddress! + k
            if set.pointee.values.count < accepted {
                set.pointee.values = [Double](repeating: 0, count: Swift.max(accepted, 64) * 2)
                set.pointee.cell = [Int32](repeating: 0, count: set.pointee.values.count)
            }
            if set.pointee.counts.count != cells {
                set.pointee.counts = [Int](repeating: 0, count: cells); set.pointee.positive = set.pointee.counts
                set.pointee.total = [Double](repeating: 0, count: cells)
            }
            var kept = 0
            real.withUnsafeBufferPointer { R in
            small.withUnsafeBufferPointer { S in
            acceptedFirms.withUnsafeBufferPointer { AC in
            set.pointee.values.withUnsafeMutableBufferPointer { V in
            set.pointee.cell.withUnsafeMutableBufferPointer { C in
            set.pointee.counts.withUnsafeMutableBufferPointer { counts in
            set.pointee.total.withUnsafeMutableBufferPointer { total in
            set.pointee.positive.withUnsafeMutableBufferPointer { positive in
                for c in 0..<cells { counts[c] = 0; total[c] = 0; positive[c] = 0 }
                let investment = R.baseAddress! + FirmColumn.investment * cap, hardware = R.baseAddress! + FirmColumn.hardware * cap
                let batchOf = S.baseAddress! + FirmColumn.batch * cap, segmentOf = S.baseAddress! + FirmColumn.segment * cap
                for j in 0..<accepted {
                    let f = Int(AC[j])
                    let inv = investment[f], hs = hardware[f]
                    guard let e = Rules.eligibleInvestment(software: inv * (1 - hs), hardware: inv * hs, limit: limit, rule: rule) else { continue }
                    let c = Int(batchOf[f]) &* ns &+ Int(segmentOf[f])
                    V[kept] = e
                    C[kept] = Int32(truncatingIfNeeded: c)
                    counts[c] &+= 1
                    total[c] += e
                    positive[c] &+= e > 0 ? 1 : 0
                    kept &+= 1
                }
            } } } } } } } }
            set.pointee.kept = kept
            set.pointee.isSorted = sort
            guard sort else { return }
            if set.pointee.offsets.count != cells + 1 { set.pointee.offsets = [Int](repeating: 0, count: cells + 1) }
            if set.pointee.sorted.count < kept { set.pointee.sorted = [Double](repeating: 0, count: Swift.max(kept, 64) * 2) }
            if set.pointee.prefix.count < kept + 1 { set.pointee.prefix = [Double](repeating: 0, count: Swift.max(kept, 64) * 2 + 1) }
            set.pointee.sorted.withUnsafeMutableBufferPointer { sorted in
            set.pointee.prefix.withUnsafeMutableBufferPointer { prefix in
            set.pointee.values.withUnsafeBufferPointer { V in
            set.pointee.cell.withUnsafeBufferPointer { C in
            set.pointee.counts.withUnsafeBufferPointer { counts in
            set.pointee.offsets.withUnsafeMutableBufferPointer { offsets in
            set.pointee.total.withUnsafeMutableBufferPointer { total in
            cellFill.withUnsafeMutableBufferPointer { fill in
                offsets[0] = 0
                for c in 0..<cells { offsets[c + 1] = offsets[c] + counts[c]; fill[c] = offsets[c] }
                for j in 0..<kept {
                    let c = Int(C[j])
                    sorted[fill[c]] = V[j]
                    fill[c] += 1
                }
                // Each cell ascending; its total summed in that order.
                for c in 0..<cells {
                    let o1 = offsets[c], o2 = offsets[c + 1]
                    if o2 - o1 > 1 { var run = UnsafeMutableBufferPointer(rebasing: sorted[o1..<o2]); run.sort() }
                    var acc = 0.0
                    for i in o1..<o2 { acc += sorted[i] }
                    total[c] = acc
                }
                var acc = 0.0
                prefix[0] = 0
                for i in 0..<kept { acc += sorted[i]; prefix[i + 1] = acc }
            } } } } } } } }
        }
        cellKeys.append((limit, rule))
        return k
    }
}
