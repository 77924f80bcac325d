import Foundation
@testable import SubsidyEngine
import SubsidyModel
import Testing
import RealModule

// Every per-firm rule case (Rules/*.yaml) also runs through the trial kernel: the case's policy
// with a population of exactly one firm that has the case's facts (fixed investment and hardware
// share, completion and pass 1 or 0, cloud uptake and smart-factory rate 1 or 0, one chain case
// of the case's merit held by the top firm), once with the cell shortcut allowed and once with
// the per-firm loop forced. The awards per line, the ceiling cut, the eligible investment, the
// at-cap count and acceptance must be what the rules give.

enum KernelRuleCase {
    /// `--set` overrides that make the draft's population this one firm.
    static func population(for f: FirmFacts, batches: Int) -> [String] {
        let total = f.software + f.hardware
        let share = total > 0 ? f.hardware / total : 0
        let perBatch = (0..<Swift.max(batches, f.batch + 1)).map { $0 == f.batch ? "1" : "0" }.joined(separator: ", ")
        let batch = "{completion: \(f.completed ? 1 : 0), pass: \(f.passes ? 1 : 0)}"
        var out = [
            "population.firms={per_batch: [\(perBatch)]}",
            "population.batches=[\(Array(repeating: batch, count: Swift.max(batches, f.batch + 1)).joined(separator: ", "))]",
            "population.segments=[{id: all, name: 全部, share: 1, investment_factor: 1, smart_factory: \(f.smartFactory ? 1 : 0)}]",
            "population.investment=\(total)",
            "population.hardware_share=\(share)",
            "population.price_factor=1",
            "population.cloud_uptake=\(f.cloud ? 1 : 0)",
            "population.correlations=[]",
        ]
        if f.chainCase > 0 {
            out += ["population.chain_cases=1", "population.chain_case_award=\(f.chainCase)", "population.chain_case_holder=top_firm"]
        } else {
            out += ["population.chain_cases=0"]
        }
        // A lone accepted firm is always the top-scored one: `benchmark` says whether the bureau picks any.
        if !f.benchmark { out.append("policy.benchmark.count=0") }
        return out
    }

    /// Failure messages; empty when the kernel gives what the rules give.
    static func check(_ c: RuleCase, forceFirmLoop: Bool) throws -> [String] {
        guard let f = c.firm else { return [] }
        let policy: Policy
        switch RuleCaseRunner.policy(for: c) {
        case let .success(p): policy = p
        case let .failure(e): return [e.message]
        }
        let overrides = try c.overrides + population(for: f, batches: policy.batches.count).map { try Override.parse($0).get() }
        let loaded = try LoadedScenario.load(nil, overrides: overrides, only: [c.variant ?? "text"])
        var model = CompiledModel(loaded, seed: 1)
        model.forceFirmLoop = forceFirmLoop
        let result = try Simulator.run(model, options: RunOptions(trials: 1, threads: 1), design: TrialDesign(method: .random, seed: 1))
        let L = result.layout
        func got(_ field: Int) -> Double { result.moments[0][field].mean }

        let want = Rules.firmAwards(f, terms: AwardTerms(loaded.variants[0].scenario.policy))
        var failures: [String] = []
        func compare(_ what: String, _ kernel: Double, _ rules: Double) {
            if !kernel.isApproximatelyEqual(to: rules, absoluteTolerance: Swift.max(c.tolerance, 1e-9 * abs(rules))) {
                failures.append("\(what): kernel \(RuleCaseRunner.show(kernel)), rules \(RuleCaseRunner.show(rules))")
            }
        }
        for l in LineID.firmLevel {
            guard let i = L.lines.firstIndex(of: l) else { continue }
            compare(l.rawValue, got(L.line(i, .demand)), want.paid[l])
        }
        compare("ceiling_cut", got(L.misc(.ceilingCutAmount)), want.cut)
        compare("accepted", got(L.batch(f.batch, .accepted)), want.accepted ? 1 : 0)
        compare("eligible (as awarded)", got(L.batch(f.batch, .eligible)), want.accepted ? want.eligible : 0)
        compare("at the cap", got(L.batch(f.batch, .atCap)), want.atCap ? 1 : 0)
        return failures
    }
}

@Suite("Rule cases through the trial kernel (one-firm populations)")
struct RuleCaseKernelTests {
    static let firmCases = RuleCaseFiles.bundled.cases.filter { $0.firm != nil }

    @Test("the kernel gives the rules' awards, cell shortcut allowed and per-firm loop forced", arguments: firmCases)
    func kernelAgrees(_ c: RuleCase) throws {
        for force in [false, true] {
            for failure in try KernelRuleCase.check(c, forceFirmLoop: force) {
                Issue.record(Comment(rawValue: "\(c.file):\(c.line): case '\(c.name)' (\(force ? "per-firm loop" : "shortcut allowed")): \(failure)"))
            }
        }
    }

    @Test("there are per-firm cases to run")
    func enough() { #expect(Self.firmCases.count >= 40) }
}
