import CGSL
import Foundation
import SubsidyModel

/// A variant compiled for the trial loop: policy numbers as plain values, budgets per line and source.
/// Immutable; a class for the same reason as `CompiledGroup`.
final class CompiledVariant: Sendable {
    let id: String
    let policy: Policy
    let rates: [Double]
    let caps: [Double]
    let hardwareLimit: Double
    let hardwareRule: HardwareRule
    let ceiling: Double
    let ceilingLines: CeilingLines
    let benchmarkCount: Int
    let chainCaseCount: Int
    let overrun: OverrunRule
    /// Line budgets in layout order: [line][source], 万元.
    let budget: [[Double]]
    let lineTotal: [Double]
    /// Source amounts, 万元, and whether a source is restricted to some lines (paid first there).
    let sourceAmount: [Double]
    let restricted: [Bool]
    let totalFunding: Double
    /// Layout index of （一）, if the scenario has it.
    let transformationIndex: Int?
    /// `Rules.mostUnderCeiling` without a chain case, and whether the ceiling counts （五）: the
    /// trial loop adds the chain case's part itself instead of re-deriving the rest every trial.
    let mostUnderCeilingWithoutChain: Double
    let ceilingCountsChain: Bool

    init(_ v: ResolvedVariant, layout: RecordLayout) {
        let s = v.scenario
        id = v.id
        policy = s.policy
        rates = s.policy.batches.map(\.rate)
        caps = s.policy.batches.map(\.cap)
        hardwareLimit = s.policy.hardwareLimit
        hardwareRule = s.policy.hardwareRule
        ceiling = s.policy.ceiling
        ceilingLines = CeilingLines(s.policy.ceilingLines)
        benchmarkCount = s.policy.benchmarkCount
        chainCaseCount = s.policy.chainCaseCount
        overrun = s.policy.overrun
        budget = layout.lines.map { l in
            let line = s.line(l)
            return layout.sources.map { line?.budget[$0] ?? 0 }
        }
        lineTotal = budget.map { $0.reduce(0, +) }
        sourceAmount = layout.sources.map { id in s.funding.first { $0.id == id }?.amount ?? 0 }
        restricted = layout.sources.map { id in s.funding.first { $0.id == id }?.onlyLines != nil }
        totalFunding = sourceAmount.reduce(0, +)
        transformationIndex = layout.lines.firstIndex(of: .transformation)
        mostUnderCeilingWithoutChain = Rules.mostUnderCeiling(policy: s.policy, chainCase: 0)
        ceilingCountsChain = CeilingLines(s.policy.ceilingLines).chainCase
    }

    /// `Rules.mostUnderCeiling(policy:chainCase:)` for this variant's policy.
    @inline(__always)
    func mostUnderCeiling(chainCase: Double) -> Double {
        mostUnderCeilingWithoutChain + (ceilingCountsChain ? Swift.min(Swift.max(chainCase, 0), policy.chainCaseAmount) : 0)
    }
}

/// Positions of the trial-level inputs in a group's value vector (no string look-ups in the loop).
struct InputIndex: Sendable {
    var firms: [Int] = []
    var total = -1, share = -1
    var completion: [Int] = []
    var pass: [Int] = []
    var price = -1, cloud = -1, chainCases = -1, providers = -1

    init(_ inputs: [TrialInput], batches: Int) {
        func at(_ id: String) -> Int { inputs.firstIndex { $0.id == id } ?? -1 }
        firms = (0..<batches).map { at("firms_b\($0 + 1)") }
        total = at("firms_total")
        share = at("batch1_share")
        completion = (0..<batches).map { at("completion_b\($0 + 1)") }
        pass = (0..<batches).map { at("pass_b\($0 + 1)") }
        price = at("price_factor")
        cloud = at("cloud_uptake")
        chainCases = at("chain_cases")
        providers = at("service_providers")
    }
}

/// A population compiled for the trial loop, with the variants that share it.
///
/// Immutable, so it behaves as a value; a class because the trial loop reads it every trial and
/// a struct this size costs a retain and release per array it holds on every copy (measured:
/// ~12% of a trial's fixed cost).
final class CompiledGroup: Sendable {
    let population: Population
    let inputs: [TrialInput]
    let prepared: [PreparedDistribution]
    /// Column of each of this group's inputs in the design's union of inputs.
    let designColumn: [Int]
    let index: InputIndex
    let batches: Int
    let perBatchCounts: Bool
    let segmentCumulative: [Double]
    let segmentFactor: [Double]
    let segmentSmart: [Double]
    let investment: Distribution
    /// The investment law untruncated (truncation and segment scale are applied per firm), with its
    /// quantile function tabulated: Y = F⁻¹(p) by one look-up.
    let investmentLaw: PreparedDistribution
    let hardware: PreparedDistribution
    let score: PreparedDistribution
    let chainAward: PreparedDistribution
    let holderIsTopFirm: Bool
    /// `chain_case_unheld: outside`: a funded case that no accepted firm can hold is paid as held outside.
    let unheldOutside: Bool
    let variants: [Int]
    /// Top-scored accepted firms to rank: the most any variant needs.
    let rankDepth: Int
    let needsLottery: Bool

    init(population: Population, inputs: [TrialInput], prepared: [PreparedDistribution], designColumn: [Int], index: InputIndex, batches: Int, perBatchCounts: Bool, segmentCumulative: [Double], segmentFactor: [Double], segmentSmart: [Double], investment: Distribution, investmentLaw: PreparedDistribution, hardware: PreparedDistribution, score: PreparedDistribution, chainAward: PreparedDistribution, holderIsTopFirm: Bool, unheldOutside: Bool = false, variants: [Int], rankDepth: Int, needsLottery: Bool) {
        self.population = population
        self.inputs = inputs
        self.prepared = prepared
        self.designColumn = designColumn
        self.index = index
        self.batches = batches
        self.perBatchCounts = perBatchCounts
        self.segmentCumulative = segmentCumulative
        self.segmentFactor = segmentFactor
        self.segmentSmart = segmentSmart
        self.investment = investment
        self.investmentLaw = investmentLaw
        self.hardware = hardware
        self.score = score
        self.chainAward = chainAward
        self.holderIsTopFirm = holderIsTopFirm
        self.unheldOutside = unheldOutside
        self.variants = variants
        self.rankDepth = rankDepth
        self.needsLottery = needsLottery
    }
}

/// Per-firm facts of a trial, column by column: firm f's investment is `real[investment * capacity + f]`,
/// its batch `small[batch * capacity + f]`, its yes/no facts bits of `flags[f]`. Columns keep the
/// per-firm passes (tallies, ranking, cells) to the bytes they read.
enum FirmColumn {
    /// `real` columns: investment (万元), hardware share (fraction), score.
    static let investment = 0, hardware = 1, score = 2, realCount = 3
    /// `small` columns: batch index, segment index.
    static let batch = 0, segment = 1, smallCount = 2
    /// `flags` bits.
    static let completed: UInt8 = 1, passes: UInt8 = 2, cloud: UInt8 = 4, smart: UInt8 = 8
}

/// Evaluates trials: draws each trial's firms once per population, then applies every variant
/// that shares the population (common random numbers). One per worker thread; reuses its buffers.
struct TrialKernel {
    let model: CompiledModel
    let stream: RandomStream
    /// Firm columns (see `FirmColumn`), `firmCapacity` firms deep.
    var real: [Double] = []
    var small: [Int32] = []
    var flags: [UInt8] = []
    var firmCapacity = 0
    /// Accepted firms (completed and passed) in firm order: the first `acceptedCount`.
    var acceptedFirms: [Int32] = []
    /// Eight Philox outputs per firm (scratch for `drawFirms`).
    var words: [UInt32] = []
    /// Per-trial scratch of `drawFirms`: firms per batch; per segment scale, truncation masses; per batch completion and pass probabilities.
    var perBatch: [Int] = []
    var segScale: [Double] = [], segLow: [Double] = [], segHigh: [Double] = []
    var batchCompletion: [Double] = [], batchPass: [Double] = []
    var firmCount = 0
    var completedCount = 0
    var acceptedCount = 0
    /// Accepted firms by descending score, `rankDepth` deep; rankOf[f] = position or -1.
    var rank: [Int] = []
    var rankOf: [Int32] = []
    var order: [Int] = []
    var caseAwards: [Double] = []
    /// n × 5 awards (firm-level lines, after the ceiling).
    var awards: [Double] = []
    var values: [Double] = []
    var demand: [Double] = []
    var paid: [Double] = []
    var used: [Double] = []
    /// County money each line leaves unused (reallocate), reused across trials.
    var spare: [Double] = []
    /// Policy-free per-trial tallies (firms, completed, accepted, investment per batch; firms and
    /// accepted per segment) and the record fields they go to.
    var groupCounts: [Double] = []
    let countFields: [Int]
    /// Accepted firms rated 先进级, and firms deploying cloud, in the current trial (policy-free).
    var smartAccepted = 0
    var cloudFirms = 0
    /// Sorted eligible investments per batch × segment, per hardware rule seen in this trial.
    /// `sorted` holds the eligible investments (sorted, with prefix sums, only when many variants share the cell).
    /// All cells of one hardware rule in flat buffers: cell c holds `values[offsets[c]..<offsets[c+1]]`
    /// (sorted when `isSorted`), `prefix[i]` = sum of `values[0..<i]`; `positive[c]` counts e > 0.
    struct CellSet {
        var values: [Double] = []
        var offsets: [Int] = []
        var prefix: [Double] = []
        var positive: [Int] = []
        var total: [Double] = []
        var isSorted = false
    }
    var cellOf: [Int] = []
    var cellValue: [Double] = []
    /// Counting-sort scratch: firms per cell (then offsets), and each cell's next free slot.
    var cellCounts: [Int] = []
    var cellFill: [Int] = []
    var cellKeys: [(limit: Double, rule: HardwareRule)] = []
    /// Variants sharing the current group's firms (decides whether cells are sorted).
    var variantsSharing = 0
    var cellSets: [CellSet] = []
    /// Tests set this to check the cell computation against the firm loop.
    var forceFirmLoop = false

