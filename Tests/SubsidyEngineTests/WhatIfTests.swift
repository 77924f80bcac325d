import Foundation
import Testing
@testable import SubsidyEngine
import SubsidyModel
import RealModule

@Suite("Sweeps, solve, sensitivity, correlated inputs")
struct WhatIfTests {
    @Test("solve finds the rate with P(r·X > B) = 5% for one lognormal firm, inside its reported interval")
    func solveClosedForm() throws {
        let mu = log(60.0), sigma = 0.5, budget = 50.0
        let exact = budget / exp(mu + 1.6448536269514722 * sigma)     // ≈ 0.366
        let text = Fixture.yaml(firms: ["1"], rates: [(0.5, 1000)], investment: "{dist: lognormal, mu: \(mu), sigma: \(sigma)}",
                                regional: budget, county: 100, transformationCounty: 0)
        let loaded = try Fixture.load(text)
        let answers = try WhatIf.solve(loaded, path: ScenarioPath("policy.batches[0].rate")!, low: 0.1, high: 1, step: 0.001,
                                       metric: .overrun(.transformation), target: 0.05, minimize: false, trials: 20_000, seed: 3,
                                       threads: 2, design: TrialDesign(method: .random, seed: 3))
        let a = try #require(answers.first)
        #expect(a.status == .found)
        let x = try #require(a.x), lo = try #require(a.xLow), hi = try #require(a.xHigh)
        #expect(lo <= exact && exact <= hi, "exact \(exact) outside [\(lo), \(hi)], answer \(x)")
        #expect(x.isApproximatelyEqual(to: exact, absoluteTolerance: 0.02))
        #expect((a.p ?? 1) <= 0.05 + 1e-12)
    }

