import Foundation
import PropertyBased
import Testing
@testable import SubsidyEngine
import SubsidyModel

@Suite("Reproducibility and properties")
struct DeterminismTests {
    static func flat(_ r: SimulationResult) -> [UInt64] {
        var out: [UInt64] = []
        for v in r.moments { for m in v { out += [UInt64(m.n), m.mean.bitPattern, m.m2.bitPattern] } }
        for v in r.stored { for c in v { out += c.map(\.bitPattern) } }
        for c in r.inputValues { out += c.map(\.bitPattern) }
        return out
    }

    @Test("bit-identical results for 1, 2 and 8 threads; same seed twice; another seed differs")
    func threadsAndSeeds() throws {
        let loaded = try LoadedScenario.load(nil)
        let trials = 2 * Simulator.chunk + 321   // several chunks and a ragged end
        let one = try Fixture.run(loaded, trials: trials, threads: 1)
        let two = try Fixture.run(loaded, trials: trials, threads: 2)
        let eight = try Fixture.run(loaded, trials: trials, threads: 8)
        let again = try Fixture.run(loaded, trials: trials, threads: 2)
        let other = try Fixture.run(loaded, trials: trials, threads: 2, seed: loaded.scenario.simulation.seed + 1)
        #expect(Self.flat(one) == Self.flat(two))
        #expect(Self.flat(one) == Self.flat(eight))
        #expect(Self.flat(two) == Self.flat(again))
        #expect(Self.flat(one) != Self.flat(other))
    }

    @Test("seed 0 and seeds above 2^32 are valid and distinct")
    func seedAliasing() throws {
        let loaded = try LoadedScenario.load(nil)
        let seeds: [UInt64] = [0, 1, 4357, 1 << 32, (1 << 32) + 1, UInt64.max]
        let results = try seeds.map { try Self.flat(Fixture.run(loaded, trials: 64, threads: 1, seed: $0)) }
        for i in results.indices { for j in results.indices where j > i { #expect(results[i] != results[j], "seeds \(seeds[i]) and \(seeds[j]) alias") } }
    }

    @Test("a firm's draws do not move when the firm count changes (smooth pilot-size sweeps)")
    func firmStreamsStable() throws {
        let small = try Fixture.load(Fixture.yaml(firms: ["20"]))
        let large = try Fixture.load(Fixture.yaml(firms: ["21"]))
        let a = try Fixture.run(small, trials: 50), b = try Fixture.run(large, trials: 50)
        // The 21-firm trial is the 20-firm trial plus one firm: demand can only grow, and by at most the cap.
        let L = a.layout
        let da = a.column(0, L.line(0, .demand)), db = b.column(0, L.line(0, .demand))
        for i in da.indices { #expect(db[i] >= da[i] - 1e-9 && db[i] - da[i] <= 50 + 1e-9) }
    }

    @Test("LHS and correlated designs are deterministic for a seed")
    func designsDeterministic() throws {
        let loaded = try LoadedScenario.load(nil)
        let a = try Fixture.run(loaded, trials: 3000, threads: 1, sampling: .lhs)
        let b = try Fixture.run(loaded, trials: 3000, threads: 2, sampling: .lhs)
        #expect(Self.flat(a) == Self.flat(b))
    }

    @Test("precision mode stops at a deterministic trial count")
    func precisionDeterministic() throws {
        let loaded = try LoadedScenario.load(nil)
        let model = CompiledModel(loaded, seed: 11)
        let opts = RunOptions(trials: 1000, threads: 2, precision: 0.01)
        let a = try Simulator.run(model, options: opts, design: TrialDesign(method: .random, seed: 11))
        let b = try Simulator.run(model, options: RunOptions(trials: 1000, threads: 1, precision: 0.01), design: TrialDesign(method: .random, seed: 11))
        #expect(a.trials == b.trials)
        #expect(Self.flat(a) == Self.flat(b))
        let p = a.moments[0][a.layout.total(.overrun)].mean
        #expect((p * (1 - p) / Double(a.trials)).squareRoot() <= 0.01)
    }

    /// Two variants of one scenario: the base policy, and one with a higher rate and cap on every batch.
    static func raised(rateUp: Double, capUp: Double) -> String {
        """
        variants:
          - id: base
            label: 基准
            set:
              policy.batches[0].rate: 0.5
          - id: up
            label: 提高
            set:
              policy.batches[0].rate: \(Swift.min(0.5 + rateUp, 1))
              policy.batches[0].cap: \(40 + capUp)
        """
    }

    @Test("per trial, demand never decreases when a rate or cap rises (common random numbers)")
    func monotoneInPolicy() async throws {
        await propertyCheck(count: 12, input: Gen.double(in: 0...0.5), Gen.double(in: 0...60)) { rateUp, capUp in
            let text = Fixture.yaml(firms: ["{dist: triangular, min: 5, mode: 20, max: 40}"], rates: [(0.5, 40)],
                                    pass: "{dist: beta, mean: 0.8, sd: 0.1}", hardware: "{dist: beta, a: 3, b: 6}",
                                    variants: Self.raised(rateUp: rateUp, capUp: capUp))
            guard let loaded = try? Fixture.load(text), let r = try? Fixture.run(loaded, trials: 200) else {
                Issue.record("fixture did not load")
                return
            }
            let L = r.layout
            for f in [L.line(0, .demand), L.total(.demand)] {
                let a = r.column(0, f), b = r.column(1, f)
                for i in a.indices { #expect(b[i] >= a[i] - 1e-9) }
            }
        }
    }

    @Test("two identical variants differ by exactly 0, and every output is finite")
    func identicalVariants() throws {
        let text = Fixture.yaml(firms: ["{dist: triangular, min: 5, mode: 20, max: 40}"], pass: "{dist: beta, mean: 0.8, sd: 0.1}",
                                hardware: "{dist: beta, a: 3, b: 6}", variants: """
        variants:
          - id: a
            label: 甲
            set:
              policy.batches[0].rate: 0.55
          - id: b
            label: 乙
            set:
              policy.batches[0].rate: 0.55
        """)
        let r = try Fixture.run(try Fixture.load(text), trials: 300)
        for f in r.layout.storedFields {
            let a = r.column(0, f), b = r.column(1, f)
            for i in a.indices {
                #expect(a[i].bitPattern == b[i].bitPattern)
                #expect(a[i].isFinite)
            }
        }
        for v in r.moments { for m in v { #expect(m.mean.isFinite && m.m2.isFinite) } }
    }

    @Test("0 ≤ （一） award ≤ cap, and the ceiling holds, for any firm")
    func awardBounds() async {
        let policy = try! LoadedScenario.load(nil).variants[0].scenario.policy
        await propertyCheck(count: 300, input: Gen.double(in: 0...500), Gen.double(in: 0...500), Gen.int(in: 0...1),
                            Gen.double(in: 0...60)) { s, h, b, chain in
            for rule in HardwareRule.allCases {
                var p = policy
                p.hardwareRule = rule
                let r = Rules.firmAwards(FirmFacts(batch: b, software: s, hardware: h, cloud: true, smartFactory: true, benchmark: true,
                                                   chainCase: chain), policy: p)
                #expect(r.demand.transformation >= 0 && r.demand.transformation <= p.batches[b].cap)
                #expect(r.paid.total <= p.ceiling + 1e-9)
                #expect(r.paid.total.isFinite)
            }
        }
    }
}
