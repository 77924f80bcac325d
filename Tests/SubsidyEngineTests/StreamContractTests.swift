import CGSL
import Foundation
import Testing
@testable import SubsidyEngine
import SubsidyModel

/// The trial loop draws firms in vectorised passes; these tests hold it to the contract stated in
/// `drawFirms`: firm (batch b, index i) of trial t reads, from stream (firm, t, b·2²⁴ + i), the
/// segment, investment, completion, pass, cloud, smart-factory, score and hardware uniforms in
/// that order, whatever the passes do. The reference below is written the plain way: one stream
/// at a time, `quantile` (not the inline fast path), a loop for the segment.
@Suite("Stream contract of the firm draws")
struct StreamContractTests {
    @Test("firstEight gives what select and eight draws give", arguments: [UInt64(0), 1, 20_251_201, (1 << 40) + 3] as [UInt64])
    func firstEightMatchesStream(seed: UInt64) {
        let r = RandomStream(seed: seed), check = RandomStream(seed: seed)
        for trial in [0, 1, 77, (1 << 32) + 5] {
            for firstID in [UInt32(0), 1 << 24, 12_345] {
                var words = [UInt32](repeating: 0, count: 8 * 37)
                words.withUnsafeMutableBufferPointer { r.firstEight(.firm, trial: trial, firstID: firstID, count: 37, into: $0.baseAddress!) }
                for i in 0..<37 {
                    check.select(.firm, trial: trial, id: firstID + UInt32(i))
                    for k in 0..<8 {
                        #expect(RandomStream.open(words[8 * i + k]) == check.open01(), "seed \(seed) trial \(trial) stream \(firstID + UInt32(i)) word \(k)")
                    }
                }
            }
        }
    }

    @Test("an analysis stream (counter words given directly) is the Philox stream of those words under mix64(seed)")
    func countersStream() {
        for (seed, c) in [(UInt64(7), (UInt32(0x536F_626C), UInt32(0), UInt32(0))), (20_251_201, (3, 11, 0x4C48))] {
            let r = RandomStream(seed: seed, counters: c.0, c.1, c.2)
            let key = [UInt32(truncatingIfNeeded: ss_mix64(seed)), UInt32(truncatingIfNeeded: ss_mix64(seed) >> 32)]
            for block in UInt32(0)..<3 {
                for w in SamplerTests.philox([block, c.0, c.1, c.2], key) {
                    #expect(UInt32(gsl_rng_get(r.rng)) == w, "seed \(seed) block \(block)")
                }
            }
        }
    }

    @Test("GSL's error handler is off once an engine entry point has run (errors come back as codes, never abort())")
    func gslErrorsOff() {
        _ = RandomStream(seed: 1)
        // Switching it off again is harmless and returns the handler in force: nil would be GSL's
        // default, which aborts the process.
        #expect(gsl_set_error_handler_off() != nil)
    }

