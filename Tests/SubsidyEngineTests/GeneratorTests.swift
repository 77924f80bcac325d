import CGSL
import Foundation
import Testing
@testable import SubsidyEngine

// The generator and stream layer of `SamplerTests` (moved here from SamplerTests.swift, which
// was over 500 lines): Philox4x32-10 against Random123's known answers, the gsl_rng glue, and
// the stream layout of `RandomStream` (seeds, domains, re-selection).
extension SamplerTests {
    // MARK: 1. Philox known answers

    static func philox(_ ctr: [UInt32], _ key: [UInt32]) -> [UInt32] {
        var out = [UInt32](repeating: 0, count: 4)
        ctr.withUnsafeBufferPointer { c in
            key.withUnsafeBufferPointer { k in
                out.withUnsafeMutableBufferPointer { o in ss_philox4x32_10(c.baseAddress, k.baseAddress, o.baseAddress) }
            }
        }
        return out
    }

    /// Random123 `kat_vectors`, philox4x32 with 10 rounds.
    @Test("Philox4x32-10 matches Random123's known-answer vectors")
    func philoxKnownAnswers() {
        #expect(Self.philox([0, 0, 0, 0], [0, 0]) == [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8])
        #expect(Self.philox([0xffff_ffff, 0xffff_ffff, 0xffff_ffff, 0xffff_ffff], [0xffff_ffff, 0xffff_ffff])
                == [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd])
        #expect(Self.philox([0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344], [0xa409_3822, 0x299f_31d0])
                == [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1])
    }

    /// The `gsl_rng_type` glue: a stream's outputs are the words of philox((block, c1, c2, c3), key)
    /// in order, block 0, 1, ...; `gsl_rng_uniform` is k·2⁻³², `open01` is (k + ½)·2⁻³².
    @Test("gsl_rng glue: stream words are Philox blocks in counter order")
    func philoxAsGSLGenerator() {
        let r = RandomStream(seed: 42)
        #expect(r.key == ss_mix64(42))
        #expect(String(cString: r.rng.pointee.type.pointee.name) == "philox4x32-10")
        #expect(gsl_rng_max(r.rng) == 0xffff_ffff)
        #expect(gsl_rng_min(r.rng) == 0)
        let key = [UInt32(truncatingIfNeeded: r.key), UInt32(truncatingIfNeeded: r.key >> 32)]
        // Stream (trialInput, trial 2^32 + 7, id 9): counter words (block, 9, 7, 1 | 1 << 16).
        r.select(.trialInput, trial: (1 << 32) + 7, id: 9)
        var expected: [UInt32] = []
        for block in UInt32(0)..<3 { expected += Self.philox([block, 9, 7, 1 | 1 << 16], key) }
        let got = (0..<12).map { _ in UInt32(gsl_rng_get(r.rng)) }
        #expect(got == expected)
        r.select(.trialInput, trial: (1 << 32) + 7, id: 9)
        #expect(gsl_rng_uniform(r.rng) == Double(expected[0]) * 0x1p-32)
        #expect(r.open01() == (Double(expected[1]) + 0.5) * 0x1p-32)
        #expect(ss_philox_uniform(r.rng) == Double(expected[2]) * 0x1p-32)
        // open01 stays strictly inside (0, 1) at the extreme words.
        #expect((0.0 + 0.5) * 0x1p-32 > 0)
        #expect((Double(UInt32.max) + 0.5) * 0x1p-32 < 1)
    }

    // MARK: 2. Streams

    static func firstWords(_ r: RandomStream, _ n: Int = 8) -> [UInt32] {
        (0..<n).map { _ in UInt32(gsl_rng_get(r.rng)) }
    }

    @Test("Seeds 0, 1, 4357, 2^32, 2^32+1 and UInt64.max give distinct streams")
    func seedsAreDistinct() {
        let seeds: [UInt64] = [0, 1, 4357, 1 << 32, (1 << 32) + 1, .max]
        let firsts = seeds.map { seed -> [UInt32] in
            let r = RandomStream(seed: seed)
            r.select(.firm, trial: 0, id: 0)
            return Self.firstWords(r)
        }
        for i in seeds.indices {
            for j in seeds.indices where j > i {
                #expect(firsts[i] != firsts[j], "seeds \(seeds[i]) and \(seeds[j]) give the same first 8 words")
            }
        }
        // The same check on the key itself, and on GSL's own seeding path (gsl_rng_set).
        #expect(Set(seeds.map(ss_mix64)).count == seeds.count)
        let viaSet = seeds.map { seed -> [UInt32] in
            let g = gsl_rng_alloc(ss_philox_type())!
            defer { gsl_rng_free(g) }
            gsl_rng_set(g, UInt(seed))
            return (0..<8).map { _ in UInt32(gsl_rng_get(g)) }
        }
        #expect(viaSet == firsts, "gsl_rng_set(seed) and RandomStream(seed:) start at the same stream")
    }

    @Test("Different (trial, id) and different domains give different streams")
    func streamsAreDistinct() {
        let r = RandomStream(seed: 2024)
        let domains: [StreamDomain] = [.firm, .trialInput, .chainCase, .lottery, .design, .bootstrap]
        let trials = [0, 1, 2, 65_535, 1 << 32, (1 << 32) + 1, (1 << 47) + 3]
        let ids: [UInt32] = [0, 1, 2, 1000, .max]
        var seen: [[UInt32]: String] = [:]
        var collisions: [String] = []
        for d in domains {
            for t in trials {
                for id in ids {
                    r.select(d, trial: t, id: id)
                    let w = Self.firstWords(r)
                    let name = "(\(d), trial \(t), id \(id))"
                    if let other = seen[w] { collisions.append("\(name) = \(other)") }
                    seen[w] = name
                }
            }
        }
        #expect(collisions.isEmpty, "\(collisions)")
        #expect(seen.count == domains.count * trials.count * ids.count)
    }

    @Test("Re-selecting a stream replays it exactly")
    func reselectReplays() {
        let r = RandomStream(seed: 7)
        func run() -> [Double] {
            r.select(.firm, trial: 12, id: 3)
            var xs: [Double] = []
            for _ in 0..<50 {
                xs.append(r.open01())
                xs.append(gsl_ran_gamma(r.rng, 2.5, 1.5))              // rejection sampler: variable draw count
                xs.append(gsl_ran_gaussian_ziggurat(r.rng, 1))
                xs.append(Double(gsl_ran_poisson(r.rng, 40)))
            }
            return xs
        }
        let first = run()
        r.select(.firm, trial: 12, id: 4)
        _ = Self.firstWords(r, 1000)
        r.select(.lottery, trial: 12, id: 3)
        _ = Self.firstWords(r, 17)
        let second = run()
        #expect(first.map(\.bitPattern) == second.map(\.bitPattern))
        // A new generator with the same seed replays it too.
        let r2 = RandomStream(seed: 7)
        r2.select(.firm, trial: 12, id: 3)
        r.select(.firm, trial: 12, id: 3)
        #expect(Self.firstWords(r, 64) == Self.firstWords(r2, 64))
        // Mid-block: after 3 words, re-selecting restarts at word 0, not at the next block.
        r.select(.design, trial: 1, id: 1)
        let a = Self.firstWords(r, 3)
        r.select(.design, trial: 1, id: 1)
        #expect(Self.firstWords(r, 3) == a)
    }
}