    init(model: CompiledModel) {
        self.model = model
        stream = RandomStream(seed: model.seed)
        forceFirmLoop = model.forceFirmLoop
        demand = [Double](repeating: 0, count: model.layout.lines.count)
        paid = demand
        used = [Double](repeating: 0, count: model.layout.sources.count)
        let L = model.layout
        countFields = (0..<L.batches).flatMap { b in [L.batch(b, .firms), L.batch(b, .completed), L.batch(b, .accepted), L.batch(b, .investment)] }
            + (0..<L.segments).flatMap { s in [L.segment(s, .firms), L.segment(s, .accepted)] }
        groupCounts = [Double](repeating: 0, count: countFields.count)
    }

    /// Evaluates trial `t` with trial-level design point `u` (one uniform per design column) and
    /// writes one record per variant into `out` (variant v at `v * layout.count`).
    mutating func evaluate(trial t: Int, u: UnsafeBufferPointer<Double>, inputValues: UnsafeMutableBufferPointer<Double>?,
                           out: UnsafeMutableBufferPointer<Double>) {
        let groups = model.groups
        for gi in groups.indices {
            values.removeAll(keepingCapacity: true)
            let g = groups[gi]
            for k in g.prepared.indices { values.append(g.prepared[k].quantile(u[g.designColumn[k]])) }
            if gi == 0, let inputValues {
                for (k, c) in g.designColumn.enumerated() { inputValues[c] = values[k] }
            }
            drawFirms(trial: t, group: g)
            variantsSharing = g.variants.count
            rankFirms(g)
            drawCases(trial: t, group: g)
            if g.needsLottery { lotteryOrder(trial: t) }
            for v in g.variants {
                let rec = UnsafeMutableBufferPointer(rebasing: out[(v * model.layout.count)..<((v + 1) * model.layout.count)])
                apply(variant: model.variants[v], group: g, record: rec)
            }
        }
    }

    @inline(__always)
    private func value(_ i: Int, _ fallback: Double = 0) -> Double { i >= 0 ? values[i] : fallback }

    @inline(__always)
    private func count(_ x: Double) -> Int {
        guard x.isFinite else { return 0 }
        return Int(Swift.min(Swift.max(x.rounded(), 0), Double(Population.maxFirmsPerBatch)))
    }

