import CGSL
import SubsidyModel

/// A rejected input or a failed numerical step in the analysis tools
/// (`Sobol`, `ImanConover`). The message says what was wrong and with which values.
public struct AnalysisError: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// The message in Chinese, for errors a user's scenario or options can cause (nil: the
    /// numerical internals, which stay in English).
    public var zh: String?

    public init(_ message: String, zh: String? = nil) {
        self.message = message
        self.zh = zh
    }

    public var description: String { message }

    public func text(_ lang: Language) -> String { lang == .zh ? (zh ?? message) : message }
}

/// A Philox4x32-10 generator (CGSL's `ss_philox_type()`) pointed at one stream
/// (key `ss_mix64(seed)`, counter words c1, c2, c3). Owns the `gsl_rng` and frees it.
final class AnalysisPhilox {
    let rng: UnsafeMutablePointer<gsl_rng>

    init(seed: UInt64, c1: UInt32, c2: UInt32, c3: UInt32) {
        guard let r = gsl_rng_alloc(ss_philox_type()) else {
            fatalError("gsl_rng_alloc failed (out of memory)")
        }
        rng = r
        ss_philox_stream(r, ss_mix64(seed), c1, c2, c3)
    }

    /// Re-points the generator at another stream under the same seed.
    func stream(seed: UInt64, c1: UInt32, c2: UInt32, c3: UInt32) {
        ss_philox_stream(rng, ss_mix64(seed), c1, c2, c3)
    }

    deinit { gsl_rng_free(rng) }
}
