import Foundation
@testable import SubsidyEngine
import SubsidyModel

/// Small scenarios written as YAML, as a planner would, for engine tests.
enum Fixture {
    /// A minimal one- or two-batch scenario with every firm-level quantity under the test's control.
    static func yaml(firms: [String] = ["100"], rates: [(Double, Double)] = [(0.6, 50)], completion: String = "1", pass: String = "1",
                     investment: String = "{dist: lognormal, mu: 3.8, sigma: 0.9}", hardware: String = "0",
                     regional: Double = 2000, county: Double = 800, transformationCounty: Double = 600,
                     overrun: String = "prorate", cloud: String = "0", chainCases: String = "0", extraPolicy: String = "",
                     variants: String = "", trials: Int = 1000, seed: UInt64 = 7) -> String {
        let batches = rates.enumerated().map { "    - {name: b\($0.offset + 1), rate: \($0.element.0), cap: \($0.element.1)}" }.joined(separator: "\n")
        let pop = rates.indices.map { _ in "    - {completion: \(completion), pass: \(pass)}" }.joined(separator: "\n")
        let perBatch = firms.map { "      - \($0)" }.joined(separator: "\n")
        let others = county - transformationCounty
        return """
        id: fixture
        title: 测试情景
        funding:
          - {id: regional, name: 自治区, amount: \(regional), only_lines: [transformation]}
          - {id: county, name: 县级, amount: \(county)}
        lines:
          - {id: transformation, budget: {regional: \(regional), county: \(transformationCounty)}}
          - {id: benchmark, budget: {regional: 0, county: \(others * 0.1)}}
          - {id: smart_factory, budget: {regional: 0, county: \(others * 0.1)}}
          - {id: cloud, budget: {regional: 0, county: \(others * 0.1)}}
          - {id: chain_case, budget: {regional: 0, county: \(others * 0.1)}}
          - {id: service_provider, budget: {regional: 0, county: \(others * 0.1)}}
          - {id: professional_services, budget: {regional: 0, county: \(others * 0.5)}}
        policy:
          batches:
        \(batches)
          hardware: {limit: 0.3, rule: trim_total}
          benchmark: {count: 0, amount: 5}
          smart_factory: {amount: 4}
          cloud: {amount: 1}
          chain_case: {count: 1, amount: 30}
          service_provider: {count: 3, amount: 5}
          services: {process_management: 1, acceptance: 0.8, audit: 0.07, research: 0}
          ceiling: {amount: 1000}
          overrun: \(overrun)
        \(extraPolicy)
        population:
          firms:
            per_batch:
        \(perBatch)
          batches:
        \(pop)
          segments:
            - {id: all, name: 全部, share: 1, investment_factor: 1, smart_factory: 0}
          investment: \(investment)
          hardware_share: \(hardware)
          cloud_uptake: \(cloud)
          chain_cases: \(chainCases)
        simulation: {trials: \(trials), seed: \(seed)}
        \(variants)
        """
    }

    /// Writes YAML to a temporary file and loads it.
    static func load(_ text: String, overrides: [String] = []) throws -> LoadedScenario {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("subsidysim-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent("s.yaml")
        try Data(text.utf8).write(to: url)
        let os = try overrides.map { try Override.parse($0).get() }
        return try LoadedScenario.load(url.path, overrides: os)
    }

    static func run(_ loaded: LoadedScenario, trials: Int, threads: Int = 2, seed: UInt64? = nil,
                    sampling: SamplingMethod = .random) throws -> SimulationResult {
        let model = CompiledModel(loaded, seed: seed ?? loaded.scenario.simulation.seed)
        return try Simulator.run(model, options: RunOptions(trials: trials, threads: threads, sampling: sampling),
                                 design: TrialDesign(method: sampling, seed: model.seed))
    }

    static func tempDir() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("subsidysim-out-\(UUID().uuidString)")
    }
}

/// Φ, the standard normal CDF.
func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }
