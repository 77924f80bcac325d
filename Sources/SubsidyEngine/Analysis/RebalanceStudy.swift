import Foundation
public import SubsidyModel

extension Rebalance {
    /// Everything `subsidysim rebalance` reports: the proposal fitted on one set of trials, the
    /// proposed scenario (the input with only the line budgets changed, plus funding amounts when
    /// money had to be added), and the risks before and after on an independent set of trials.
    public struct Study: Sendable {
        public var proposal: Proposal
        public var options: Options
        /// Indices into `loaded.variants` the proposal was fitted to.
        public var fittedVariants: [Int]
        public var fitTrials: Int
        public var fitSeed: UInt64
        /// The independent seed of the check runs.
        public var checkSeed: UInt64
        public var checkTrials: Int
        /// The input and the proposal, re-simulated on the check seed (the same trials for both).
        public var before: [VariantSummary]
        public var after: [VariantSummary]
        /// The proposal as overrides of the input (line budgets; funding amounts when money was added).
        public var overrides: [Override]
        public var proposed: LoadedScenario
        /// With `withCaps`: the batch caps (万元) the proposal needs to meet the target with the money
        /// there is (nil when caps were not searched); `capsFit` false when not even caps of 0 do
        /// (then `caps` are the draft's, and the table is fitted at them).
        public var caps: [Double]?
        public var capsFit = true
        /// The proposal's label of each variant: its rates and caps as evaluated, without the budget changes.
        public var afterLabels: [String] {
            let budgetKeys = Set(overrides.map(\.path.description).filter { !$0.hasPrefix("policy.") })
            return proposed.variants.map { $0.label(omitting: budgetKeys) }
        }
        /// Each variant's name over its before and after figures: its label as run before, and
        /// `before → after` when the proposal evaluated it otherwise (new caps with `--with-caps`),
        /// so a column of draft figures never sits under the proposal's caps.
        public var comparedLabels: [String] {
            let after = afterLabels
            return before.indices.map { v in
                let a = v < after.count ? after[v] : before[v].label
                return a == before[v].label ? a : "\(before[v].label) → \(a)"
            }
        }
    }

    /// The seed of the check runs: a fixed, documented function of the fitting seed, so that the
    /// check trials share no random numbers with the fitted ones (Philox streams are keyed by seed).
    public static func checkSeed(for seed: UInt64) -> UInt64 { seed ^ 0x9E37_79B9_7F4A_7C15 }

    /// Fits a proposal on `trials` trials at `seed`, then re-estimates the input's and the proposal's
    /// risks on `checkTrials` trials at `checkSeed(for: seed)`. `variants` (ids) are the readings to
    /// fit (all when empty): the budgets meet the target under each of them.
    public static func study(_ loaded: LoadedScenario, options: Options, variants ids: [String] = [], trials: Int, checkTrials: Int,
                             seed: UInt64, threads: Int, sampling: SamplingMethod?, withCaps: Bool = false) throws -> Study {
        var capOverrides: [Override] = []
        var caps: [Double]?
        var capsFit = true
        if withCaps {
            let r = try capsToFit(loaded, options: options, variants: ids, trials: trials, seed: seed, threads: threads, sampling: sampling)
            capsFit = r.fits
            // When not even caps of 0 meet the target (the lines short do not depend on the caps,
            // or by too much), lowering them buys nothing: the table is fitted at the draft's caps.
            caps = r.fits ? r.caps : loaded.scenario.policy.batches.map(\.cap)
            if r.fits { capOverrides = capOverridesFor(r.caps) }
        }
        let base = capOverrides.isEmpty ? loaded : try loaded.with(capOverrides)
        var st = try fitAndCheck(base, original: loaded, options: options, variants: ids, trials: trials, checkTrials: checkTrials,
                                 seed: seed, threads: threads, sampling: sampling, extraOverrides: capOverrides)
        st.caps = caps
        st.capsFit = capsFit
        return st
    }

    static func capOverridesFor(_ caps: [Double]) -> [Override] {
        caps.enumerated().map { i, c in Override(path: ScenarioPath(steps: [.key("policy"), .key("batches"), .index(i), .key("cap")]), number: c) }
    }

