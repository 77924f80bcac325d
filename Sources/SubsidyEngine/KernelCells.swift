// The cell shortcut of the trial kernel: （一）–（五） demand from per-cell sums when no firm can reach the ceiling.
import Foundation
import SubsidyModel

extension TrialKernel {
    /// True when no firm's awards can reach the per-project ceiling and no payment needs per-firm
    /// awards (lottery): then a line's demand depends on the firms only through sums, and
    /// `applyByCells` computes it without visiting firms. Sweeps over caps and rates live here.
    /// Static, with its inputs spelled out: a non-mutating method called from the mutating `apply`
    /// would take a copy of the whole kernel (and retain each of its arrays) on every call.
    static func canSkipFirms(_ cv: CompiledVariant, group g: CompiledGroup, funded: Int, topCase: Double, forceFirmLoop: Bool) -> Bool {
        guard !forceFirmLoop, cv.overrun != .lottery else { return false }
        let chain = g.holderIsTopFirm && funded > 0 ? topCase : 0
        return cv.mostUnderCeiling(chainCase: chain) <= cv.ceiling
    }

    /// （一）–（五） demand without a pass over the rules firm by firm: per batch × segment cell, the
    /// accepted firms' eligible investments (`cellIndex`, once per trial and hardware rule), then
    /// Σ min(rate·e, cap) per cell in one pass over them (`Rules.transformationSums`); when many
    /// variants share the cells they are sorted, and a binary search splits each cell into firms
    /// below the cap (rate × their sum) and at it. Cost O(accepted) per variant, or O(cells · log n).
    mutating func applyByCells(_ cv: CompiledVariant, index v: Int, group g: CompiledGroup, funded: Int,
                               sums: inout FirmLevelAwards,
                               misc: inout AwardTallies,
                               record r: UnsafeMutableBufferPointer<Double>) {
        let L = offsets
        let ci = cellIndex(limit: cv.hardwareLimit, rule: cv.hardwareRule, group: g)
        let ns = L.segments
        let nb = Swift.min(cv.rates.count, L.batches)
        let set = cellSets[ci]
        // The set's raw buffers in locals, so the loops keep them in registers; cells batch by
        // batch (c = b·ns + segment), so no division per cell.
        var rate = set.rate, cap = set.cap, demand = set.demand, atCap = set.atCap
        let counts = set.counts, total = set.total, positive = set.positive, offsets = set.offsets
        // Summed with the cells (`cellIndex`) as one of its lanes: this variant's rate, cap,
        // demand and at-cap count of cell c at c·lanes + lane.
        var stride = 1, summed = false
        if let lane = set.lane(of: v) {
            stride = set.lanes
            summed = true
            rate = set.laneRate + lane; cap = set.laneCap + lane; demand = set.laneDemand + lane; atCap = set.laneAtCap + lane
        } else {
            CellSet.start(cv, batches: L.batches, segments: ns, rate: rate, cap: cap, demand: demand, atCap: atCap, stride: 1)
        }
        if summed {
            // Done in `cellIndex`.
        } else if set.isSorted {
            let sorted = UnsafeBufferPointer(start: set.sorted, count: set.kept)
            let pre = UnsafeBufferPointer(start: set.prefix, count: set.kept + 1)
            for c in 0..<(nb &* ns) where counts[c] > 0 {
                (demand[c], atCap[c]) = Rules.transformationSum(sorted: sorted, prefix: pre, offsets[c]..<offsets[c &+ 1],
                                                                rate: rate[c], cap: cap[c])
            }
        } else if set.kept > 0 {
            Rules.transformationSums(eligible: set.values, cell: set.cell, count: set.kept, rate: rate, cap: cap,
                                     demand: demand, atCap: atCap)
        }
        let R = r.baseAddress!
        for b in 0..<nb {
            let bDemand = L.batch(b, .demand), bEligible = L.batch(b, .eligible), bAwarded = L.batch(b, .awarded), bAtCap = L.batch(b, .atCap)
            for sg in 0..<ns {
                let c = b &* ns &+ sg
                guard counts[c] > 0 else { continue }
                let d = demand[c &* stride], at = atCap[c &* stride], e = total[c]
                sums.transformation += d
                R[bDemand] += d
                R[bEligible] += e
                R[L.segment(sg, .demand)] += d
                R[L.segment(sg, .eligible)] += e
                if rate[c &* stride] > 0 && cap[c &* stride] > 0 { R[bAwarded] += Double(positive[c]) }
                R[bAtCap] += at
                R[L.segment(sg, .atCap)] += at
            }
        }
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
    mutating func cellIndex(limit: Double, rule: HardwareRule, group g: CompiledGroup) -> Int {
        if let i = cellKeys.firstIndex(where: { $0.limit == limit && $0.rule == rule }) { return i }
        let L = offsets
        let ns = L.segments, cells = L.batches * ns
        let k = cellKeys.count
        if cellSets.count <= k { cellSets.append(CellSet(cells: cells)) }
        let cap = firmCapacity, accepted = acceptedCount
        // Sorting pays off only when many variants (sweep points) query the same cells.
        let sort = variantsSharing > 4
        if sort && cellFill.count != cells { cellFill = [Int](repeating: 0, count: cells) }
        let set = cellSets[k]
        set.reserve(accepted)
        let V = set.values, C = set.cell, counts = set.counts, total = set.total, positive = set.positive
        // Unsorted cells serve few variants: those of the group that read them (the same hardware
        // rule, no firm at the ceiling) are summed in this pass, one lane each (at most
        // `CellSet.maxLanes`), in the firms' order, as `transformationSums` would sum each.
        set.lanes = 0
        if !sort {
            let funds = caseAwards.count, topCase = caseAwards.first ?? 0
            for v in g.variants where set.lanes < CellSet.maxLanes {
                let cv = variants[v]
                guard cv.hardwareLimit == limit, cv.hardwareRule == rule,
                      TrialKernel.canSkipFirms(cv, group: g, funded: Swift.min(cv.chainCaseCount, funds), topCase: topCase,
                                               forceFirmLoop: forceFirmLoop) else { continue }
                set.laneVariant[set.lanes] = v
                set.lanes &+= 1
            }
            for lane in 0..<set.lanes {
                CellSet.start(variants[set.laneVariant[lane]], batches: L.batches, segments: ns, rate: set.laneRate + lane,
                              cap: set.laneCap + lane, demand: set.laneDemand + lane, atCap: set.laneAtCap + lane, stride: set.lanes)
            }
        }
        let lanes = set.lanes
        let lRate = UnsafePointer(set.laneRate), lCap = UnsafePointer(set.laneCap), lDemand = set.laneDemand, lAtCap = set.laneAtCap
        var kept = 0
        real.withUnsafeBufferPointer { R in
        small.withUnsafeBufferPointer { S in
        acceptedFirms.withUnsafeBufferPointer { AC in
            for c in 0..<cells { counts[c] = 0; total[c] = 0; positive[c] = 0 }
            let investment = R.baseAddress! + FirmColumn.investment * cap, hardware = R.baseAddress! + FirmColumn.hardware * cap
            let batchOf = S.baseAddress! + FirmColumn.batch * cap, segmentOf = S.baseAddress! + FirmColumn.segment * cap
            // One loop per hardware rule, each with the rule a constant (so `eligibleInvestment`'s
            // switch folds away inside the loop): the same function, the same values.
            // The lane count a constant too (0–4), so the lanes' loop unrolls.
            @inline(__always) func pass(_ rule: HardwareRule, lanes: Int) {
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
                    Rules.transformationTerms(eligible: e, base: c &* lanes, lanes: lanes, rate: lRate, cap: lCap,
                                              demand: lDemand, atCap: lAtCap)
                }
            }
            @inline(__always) func pass(_ rule: HardwareRule) {
                switch lanes {
                case 0: pass(rule, lanes: 0)
                case 1: pass(rule, lanes: 1)
                case 2: pass(rule, lanes: 2)
                case 3: pass(rule, lanes: 3)
                default: pass(rule, lanes: 4)
                }
            }
            switch rule {
            case .trimTotal: pass(.trimTotal)
            case .trimEligible: pass(.trimEligible)
            case .reject: pass(.reject)
            }
        } } }
        set.kept = kept
        set.isSorted = sort
        if sort {
            let sorted = set.sorted, prefix = set.prefix, offsets = set.offsets
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
                    if o2 - o1 > 1 { var run = UnsafeMutableBufferPointer(start: sorted + o1, count: o2 - o1); run.sort() }
                    var acc = 0.0
                    for i in o1..<o2 { acc += sorted[i] }
                    total[c] = acc
                }
                var acc = 0.0
                prefix[0] = 0
                for i in 0..<kept { acc += sorted[i]; prefix[i + 1] = acc }
            }
        }
        cellKeys.append((limit, rule))
        return k
    }
}

