import Foundation
import Yams

/// A YAML value with the place it came from. Scenario files are read into this tree first,
/// so that `base:` merging, variants and `--set` overrides work on data before it is typed,
/// and every later error can still name its file, line and column.
public struct YNode: Sendable {
    public indirect enum Value: Sendable {
        /// A scalar's text; `plain` is false for quoted scalars (which are never numbers or null).
        case scalar(String, plain: Bool)
        case mapping([Pair])
        case sequence([YNode])
    }

    public struct Pair: Sendable {
        public var key: String
        public var keyLocation: SourceLocation
        public var value: YNode
    }

    public var value: Value
    public var location: SourceLocation

    public init(_ value: Value, _ location: SourceLocation) {
        self.value = value
        self.location = location
    }

    public var isNull: Bool {
        if case let .scalar(s, plain) = value, plain, ["", "~", "null", "Null", "NULL"].contains(s) { return true }
        return false
    }

    public var pairs: [Pair]? {
        if case let .mapping(p) = value { return p }
        return nil
    }

    public var items: [YNode]? {
        if case let .sequence(s) = value { return s }
        return nil
    }

    public var scalar: String? {
        if case let .scalar(s, _) = value { return s }
        return nil
    }

    public subscript(key: String) -> YNode? {
        pairs?.first { $0.key == key }?.value
    }

    /// A short name of the node's kind, for "expected ..., found ..." messages.
    var kindName: Message {
        switch value {
        case .mapping: return Message(zh: "映射", en: "a mapping")
        case .sequence: return Message(zh: "列表", en: "a list")
        case .scalar:
            if isNull { return Message(zh: "空值", en: "nothing") }
            // A huge scalar (a 50 MB title) is named by its start, not repeated in full.
            var t = scalar ?? ""
            if t.count > 60 { t = String(t.prefix(60)) + "…" }
            return Message(zh: "“\(t)”", en: "'\(t)'")
        }
    }

    /// The tree on one line in YAML flow style (`{dist: beta, mean: 0.5, sd: 0.1}`), for messages and labels.
    public var flowText: String {
        switch value {
        case let .scalar(s, _): return s
        case let .mapping(ps): return "{" + ps.map { $0.key + ": " + $0.value.flowText }.joined(separator: ", ") + "}"
        case let .sequence(xs): return "[" + xs.map(\.flowText).joined(separator: ", ") + "]"
        }
    }

    /// Canonical text of the tree (sorted by nothing: key order kept), used for the scenario hash.
    public var canonicalText: String {
        var out = ""
        func emit(_ n: YNode, _ indent: String) {
            switch n.value {
            case let .scalar(s, plain):
                out += plain ? s : "\"\(s)\""
                out += "\n"
            case let .mapping(ps):
                out += "{\n"
                for p in ps {
                    out += indent + "  " + p.key + ": "
                    emit(p.value, indent + "  ")
                }
                out += indent + "}\n"
            case let .sequence(xs):
                out += "[\n"
                for x in xs {
                    out += indent + "  - "
                    emit(x, indent + "  ")
                }
                out += indent + "]\n"
            }
        }
        emit(self, "")
        return out
    }
}

// MARK: - Reading YAML text

enum YAMLReader {
    /// Parses YAML text into a located tree. Problems (bad UTF-8, tabs in indentation, syntax,
    /// duplicate keys, aliases, non-string keys) come back as diagnostics; no Swift trap on any bytes.
    static func parse(data: Data, file: String) -> Result<YNode, ScenarioError> {
        var bytes = data
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        guard let text = String(data: bytes, encoding: .utf8) else {
            // Locate the first invalid byte for the message.
            var line = 1, col = 1
            var i = bytes.startIndex
            while i < bytes.endIndex {
                let len = utf8SequenceLength(bytes, at: i)
                if len == 0 { break }
                if bytes[i] == 0x0A { line += 1; col = 1 } else { col += 1 }
                i += len
            }
            return .failure(ScenarioError(.invalid, [Diagnostic(SourceLocation(file: file, line: line, column: col), key: "",
                Message(zh: "文件不是有效的 UTF-8 文本（应为 UTF-8 编码的 YAML；若以 GBK/GB18030 保存，请另存为 UTF-8）",
                        en: "the file is not valid UTF-8 text (expected UTF-8 encoded YAML; if it was saved as GBK/GB18030, save it as UTF-8)"))]))
        }
        if text.unicodeScalars.contains(where: { $0.value == 0 }) {
            return .failure(ScenarioError(.invalid, [Diagnostic(SourceLocation(file: file, line: 1, column: 1), key: "",
                Message(zh: "文件含有 NUL 字节，不是 YAML 文本", en: "the file contains NUL bytes; it is not YAML text"))]))
        }
        // Tabs in indentation: libyaml's own message ("found character that cannot start any token") hides the cause.
        var tabs: [Diagnostic] = []
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var col = 1
            for ch in line.unicodeScalars {
                if ch == "\t" {
                    tabs.append(Diagnostic(SourceLocation(file: file, line: i + 1, column: col), key: "",
                        Message(zh: "缩进中有制表符（Tab）；YAML 只能用空格缩进",
                                en: "tab character in indentation; YAML indents with spaces only")))
                    break
                }
                if ch != " " && ch != "-" { break }
                col += 1
            }
        }
        if !tabs.isEmpty { return .failure(ScenarioError(.invalid, tabs)) }

