internal import CGSL
import Foundation
import SubsidyModel

/// Evaluates trials: draws each trial's firms once per population, then applies every variant
/// that shares the population (common random numbers). One per worker thread; reuses its buffers.
struct TrialKernel {
    let model: CompiledModel
    /// `model.layout`'s offsets and lines, this kernel's own (never the workers' shared arrays).
    let offsets: RecordOffsets
    let lineIDs: [LineID]
    /// `model.variants`, this kernel's own copies (`CompiledVariant.workerCopy`).
    let variants: [CompiledVariant]
    let stream: RandomStream
    /// Firm columns (see `FirmColumn`), `firmCapacity` firms deep.
    var real: [Double] = []
    var small: [Int32] = []
    var flags: [UInt8] = []
    var firmCapacity = 0
    /// Accepted firms (completed and passed) in firm order: the first `acceptedCount`.
    var acceptedFirms: [Int32] = []
    /// Eight Philox uniforms per firm, column by column: uniform k of firm f at `k * firmCapacity + f` (scratch for `drawFirms`).
    var uniforms: [Double] = []
    /// Per-trial scratch of `drawFirms`: firms per batch; per segment scale, truncation masses; per batch completion and pass probabilities.
    var perBatch: [Int] = []
    var segScale: [Double] = [], segLow: [Double] = [], segHigh: [Double] = []
    var batchCompletion: [Double] = [], batchPass: [Double] = []
    /// Scratch of `drawFirms`: firms whose draw falls in a table's tails (`fastQuantiles`), and
    /// per segment the firms and accepted firms of the trial.
    var slowFirms: [Int32] = []
    var segmentTally: [Int64] = []
    /// `Rules.accepted` as a truth table over (completed, passes): bit `completed | passes << 1`.
    let acceptanceTable: UInt32
    var firmCount = 0
    var completedCount = 0
    var acceptedCount = 0
    /// Accepted firms by descending score, `rankDepth` deep; rankOf[f] = position or -1.
    var rank: [Int] = []
    var rankOf: [Int32] = []
    var rankScratch: [Int] = []
    var order: [Int] = []
    var caseAwards: [Double] = []
    /// n × 5 awards (firm-level lines, after the ceiling).
    var awards: [Double] = []
    var values: [Double] = []
    var demand: [Double] = []
    /// Payment of the current variant's lines (SubsidyModel's `Payment`, buffers reused), with its
    /// inputs: （一） demand per batch, and each line's firm-award column for a lottery.
    var payment = Payment()
    var batchDemand: [Double] = []
    var lotteryColumns: [Int] = []
    /// Policy-free per-trial tallies (firms, completed, accepted, investment per batch; firms and
    /// accepted per segment) and the record fields they go to.
    var groupCounts: [Double] = []
    let countFields: [Int]
    /// Accepted firms rated 先进级, and firms deploying cloud, in the current trial (policy-free).
    var smartAccepted = 0
    var cloudFirms = 0
    /// Accepted firms' eligible investments by batch × segment cell, per hardware rule seen in this
    /// trial (`cellIndex`): see `CellSet`. Classes with raw buffers, so the hundreds of variants of
    /// a sweep read them without retaining an array per read.
    var cellSets: [CellSet] = []
    /// Counting-sort scratch: each cell's next free slot.
    var cellFill: [Int] = []
    var cellKeys: [(limit: Double, rule: HardwareRule)] = []
    /// Variants sharing the current group's firms (decides whether cells are sorted).
    var variantsSharing = 0
    /// Tests set this to check the cell computation against the firm loop.
    var forceFirmLoop = false

