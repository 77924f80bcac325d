public import SubsidyModel

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