        do {
            guard let node = try Yams.compose(yaml: text) else {
                // No document (empty, or only comments): a null, so callers can say so.
                return .success(YNode(.scalar("", plain: true), SourceLocation(file: file, line: 1, column: 1)))
            }
            var diags = DiagnosticBag()
            var seen = Set<NodeMark>()
            let tree = convert(node, file: file, diags: &diags, seen: &seen, aliasAt: nil)
            if !diags.isEmpty { return .failure(ScenarioError(.invalid, diags.sorted)) }
            return .success(tree)
        } catch let error as YamlError {
            return .failure(ScenarioError(.invalid, [diagnostic(for: error, file: file, text: text)]))
        } catch {
            return .failure(ScenarioError(.invalid, [Diagnostic(SourceLocation(file: file, line: 1, column: 1), key: "",
                Message(zh: "YAML 无法解析：\(error)", en: "YAML could not be parsed: \(error)"))]))
        }
    }

    private static func utf8SequenceLength(_ b: Data, at i: Data.Index) -> Int {
        let c = b[i]
        let need: Int
        switch c {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: need = 2
        case 0xE0...0xEF: need = 3
        case 0xF0...0xF4: need = 4
        default: return 0
        }
        guard b.distance(from: i, to: b.endIndex) >= need else { return 0 }
        for k in 1..<need where b[b.index(i, offsetBy: k)] & 0xC0 != 0x80 { return 0 }
        return need
    }

    /// Mappings and lists nested deeper than `Limits.maxNesting` (libyaml itself stops at 1000).
    static func nestingTooDeep(_ at: SourceLocation) -> Diagnostic {
        Diagnostic(at, key: "", Message(zh: "YAML 嵌套过深：映射与列表最多嵌套 \(Limits.maxNesting) 层",
                                        en: "YAML nested too deeply: mappings and lists may nest at most \(Limits.maxNesting) levels"))
    }

    private static func diagnostic(for error: YamlError, file: String, text: String) -> Diagnostic {
        func at(_ mark: Mark, _ problem: String, _ context: YamlError.Context?) -> Diagnostic {
            if problem.contains("Maximum nesting level") || problem.contains("max_nest_level") {
                return nestingTooDeep(SourceLocation(file: file, line: mark.line, column: mark.column))
            }
            // libyaml reports where it gave up; say where the construct it was reading began.
            let ctx = context?.text ?? ""
            var started = Message(zh: "", en: "")
            if let c = context, !ctx.isEmpty, c.mark.line != mark.line || c.mark.column != mark.column {
                started = Message(zh: "（始于第 \(c.mark.line) 行第 \(c.mark.column) 列）", en: " started at \(c.mark.line):\(c.mark.column)")
            }
            func detail(_ lang: Language) -> String {
                [ctx.isEmpty ? "" : ctx + started.text(lang), problem].filter { !$0.isEmpty }.joined(separator: ", ")
            }
            var hint = Message(zh: "", en: "")
            // `{policy.batches[0].cap: 45}`: in a flow mapping a plain key cannot hold [ or ].
            if ctx.hasPrefix("while parsing a flow mapping"), let ch = character(at: mark, in: text), ch == "[" || ch == "]" {
                hint = Message(zh: "；在 { } 里，含 [ ] 的键路径要加引号（{\"policy.batches[0].cap\": 45}），或每行写一个键",
                               en: "; inside { }, a key path with [ ] must be quoted ({\"policy.batches[0].cap\": 45}) or written one key per line")
            }
            return Diagnostic(SourceLocation(file: file, line: mark.line, column: mark.column), key: "",
                              Message(zh: "YAML 语法错误：\(detail(.zh))\(hint.zh)", en: "YAML syntax error: \(detail(.en))\(hint.en)"))
        }
        switch error {
        case let .scanner(context, problem, mark, _):
            return at(mark, problem, context)
        case let .parser(context, problem, mark, _):
            return at(mark, problem, context)
        case let .composer(context, problem, mark, _):
            return at(mark, problem, context)
        case let .duplicatedKeysInMapping(duplicates, context):
            let key = duplicates.first ?? ""
            let first = context.mark
            let second = laterOccurrence(of: key, after: first, in: text) ?? (first.line, first.column)
            return Diagnostic(SourceLocation(file: file, line: second.line, column: second.column), key: key,
                              Message(zh: "重复的键（第一次出现在第 \(first.line) 行）；每个键只能写一次",
                                      en: "duplicate key (first defined on line \(first.line)); each key may appear once"))
        case let .reader(problem, offset, _, _):
            var line = 1, col = 1
            if let offset {
                for ch in text.unicodeScalars.prefix(offset) {
                    if ch == "\n" { line += 1; col = 1 } else { col += 1 }
                }
            }
            return Diagnostic(SourceLocation(file: file, line: line, column: col), key: "",
                              Message(zh: "无法读取 YAML：\(problem)", en: "cannot read YAML: \(problem)"))
        default:
            return Diagnostic(SourceLocation(file: file, line: 1, column: 1), key: "",
                              Message(zh: "YAML 错误：\(error)", en: "YAML error: \(error)"))
        }
    }

    /// The character at a 1-based line and column (counted in Unicode scalars, as libyaml does).
    private static func character(at mark: Mark, in text: String) -> Unicode.Scalar? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard mark.line >= 1, mark.line <= lines.count else { return nil }
        let scalars = Array(lines[mark.line - 1].unicodeScalars)
        guard mark.column >= 1, mark.column <= scalars.count else { return nil }
        return scalars[mark.column - 1]
    }

    /// The next place after `first` where `key:` starts at the same column: the duplicate.
    private static func laterOccurrence(of key: String, after first: Mark, in text: String) -> (line: Int, column: Int)? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard first.line >= 1, first.line <= lines.count else { return nil }
        for i in first.line..<lines.count {
            let scalars = Array(lines[i].unicodeScalars)
            let start = first.column - 1
            guard start >= 0, start < scalars.count else { continue }
            let rest = String(String.UnicodeScalarView(scalars[start...]))
            let prefixOK = scalars[..<start].allSatisfy { $0 == " " || $0 == "-" }
            if prefixOK, rest.hasPrefix(key), rest.dropFirst(key.count).drop(while: { $0 == " " }).hasPrefix(":") {
                return (i + 1, first.column)
            }
            // Flow mappings: `{a: 1, a: 2}` on one line.
            if i == first.line - 1, let r = rest.dropFirst(key.count).range(of: key + ":") {
                let offset = rest.distance(from: rest.startIndex, to: r.lowerBound)
                return (i + 1, first.column + offset)
            }
        }
        return nil
    }

    /// A node's kind and start mark. Yams resolves an alias (`*name`) to the anchored node itself,
    /// start mark included, so a mark seen twice for the same kind is an alias use.
    private struct NodeMark: Hashable {
        var kind: Int
        var line: Int
        var column: Int
    }

    private static func convert(_ node: Node, file: String, diags: inout DiagnosticBag, seen: inout Set<NodeMark>,
                                aliasAt: SourceLocation?, depth: Int = 0) -> YNode {
        func loc(_ m: Mark?) -> SourceLocation {
            SourceLocation(file: file, line: m?.line ?? 0, column: m?.column ?? 0)
        }
        let kind: Int
        switch node {
        case .scalar: kind = 0
        case .mapping: kind = 1
        case .sequence: kind = 2
        case .alias: kind = 3
        }
        // An empty scalar (`key:` with no value) takes the next token's mark, which another node may share: skip it.
        let isEmptyScalar = node.scalar.map { $0.string.isEmpty } ?? false
        if !isEmptyScalar, let m = node.mark, !seen.insert(NodeMark(kind: kind, line: m.line, column: m.column)).inserted {
            // The alias's own position is lost; point at the key (or list) that holds it.
            let at = aliasAt ?? loc(m)
            diags.add(at, "", Message(zh: "不支持 YAML 别名（*name）；请直接写出数值，或用 base: 继承",
                                      en: "YAML aliases (*name) are not supported; write the value out, or use base:"))
            return YNode(.scalar("", plain: true), at)
        }
        if depth > Limits.maxNesting, node.scalar == nil {
            diags.add(nestingTooDeep(loc(node.mark)))
            return YNode(.scalar("", plain: true), loc(node.mark))
        }
        switch node {
        case let .scalar(s):
            return YNode(.scalar(s.string, plain: s.style == .plain), loc(s.mark))
        case let .sequence(seq):
            let here = loc(seq.mark)
            return YNode(.sequence(seq.map { convert($0, file: file, diags: &diags, seen: &seen, aliasAt: here, depth: depth + 1) }), here)
        case let .mapping(map):
            var pairs: [YNode.Pair] = []
            for (k, v) in map {
                guard case let .scalar(ks) = k else {
                    diags.add(loc(k.mark), "", Message(zh: "键必须是文字（不能是列表或映射）", en: "a key must be text, not a list or mapping"))
                    continue
                }
                pairs.append(YNode.Pair(key: ks.string, keyLocation: loc(ks.mark),
                                        value: convert(v, file: file, diags: &diags, seen: &seen, aliasAt: loc(ks.mark), depth: depth + 1)))
            }
            return YNode(.mapping(pairs), loc(map.mark))
        case let .alias(a):
            diags.add(loc(a.mark), "", Message(zh: "不支持 YAML 别名（*name）；请直接写出数值，或用 base: 继承",
                                               en: "YAML aliases (*name) are not supported; write the value out, or use base:"))
            return YNode(.scalar("", plain: true), loc(a.mark))
        }
    }
}