    /// Step 2 of Scenarios/MODEL.md §6: every firm's facts, from its own stream (seed, trial, batch, index).
    /// The number and order of draws never depend on the policy: a firm's stream gives, in order,
    /// segment, investment, completion, pass, cloud, smart-factory and score uniforms, then the
    /// hardware share (one uniform for every law with a quantile table; GSL's own samplers, which
    /// may take more, read the same stream from there). The first eight outputs of every firm's
    /// stream come from one vectorised Philox call per batch.
    ///
    /// Also tallies the policy-free counts (firms, completed, accepted, investment per batch; firms
    /// and accepted per segment; accepted smart factories; cloud firms) and lists accepted firms.
    /// Cost: O(n), three table look-ups per firm.
    mutating func drawFirms(trial t: Int, group g: CompiledGroup) {
        let nb = g.batches
        if perBatch.count != nb { perBatch = [Int](repeating: 0, count: nb) }
        if g.perBatchCounts {
            for b in 0..<nb { perBatch[b] = count(value(g.index.firms[b])) }
        } else {
            let total = count(value(g.index.total))
            let share = Swift.min(Swift.max(value(g.index.share, 1), 0), 1)
            for b in 0..<nb { perBatch[b] = 0 }
            if nb == 1 { perBatch[0] = total } else {
                perBatch[0] = Swift.min(total, count(Double(total) * share))
                perBatch[1] = total - perBatch[0]
            }
        }
        var n = 0
        for b in 0..<nb { n += perBatch[b] }
        // Never empty, so the column buffers below always have a base address (a trial may have no firms).
        if firmCapacity < Swift.max(n, 1) {
            firmCapacity = Swift.max(n, 64) * 2
            real = [Double](repeating: 0, count: firmCapacity * FirmColumn.realCount)
            small = [Int32](repeating: 0, count: firmCapacity * FirmColumn.smallCount)
            flags = [UInt8](repeating: 0, count: firmCapacity)
            words = [UInt32](repeating: 0, count: firmCapacity * 8)
            acceptedFirms = [Int32](repeating: 0, count: firmCapacity)
        }
        firmCount = n
        let price = value(g.index.price, 1)
        let cloudP = value(g.index.cloud)
        // Investment of a firm of segment s: X = f_s·price·Y, Y ~ the investment law, X truncated to
        // [min, max]: Y = F⁻¹(F(min/scale) + u·(F(max/scale) − F(min/scale))).
        let inv = g.investment
        let ns = g.segmentFactor.count
        if segScale.count != ns {
            segScale = [Double](repeating: 1, count: ns); segLow = [Double](repeating: 0, count: ns); segHigh = segScale
        }
        for s in 0..<ns {
            let sc = Swift.max(g.segmentFactor[s] * price, 1e-300)
            segScale[s] = sc
            segLow[s] = inv.lower.map { PreparedDistribution.cdfBelow(inv.kind, $0 / sc) } ?? 0
            segHigh[s] = inv.upper.map { PreparedDistribution.cdf(inv.kind, $0 / sc) } ?? 1
        }
        if batchCompletion.count != nb { batchCompletion = [Double](repeating: 0, count: nb); batchPass = batchCompletion }
        for b in 0..<nb {
            batchCompletion[b] = Swift.min(Swift.max(value(g.index.completion[b]), 0), 1)
            batchPass[b] = Swift.min(Swift.max(value(g.index.pass[b]), 0), 1)
        }
        let lower = inv.lower ?? -.infinity, upper = inv.upper ?? .infinity
        let fallbackInvestment = inv.lower ?? inv.upper ?? 0
        // Locals, so the loop does not retain and release the group's arrays on every access.
        let hardware = g.hardware, score = g.score, smartP = g.segmentSmart
        let hardwareFromWord = !hardware.usesGSLSampler
        let law = g.investmentLaw
        let stream = self.stream
        let L = model.layout
        let segBase = L.batches * 4
        for i in 0..<groupCounts.count { groupCounts[i] = 0 }
        var completed = 0, smartCount = 0, cloudCount = 0
        let cap = firmCapacity
        words.withUnsafeMutableBufferPointer { W in
            var f0 = 0
            for b in 0..<nb where perBatch[b] > 0 {
                stream.firstEight(.firm, trial: t, firstID: UInt32(b) << 24, count: perBatch[b], into: W.baseAddress! + 8 * f0)
                f0 += perBatch[b]
            }
        }
        // Pass by pass over all firms (short loops with independent iterations: table look-ups
        // overlap, no loop-carried branches). The first eight outputs of firm f's stream are
        // words 8f…8f+7: segment, investment, completion, pass, cloud, smart factory, score, hardware.
        @inline(__always) func open(_ w: UInt32) -> Double { RandomStream.open(w) }
        var accepted = 0
        words.withUnsafeBufferPointer { W in
        real.withUnsafeMutableBufferPointer { R in
        small.withUnsafeMutableBufferPointer { S in
        flags.withUnsafeMutableBufferPointer { FL in
        acceptedFirms.withUnsafeMutableBufferPointer { AC in
        groupCounts.withUnsafeMutableBufferPointer { G in
        g.segmentCumulative.withUnsafeBufferPointer { cum in
        segScale.withUnsafeBufferPointer { scale in
        segLow.withUnsafeBufferPointer { low in
        segHigh.withUnsafeBufferPointer { high in
            let investment = R.baseAddress! + FirmColumn.investment * cap
            let hardwareShare = R.baseAddress! + FirmColumn.hardware * cap
            let scores = R.baseAddress! + FirmColumn.score * cap
            let batchOf = S.baseAddress! + FirmColumn.batch * cap
            let segmentOf = S.baseAddress! + FirmColumn.segment * cap
            // Segment: how many cumulative shares lie below the uniform (shares are ≥ 0, so cum
            // increases); the sign bit of cum − u counts without a branch. Investment probability
            // p inside the segment's truncation range.
            for f in 0..<n {
                let us = open(W[8 * f])
                var s = 0
                for k in 0..<Swift.max(ns - 1, 0) { s &+= Int(truncatingIfNeeded: (cum[k] - us).bitPattern >> 63) }
                segmentOf[f] = Int32(truncatingIfNeeded: s)
                let p = low[s] + open(W[8 * f + 1]) * (high[s] - low[s])
                investment[f] = Swift.min(Swift.max(p, 1e-300), 1 - 1e-16)
            }
            // Investment X = scale_s · F⁻¹(p), clamped to [min, max].
            for f in 0..<n {
                let s = Int(segmentOf[f])
                var x = high[s] > low[s] ? scale[s] * law.fastQuantile(investment[f]) : fallbackInvestment
                if !(x >= lower) { x = lower.isFinite ? lower : 0 }
                if x > upper { x = upper }
                investment[f] = x
            }
            for f in 0..<n { scores[f] = score.fastQuantile(open(W[8 * f + 6])) }
            if hardwareFromWord {
                for f in 0..<n { hardwareShare[f] = Swift.min(Swift.max(hardware.fastQuantile(open(W[8 * f + 7])), 0), 1) }
            } else {
                // Variable-length draws: the same stream, after the seven fixed uniforms.
                var f = 0
                for b in 0..<nb {
                    for i in 0..<perBatch[b] {
                        stream.select(.firm, trial: t, id: UInt32(b) << 24 | UInt32(i))
                        for _ in 0..<7 { _ = stream.open01() }
                        hardwareShare[f] = Swift.min(Swift.max(hardware.sample(stream), 0), 1)
                        f += 1
                    }
                }
            }
            // Yes/no facts and the policy-free tallies, without branches (cloud uptake near 50%
            // makes a branch a coin toss): `below(u, p)` is 1 when u < p (the sign of u − p).
            @inline(__always) func below(_ u: Double, _ p: Double) -> Int { Int(truncatingIfNeeded: (u - p).bitPattern >> 63) }
            var f = 0
            for b in 0..<nb {
                let pc = batchCompletion[b], pp = batchPass[b]
                for _ in 0..<perBatch[b] {
                    let w = 8 * f
                    let s = Int(segmentOf[f])
                    let done = below(open(W[w + 2]), pc), passes = below(open(W[w + 3]), pp)
                    let cloud = below(open(W[w + 4]), cloudP), smart = below(open(W[w + 5]), smartP[s])
                    let ok = done & passes
                    FL[f] = UInt8(truncatingIfNeeded: done | passes << 1 | cloud << 2 | smart << 3)
                    batchOf[f] = Int32(truncatingIfNeeded: b)
                    completed += done
                    cloudCount += cloud
                    smartCount += smart & ok
                    G[b * 4] += 1
                    G[b * 4 + 1] += Double(done)
                    G[b * 4 + 2] += Double(ok)
                    G[b * 4 + 3] += investment[f]
                    G[segBase + s * 2] += 1
                    G[segBase + s * 2 + 1] += Double(ok)
                    AC[accepted] = Int32(truncatingIfNeeded: f)
                    accepted += ok
                    f += 1
                }
            }
        } } } } } } } } } }
        acceptedCount = accepted
        completedCount = completed
        smartAccepted = smartCount
        cloudFirms = cloudCount
        cellKeys.removeAll(keepingCapacity: true)
    }

