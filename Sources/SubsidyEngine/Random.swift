internal import CGSL
internal import CKernel

/// Stream domains: the fourth counter word's high half says what a stream is for, so firm,
/// trial-input, case and lottery streams can never collide.
public enum StreamDomain: UInt32, Sendable {
    case firm = 0
    case trialInput = 1
    case chainCase = 2
    case lottery = 3
    case design = 4
    case bootstrap = 5
}

/// A GSL generator of type Philox4x32-10 (see `shim.h`), re-pointed at a stream per firm and
/// per trial. The class exists only to own the `gsl_rng` C resource; use one per thread. It is
/// the engine's only generator: the trial kernel, the Latin hypercube and the Sobol bootstrap all
/// draw from it (GSL's samplers through `rng`, which stays inside the engine).
///
/// A stream is keyed by (seed, domain, trial, id): `key = mix64(seed)`, counter words
/// `(block, id, trial mod 2³², trial >> 32 | domain << 16)`. Seed 0 and seeds above 2³² are
/// ordinary, distinct seeds. Re-pointing costs a few stores.
public final class RandomStream: @unchecked Sendable {
    /// The GSL generator, for `gsl_ran_*` samplers inside the engine (a C pointer: never public).
    let rng: UnsafeMutablePointer<gsl_rng>
    /// `mix64(seed)`: the Philox key of every stream of this seed.
    public let key: UInt64

    public init(seed: UInt64) {
        GSL.prepare()
        guard let r = gsl_rng_alloc(ss_philox_type()) else { fatalError("gsl_rng_alloc failed: out of memory") }
        rng = r
        key = ss_mix64(seed)
        ss_philox_stream(rng, key, 0, 0, 0)
    }

    /// A generator at the start of the stream with counter words (c1, c2, c3) under `seed`: the
    /// analysis tools' streams, which are not (domain, trial, id) streams (see `select(counters:)`).
    convenience init(seed: UInt64, counters c1: UInt32, _ c2: UInt32, _ c3: UInt32) {
        self.init(seed: seed)
        select(counters: c1, c2, c3)
    }

    deinit { gsl_rng_free(rng) }

    /// Counter words 2 and 3 of the streams of (domain, trial): trial mod 2³², trial >> 32 | domain << 16.
    @inline(__always)
    public static func counters(_ domain: StreamDomain, trial: Int) -> (UInt32, UInt32) {
        let t = UInt64(truncatingIfNeeded: trial)
        return (UInt32(truncatingIfNeeded: t), UInt32(truncatingIfNeeded: t >> 32) & 0xFFFF | domain.rawValue << 16)
    }

    /// Points the generator at the start of stream (domain, trial, id).
    @inline(__always)
    public func select(_ domain: StreamDomain, trial: Int, id: UInt32) {
        let (c2, c3) = RandomStream.counters(domain, trial: trial)
        ss_philox_stream(rng, key, id, c2, c3)
    }

    /// Points the generator at the start of the stream with counter words (c1, c2, c3), given
    /// directly rather than as (domain, trial, id): the Latin hypercube's columns use
    /// (`stream`, column, 0x4C48), the Sobol bootstrap (0x536F626C, 0, 0). Costs a few stores.
    @inline(__always)
    func select(counters c1: UInt32, _ c2: UInt32, _ c3: UInt32) {
        ss_philox_stream(rng, key, c1, c2, c3)
    }

    /// The first eight 32-bit outputs of streams (domain, trial, firstID + i), i = 0..<count, into
    /// `out[8i ..< 8i + 8]`: what `select` and eight draws give for each stream, in one vectorised
    /// call (CKernel). `firstID + count` must not pass 2³².
    @inline(__always)
    public func firstEight(_ domain: StreamDomain, trial: Int, firstID: UInt32, count: Int, into out: UnsafeMutablePointer<UInt32>) {
        guard count > 0 else { return }
        let (c2, c3) = RandomStream.counters(domain, trial: trial)
        ck_philox_words8(key, firstID, c2, c3, Int64(count), out)
    }

    /// The same outputs as uniforms, `open(word)`, column by column: output k of stream i at
    /// `out[k * stride + i]` (stride ≥ count). One call per batch gives every firm's eight uniforms
    /// (CKernel: AVX-512F, AVX2 or scalar, chosen at run time; the same bits from each).
    @inline(__always)
    func firstEightUniforms(_ domain: StreamDomain, trial: Int, firstID: UInt32, count: Int,
                            into out: UnsafeMutablePointer<Double>, stride: Int) {
        guard count > 0 else { return }
        let (c2, c3) = RandomStream.counters(domain, trial: trial)
        ck_philox_uniforms8(key, firstID, c2, c3, Int64(count), out, Int64(stride))
    }

    /// The first uniform of each of streams (domain, trial, firstID + i), i = 0..<count, into
    /// `out[i]`: what `select` and one `open01` give for each (CKernel, vectorised).
    @inline(__always)
    func firstUniforms(_ domain: StreamDomain, trial: Int, firstID: UInt32, count: Int, into out: UnsafeMutablePointer<Double>) {
        guard count > 0 else { return }
        let (c2, c3) = RandomStream.counters(domain, trial: trial)
        ck_philox_first(key, firstID, c2, c3, Int64(count), out)
    }

    /// A uniform on (0, 1) from a raw 32-bit output k: (k + ½)/2³² (what `open01` returns).
    @inline(__always)
    public static func open(_ k: UInt32) -> Double { (Double(k) + 0.5) * 0x1.0p-32 }

    /// A uniform on the open interval (0, 1): (k + ½)/2³², never exactly 0 or 1.
    @inline(__always)
    public func open01() -> Double {
        RandomStream.open(UInt32(truncatingIfNeeded: ss_philox_get(rng.pointee.state)))
    }
}
