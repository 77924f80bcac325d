import Foundation
import Testing
@testable import SubsidyEngine
import SubsidyModel

@Suite("Two-level Monte Carlo: P(short | world) across worlds")
struct TwoLevelTests {
    static func run(_ loaded: LoadedScenario, worlds: Int, perWorld: Int, threads: Int = 2, seed: UInt64 = 7,
                    sampling: SamplingMethod = .random) throws -> SimulationResult {
        let model = CompiledModel(loaded, seed: seed)
        let base = try TrialDesign.forScenario(model, scenario: loaded.scenario, sampling: sampling, seed: seed).design
        let design = try TwoLevel.design(base: base, worlds: worlds, perWorld: perWorld, model: model)
        return try Simulator.run(model, options: RunOptions(trials: worlds * perWorld, threads: threads, sampling: sampling, keepInputs: true),
                                 design: design)
    }

    /// P(X > k) for X ~ Binomial(n, p), summed in log space.
    static func binomialAbove(_ k: Int, n: Int, p: Double) -> Double {
        guard p > 0 else { return 0 }
        guard p < 1 else { return k < n ? 1 : 0 }
        var s = 0.0
        for x in (k + 1)...n where x >= 0 {
            let choose: Double = lgamma(Double(n + 1)) - lgamma(Double(x + 1)) - lgamma(Double(n - x + 1))
            let logP: Double = Double(x) * log(p) + Double(n - x) * log(1 - p)
            s += exp(choose + logP)
        }
        return s
    }

    @Test("U×V parses (×, x, *), and refuses what is not two whole numbers ≥ 2")
    func parse() {
        #expect(TwoLevel.parse("200×500")! == (200, 500))
        #expect(TwoLevel.parse("200x500")! == (200, 500))
        #expect(TwoLevel.parse("200X500")! == (200, 500))
        #expect(TwoLevel.parse("20*10")! == (20, 10))
        for bad in ["", "200", "200x", "x500", "1x500", "200x1", "-3x5", "2.5x4", "200x500x3", "a×b", "9999999999999x9999999999"] {
            #expect(TwoLevel.parse(bad) == nil, "\(bad)")
        }
    }

    @Test("known answer: 100 firms, completion c uniform per world, a fixed award of 50 万元 and 2600 万元 for （一）: P(short | world) = P(Bin(100, c) > 52)")
    func closedForm() throws {
        let yaml = Fixture.yaml(completion: "{dist: uniform, min: 0, max: 1}", investment: "{dist: fixed, value: 100}")
        let loaded = try Fixture.load(yaml)
        let U = 400, V = 200
        let r = try Self.run(loaded, worlds: U, perWorld: V)
        let t = TwoLevel.analyse(r, worlds: U, perWorld: V)
        let line = try #require(t.lines[0].first { $0.metric == "transformation" })
        let j = try #require(r.model.inputs.firstIndex { $0.id == "completion_b1" })
        // Each world's own completion rate, the same for all its V trials.
        // Standardised residuals of the worlds whose closed form is away from 0 and 1 (elsewhere
        // the binomial noise vanishes): mean 0 within 4 standard errors, variance about 1.
        var z: [Double] = [], far = 0.0
        for w in 0..<U {
            let c = r.inputValues[j][w * V]
            #expect((w * V..<(w + 1) * V).allSatisfy { r.inputValues[j][$0] == c })
            let p = Self.binomialAbove(52, n: 100, p: c)
            if p > 0.05 && p < 0.95 {
                z.append((line.conditional[w] - p) / (p * (1 - p) / Double(V)).squareRoot())
            } else {
                far = Swift.max(far, abs(line.conditional[w] - p))
            }
        }
        try #require(z.count >= 40, "\(z.count) worlds in the transition")
        let mean = z.reduce(0, +) / Double(z.count)
        let variance = z.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(z.count - 1)
        #expect(abs(mean) < 4 / Double(z.count).squareRoot(), "mean residual \(mean)")
        #expect(variance > 0.6 && variance < 1.5, "residual variance \(variance) over \(z.count) worlds")
        // Elsewhere P(short | world) is 0 or 1 as the closed form is (within its 5% and a few firms' noise).
        #expect(far < 0.05 + 4 * (0.05 * 0.95 / Double(V)).squareRoot(), "largest gap away from the transition \(far)")
        // The pooled probability is the closed form's mean over c: P(Bin(100, U(0,1)) > 52) = 47/101.
        #expect(abs(line.pooled - 47.0 / 101) < 4 * line.pooledSE, "pooled \(line.pooled) ± \(line.pooledSE)")
        #expect(line.p10 < 0.02 && line.p90 > 0.98)
    }