    @Test("every firm's facts follow from its own stream", arguments: ["draft", "gamma investment, triangular hardware, one segment", "no firms"])
    func firmFactsFromOwnStream(case name: String) throws {
        let loaded: LoadedScenario
        if name == "draft" {
            loaded = try LoadedScenario.load(nil)
        } else if name == "no firms" {
            loaded = try Fixture.load(Fixture.yaml(firms: ["0", "0"], rates: [(0.6, 50), (0.5, 40)]))
        } else {
            loaded = try Fixture.load(Fixture.yaml(firms: ["{dist: poisson, mean: 40, max: 200}", "{dist: poisson, mean: 30, max: 200}"], rates: [(0.6, 50), (0.5, 40)],
                                                   completion: "{dist: beta, mean: 0.8, sd: 0.1}", pass: "0.9",
                                                   investment: "{dist: gamma, mean: 60, sd: 40, min: 10, max: 400}",
                                                   hardware: "{dist: triangular, min: 0, mode: 0.2, max: 0.6}", cloud: "0.5"))
        }
        let model = CompiledModel(loaded, seed: 99)
        var kernel = TrialKernel(model: model)
        let g = model.groups[0]
        let design = TrialDesign(method: .random, seed: model.seed)
        let k = model.inputs.count
        var u = [Double](repeating: 0, count: k), inputs = u
        var out = [Double](repeating: 0, count: model.variantCount * model.layout.count)
        let ref = RandomStream(seed: model.seed)
        for trial in [0, 3, (1 << 33) + 1] {
            u.withUnsafeMutableBufferPointer { design.row(trial: trial, stream: RandomStream(seed: design.seed), into: $0) }
            u.withUnsafeBufferPointer { ub in
                inputs.withUnsafeMutableBufferPointer { ib in
                    out.withUnsafeMutableBufferPointer { kernel.evaluate(trial: trial, u: ub, inputValues: ib, out: $0) }
                }
            }
            let cap = kernel.firmCapacity
            var f = 0, accepted: [Int32] = []
            for b in 0..<g.batches {
                let perBatch = kernel.perBatch[b]
                #expect(Double(perBatch) == out[model.layout.batch(b, .firms)])
                for i in 0..<perBatch {
                    ref.select(.firm, trial: trial, id: UInt32(b) << 24 | UInt32(i))
                    let w = (0..<8).map { _ in ref.open01() }
                    var s = 0
                    while s < g.segmentCumulative.count - 1 && w[0] > g.segmentCumulative[s] { s += 1 }
                    let p = Swift.min(Swift.max(kernel.segLow[s] + w[1] * (kernel.segHigh[s] - kernel.segLow[s]), 1e-300), 1 - 1e-16)
                    let lower = g.investment.lower ?? -.infinity, upper = g.investment.upper ?? .infinity
                    let x = Swift.min(Swift.max(kernel.segScale[s] * g.investmentLaw.quantile(p), lower), upper)
                    let done = w[2] < kernel.batchCompletion[b], passes = w[3] < kernel.batchPass[b]
                    let cloudP = model.inputs.firstIndex { $0.id == "cloud_uptake" }.map { inputs[$0] } ?? 0
                    let bits = (done ? FirmColumn.completed : 0) | (passes ? FirmColumn.passes : 0)
                        | (w[4] < cloudP ? FirmColumn.cloud : 0) | (w[5] < g.segmentSmart[s] ? FirmColumn.smart : 0)
                    #expect(Int(kernel.small[FirmColumn.batch * cap + f]) == b)
                    #expect(Int(kernel.small[FirmColumn.segment * cap + f]) == s, "trial \(trial) firm \(f)")
                    #expect(kernel.real[FirmColumn.investment * cap + f] == x, "trial \(trial) firm \(f)")
                    #expect(kernel.real[FirmColumn.score * cap + f] == g.score.quantile(w[6]))
                    #expect(kernel.real[FirmColumn.hardware * cap + f] == Swift.min(Swift.max(g.hardware.quantile(w[7]), 0), 1))
                    #expect(kernel.flags[f] == bits, "trial \(trial) firm \(f)")
                    if done && passes { accepted.append(Int32(f)) }
                    f += 1
                }
            }
            #expect(kernel.firmCount == f)
            #expect(Array(kernel.acceptedFirms[0..<kernel.acceptedCount]) == accepted)
        }
    }

    @Test("a compiled variant's ceiling headroom is Rules.mostUnderCeiling", arguments: [0.0, 12.5, 30, 45, -1])
    func ceilingHeadroom(chainCase: Double) throws {
        for lines in ["[transformation, benchmark, smart_factory, cloud, chain_case]", "[transformation, chain_case]", "[benchmark]"] {
            let loaded = try LoadedScenario.load(nil, overrides: [try Override.parse("policy.ceiling.lines=\(lines)").get()])
            let model = CompiledModel(loaded, seed: 1)
            for (i, cv) in model.variants.enumerated() {
                let expected = Rules.mostUnderCeiling(policy: model.scenarios[i].policy, chainCase: chainCase)
                #expect(cv.mostUnderCeiling(chainCase: chainCase) == expected, "\(lines), variant \(cv.id)")
            }
        }
    }
}
