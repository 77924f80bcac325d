// The compiled model: a variant's policy and a population as the trial loop reads them.
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
    /// （五）'s amount, stored apart: reaching it through `policy` in the trial loop retains the policy's arrays.
    let chainCaseAmount: Double
    let overrun: OverrunRule
    /// Total of the sources, 万元. (Line budgets per source, line totals, source amounts and which
    /// sources are restricted are `payment`'s.)
    let totalFunding: Double
    /// Layout index of （一）, if the scenario has it.
    let transformationIndex: Int?
    /// `Rules.mostUnderCeiling` without a chain case, and whether the ceiling counts （五）: the
    /// trial loop adds the chain case's part itself instead of re-deriving the rest every trial.
    let mostUnderCeilingWithoutChain: Double
    let ceilingCountsChain: Bool
    /// The policy's per-firm terms for `Rules.firmAwards`.
    let terms: AwardTerms
    /// Budgets, sources and overrun rule for `Payment.pay`.
    let payment: PaymentTerms

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
        let budget = layout.lines.map { l in
            let line = s.line(l)
            return layout.sources.map { line?.budget[$0] ?? 0 }
        }
        let sourceAmount = layout.sources.map { id in s.funding.first { $0.id == id }?.amount ?? 0 }
        let restricted = layout.sources.map { id in s.funding.first { $0.id == id }?.onlyLines != nil }
        totalFunding = sourceAmount.reduce(0, +)
        let transformationIndex = layout.lines.firstIndex(of: .transformation)
        self.transformationIndex = transformationIndex
        mostUnderCeilingWithoutChain = Rules.mostUnderCeiling(policy: s.policy, chainCase: 0)
        ceilingCountsChain = CeilingLines(s.policy.ceilingLines).chainCase
        terms = AwardTerms(s.policy)
        chainCaseAmount = s.policy.chainCaseAmount
        payment = PaymentTerms(budget: budget, sourceAmount: sourceAmount, restricted: restricted, rule: s.policy.overrun,
                               lotteryStop: s.policy.lotteryStop, transformation: transformationIndex)
    }

    /// A copy with buffers of its own, for one trial-loop worker: reading an array retains it, and
    /// the retain is an atomic add on the buffer's header, so workers sharing one variant's arrays
    /// bounce that cache line between cores hundreds of times per trial in a sweep. Same values.
    func workerCopy() -> CompiledVariant { CompiledVariant(copying: self) }

    private init(copying o: CompiledVariant) {
        id = o.id
        policy = o.policy
        rates = o.rates.map { $0 }
        caps = o.caps.map { $0 }
        hardwareLimit = o.hardwareLimit
        hardwareRule = o.hardwareRule
        ceiling = o.ceiling
        ceilingLines = o.ceilingLines
        benchmarkCount = o.benchmarkCount
        chainCaseCount = o.chainCaseCount
        chainCaseAmount = o.chainCaseAmount
        overrun = o.overrun
        totalFunding = o.totalFunding
        transformationIndex = o.transformationIndex
        mostUnderCeilingWithoutChain = o.mostUnderCeilingWithoutChain
        ceilingCountsChain = o.ceilingCountsChain
        var t = o.terms
        t.rates = t.rates.map { $0 }
        t.caps = t.caps.map { $0 }
        terms = t
        var p = o.payment
        p.budget = p.budget.map { $0.map { $0 } }
        p.lineTotal = p.lineTotal.map { $0 }
        p.sourceAmount = p.sourceAmount.map { $0 }
        p.restricted = p.restricted.map { $0 }
        payment = p
    }

    /// Whether line `i` runs short in a trial whose demand on it is `demand` (万元): demand above its
    /// budget by more than 1e-9 (rounding of sums). The one test the trial loop, the convergence
    /// curves and the two-level analysis all use.
    @inline(__always)
    func lineShort(_ i: Int, demand: Double) -> Bool { demand > payment.lineTotal[i] + 1e-9 }

    /// Whether total demand exceeds the total funding (the pooled test), as `lineShort`.
    @inline(__always)
    func totalShort(demand: Double) -> Bool { demand > totalFunding + 1e-9 }

    /// `Rules.mostUnderCeiling(policy:chainCase:)` for this variant's policy.
    @inline(__always)
    func mostUnderCeiling(chainCase: Double) -> Double {
        Rules.mostUnderCeiling(withoutChain: mostUnderCeilingWithoutChain, countsChain: ceilingCountsChain, chainCase: chainCase,
                               chainCaseAmount: chainCaseAmount)
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
