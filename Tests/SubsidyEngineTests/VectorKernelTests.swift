import CGSL
import CKernel
import Foundation
import Testing
@testable import SubsidyEngine
import SubsidyModel

/// CKernel's per-firm passes (Philox for many streams) run in one of
/// several variants (scalar, AVX2, AVX-512F) chosen at run time. Every variant this machine can
/// run must give the bits of the plain Swift or C reference, and a whole run the same records.
/// Serialized: the whole-run test switches the process's variant (harmless to other suites, as
/// every variant gives the same bits, but the comparison needs its own variant to stay put).
@Suite("Vectorised kernels (CKernel)", .serialized)
struct VectorKernelTests {
    static let variants = [Int32(CK_SCALAR), Int32(CK_AVX2), Int32(CK_AVX512)].filter { ck_supports($0) != 0 }

    /// A reproducible stream of doubles for test inputs (not the engine's generator).
    struct Inputs {
        var s: UInt64
        mutating func next() -> UInt64 { s = s &* 6364136223846793005 &+ 1442695040888963407; return s }
        mutating func uniform() -> Double { RandomStream.open(UInt32(truncatingIfNeeded: next() >> 32)) }
    }

    @Test("the scalar variant always runs; the dispatch picks a supported one")
    func dispatch() {
        #expect(ck_supports(Int32(CK_SCALAR)) != 0)
        #expect(ck_supports(ck_isa()) != 0)
        #expect(ck_supports(-1) == 0 && ck_supports(3) == 0)
    }

    @Test("Philox words and uniforms of every variant are the reference block function's, for 0…41 streams")
    func philox() {
        let keys: [UInt64] = [0, ss_mix64(20_251_201), ~0]
        for isa in Self.variants {
            for key in keys {
                for count in 0...41 {
                    // Counter word 1 wraps past 2³² within the call for the first start.
                    for (c1, c2, c3) in [(UInt32.max - 5, UInt32(7), UInt32(0x4_0001)), (12_345, 0xDEAD_BEEF, 3 << 16)] {
                        let stride = count + 3
                        var words = [UInt32](repeating: 0, count: 8 * count + 8)
                        var u = [Double](repeating: -1, count: 8 * stride + 8)
                        words.withUnsafeMutableBufferPointer { ck_philox_words8_isa(isa, key, c1, c2, c3, Int64(count), $0.baseAddress!) }
                        u.withUnsafeMutableBufferPointer { ck_philox_uniforms8_isa(isa, key, c1, c2, c3, Int64(count), $0.baseAddress!, Int64(stride)) }
                        let k = [UInt32(truncatingIfNeeded: key), UInt32(truncatingIfNeeded: key >> 32)]
                        for i in 0..<count {
                            for block in UInt32(0)..<2 {
                                let ref = SamplerTests.philox([block, c1 &+ UInt32(i), c2, c3], k)
                                for w in 0..<4 {
                                    let word = Int(block) * 4 + w
                                    #expect(words[8 * i + word] == ref[w], "isa \(isa) count \(count) stream \(i) word \(word)")
                                    #expect(u[word * stride + i].bitPattern == RandomStream.open(ref[w]).bitPattern, "isa \(isa) count \(count) stream \(i) word \(word)")
                                }
                            }
                        }
                        // Nothing written past a column's `count` entries, nor past the words.
                        for w in 0..<8 { for i in count..<stride { #expect(u[w * stride + i] == -1, "isa \(isa) count \(count)") } }
                        #expect(words[(8 * count)...].allSatisfy { $0 == 0 })
                    }
                }
            }
        }
    }

    @Test("a whole run gives the same records with every variant", arguments: ["draft", "gamma investment, triangular hardware, one segment"])
    func wholeRun(case name: String) throws {
        let loaded: LoadedScenario
        if name == "draft" {
            loaded = try LoadedScenario.load(nil)
        } else {
            loaded = try Fixture.load(Fixture.yaml(firms: ["{dist: poisson, mean: 40, max: 200}", "{dist: poisson, mean: 30, max: 200}"], rates: [(0.6, 50), (0.5, 40)],
                                                   completion: "{dist: beta, mean: 0.8, sd: 0.1}", pass: "0.9",
                                                   investment: "{dist: gamma, mean: 60, sd: 40, min: 10, max: 400}",
                                                   hardware: "{dist: triangular, min: 0, mode: 0.2, max: 0.6}", cloud: "0.5"))
        }
        let before = ck_isa()
        defer { _ = ck_force_isa(before) }
        var results: [[UInt64]] = []
        for isa in Self.variants {
            _ = ck_force_isa(isa)
            #expect(ck_isa() == isa)
            results.append(DeterminismTests.flat(try Fixture.run(loaded, trials: 1500, threads: 2)))
        }
        for r in results.dropFirst() { #expect(r == results[0], "\(name)") }
    }
}
