import CGSL
import CKernel
import Foundation
import Testing
@testable import SubsidyEngine
import SubsidyModel

/// CKernel's per-firm passes (Philox for many streams, table look-ups, segments, yes/no facts) run in one of
/// several variants (scalar, AVX2, AVX-512F) chosen at run time. Every variant this machine can
/// run must give the bits of the plain Swift or C reference, and a whole run the same records.
/// Serialized: the whole-run test switches the process's variant (harmless to other suites, as
/// every variant gives the same bits, but the comparison needs its own variant to stay put).
@Suite("Vectorised kernels (CKernel)", .serialized)
struct VectorKernelTests {
    /// Sobol's bootstrap draws its rows with `ck_philox_uniform_int`: the same integers as
    /// gsl_rng_uniform_int on the same Philox stream, call after call, for sizes whose rejection
    /// zone is large (n near 2^31 rejects about half the words) or tiny (n = 16384), and when the
    /// draws are split across calls at any point (the position carries over).
    @Test("uniform integers from a Philox stream are gsl_rng_uniform_int's, draw for draw")
    func uniformIntIsGSL() {
        for (seed, n) in [(UInt64(7), UInt32(16384)), (20251201, 1), (3, 2), (11, 3), (5, 1_000_003), (9, 0x8000_0001), (1, 0xFFFF_FFFF)] {
            let reference = RandomStream(seed: seed, counters: 0x536F_626C, 0, 0)
            let want = (0..<3001).map { _ in UInt32(gsl_rng_uniform_int(reference.rng, UInt(n))) }
            var got = [UInt32](repeating: 0, count: want.count)
            var position: UInt64 = 0
            var done = 0
            for part in [1, 0, 7, 993, 2000] {
                got.withUnsafeMutableBufferPointer { g in
                    position = ck_philox_uniform_int(ss_mix64(seed), 0x536F_626C, 0, 0, position, n, Int64(part), g.baseAddress! + done)
                }
                done += part
            }
            #expect(done == want.count)
            #expect(got == want, "seed \(seed), n \(n): first difference at \(zip(got, want).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? -1)")
        }
    }

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