/// One hardware rule's cells for the current trial (`TrialKernel.cellIndex`): `values[0..<kept]`
/// are accepted firms' eligible investments in firm order with each one's `cell`; per cell the
/// firm count, their total and how many are positive. When many variants share the cells
/// (`isSorted`), also `sorted`: cell c's values ascending at `sorted[offsets[c]..<offsets[c+1]]`,
/// `prefix[i]` = sum of `sorted[0..<i]` (then `total` is summed in that order).
///
/// Raw buffers owned by the object (freed in `deinit`): reading them costs no retain. Belongs to
/// one kernel, which belongs to one worker thread.
final class CellSet {
    let cells: Int
    private(set) var capacity = 0
    var values: UnsafeMutablePointer<Double>
    var cell: UnsafeMutablePointer<Int32>
    var sorted: UnsafeMutablePointer<Double>
    /// `capacity` + 1 entries.
    var prefix: UnsafeMutablePointer<Double>
    let counts: UnsafeMutablePointer<Int>
    let positive: UnsafeMutablePointer<Int>
    let total: UnsafeMutablePointer<Double>
    /// `applyByCells`' per-cell scratch: the variant's rate and cap, the cell's demand and at-cap count.
    let rate: UnsafeMutablePointer<Double>, cap: UnsafeMutablePointer<Double>
    let demand: UnsafeMutablePointer<Double>, atCap: UnsafeMutablePointer<Double>
    /// `cells` + 1 entries.
    let offsets: UnsafeMutablePointer<Int>
    var kept = 0
    var isSorted = false
    /// Variants summed with the cells in `cellIndex` (at most `maxLanes`): variant
    /// `laneVariant[l]`'s rate, cap, demand and at-cap count of cell c at `c · lanes + l`.
    static let maxLanes = 4
    var lanes = 0
    let laneVariant: UnsafeMutablePointer<Int>
    let laneRate: UnsafeMutablePointer<Double>, laneCap: UnsafeMutablePointer<Double>
    let laneDemand: UnsafeMutablePointer<Double>, laneAtCap: UnsafeMutablePointer<Double>