    @Test("solve with --minimize on the underspending side, and the edge statuses")
    func solveEdges() throws {
        let loaded = try Fixture.load(Fixture.yaml(firms: ["1"], rates: [(0.5, 1000)], investment: "100", regional: 50, county: 100, transformationCounty: 0))
        let design = TrialDesign(method: .random, seed: 1)
        // Demand 0.5·100 = 50 = budget: never an overrun (demand must exceed the budget) anywhere in [0.1, 0.5].
        let all = try WhatIf.solve(loaded, path: ScenarioPath("policy.batches[0].rate")!, low: 0.1, high: 0.5, step: 0.001,
                                   metric: .overrun(.transformation), target: 0.05, minimize: false, trials: 200, seed: 1, threads: 1, design: design)
        #expect(all[0].status == .atBound && all[0].x == 0.5)
        let none = try WhatIf.solve(loaded, path: ScenarioPath("policy.batches[0].rate")!, low: 0.6, high: 0.9, step: 0.001,
                                    metric: .overrun(.transformation), target: 0.05, minimize: false, trials: 200, seed: 1, threads: 1, design: design)
        #expect(none[0].status == .noneFeasible && none[0].x == nil)
        // Smallest rate that uses at least 80% of the regional 50 (award ≥ 40 ⇒ rate ≥ 0.4).
        let use = try WhatIf.solve(loaded, path: ScenarioPath("policy.batches[0].rate")!, low: 0.1, high: 1, step: 0.001,
                                   metric: .underuse(source: "regional", fraction: 0.8), target: 0.05, minimize: true, trials: 200, seed: 1, threads: 1, design: design)
        #expect((use[0].x ?? 0).isApproximatelyEqual(to: 0.4, absoluteTolerance: 0.002))
        // A range with fewer than two lattice values is refused, naming --in: [1e-300, 2e-300]
        // at step 0.1 would have searched 0 alone, which is outside it.
        for (lo, hi) in [(1e-300, 2e-300), (0.1001, 0.1009)] {
            do {
                _ = try WhatIf.solve(loaded, path: ScenarioPath("policy.batches[0].rate")!, low: lo, high: hi, step: 0.001,
                                     metric: .overrun(.transformation), target: 0.05, minimize: false, trials: 50, seed: 1, threads: 1, design: design)
                Issue.record("[\(lo), \(hi)] solved")
            } catch let error as ScenarioError {
                #expect(error.render(.en).hasPrefix("--in: policy.batches[0].rate: the range [\(exactNumber(lo)), \(exactNumber(hi))] holds fewer than two values"),
                        "\(error.render(.en))")
            }
        }
    }

    @Test("solve on a flat curve says the parameter does not determine the answer, and never ends the interval at the answer by construction")
    func solveFlat() throws {
        // One firm, award min(r·X, cap) against a budget of 50: P(short) = 0 for cap ≤ 50 and P(r·X > 50) above,
        // which r is chosen to make exactly 5%: flat at the target from 50 to 80.
        let mu = log(60.0), sigma = 0.5
        let rate = 50 / exp(mu + 1.6448536269514722 * sigma)
        let loaded = try Fixture.load(Fixture.yaml(firms: ["1"], rates: [(rate, 60)], investment: "{dist: lognormal, mu: \(mu), sigma: \(sigma)}",
                                                   regional: 50, county: 100, transformationCounty: 0))
        let a = try WhatIf.solve(loaded, path: ScenarioPath("policy.batches[0].cap")!, low: 20, high: 80, step: 0.1,
                                 metric: .overrun(.transformation), target: 0.05, minimize: false, trials: 4000, seed: 8, threads: 2,
                                 design: TrialDesign(method: .random, seed: 8))[0]
        #expect(a.status == .undetermined, "\(a.status) \(a.x ?? -1) [\(a.xLow ?? -1), \(a.xHigh ?? -1)]")
        #expect(a.xHigh == 80)
        #expect((a.xLow ?? 0).isApproximatelyEqual(to: 50, absoluteTolerance: 0.15), "the chance is 0 up to 50: \(a.xLow ?? -1)")
        // A steep curve: the interval is found from the probability's bounds, not pinned to the answer.
        let b = try WhatIf.solve(loaded, path: ScenarioPath("policy.batches[0].rate")!, low: 0.1, high: 1, step: 0.001,
                                 metric: .overrun(.transformation), target: 0.05, minimize: false, trials: 4000, seed: 8, threads: 2,
                                 design: TrialDesign(method: .random, seed: 8))[0]
        #expect(b.status == .found)
        let x = try #require(b.x), lo = try #require(b.xLow), hi = try #require(b.xHigh)
        #expect(lo < x && x < hi, "[\(lo), \(hi)] around \(x)")
        #expect(lo <= rate && rate <= hi)
        // Every evaluated and reported value is on the 0.001 lattice and was run exactly: a plain run at the answer gives its p.
        #expect((x * 1000).isApproximatelyEqual(to: (x * 1000).rounded(), absoluteTolerance: 1e-9))
        let at = try loaded.with([Override(path: ScenarioPath("policy.batches[0].rate")!, number: x)])
        #expect(at.variants[0].scenario.policy.batches[0].rate == x)
        let direct = try Fixture.run(at, trials: 4000, seed: 8)
        let p = direct.summaries()[0].lines.first { $0.line == .transformation }!.overrunProbability
        #expect(p.isApproximatelyEqual(to: b.p ?? -1, absoluteTolerance: 1e-12))
    }

    @Test("a policy sweep is monotone per trial, shares one population, and identical points are identical")
    func sweepMonotone() throws {
        let loaded = try LoadedScenario.load(nil)
        let axis = try SweepAxis.parse("policy.batches[0].cap=30,30,45,60").get()
        let (_, variants) = try WhatIf.resolve(loaded, axes: [axis])
        let model = CompiledModel(variants: variants, seed: 9)
        #expect(model.groups.count == 1)
        let L = model.layout
        var opts = RunOptions(trials: 600, threads: 2)
        opts.storedFields = [L.line(0, .demand), L.total(.demand)]
        let r = try Simulator.run(model, options: opts, design: TrialDesign(method: .random, seed: 9))
        let nv = loaded.variants.count
        for v in 0..<nv {
            for f in opts.storedFields! {
                let cols = (0..<4).map { r.column($0 * nv + v, f) }
                #expect(cols[0].map(\.bitPattern) == cols[1].map(\.bitPattern))
                for i in cols[0].indices {
                    #expect(cols[2][i] >= cols[1][i] - 1e-9 && cols[3][i] >= cols[2][i] - 1e-9)
                }
            }
        }
        let s = try WhatIf.sweep(loaded, axes: [axis], lines: [.transformation], trials: 300, seed: 9, threads: 2,
                                 design: TrialDesign(method: .random, seed: 9))
        #expect(s.populations == 1)
        #expect(s.stats[0][0][0].mean.bitPattern == s.stats[1][0][0].mean.bitPattern)
        #expect(s.stats[3][0][0].pOverrun >= s.stats[0][0][0].pOverrun)
    }

    @Test("a population sweep keeps each firm's draws (smooth in the pilot size)")
    func populationSweep() throws {
        let loaded = try LoadedScenario.load(nil)
        let axis = try SweepAxis.parse("population.firms.per_batch[0]=40:60:10").get()
        let s = try WhatIf.sweep(loaded, axes: [axis], lines: [.transformation], trials: 300, seed: 2, threads: 2,
                                 design: TrialDesign(method: .random, seed: 2))
        #expect(s.populations == 3)
        #expect(s.stats[0][0][0].mean < s.stats[1][0][0].mean && s.stats[1][0][0].mean < s.stats[2][0][0].mean)
    }

    @Test("sweep ranges: inclusive, tidy decimals, lists, words, errors")
    func axisParsing() throws {
        let a = try SweepAxis.parse("policy.batches[0].rate=0.4:0.7:0.1").get()
        #expect(a.texts == ["0.4", "0.5", "0.6", "0.7"])
        let b = try SweepAxis.parse("policy.overrun=prorate,batch_order").get()
        #expect(b.numbers == nil && b.texts == ["prorate", "batch_order"])
        for bad in ["x", "policy.cap=1:2", "policy.cap=2:1:1", "policy.cap=1:2:0", "policy.cap=0:1000:1", "a b=1,2"] {
            if case .success = SweepAxis.parse(bad) { Issue.record("\(bad) should be rejected") }
        }
    }

    @Test("sensitivity: the input that drives the output dominates; an input with no effect gets ST ≈ 0")
    func sensitivityRanking() throws {
        // Firm count uncertain (drives demand), cloud uptake uncertain but cloud awards are 0 (no effect on （一）).
        let text = Fixture.yaml(firms: ["{dist: uniform, min: 10, max: 60}"], cloud: "{dist: beta, mean: 0.5, sd: 0.2}")
            .replacingOccurrences(of: "cloud: {amount: 1}", with: "cloud: {amount: 0}")
        let loaded = try Fixture.load(text)
        let r = try Sensitivity.analyse(loaded, variant: 0, metric: .lineDemand(.transformation), seed: 4, threads: 2,
                                        oatTrials: 200, mcTrials: 2000, sobolN: 256, bootstrap: 100)
        #expect(r.inputs.map(\.id) == ["firms_b1", "cloud_uptake"])
        #expect(r.tornado.first?.input.id == "firms_b1")
        #expect(r.sobol[0].st > 0.6 && r.sobol[0].s1 > 0.5)
        #expect(r.sobol[1].st.isApproximatelyEqual(to: 0, absoluteTolerance: 0.02))
        #expect(r.spearman[0] > 0.8)
        #expect(r.spider[0] == r.spider[0].sorted())      // more firms, more demand
        #expect(r.tornado[1].swing == 0)                  // cloud uptake cannot move （一）
    }

    @Test("Iman–Conover in the trial design reaches the scenario's rank correlation; non-PD is repaired; unknown ids are errors")
    func correlatedInputs() throws {
        let base = Fixture.yaml(firms: ["{dist: triangular, min: 30, mode: 50, max: 80}", "{dist: triangular, min: 20, mode: 40, max: 80}"],
                                rates: [(0.6, 50), (0.5, 40)], pass: "{dist: beta, a: 22, b: 3}")
        let text = base.replacingOccurrences(of: "  chain_cases: 0", with: """
          chain_cases: 0
          correlations:
            - {a: firms_b1, b: firms_b2, rho: 0.6}
            - {a: firms_b1, b: pass_b1, rho: -0.3}
        """)
        let loaded = try Fixture.load(text)
        let model = CompiledModel(loaded, seed: 5)
        let (design, repaired) = try TrialDesign.forScenario(model, scenario: loaded.scenario, seed: 5)
        #expect(repaired == nil)
        let r = try Simulator.run(model, options: RunOptions(trials: 10_000, threads: 2), design: design)
        let ids = model.inputs.map(\.id)
        let b1 = r.inputValues[ids.firstIndex(of: "firms_b1")!], b2 = r.inputValues[ids.firstIndex(of: "firms_b2")!]
        let p1 = r.inputValues[ids.firstIndex(of: "pass_b1")!]
        #expect(Ranks.spearman(b1, b2).isApproximatelyEqual(to: 0.6, absoluteTolerance: 0.03))
        #expect(Ranks.spearman(b1, p1).isApproximatelyEqual(to: -0.3, absoluteTolerance: 0.03))

        let bad = base.replacingOccurrences(of: "  chain_cases: 0", with: """
          chain_cases: 0
          correlations:
            - {a: firms_b1, b: firms_b2, rho: 0.9}
            - {a: firms_b1, b: pass_b1, rho: 0.9}
            - {a: firms_b2, b: pass_b1, rho: -0.9}
        """)
        let l2 = try Fixture.load(bad)
        let m2 = CompiledModel(l2, seed: 5)
        let (_, rep) = try TrialDesign.forScenario(m2, scenario: l2.scenario, seed: 5)
        #expect(rep != nil)

        let typo = base.replacingOccurrences(of: "  chain_cases: 0", with: """
          chain_cases: 0
          correlations:
            - {a: firms_b1, b: firm_b2, rho: 0.5}
        """)
        // Rejected by the loader itself, so check and run accept the same files.
        #expect(throws: ScenarioError.self) { _ = try Fixture.load(typo) }
    }
}