// MARK: - Merging and overrides

extension YNode {
    /// Keys that are alternative ways to write the same thing: a child that uses one way drops
    /// the base's other ways (firm counts per batch or as a total; a lognormal by median/p90 or
    /// mu/sigma; a beta or gamma by mean/sd, a/b or shape/scale).
    static let alternativeKeys: [[Set<String>]] = [
        [["per_batch"], ["total", "batch1_share"]],
        [["median", "p90"], ["mu", "sigma"]],
        [["mean", "sd"], ["a", "b"], ["shape", "scale"]],
    ]

    /// `base` with `self` laid over it: mappings merge key by key (recursively); anything else
    /// in `self` replaces what `base` had (lists are replaced whole). A distribution written
    /// with `dist:` replaces the base's distribution whole, and a child that writes one of
    /// `alternativeKeys` drops the base's alternatives, so parameters of two ways never mix.
    func merged(over base: YNode) -> YNode {
        guard case let .mapping(mine) = value, case var .mapping(theirs) = base.value else { return self }
        if mine.contains(where: { $0.key == "dist" }) { return self }
        let myKeys = Set(mine.map(\.key))
        for groups in Self.alternativeKeys {
            for g in groups where !g.isDisjoint(with: myKeys) {
                let others = groups.filter { $0 != g }.reduce(into: Set<String>()) { $0.formUnion($1) }
                theirs.removeAll { others.contains($0.key) && !myKeys.contains($0.key) }
            }
        }
        for p in mine {
            if let i = theirs.firstIndex(where: { $0.key == p.key }) {
                theirs[i] = Pair(key: p.key, keyLocation: p.keyLocation, value: p.value.merged(over: theirs[i].value))
            } else {
                theirs.append(p)
            }
        }
        return YNode(.mapping(theirs), location)
    }