    /// Accepted firms by score, deep enough for every variant's benchmark count (policy-free).
    mutating func rankFirms(_ g: CompiledGroup) {
        let n = firmCount
        // rankOf is -1 everywhere but at the ranked firms: undo the last ranking only.
        for f in rank { rankOf[f] = -1 }
        rank.removeAll(keepingCapacity: true)
        if rankOf.count < n { rankOf = [Int32](repeating: -1, count: Swift.max(n, 64) * 2) }
        guard g.rankDepth > 0 else { return }
        let depth = g.rankDepth
        let base = FirmColumn.score * firmCapacity
        real.withUnsafeBufferPointer { R in
            for j in 0..<acceptedCount {
                let f = Int(acceptedFirms[j])
                let sc = R[base + f]
                var pos = rank.count
                while pos > 0 && R[base + rank[pos - 1]] < sc { pos -= 1 }
                if pos < depth {
                    rank.insert(f, at: pos)
                    if rank.count > depth { rank.removeLast() }
                }
            }
        }
        for (i, f) in rank.enumerated() { rankOf[f] = Int32(i) }
    }

    /// Chain cases: how many qualify is trial-level; each case's merit comes from its own stream.
    mutating func drawCases(trial t: Int, group g: CompiledGroup) {
        caseAwards.removeAll(keepingCapacity: true)
        let cases = Swift.min(count(value(g.index.chainCases, 0)), 1000)
        for c in 0..<cases {
            stream.select(.chainCase, trial: t, id: UInt32(c))
            caseAwards.append(g.chainAward.quantile(stream.open01()))
        }
        caseAwards.sort(by: >)
    }