    @Test("with every trial-level input fixed, worlds differ only by firm noise: the spread of P(short | world) is binomial, P10–P90 about ±1.28 binomial SE")
    func fixedWorlds() throws {
        let yaml = Fixture.yaml(regional: 3000, transformationCounty: 0)
        let loaded = try Fixture.load(yaml)
        let U = 100, V = 300
        let r = try Self.run(loaded, worlds: U, perWorld: V)
        let t = TwoLevel.analyse(r, worlds: U, perWorld: V)
        let line = try #require(t.lines[0].first { $0.metric == "transformation" })
        let p = line.pooled
        try #require(p > 0.1 && p < 0.9, "the fixture should make （一） short now and then: p = \(p)")
        var m = Moments()
        for x in line.conditional { m.add(x) }
        let ratio = m.sd * m.sd / (p * (1 - p) / Double(V))
        #expect(ratio > 0.6 && ratio < 1.5, "variance ratio \(ratio)")
        let se = (p * (1 - p) / Double(V)).squareRoot()
        #expect(abs((line.p90 - line.p10) / (2 * 1.2816 * se) - 1) < 0.35)
    }

    @Test("the draft: pooled two-level probability = the ordinary run's within Monte Carlo error, per line and variant; common random numbers: every variant sees the same worlds")
    func pooledMatchesOrdinary() throws {
        let loaded = try LoadedScenario.load(nil)
        let U = 100, V = 200
        let r = try Self.run(loaded, worlds: U, perWorld: V)
        let t = TwoLevel.analyse(r, worlds: U, perWorld: V)
        let ordinary = try Fixture.run(loaded, trials: 40_000, seed: 11).summaries()
        for v in 0..<r.model.variantCount {
            for (i, l) in ordinary[v].lines.enumerated() {
                let x = t.lines[v][i]
                #expect(x.metric == r.layout.lines[i].rawValue)
                let p = l.overrunProbability
                let se = (x.pooledSE * x.pooledSE + p * (1 - p) / 40_000).squareRoot()
                #expect(abs(x.pooled - p) <= 4 * se + 1e-9, "\(x.metric) variant \(v): \(x.pooled) vs \(p) (se \(se))")
                // Mean over worlds is the run's own pooled frequency (same trials).
                let own = r.summaries()[v].lines[i].overrunProbability
                #expect(abs(x.pooled - own) < 1e-9)
            }
        }
        // The worlds' inputs: constant within a world, different between worlds; one set of inputs for all variants.
        for j in r.model.inputs.indices where Set(r.inputValues[j]).count > 1 {
            for w in 0..<U { #expect(Set(r.inputValues[j][(w * V)..<((w + 1) * V)]).count == 1) }
            #expect(Set(stride(from: 0, to: U * V, by: V).map { r.inputValues[j][$0] }).count > 1)
        }
        // Across variants the firms are the same: the two variants' P(short | world) for a line no variant changes agree exactly.
        let smart = r.layout.lines.firstIndex(of: .smartFactory)!
        #expect(t.lines[0][smart].conditional == t.lines[1][smart].conditional)
    }

    @Test("same seed ⇒ the same P(short | world) for 1 and 2 threads, also with Latin hypercube worlds")
    func determinism() throws {
        let loaded = try LoadedScenario.load(nil)
        for s in [SamplingMethod.random, .lhs] {
            let a = TwoLevel.analyse(try Self.run(loaded, worlds: 30, perWorld: 50, threads: 1, sampling: s), worlds: 30, perWorld: 50)
            let b = TwoLevel.analyse(try Self.run(loaded, worlds: 30, perWorld: 50, threads: 2, sampling: s), worlds: 30, perWorld: 50)
            for v in a.lines.indices { for i in a.lines[v].indices { #expect(a.lines[v][i].conditional == b.lines[v][i].conditional) } }
        }
    }
}