    func removingKey(_ key: String) -> YNode {
        guard case let .mapping(ps) = value else { return self }
        return YNode(.mapping(ps.filter { $0.key != key }), location)
    }
}

/// A path into the scenario tree, as variants and `--set` write it: `policy.batches[0].rate`.
public struct KeyPath: Sendable, Hashable, CustomStringConvertible {
    public enum Step: Sendable, Hashable {
        case key(String)
        case index(Int)
    }
    public var steps: [Step]
    public var description: String

    /// Parses `a.b[0].c`; nil when the text is not a key path.
    public init?(_ text: String) {
        var steps: [Step] = []
        var i = text.startIndex
        var current = ""
        func flush() -> Bool {
            if current.isEmpty { return false }
            steps.append(.key(current)); current = ""; return true
        }
        var afterIndex = false
        while i < text.endIndex {
            let c = text[i]
            if c == "." {
                if !afterIndex && !flush() { return nil }
                afterIndex = false
            } else if c == "[" {
                if !afterIndex && !flush() { return nil }
                guard let close = text[i...].firstIndex(of: "]"), let n = Int(text[text.index(after: i)..<close]), n >= 0 else { return nil }
                steps.append(.index(n))
                i = close
                afterIndex = true
            } else if c.isLetter || c.isNumber || c == "_" || c == "-" {
                if afterIndex { return nil }
                current.append(c)
            } else {
                return nil
            }
            i = text.index(after: i)
        }
        if !afterIndex && !flush() { return nil }
        self.steps = steps
        self.description = text
    }