    init(model: CompiledModel) {
        self.model = model
        offsets = RecordOffsets(model.layout)
        lineIDs = model.layout.lines.map { $0 }
        variants = model.variants.map { $0.workerCopy() }
        stream = RandomStream(seed: model.seed)
        forceFirmLoop = model.forceFirmLoop
        demand = [Double](repeating: 0, count: model.layout.lines.count)
        let L = offsets
        countFields = (0..<L.batches).flatMap { b in [L.batch(b, .firms), L.batch(b, .completed), L.batch(b, .accepted), L.batch(b, .investment)] }
            + (0..<L.segments).flatMap { s in [L.segment(s, .firms), L.segment(s, .accepted)] }
        groupCounts = [Double](repeating: 0, count: countFields.count)
        var table: UInt32 = 0
        for d in 0...1 { for p in 0...1 where Rules.accepted(completed: d, passes: p) != 0 { table |= 1 << (d | p << 1) } }
        acceptanceTable = table
    }

    /// Evaluates trial `t` with trial-level design point `u` (one uniform per design column) and
    /// writes one record per variant into `out` (variant v at `v * layout.count`).
    mutating func evaluate(trial t: Int, u: UnsafeBufferPointer<Double>, inputValues: UnsafeMutableBufferPointer<Double>?,
                           out: UnsafeMutableBufferPointer<Double>) {
        let n = offsets.count
        evaluateVariants(trial: t, u: u, inputValues: inputValues,
                         record: { v in UnsafeMutableBufferPointer(rebasing: out[(v * n)..<((v + 1) * n)]) }, take: { _, _ in })
    }

    /// Trial `t` as `evaluate(trial:u:inputValues:out:)`, with one record buffer (`layout.count`
    /// doubles) for every variant: each variant's record is handed to `take(v, record)` as soon as
    /// it is written. A sweep of 882 variants then keeps one 1 KB record in cache per trial, where
    /// the records of all its variants (about 1 MB) would be written and read back.
    mutating func evaluate(trial t: Int, u: UnsafeBufferPointer<Double>, inputValues: UnsafeMutableBufferPointer<Double>?,
                           record: UnsafeMutableBufferPointer<Double>, take: (Int, UnsafeMutableBufferPointer<Double>) -> Void) {
        evaluateVariants(trial: t, u: u, inputValues: inputValues, record: { _ in record }, take: take)
    }

    /// The trial-level inputs, the firms and their ranking once per population, then every variant
    /// of the population into `record(v)`, handed to `take` when written (`apply` clears it first).
    @inline(__always)
    private mutating func evaluateVariants(trial t: Int, u: UnsafeBufferPointer<Double>, inputValues: UnsafeMutableBufferPointer<Double>?,
                                           record: (Int) -> UnsafeMutableBufferPointer<Double>,
                                           take: (Int, UnsafeMutableBufferPointer<Double>) -> Void) {
        let groups = model.groups
        for gi in groups.indices {
            let g = groups[gi]
            // The trial-level inputs: the laws read in place (never a copy of a law and its tables),
            // into a buffer sized once.
            let nk = g.prepared.count
            if values.count != nk { values = [Double](repeating: 0, count: nk) }
            values.withUnsafeMutableBufferPointer { V in
            g.prepared.withUnsafeBufferPointer { P in
            g.designColumn.withUnsafeBufferPointer { D in
                for k in 0..<nk { V[k] = P[k].quantile(u[D[k]]) }
            } } }
            if gi == 0, let inputValues {
                for (k, c) in g.designColumn.enumerated() { inputValues[c] = values[k] }
            }
            drawFirms(trial: t, group: g)
            variantsSharing = g.variants.count
            rankFirms(g)
            drawCases(trial: t, group: g)
            if g.needsLottery { lotteryOrder(trial: t) }
            for v in g.variants {
                let rec = record(v)
                apply(variant: variants[v], index: v, group: g, record: rec)
                take(v, rec)
            }
        }
    }

    @inline(__always)
    func value(_ i: Int, _ fallback: Double = 0) -> Double { i >= 0 ? values[i] : fallback }

    @inline(__always)
    func count(_ x: Double) -> Int {
        guard x.isFinite else { return 0 }
        return Int(Swift.min(Swift.max(x.rounded(), 0), Double(Population.maxFirmsPerBatch)))
    }
}
