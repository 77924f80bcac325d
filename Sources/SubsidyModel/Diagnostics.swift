/// Where a value came from: a scenario file (1-based line and column, counted in Unicode
/// scalars as libyaml does), or a command-line option such as `--set`.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `FILE:LINE:COL`, or just `FILE` for locations without a position (command-line options).
    public var description: String {
        line > 0 ? "\(file):\(line):\(column)" : file
    }
}

/// Output language of messages: Chinese (default, for the bureau) or English.
public enum Language: String, Sendable, CaseIterable {
    case zh, en
}

/// A message in both languages; `text(lang)` picks one.
public struct Message: Sendable, Hashable {
    public var zh: String
    public var en: String
    public init(zh: String, en: String) {
        self.zh = zh
        self.en = en
    }
    public func text(_ lang: Language) -> String { lang == .zh ? zh : en }
}

/// One problem found in a scenario: rendered as `FILE:LINE:COL: KEY: message`.
public struct Diagnostic: Sendable, Hashable {
    public var location: SourceLocation
    /// The key path of the offending value, e.g. `policy.batches[0].rate`; empty for file-level problems.
    public var key: String
    public var message: Message

    public init(_ location: SourceLocation, key: String, _ message: Message) {
        self.location = location
        self.key = key
        self.message = message
    }

    public func render(_ lang: Language) -> String {
        key.isEmpty
            ? "\(location): \(message.text(lang))"
            : "\(location): \(key): \(message.text(lang))"
    }
}

/// Thrown when a scenario cannot be used; carries every problem found, in file order.
public struct ScenarioError: Error, Sendable {
    public enum Kind: Sendable {
        /// The scenario (or an option naming a scenario value) is wrong: exit 65.
        case invalid
        /// A file could not be read: exit 66.
        case missingInput
    }
    public var kind: Kind
    public var diagnostics: [Diagnostic]

    public init(_ kind: Kind, _ diagnostics: [Diagnostic]) {
        self.kind = kind
        self.diagnostics = diagnostics
    }

    public func render(_ lang: Language) -> String {
        var text = diagnostics.map { $0.render(lang) }.joined(separator: "\n")
        if diagnostics.contains(where: { $0.location.file == LoadedScenario.builtinName }) {
            text += "\n" + Self.builtinHint.text(lang)
        }
        return text
    }

    /// Said under any problem that points into the bundled draft, which the user cannot open as a file.
    public static let builtinHint = Message(
        zh: "（\(LoadedScenario.builtinName) 是程序内置的征求意见稿情景：用 subsidysim scenario show 打印它的全文；"
            + "用 subsidysim new 文件名.yaml 写一个以它为基础的what-if文件）",
        en: "(\(LoadedScenario.builtinName) is the draft scenario built into the program: subsidysim scenario show prints it; "
            + "subsidysim new NAME.yaml writes a what-if file based on it)")
}

/// Collects diagnostics while a scenario is decoded, so all problems are reported at once.
public struct DiagnosticBag: Sendable {
    public private(set) var items: [Diagnostic] = []
    public init() {}
    public var isEmpty: Bool { items.isEmpty }
    public mutating func add(_ location: SourceLocation, _ key: String, _ message: Message) {
        let d = Diagnostic(location, key: key, message)
        if !items.contains(d) { items.append(d) }
    }
    public mutating func add(_ d: Diagnostic) {
        if !items.contains(d) { items.append(d) }
    }
    /// Diagnostics ordered by file (in the order files were first reported), line, column;
    /// stable for equal positions. (Comparing files by report order pairwise is not a strict
    /// weak order once a file's problems are interleaved with another's, as with base:.)
    public var sorted: [Diagnostic] {
        var fileRank: [String: Int] = [:]
        for d in items where fileRank[d.location.file] == nil { fileRank[d.location.file] = fileRank.count }
        return items.enumerated().sorted { a, b in
            let la = a.element.location, lb = b.element.location
            return (fileRank[la.file] ?? 0, la.line, la.column, a.offset) < (fileRank[lb.file] ?? 0, lb.line, lb.column, b.offset)
        }.map(\.element)
    }
}

/// Levenshtein distance, for "did you mean" suggestions. Cost O(|a|·|b|).
func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var prev = Array(0...y.count)
    var cur = [Int](repeating: 0, count: y.count + 1)
    for i in 1...x.count {
        cur[0] = i
        for j in 1...y.count {
            cur[j] = Swift.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
        }
        swap(&prev, &cur)
    }
    return prev[y.count]
}

/// The closest of `candidates` to `word`, if it is close enough to be a plausible typo.
public func suggestion(for word: String, in candidates: [String]) -> String? {
    let scored = candidates.map { ($0, editDistance(word.lowercased(), $0.lowercased())) }
    guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
    let limit = Swift.max(2, word.count / 3)
    if best.1 <= limit { return best.0 }
    // A typo that starts like a known key ("captial" for "cap"): the longest such key.
    let w = word.lowercased()
    return candidates.filter { $0.count >= 3 && w.hasPrefix($0.lowercased()) }.max { $0.count < $1.count }
}