    /// A variant's per-cell scratch before its sums: cell c (batch by batch, c = b·segments + s)
    /// at `c · stride` gets its batch's rate and cap (0 for batches it has none of) and zero
    /// demand and at-cap count. `stride` 1 for a variant alone, the lane count for a lane.
    static func start(_ cv: CompiledVariant, batches: Int, segments ns: Int,
                      rate: UnsafeMutablePointer<Double>, cap: UnsafeMutablePointer<Double>,
                      demand: UnsafeMutablePointer<Double>, atCap: UnsafeMutablePointer<Double>, stride: Int) {
        let nb = Swift.min(cv.rates.count, batches)
        var i = 0
        for b in 0..<batches {
            let rb = b < nb ? cv.rates[b] : 0, kb = b < nb ? cv.caps[b] : 0
            for _ in 0..<ns { rate[i] = rb; cap[i] = kb; demand[i] = 0; atCap[i] = 0; i &+= stride }
        }
    }

    /// The lane of variant `v`, if it was summed with the cells.
    @inline(__always)
    func lane(of v: Int) -> Int? {
        for l in 0..<lanes where laneVariant[l] == v { return l }
        return nil
    }

    init(cells: Int) {
        self.cells = cells
        let n = Swift.max(cells, 1)
        counts = Self.zeros(n); positive = Self.zeros(n); total = Self.zeros(n)
        rate = Self.zeros(n); cap = Self.zeros(n); demand = Self.zeros(n); atCap = Self.zeros(n)
        offsets = Self.zeros(cells + 1)
        laneVariant = Self.zeros(Self.maxLanes)
        laneRate = Self.zeros(n * Self.maxLanes); laneCap = Self.zeros(n * Self.maxLanes)
        laneDemand = Self.zeros(n * Self.maxLanes); laneAtCap = Self.zeros(n * Self.maxLanes)
        values = .allocate(capacity: 1); cell = .allocate(capacity: 1); sorted = .allocate(capacity: 1); prefix = .allocate(capacity: 1)
        reserve(128)
    }

    /// A buffer of `n` zeros, owned by the set (freed in `deinit`).
    private static func zeros<T: Numeric>(_ n: Int) -> UnsafeMutablePointer<T> {
        let p = UnsafeMutablePointer<T>.allocate(capacity: n)
        p.initialize(repeating: 0, count: n)
        return p
    }

    /// Room for `n` firms (contents are not kept: called before the set is filled).
    func reserve(_ n: Int) {
        guard n > capacity else { return }
        let c = Swift.max(n, 64) * 2
        values.deallocate(); cell.deallocate(); sorted.deallocate(); prefix.deallocate()
        values = Self.zeros(c); cell = Self.zeros(c); sorted = Self.zeros(c); prefix = Self.zeros(c + 1)
        capacity = c
    }

    deinit {
        values.deallocate(); cell.deallocate(); sorted.deallocate(); prefix.deallocate()
        counts.deallocate(); positive.deallocate(); total.deallocate(); offsets.deallocate()
        rate.deallocate(); cap.deallocate(); demand.deallocate(); atCap.deallocate()
        laneVariant.deallocate(); laneRate.deallocate(); laneCap.deallocate(); laneDemand.deallocate(); laneAtCap.deallocate()
    }
}
