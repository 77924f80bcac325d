public import SubsidyModel

/// A loaded scenario compiled for simulation: the record layout shared by all variants, the
/// populations (variants that share one draw the same firms), and the union of trial-level
/// inputs that a design drives.
public struct CompiledModel: Sendable {
    public let layout: RecordLayout
    public let variantIDs: [String]
    public let variantLabels: [String]
    public let scenarios: [Scenario]
    /// Union of all groups' trial-level inputs, by id, in first-seen order: the design's columns.
    public let inputs: [TrialInput]
    public let seed: UInt64
    let variants: [CompiledVariant]
    let groups: [CompiledGroup]
    /// Tests: evaluate every variant with the per-firm loop, never by cells.
    var forceFirmLoop = false

    public init(_ loaded: LoadedScenario, seed: UInt64) {
        self.init(variants: loaded.variants, seed: seed)
    }

    /// A model over any list of resolved variants (a sweep makes one per point and variant):
    /// variants with the same population share each trial's firms.
    public init(variants list: [ResolvedVariant], seed: UInt64) {
        let first = list[0].scenario
        let layout = RecordLayout(lines: first.lines.map(\.id), sources: first.funding.map(\.id),
                                  batches: list.map { $0.scenario.policy.batches.count }.max() ?? 1,
                                  segments: list.map { $0.scenario.population.segments.count }.max() ?? 1,
                                  restrictedSource: first.funding.firstIndex { $0.onlyLines != nil } ?? 0)
        self.layout = layout
        self.seed = seed
        variantIDs = list.map(\.id)
        variantLabels = list.map(\.label)
        scenarios = list.map(\.scenario)
        variants = list.map { CompiledVariant($0, layout: layout) }

        var union: [TrialInput] = []
        var groupPops: [Population] = []
        var groupMembers: [[Int]] = []
        for (i, v) in list.enumerated() {
            let p = v.scenario.population
            // Populations alike but for their notes draw the same firms: one group.
            if let gi = groupPops.firstIndex(where: { $0.drawn == p.drawn }) { groupMembers[gi].append(i) } else {
                groupPops.append(p)
                groupMembers.append([i])
            }
            for input in TrialInputs.list(p) where !union.contains(where: { $0.id == input.id }) { union.append(input) }
        }
        inputs = union
        // Every law the groups need, prepared on all cores at once (each table also splits its
        // nodes over the cores, but 14 small tables one after another leave the cores idle between
        // them); the groups below then find them in `PreparedDistribution`'s cache.
        PreparedDistribution.prepareAll(groupPops.flatMap { p in
            TrialInputs.list(p).map { ($0.distribution, false) }
                + [(Distribution(p.investment.kind), true), (p.hardwareShare, false), (p.score, false), (p.chainCaseAward, false)]
        })
        let variantList = list
        groups = zip(groupPops, groupMembers).map { p, members in
            let list = TrialInputs.list(p)
            var cum: [Double] = []
            var acc = 0.0
            for s in p.segments { acc += s.share; cum.append(acc) }
            let policies = members.map { variantList[$0].scenario.policy }
            let depth = policies.map { pol in Swift.max(pol.benchmarkCount, p.chainCaseHolder == .topFirm ? pol.chainCaseCount : 0) }.max() ?? 0
            var perBatch = false
            if case .perBatch = p.firms { perBatch = true }
            return CompiledGroup(
                population: p, inputs: list, prepared: list.map { PreparedDistribution($0.distribution) },
                designColumn: list.map { i in union.firstIndex { $0.id == i.id }! },
                index: InputIndex(list, batches: p.batches.count), batches: p.batches.count, perBatchCounts: perBatch,
                segmentCumulative: cum, segmentFactor: p.segments.map(\.investmentFactor), segmentSmart: p.segments.map(\.smartFactory),
                investment: p.investment, investmentLaw: PreparedDistribution(Distribution(p.investment.kind), tabulate: true),
                hardware: PreparedDistribution(p.hardwareShare),
                score: PreparedDistribution(p.score), chainAward: PreparedDistribution(p.chainCaseAward),
                holderIsTopFirm: p.chainCaseHolder == .topFirm, unheldOutside: p.chainCaseUnheld == .outside,
                variants: members, rankDepth: depth, needsLottery: policies.contains { $0.overrun == .lottery })
        }
    }

    public var variantCount: Int { variants.count }
}