    /// The largest batch caps, all scaled by one factor from the scenario's (each rounded to 0.1万,
    /// the precision of a policy text), under which the rebalanced table needs no extra money.
    /// Per trial, （一）'s demand grows with the caps (common random numbers), so feasibility is
    /// monotone and a bisection over batch 1's cap on the 0.1万 lattice finds the boundary exactly
    /// on the fitting trials: about log₂(cap/0.1) fitting runs.
    public static func capsToFit(_ loaded: LoadedScenario, options: Options, variants ids: [String], trials: Int, seed: UInt64,
                                 threads: Int, sampling: SamplingMethod?) throws -> (caps: [Double], fits: Bool) {
        let draft = loaded.scenario.policy.batches.map(\.cap)
        guard let c1 = draft.first, c1 > 0 else { return (draft, true) }
        func caps(_ k: Int) -> [Double] {
            let x = Double(k) / 10
            return draft.map { c in ((c / c1 * x) * 10).rounded(.down) / 10 }
        }
        func feasible(_ k: Int) throws -> Bool {
            let l = try loaded.with(capOverridesFor(caps(k)))
            return try fit(l, options: options, variants: ids, trials: trials, seed: seed, threads: threads, sampling: sampling).feasible
        }
        let n = Int((c1 * 10).rounded(.down))
        if try feasible(n) { return (draft, true) }
        guard try feasible(0) else { return (caps(0), false) }
        var lo = 0, hi = n   // feasible at lo, not at hi
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if try feasible(mid) { lo = mid } else { hi = mid }
        }
        return (caps(lo), true)
    }

    /// The variants a proposal is fitted to: those named (all when none are).
    static func fittedIndices(_ loaded: LoadedScenario, _ ids: [String]) -> [Int] {
        ids.isEmpty ? Array(loaded.variants.indices) : loaded.variants.indices.filter { ids.contains(loaded.variants[$0].id) }
    }

    /// One fitting run and its proposal.
    static func fit(_ loaded: LoadedScenario, options: Options, variants ids: [String], trials: Int, seed: UInt64, threads: Int,
                    sampling: SamplingMethod?) throws -> Proposal {
        let s = loaded.scenario
        let fitted = fittedIndices(loaded, ids)
        let model = CompiledModel(loaded, seed: seed)
        let L = model.layout
        let design = try TrialDesign.forScenario(model, scenario: s, sampling: sampling, seed: seed).design
        var opts = RunOptions(trials: trials, threads: threads, keepInputs: false)
        // The record's line order is the first variant's; demands are read back in the scenario's line order.
        opts.storedFields = (0..<L.lines.count).map { L.line($0, .demand) }
        let run = try Simulator.run(model, options: opts, design: design)
        return propose(from: run, scenario: s, variants: fitted, options: options)
    }

    /// The proposal fitted to a finished run's trials: each line's stored demand (the default
    /// stored fields keep them) under the given variants (all by default), in the scenario's line order.
    /// A line the run did not store counts as no demand.
    public static func propose(from run: SimulationResult, scenario s: Scenario, variants: [Int]? = nil, options: Options) -> Proposal {
        let L = run.layout
        let demands = (variants ?? Array(0..<run.model.variantCount)).map { v in (0..<s.lines.count).map { l in
            let c = L.lines.firstIndex(of: s.lines[l].id).map { run.column(v, L.line($0, .demand)) } ?? []
            return c.count == run.trials ? c : [Double](repeating: 0, count: run.trials)
        } }
        return propose(demands: demands, scenario: s, options: options)
    }

    static func fitAndCheck(_ loaded: LoadedScenario, original: LoadedScenario, options: Options, variants ids: [String], trials: Int,
                            checkTrials: Int, seed: UInt64, threads: Int, sampling: SamplingMethod?, extraOverrides: [Override]) throws -> Study {
        let s = loaded.scenario
        let fitted = fittedIndices(loaded, ids)
        let proposal = try fit(loaded, options: options, variants: ids, trials: trials, seed: seed, threads: threads, sampling: sampling)

        var overrides: [Override] = extraOverrides
        for (i, line) in s.lines.enumerated() {
            for (j, src) in s.funding.enumerated() where proposal.budgets[i][j] > 0 || line.budget[src.id] != nil {
                overrides.append(Override(path: ScenarioPath(steps: [.key("lines"), .index(i), .key("budget"), .key(src.id)]),
                                          number: proposal.budgets[i][j]))
            }
        }
        for (j, src) in s.funding.enumerated() {
            if proposal.extra[j] > 1e-9 {
                overrides.append(Override(path: ScenarioPath(steps: [.key("funding"), .index(j), .key("amount")]), number: src.amount + proposal.extra[j]))
            }
            if proposal.unallocated[j] > 0.005 {
                let loc = SourceLocation(file: "rebalance", line: 0, column: 0)
                let path = ScenarioPath(steps: [.key("funding"), .index(j), .key("allow_unallocated")])
                overrides.append(Override(path: path, value: YNode(.scalar("true", plain: true), loc), text: "\(path)=true"))
            }
        }
        let proposed = try original.with(overrides)

        let cs = checkSeed(for: seed)
        func check(_ l: LoadedScenario) throws -> [VariantSummary] {
            let m = CompiledModel(l, seed: cs)
            let d = try TrialDesign.forScenario(m, scenario: l.scenario, sampling: sampling, seed: cs).design
            return try Simulator.run(m, options: RunOptions(trials: checkTrials, threads: threads, keepInputs: false), design: d).summaries()
        }
        return Study(proposal: proposal, options: options, fittedVariants: fitted, fitTrials: trials, fitSeed: seed, checkSeed: cs,
                     checkTrials: checkTrials, before: try check(original), after: try check(proposed), overrides: overrides, proposed: proposed)
    }
}
