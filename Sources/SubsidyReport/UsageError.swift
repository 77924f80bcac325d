import SubsidyModel

/// An option that does not fit the scenario (a `--vary` key it does not have, an interval with no
/// whole number for a count, …): the command prints the message and exits 64, as for any other
/// usage error.
public struct UsageError: Error, Sendable, CustomStringConvertible {
    public var message: Message

    public init(zh: String, en: String) { message = Message(zh: zh, en: en) }

    public func text(_ lang: Language) -> String { message.text(lang) }
    public var description: String { message.en }
}