    @Test("Philox words, uniforms and first uniforms of every variant are the reference block function's, for 0…41 streams")
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
                        var first = [Double](repeating: -1, count: count + 1)
                        first.withUnsafeMutableBufferPointer { ck_philox_first_isa(isa, key, c1, c2, c3, Int64(count), $0.baseAddress!) }
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
                                    if word == 0 { #expect(first[i].bitPattern == RandomStream.open(ref[w]).bitPattern, "isa \(isa) first, stream \(i)") }
                                }
                            }
                        }
                        // Nothing written past a column's `count` entries, nor past the words.
                        for w in 0..<8 { for i in count..<stride { #expect(u[w * stride + i] == -1, "isa \(isa) count \(count)") } }
                        #expect(words[(8 * count)...].allSatisfy { $0 == 0 })
                        #expect(first[count] == -1)
                    }
                }
            }
        }
    }

    @Test("table centre of every variant is tableCentre bit for bit; the tails are left to the caller, in order", arguments: ["beta", "lognormal"])
    func tableCentre(law: String) {
        let d = law == "beta" ? Distribution(.beta(a: 3, b: 6)) : Distribution(.lognormal(mu: 3.8, sigma: 0.76))
        let p = PreparedDistribution(d, tabulate: true)
        #expect(p.fast == .table && !p.table.isEmpty)
        var inputs = Inputs(s: 42)
        let tail = p.centreLow, top = p.centreHigh
        #expect(tail <= PreparedDistribution.tableTail && top >= 1 - PreparedDistribution.tableTail)
        var u = (0..<997).map { _ in inputs.uniform() }
        // The edges of the centre and beyond, exactly.
        u += [tail, top, tail.nextDown, top.nextUp, 0.5, 1e-300, 1 - 1e-16, 0x1p-33, 1 - 0x1p-33]
        for isa in Self.variants {
            for n in [0, 1, 3, 4, 5, u.count] {
                var out = [Double](repeating: .nan, count: n)
                var inPlace = Array(u[0..<n])
                var slow = [Int32](repeating: -1, count: n), slow2 = slow
                let m = p.table.withUnsafeBufferPointer { t in
                    u.withUnsafeBufferPointer { ub in
                        ck_table_centre_isa(isa, t.baseAddress!, Double(PreparedDistribution.tableSize), tail, top,
                                            ub.baseAddress!, Int64(n), out.withUnsafeMutableBufferPointer { $0.baseAddress! }, slow.withUnsafeMutableBufferPointer { $0.baseAddress! })
                    }
                }
                let m2 = p.table.withUnsafeBufferPointer { t in
                    inPlace.withUnsafeMutableBufferPointer { b in
                        ck_table_centre_isa(isa, t.baseAddress!, Double(PreparedDistribution.tableSize), tail, top,
                                            b.baseAddress!, Int64(n), b.baseAddress!, slow2.withUnsafeMutableBufferPointer { $0.baseAddress! })
                    }
                }
                let expected = (0..<n).filter { !(u[$0] >= tail && u[$0] <= top) }
                #expect(Array(slow[0..<Int(m)]).map(Int.init) == expected, "isa \(isa) n \(n)")
                #expect(m == m2)
                for i in 0..<n {
                    let want = expected.contains(i) ? u[i] : p.tableCentre(u[i])
                    #expect(out[i].bitPattern == want.bitPattern, "isa \(isa) u = \(u[i])")
                    #expect(inPlace[i].bitPattern == want.bitPattern, "isa \(isa) in place, u = \(u[i])")
                }
            }
        }
    }

    @Test("fastQuantiles is fastQuantile draw by draw (table with tails, uniform, closed forms)",
          arguments: ["beta", "lognormal", "uniform", "triangular", "truncated uniform"])
    func fastQuantiles(law: String) {
        let d: Distribution
        switch law {
        case "beta": d = Distribution(.beta(a: 0.5, b: 0.5))
        case "lognormal": d = Distribution(.lognormal(mu: 3.8, sigma: 0.76))
        case "uniform": d = Distribution(.uniform(min: 0, max: 1))
        case "triangular": d = Distribution(.triangular(min: 0, mode: 0.2, max: 1))
        default: d = Distribution(.uniform(min: 0, max: 10), lower: 2, upper: 9)
        }
        let p = PreparedDistribution(d, tabulate: true)
        var inputs = Inputs(s: 7)
        let u = (0..<513).map { _ in inputs.uniform() } + [1e-12, 1 - 1e-12, 0.07, 0.93]
        var out = [Double](repeating: 0, count: u.count)
        var slow = [Int32](repeating: 0, count: u.count)
        u.withUnsafeBufferPointer { ub in
            out.withUnsafeMutableBufferPointer { o in
                slow.withUnsafeMutableBufferPointer { s in p.fastQuantiles(ub.baseAddress!, into: o.baseAddress!, count: u.count, slow: s.baseAddress!) }
            }
        }
        for i in u.indices { #expect(out[i].bitPattern == p.fastQuantile(u[i]).bitPattern, "\(law) u = \(u[i])") }
    }

    @Test("segments of every variant: the sign-bit count and the clamped probability of the reference loop", arguments: [1, 2, 4, 5, 7])
    func segments(count ns: Int) {
        var inputs = Inputs(s: UInt64(ns))
        // Shares with a zero one (two equal cumulative values) and a total just under 1.
        var shares = (0..<ns).map { _ in inputs.uniform() }
        if ns > 2 { shares[1] = 0 }
        let total = shares.reduce(0, +)
        var cum: [Double] = []
        var acc = 0.0
        for s in shares { acc += s / total; cum.append(acc) }
        let low = (0..<ns).map { _ in inputs.uniform() * 0.3 }
        var high = low.map { Swift.min($0 + inputs.uniform(), 1) }
        if ns > 1 { high[0] = low[0] }   // an empty truncation window
        let n = 203
        var u0 = (0..<n).map { _ in inputs.uniform() }, u1 = (0..<n).map { _ in inputs.uniform() }
        // Uniforms exactly at a cumulative share, and extremes.
        for k in 0..<Swift.min(ns - 1, n) { u0[k] = cum[k] }
        u1[0] = 1e-300; u1[1] = 1 - 1e-16
        for isa in Self.variants {
            for m in [0, 1, 3, 4, 5, n] {
                var seg = [Int32](repeating: -1, count: m), p = [Double](repeating: .nan, count: m)
                ck_segments_isa(isa, cum, Int64(Swift.max(ns - 1, 0)), low, high, u0, u1, Int64(m),
                                seg.withUnsafeMutableBufferPointer { $0.baseAddress! }, p.withUnsafeMutableBufferPointer { $0.baseAddress! }, 1e-300, 1 - 1e-16)
                for f in 0..<m {
                    var s = 0
                    for k in 0..<Swift.max(ns - 1, 0) { s &+= Int(truncatingIfNeeded: (cum[k] - u0[f]).bitPattern >> 63) }
                    let want = Swift.min(Swift.max(low[s] + u1[f] * (high[s] - low[s]), 1e-300), 1 - 1e-16)
                    #expect(Int(seg[f]) == s, "isa \(isa) ns \(ns) firm \(f)")
                    #expect(p[f].bitPattern == want.bitPattern, "isa \(isa) ns \(ns) firm \(f)")
                }
            }
        }
    }

    @Test("firm facts of every variant: the flags, acceptance (any truth table), accepted list, tallies and investment sum of the reference loop",
          arguments: [UInt32(8), 0, 15, 2, 6])
    func firmFacts(acceptance lut: UInt32) {
        var inputs = Inputs(s: UInt64(lut) + 3)
        let ns = 3, n = 37
        let smartP = [0.0, 0.3, 1.0]
        let u = (0..<4).map { _ in (0..<n).map { _ in inputs.uniform() } }
        var seg = (0..<n).map { _ in Int32(truncatingIfNeeded: inputs.next() % UInt64(ns)) }
        seg[0] = 2
        let investment = (0..<n).map { _ in inputs.uniform() * 100 }
        let (pd, pp, pc) = (0.8, u[1][5], 0.5)   // a probability equal to one uniform
        for isa in Self.variants {
            for m in [0, 1, 4, 5, n] {
                var flags = [UInt8](repeating: 0xFF, count: m), acc = [Int32](repeating: -1, count: m + 3 + 4), tally = [Int64](repeating: 0, count: 2 * ns)
                var t = ck_facts()
                ck_firm_facts_isa(isa, Int64(m), u[0], u[1], u[2], u[3], pd, pp, pc, seg, smartP, lut, investment, 100,
                                  flags.withUnsafeMutableBufferPointer { $0.baseAddress! }, acc.withUnsafeMutableBufferPointer { $0.baseAddress! },
                                  tally.withUnsafeMutableBufferPointer { $0.baseAddress! }, &t)
                func below(_ u: Double, _ p: Double) -> Int { Int(truncatingIfNeeded: (u - p).bitPattern >> 63) }
                var want = (done: 0, accepted: [Int32](), cloud: 0, smart: 0, invested: 0.0, tally: [Int64](repeating: 0, count: 2 * ns))
                for i in 0..<m {
                    let s = Int(seg[i])
                    let d = below(u[0][i], pd), p = below(u[1][i], pp), c = below(u[2][i], pc), sm = below(u[3][i], smartP[s])
                    let a = Int(lut >> (d | p << 1)) & 1
                    #expect(flags[i] == UInt8(d | p << 1 | c << 2 | sm << 3), "isa \(isa) firm \(i)")
                    want.done += d; want.cloud += c; want.smart += sm & a; want.invested += investment[i]
                    want.tally[2 * s] += 1; want.tally[2 * s + 1] += Int64(a)
                    if a == 1 { want.accepted.append(Int32(100 + i)) }
                }
                #expect(Int(t.done) == want.done && Int(t.cloud) == want.cloud && Int(t.smart_accepted) == want.smart, "isa \(isa) m \(m)")
                #expect(t.invested.bitPattern == want.invested.bitPattern, "isa \(isa) m \(m)")
                #expect(Array(acc[0..<Int(t.accepted)]) == want.accepted, "isa \(isa) m \(m)")
                // Room for m + 3 entries is all it may use.
                #expect(acc[(m + 3)...].allSatisfy { $0 == -1 }, "isa \(isa) m \(m)")
                #expect(tally == want.tally, "isa \(isa) m \(m)")
            }
        }
    }

    @Test("investment scale and clamps of every variant are the reference loop's (empty windows, missing bounds, NaN)")
    func scaleClamp() {
        var inputs = Inputs(s: 11)
        let n = 29
        var q = (0..<n).map { _ in inputs.uniform() * 300 }
        q[3] = .nan; q[4] = .infinity; q[5] = 0
        let seg = (0..<n).map { Int32($0 % 3) }
        let scale = [1.2, 0.5, 2.0], low = [0.1, 0.4, 0.0], high = [0.9, 0.4, 1.0]   // segment 1: empty window
        for (lower, upper) in [(10.0, 400.0), (-Double.infinity, Double.infinity), (50, 60)] {
            let fallback = lower.isFinite ? lower : 7, lowerFill = lower.isFinite ? lower : 0
            for isa in Self.variants {
                var out = [Double](repeating: -1, count: n)
                ck_scale_clamp_isa(isa, Int64(n), q, seg, scale, low, high, fallback, lower, lowerFill, upper, out.withUnsafeMutableBufferPointer { $0.baseAddress! })
                for i in 0..<n {
                    let s = Int(seg[i])
                    var x = high[s] > low[s] ? scale[s] * q[i] : fallback
                    if !(x >= lower) { x = lowerFill }
                    if x > upper { x = upper }
                    #expect(out[i].bitPattern == x.bitPattern, "isa \(isa) i \(i) bounds \(lower)…\(upper)")
                }
            }
        }
    }

    @Test("shifted sums of every variant are the reference loop's, bit for bit (lengths 0…19, NaN, infinities, -0)")
    func shiftedSums() {
        var g = Inputs(s: 7)
        for isa in Self.variants {
            for n in 0..<20 {
                var row = (0..<n).map { _ in (g.uniform() - 0.5) * 1e6 }, shift = (0..<n).map { _ in (g.uniform() - 0.5) * 1e3 }
                if n > 3 { row[1] = .nan; row[2] = .infinity; shift[3] = -0.0 }
                var a = (0..<n).map { _ in g.uniform() }, q = (0..<n).map { _ in g.uniform() * 1e9 }
                var wantA = a, wantQ = q
                for i in 0..<n { let d = row[i] - shift[i]; wantA[i] += d; wantQ[i] += d * d }
                a.withUnsafeMutableBufferPointer { A in q.withUnsafeMutableBufferPointer { Q in
                    ck_shifted_sums_isa(isa, Int64(n), row, shift, A.baseAddress, Q.baseAddress)
                } }
                for i in 0..<n {
                    #expect(a[i].bitPattern == wantA[i].bitPattern && q[i].bitPattern == wantQ[i].bitPattern, "isa \(isa) n \(n) i \(i)")
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