    /// Steps 3–4 of Scenarios/MODEL.md §6 for one variant: awards per firm, demand per line, payment.
    mutating func apply(variant cv: CompiledVariant, group g: CompiledGroup, record r: UnsafeMutableBufferPointer<Double>) {
        let L = model.layout
        for i in 0..<r.count { r[i] = 0 }
        let n = firmCount
        if awards.count < n * 5 { awards = [Double](repeating: 0, count: Swift.max(n, 64) * 10) }
        let funded = Swift.min(cv.chainCaseCount, caseAwards.count)
        var outsideChain = 0.0
        if !g.holderIsTopFirm {
            for c in 0..<funded { outsideChain += Rules.chainCase(merit: caseAwards[c], policy: cv.policy) }
        } else if g.unheldOutside && rank.count < funded {
            // Cases no accepted firm can hold (fewer accepted than funded; rankDepth ≥ funded), funded as held outside.
            for c in rank.count..<funded { outsideChain += Rules.chainCase(merit: caseAwards[c], policy: cv.policy) }
        }
        var sums = (t: 0.0, b: 0.0, s: 0.0, c: 0.0, cc: outsideChain)
        var misc = (cuts: 0.0, cutAmount: 0.0, bench: 0.0, smart: 0.0, cloud: 0.0)
        if canSkipFirms(cv, group: g, funded: funded) {
            applyByCells(cv, group: g, funded: funded, sums: &sums, misc: &misc, record: r)
            finish(cv, group: g, funded: funded, sums: sums, misc: misc, record: r)
            return
        }
        let nb = cv.rates.count
        let benchAmount = cv.policy.benchmarkAmount, smartAmount = cv.policy.smartFactoryAmount
        let cloudAmount = cv.policy.cloudAmount, chainAmount = cv.policy.chainCaseAmount
        let cap = firmCapacity
        real.withUnsafeBufferPointer { R in
        small.withUnsafeBufferPointer { S in
        flags.withUnsafeBufferPointer { FL in
            awards.withUnsafeMutableBufferPointer { A in
                rankOf.withUnsafeBufferPointer { RK in
                    for f in 0..<n {
                        let b = Int(S[FirmColumn.batch * cap + f]), s = Int(S[FirmColumn.segment * cap + f])
                        let inv = R[FirmColumn.investment * cap + f], hs = R[FirmColumn.hardware * cap + f]
                        let bits = FL[f]
                        let isCompleted = bits & FirmColumn.completed != 0
                        let accepted = isCompleted && bits & FirmColumn.passes != 0
                        var a = FirmLevelAwards()
                        var eligible = 0.0
                        var atCap = false
                        if accepted, b < nb,
                           let e = Rules.eligibleInvestment(software: inv * (1 - hs), hardware: inv * hs, limit: cv.hardwareLimit, rule: cv.hardwareRule) {
                            a.transformation = Rules.transformation(eligible: e, rate: cv.rates[b], cap: cv.caps[b])
                            eligible = e
                            atCap = cv.rates[b] * e >= cv.caps[b]
                        }
                        if accepted {
                            let pos = Int(RK[f])
                            if pos >= 0 && pos < cv.benchmarkCount { a.benchmark = benchAmount }
                            if bits & FirmColumn.smart != 0 { a.smartFactory = smartAmount }
                            if g.holderIsTopFirm, pos >= 0, pos < funded { a.chainCase = Swift.min(Swift.max(caseAwards[pos], 0), chainAmount) }
                        }
                        if bits & FirmColumn.cloud != 0 { a.cloud = cloudAmount }
                        let cut = Rules.applyCeiling(&a, ceiling: cv.ceiling, counts: cv.ceilingLines)
                        if cut > 0 { misc.cuts += 1; misc.cutAmount += cut }
                        if a.benchmark > 0 { misc.bench += 1 }
                        if a.smartFactory > 0 { misc.smart += 1 }
                        if a.cloud > 0 { misc.cloud += 1 }
                        let ar = f * 5
                        A[ar] = a.transformation; A[ar + 1] = a.benchmark; A[ar + 2] = a.smartFactory
                        A[ar + 3] = a.cloud; A[ar + 4] = a.chainCase
                        sums.t += a.transformation; sums.b += a.benchmark; sums.s += a.smartFactory
                        sums.c += a.cloud; sums.cc += a.chainCase

                        if accepted {
                            r[L.batch(b, .demand)] += a.transformation
                            r[L.batch(b, .eligible)] += eligible
                            r[L.segment(s, .demand)] += a.transformation
                            r[L.segment(s, .eligible)] += eligible
                            if a.transformation > 0 { r[L.batch(b, .awarded)] += 1 }
                            if atCap && a.transformation >= cv.caps[b] - 1e-12 {
                                r[L.batch(b, .atCap)] += 1
                                r[L.segment(s, .atCap)] += 1
                            }
                        }
                    }
                }
            }
        } } }
        finish(cv, group: g, funded: funded, sums: sums, misc: misc, record: r)
    }

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
                               sums: inout (t: Double, b: Double, s: Double, c: Double, cc: Double),
                               misc: inout (cuts: Double, cutAmount: Double, bench: Double, smart: Double, cloud: Double),
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
                        var demand = 0.0, atCap = 0.0
                        if set.isSorted {
                            // lo = number of firms with rate·e < cap (below the cap).
                            var lo = o1, hi = o2
                            while lo < hi {
                                let mid = (lo + hi) / 2
                                if rate * e[mid] < cap { lo = mid + 1 } else { hi = mid }
                            }
                            demand = rate * (pre[lo] - pre[o1]) + cap * Double(o2 - lo)
                            atCap = Double(o2 - lo)
                        } else {
                            // Few variants share these firms: a straight pass is cheaper than sorting.
                            for i in o1..<o2 {
                                let a = rate * e[i]
                                if a < cap { demand += a } else { demand += cap; atCap += 1 }
                            }
                        }
                        sums.t += demand
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
        let p = cv.policy
        let bench = Swift.min(cv.benchmarkCount, rank.count)
        if p.benchmarkAmount > 0 { misc.bench = Double(bench); sums.b = Double(bench) * p.benchmarkAmount }
        if p.smartFactoryAmount > 0 { misc.smart = Double(smartAccepted); sums.s = Double(smartAccepted) * p.smartFactoryAmount }
        if p.cloudAmount > 0 { misc.cloud = Double(cloudFirms); sums.c = Double(cloudFirms) * p.cloudAmount }
        if g.holderIsTopFirm {
            for i in 0..<Swift.min(funded, rank.count) { sums.cc += Swift.min(Swift.max(caseAwards[i], 0), p.chainCaseAmount) }
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

    /// Policy-free counts, misc fields, line demands, then payment.
    mutating func finish(_ cv: CompiledVariant, group g: CompiledGroup, funded: Int,
                         sums: (t: Double, b: Double, s: Double, c: Double, cc: Double),
                         misc: (cuts: Double, cutAmount: Double, bench: Double, smart: Double, cloud: Double),
                         record r: UnsafeMutableBufferPointer<Double>) {
        let L = model.layout
        let n = firmCount
        // Policy-free counts, tallied once per trial in `drawFirms`.
        for (i, x) in groupCounts.enumerated() { r[countFields[i]] = x }
        r[L.misc(.ceilingCuts)] = misc.cuts
        r[L.misc(.ceilingCutAmount)] = misc.cutAmount
        r[L.misc(.benchmarkFirms)] = misc.bench
        r[L.misc(.smartFactories)] = misc.smart
        r[L.misc(.cloudFirms)] = misc.cloud
        r[L.misc(.chainCasesFunded)] = Double(funded)

        for (i, l) in L.lines.enumerated() {
            switch l {
            case .transformation: demand[i] = sums.t
            case .benchmark: demand[i] = sums.b
            case .smartFactory: demand[i] = sums.s
            case .cloud: demand[i] = sums.c
            case .chainCase: demand[i] = sums.cc
            case .serviceProvider:
                demand[i] = Rules.serviceProviders(qualifying: count(value(g.index.providers, 0)), policy: cv.policy)
            case .professionalServices:
                demand[i] = Rules.professionalServices(pilot: n, completed: completedCount, accepted: acceptedCount, policy: cv.policy)
            }
        }
        pay(cv, group: g, record: r)
    }

    /// Pays every line under the overrun rule and books the money to its sources (Scenarios/MODEL.md §4).
    ///
    /// - prorate: paid = min(demand, budget), every award scaled alike;
    /// - batch_order: the same line totals, （一） paid to batch 1 first;
    /// - lottery: on firm-level lines, whole awards in the trial's random order until one does not
    ///   fit; that firm and everyone after it wait (the rest of the money stays unspent);
    /// - reallocate: county money unspent on other lines (clause order) covers overruns; each
    ///   donor line's unspent money shrinks by what it gave. Regional money never leaves （一）.
    mutating func pay(_ cv: CompiledVariant, group g: CompiledGroup, record r: UnsafeMutableBufferPointer<Double>) {
        let L = model.layout
        let nL = L.lines.count, nS = L.sources.count
        for i in 0..<nL { paid[i] = Swift.min(demand[i], cv.lineTotal[i]) }
        if cv.overrun == .lottery {
            for (i, l) in L.lines.enumerated() where demand[i] > cv.lineTotal[i] {
                guard let k = LineID.firmLevel.firstIndex(of: l), l != .chainCase || g.holderIsTopFirm else { continue }
                var sum = 0.0
                for f in order {
                    let a = awards[f * 5 + k]
                    guard a > 0 else { continue }
                    // The draft names no rationing rule: policy.lottery_stop says whether the first award
                    // that does not fit stops the line (default) or is skipped for smaller ones.
                    if sum + a > cv.lineTotal[i] + 1e-9 { if cv.policy.lotteryStop == .firstMisfit { break } else { continue } }
                    sum += a
                    if k == 0 { r[L.batch(Int(small[FirmColumn.batch * firmCapacity + f]), .paid)] += a }
                }
                paid[i] = sum
            }
        }
        for s in 0..<nS { used[s] = 0 }
        // Within each line's own allocation, restricted money pays first (regional pays （一） first);
        // what each line leaves of unrestricted (county) money can be reallocated.
        if spare.count != nL { spare = [Double](repeating: 0, count: nL) } else { for i in 0..<nL { spare[i] = 0 } }
        for i in 0..<nL {
            var rest = paid[i]
            for round in 0..<2 {
                let pass = round == 0
                for s in 0..<nS where cv.restricted[s] == pass {
                    let take = Swift.min(rest, cv.budget[i][s])
                    used[s] += take
                    rest -= take
                    if !pass { spare[i] += cv.budget[i][s] - take }
                }
            }
        }
        if cv.overrun == .reallocate {
            for i in 0..<nL where demand[i] > paid[i] {
                var need = demand[i] - paid[i]
                for j in 0..<nL where j != i && spare[j] > 0 && need > 0 {
                    let give = Swift.min(spare[j], need)
                    spare[j] -= give
                    need -= give
                    paid[i] += give
                    r[L.line(j, .reallocated)] += give
                    var rest = give
                    for s in 0..<nS where !cv.restricted[s] {
                        let take = Swift.min(rest, cv.budget[j][s])
                        used[s] += take
                        rest -= take
                    }
                }
            }
        }
        // How （一）'s payment splits over batches (lottery booked it above).
        if let ti = cv.transformationIndex {
            let nb = L.batches
            switch cv.overrun {
            case .batchOrder:
                var left = paid[ti]
                for b in 0..<nb {
                    let p = Swift.min(r[L.batch(b, .demand)], left)
                    r[L.batch(b, .paid)] = p
                    left -= p
                }
            case .lottery where demand[ti] > cv.lineTotal[ti]:
                break
            default:
                let ratio = demand[ti] > 0 ? paid[ti] / demand[ti] : 1
                for b in 0..<nb { r[L.batch(b, .paid)] = r[L.batch(b, .demand)] * ratio }
            }
        }
        var tot = (d: 0.0, p: 0.0, short: 0.0, unspent: 0.0)
        for i in 0..<nL {
            let over = demand[i] > cv.lineTotal[i] + 1e-9
            let unmet = Swift.max(demand[i] - paid[i], 0)
            let unspent = Swift.max(cv.lineTotal[i] - paid[i] - r[L.line(i, .reallocated)], 0)
            r[L.line(i, .demand)] = demand[i]
            r[L.line(i, .paid)] = paid[i]
            r[L.line(i, .unmet)] = unmet
            r[L.line(i, .unspent)] = unspent
            r[L.line(i, .payoutRatio)] = demand[i] > 0 ? paid[i] / demand[i] : 1
            r[L.line(i, .overrun)] = over ? 1 : 0
            r[L.line(i, .unmetIfOverrun)] = over ? unmet : 0
            if over { tot.short = 1 }
            tot.d += demand[i]
            tot.p += paid[i]
            tot.unspent += unspent
        }
        let over = tot.d > cv.totalFunding + 1e-9
        r[L.total(.demand)] = tot.d
        r[L.total(.paid)] = tot.p
        r[L.total(.unmet)] = Swift.max(tot.d - tot.p, 0)
        r[L.total(.unspent)] = Swift.max(cv.totalFunding - tot.p, 0)
        r[L.total(.overrun)] = over ? 1 : 0
        r[L.total(.gapIfOverrun)] = over ? tot.d - cv.totalFunding : 0
        r[L.total(.anyLineShort)] = tot.short
        for s in 0..<nS {
            let u = Swift.max(cv.sourceAmount[s] - used[s], 0)
            r[L.source(s, .used)] = used[s]
            r[L.source(s, .unspent)] = u
            r[L.source(s, .notFullyUsed)] = u > 0.005 ? 1 : 0
        }
    }

    /// A random order of the trial's firms, from the trial's own lottery stream (drawn only when a
    /// variant pays by lottery; other streams are unaffected).
    mutating func lotteryOrder(trial t: Int) {
        let n = firmCount
        order = Array(0..<n)
        stream.select(.lottery, trial: t, id: 0)
        order.withUnsafeMutableBufferPointer { p in
            if let base = p.baseAddress, n > 1 { gsl_ran_shuffle(stream.rng, base, n, MemoryLayout<Int>.stride) }
        }
    }
}
