public import SubsidyModel

/// Hooks from the trial design to the analysis routines (Latin hypercube, Iman–Conover).
enum DesignSupport {
    static func latinHypercube(n: Int, k: Int, seed: UInt64, stream: UInt32) -> [[Double]] {
        LatinHypercube.sample(n: n, k: k, seed: seed, stream: stream)
    }

    static func induceRankCorrelation(_ cols: [[Double]], target: [[Double]]) throws -> [[Double]] {
        try ImanConover.apply(columns: cols, target: target, repair: true).columns
    }
}

extension TrialDesign {
    /// The design a scenario asks for: its sampling method and its rank correlations as a
    /// k × k matrix over the model's inputs (Iman–Conover). A matrix that is not positive
    /// definite is repaired; the repaired matrix is returned so the caller can warn and show it.
    public static func forScenario(_ model: CompiledModel, scenario: Scenario, sampling: SamplingMethod? = nil,
                                   seed: UInt64) throws(ScenarioError) -> (design: TrialDesign, repaired: [[Double]]?) {
        let method = sampling ?? scenario.simulation.sampling
        let cs = scenario.population.correlations
        guard !cs.isEmpty else { return (TrialDesign(method: method, seed: seed), nil) }
        let ids = model.inputs.map(\.id)
        var m = (0..<ids.count).map { i in (0..<ids.count).map { j in i == j ? 1.0 : 0.0 } }
        // Unknown ids were rejected by the loader (TrialInputs.correlationProblems); the same check stays here for scenarios built in code.
        let problems = TrialInputs.correlationProblems(scenario.population)
        if !problems.isEmpty { throw ScenarioError(.invalid, problems) }
        for c in cs {
            guard let i = ids.firstIndex(of: c.a), let j = ids.firstIndex(of: c.b) else { continue }
            m[i][j] = c.rho
            m[j][i] = c.rho
        }
        // Check positive definiteness up front, on a small design, so the user hears it before the run.
        var repaired: [[Double]]?
        do {
            let probe = LatinHypercube.sample(n: 256, k: ids.count, seed: seed, stream: 0xFFFF)
            repaired = try ImanConover.apply(columns: probe, target: m, repair: false).repaired
        } catch {
            do {
                let probe = LatinHypercube.sample(n: 256, k: ids.count, seed: seed, stream: 0xFFFF)
                repaired = try ImanConover.apply(columns: probe, target: m, repair: true).repaired
            } catch {
                throw ScenarioError(.invalid, [Diagnostic(cs[0].location, key: "population.correlations", Message(
                    zh: "相关矩阵无法使用：\(error)", en: "the correlation matrix cannot be used: \(error)"))])
            }
        }
        return (TrialDesign(method: method, correlation: repaired ?? m, seed: seed), repaired)
    }
}