    /// Builds a path from steps (for messages and sweeps).
    public init(steps: [Step]) {
        self.steps = steps
        var s = ""
        for step in steps {
            switch step {
            case let .key(k): s += s.isEmpty ? k : "." + k
            case let .index(n): s += "[\(n)]"
            }
        }
        self.description = s
    }
}

extension YNode {
    /// Sets the value at `path`. Every step but the last must exist; the last may add a key to a
    /// mapping (the typed decoding then rejects keys the schema does not know).
    /// Returns a message saying which step does not exist, or nil on success.
    mutating func set(_ path: KeyPath, to newValue: YNode) -> Message? {
        set(path.steps[...], to: newValue, walked: [])
    }

    private mutating func set(_ steps: ArraySlice<KeyPath.Step>, to newValue: YNode, walked: [KeyPath.Step]) -> Message? {
        guard let step = steps.first else {
            self = newValue
            return nil
        }
        let here = KeyPath(steps: walked + [step]).description
        switch (step, value) {
        case let (.key(k), .mapping(ps)):
            var ps = ps
            if let i = ps.firstIndex(where: { $0.key == k }) {
                if let m = ps[i].value.set(steps.dropFirst(), to: newValue, walked: walked + [step]) { return m }
                value = .mapping(ps)
                return nil
            }
            if steps.count == 1 {
                ps.append(Pair(key: k, keyLocation: newValue.location, value: newValue))
                value = .mapping(ps)
                return nil
            }
            let known = ps.map(\.key)
            let hint = suggestion(for: k, in: known).map { (zh: "；是否想写 “\($0)”？", en: "; did you mean '\($0)'?") }
            return Message(zh: "路径 \(here) 不存在\(hint?.zh ?? "")", en: "path \(here) does not exist\(hint?.en ?? "")")
        case let (.index(n), .sequence(xs)):
            guard n < xs.count else {
                return Message(zh: "路径 \(here) 不存在（列表只有 \(xs.count) 项，下标从 0 开始）",
                               en: "path \(here) does not exist (the list has \(xs.count) items, indexed from 0)")
            }
            var xs = xs
            if let m = xs[n].set(steps.dropFirst(), to: newValue, walked: walked + [step]) { return m }
            value = .sequence(xs)
            return nil
        case (.key, _):
            return Message(zh: "路径 \(here) 不存在（\(KeyPath(steps: walked).description) 不是映射）",
                           en: "path \(here) does not exist (\(KeyPath(steps: walked).description) is not a mapping)")
        case (.index, _):
            return Message(zh: "路径 \(here) 不存在（\(KeyPath(steps: walked).description) 不是列表）",
                           en: "path \(here) does not exist (\(KeyPath(steps: walked).description) is not a list)")
        }
    }

    /// The node at `path`, if every step exists.
    public func get(_ path: KeyPath) -> YNode? {
        var n = self
        for step in path.steps {
            switch step {
            case let .key(k): guard let c = n[k] else { return nil }; n = c
            case let .index(i): guard let xs = n.items, i < xs.count else { return nil }; n = xs[i]
            }
        }
        return n
    }
}
