import Foundation

/// Reads a located YAML tree into typed values, collecting every problem instead of stopping.
struct TreeDecoder {
    var bag = DiagnosticBag()
    /// `basis:`/`confidence:` read so far, by the input's concrete path (`InputNote`).
    var notes: [String: InputNote] = [:]
    /// Key paths the tree's overrides set (`--set`, a variant's `set`), for placing an error
    /// between two values at the one a person just changed (`uniqueName`).
    var overridden: Set<String> = []

    // MARK: messages

    static func expected(_ what: Message, found: YNode) -> Message {
        Message(zh: "应为\(what.zh)，实际是\(found.kindName.zh)", en: "expected \(what.en), found \(found.kindName.en)")
    }
    static let aNumber = Message(zh: "数字", en: "a number")
    static let aWholeNumber = Message(zh: "整数", en: "a whole number")
    static let aText = Message(zh: "文字", en: "text")
    static let aMapping = Message(zh: "映射（键: 值）", en: "a mapping (key: value)")
    static let aList = Message(zh: "列表（- 项）", en: "a list (- item)")

    // MARK: structure

    /// The mapping's pairs, after reporting unknown keys (with a suggestion) and a wrong kind.
    mutating func mapping(_ node: YNode, _ path: String, allowed: [String]) -> [String: YNode]? {
        guard let pairs = node.pairs else {
            bag.add(node.location, path, Self.expected(Self.aMapping, found: node))
            return nil
        }
        var out: [String: YNode] = [:]
        for p in pairs {
            let keyPath = path.isEmpty ? p.key : path + "." + p.key
            if !allowed.contains(p.key) {
                let list = allowed.joined(separator: ", ")
                // A Chinese input method's colon (cap：45) makes key and value one unknown key.
                if let colon = p.key.firstIndex(where: { $0 == "：" || $0 == "︰" }) {
                    let k = p.key[..<colon].trimmedWhitespace, v = p.key[p.key.index(after: colon)...].trimmedWhitespace
                    bag.add(p.keyLocation, keyPath, Message(
                        zh: "“\(p.key)” 里的冒号是中文全角冒号“：”；键和值之间要用英文冒号加一个空格，写成 “\(k): \(v)”（可用的键：\(list)）",
                        en: "'\(p.key)' holds a full-width colon '：'; key and value are separated by an ASCII colon and a space: '\(k): \(v)' (expected one of: \(list))"))
                    continue
                }
                let hint = suggestion(for: p.key, in: allowed)
                bag.add(p.keyLocation, keyPath, Message(
                    zh: "未知的键\(hint.map { "；是否想写 “\($0)”？" } ?? "")（可用的键：\(list)）",
                    en: "unknown key\(hint.map { "; did you mean '\($0)'?" } ?? "") (expected one of: \(list))"))
                continue
            }
            out[p.key] = p.value
        }
        return out
    }

    mutating func list(_ node: YNode, _ path: String) -> [YNode]? {
        guard let xs = node.items else {
            bag.add(node.location, path, Self.expected(Self.aList, found: node))
            return nil
        }
        return xs
    }

    mutating func missing(_ parent: YNode, _ path: String, _ what: Message) {
        bag.add(parent.location, path, Message(zh: "缺少必填的键（应为\(what.zh)）", en: "missing required key (expected \(what.en))"))
    }

    // MARK: scalars

    /// Parses a finite number; reports text, non-finite values and percentages.
    mutating func parseNumber(_ node: YNode, _ path: String) -> Double? {
        guard case let .scalar(s, plain) = node.value, !node.isNull else {
            bag.add(node.location, path, Self.expected(Self.aNumber, found: node))
            return nil
        }
        let t = s.trimmedWhitespace
        let lower = t.lowercased()
        if plain, [".inf", "+.inf", "-.inf", ".nan", "inf", "-inf", "+inf", "nan", "infinity", "-infinity"].contains(lower) {
            bag.add(node.location, path, Message(zh: "数值必须是有限数（不能是 \(t)）", en: "the value must be a finite number (not \(t))"))
            return nil
        }
        if t.hasSuffix("%"), let v = Double(t.dropLast()) {
            bag.add(node.location, path, Message(zh: "应为小数，不能写百分号（\(t) 应写成 \(formatNumber(v / 100))）",
                                                 en: "expected a fraction, not a percentage (write \(formatNumber(v / 100)) for \(t))"))
            return nil
        }
        if node.taggedText, Double(t) != nil {
            bag.add(node.location, path, Message(zh: "应为数字，实际是标为文字（!!str）的 “\(s)”（请去掉 !!str）",
                                                 en: "expected a number, found \"\(s)\" tagged as text (!!str; remove the tag)"))
            return nil
        }
        if !plain, Double(t) != nil {
            bag.add(node.location, path, Message(zh: "应为数字，实际是加了引号的文字 “\(s)”（请去掉引号）",
                                                 en: "expected a number, found the quoted text \"\(s)\" (remove the quotes)"))
            return nil
        }
        guard plain, let v = Double(t), !lower.hasPrefix("0x") else {
            bag.add(node.location, path, Self.expected(Self.aNumber, found: node))
            return nil
        }
        guard v.isFinite else {
            bag.add(node.location, path, Message(zh: "数值必须是有限数（\(t) 超出范围）", en: "the value must be a finite number (\(t) overflows)"))
            return nil
        }
        return v
    }

    /// A number with a range check. `support` picks the message: rates, money, counts.
    mutating func number(_ node: YNode?, _ path: String, parent: YNode, support: Support, isRate: Bool = false,
                         default def: Double? = nil) -> Double? {
        guard let node else {
            if let def { return def }
            missing(parent, path, Self.aNumber)
            return nil
        }
        guard let v = parseNumber(node, path) else { return nil }
        checkRange(v, node.location, path, support: support, isRate: isRate)
        return v
    }

    mutating func checkRange(_ v: Double, _ loc: SourceLocation, _ path: String, support: Support, isRate: Bool = false) {
        let t = exactNumber(v)
        switch support {
        case .probability:
            if v < 0 || v > 1 {
                bag.add(loc, path, isRate
                    ? Message(zh: "比率 \(t) 超出 [0, 1]（比率写成小数，如 0.60 表示 60%）",
                              en: "rate \(t) is outside [0, 1] (write rates as fractions: 0.60 for 60%)")
                    : Message(zh: "\(t) 超出 [0, 1]（应为 0 到 1 之间的小数）",
                              en: "\(t) is outside [0, 1] (expected a fraction between 0 and 1)"))
            }
        case .nonNegative:
            if v < 0 {
                bag.add(loc, path, Message(zh: "不能为负数（\(t)；应 ≥ 0）", en: "must not be negative (\(t); expected ≥ 0)"))
            } else if v > Limits.maxAmount {
                bag.add(loc, path, Message(zh: "\(t) 超出 [0, 10⁹]（金额以万元计，最大 10⁹ 万元）",
                                           en: "\(t) is outside [0, 10⁹] (money is in 万元; at most 10⁹ 万元)"))
            }
        case .count:
            if v < 0 || v != v.rounded() {
                bag.add(loc, path, Message(zh: "应为非负整数，实际是 \(t)", en: "expected a whole number ≥ 0, found \(t)"))
            }
            // (Upper bounds of counts: `checkCountBound`, `integer(max:)`.)
        case .any:
            if abs(v) > Limits.maxAmount {
                bag.add(loc, path, Message(zh: "\(t) 超出 [-10⁹, 10⁹]", en: "\(t) is outside [-10⁹, 10⁹]"))
            }
        }
    }

    mutating func integer(_ node: YNode?, _ path: String, parent: YNode, default def: Int? = nil, min: Int = 0, max: Int = 1_000_000_000) -> Int? {
        guard let node else {
            if let def { return def }
            missing(parent, path, Self.aWholeNumber)
            return nil
        }
        guard let v = parseNumber(node, path) else { return nil }
        // Below `min` but a whole number ≥ 0: the caller's own message (e.g. "at least 1 trial").
        guard v >= 0, v == v.rounded(), v <= Double(max) else {
            bag.add(node.location, path, Message(zh: "应为 \(min) 到 \(max) 之间的整数，实际是 \(exactNumber(v))",
                                                 en: "expected a whole number from \(min) to \(max), found \(exactNumber(v))"))
            return nil
        }
        return Int(v)
    }

    mutating func string(_ node: YNode?, _ path: String, parent: YNode, default def: String? = nil) -> String? {
        guard let node else {
            if let def { return def }
            missing(parent, path, Self.aText)
            return nil
        }
        guard case let .scalar(s, _) = node.value, !node.isNull else {
            bag.add(node.location, path, Self.expected(Self.aText, found: node))
            return nil
        }
        // Bytes first: a text of at most that many bytes has at most that many characters (counting them is slow).
        if s.utf8.count > Limits.maxTextLength, s.count > Limits.maxTextLength {
            bag.add(node.location, path, Message(zh: "文字有 \(s.count) 个字符，超过上限 \(Limits.maxTextLength)",
                                                 en: "the text has \(s.count) characters, more than the limit of \(Limits.maxTextLength)"))
            return nil
        }
        // A name, label or title says which thing a row is: it cannot be blank.
        // (Whitespace first: it stops at the first other character, where the path test splits
        // the path; this runs for every text of every sweep point.)
        if s.allSatisfy(\.isWhitespace), Self.isOneLine(path), !path.hasSuffix("id") {
            bag.add(node.location, path, Message(zh: "名称、方案名称、标题不能为空（不写这个键则用默认名称）",
                                                 en: "a name, label or title cannot be blank (leave the key out for the default)"))
            return nil
        }
        // Control characters (one byte below 0x20, DEL, or C1 as 0xC2 0x80–0x9F) would reach the
        // terminal as escape sequences and break tables: none in any text, and no line break or
        // tab in a one-line text (a name, label or title). A byte scan first; most texts have none.
        if s.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == 0xC2 }) {
            let oneLine = Self.isOneLine(path)
            if let c = s.unicodeScalars.first(where: { Self.isControl($0, oneLine: oneLine) }) {
                let code = String(format: "U+%04X", c.value)
                let what = c == "\n" ? ("换行", "a line break") : c == "\t" ? ("制表符", "a tab") : ("控制字符", "a control character")
                bag.add(node.location, path, Message(
                    zh: "文字中有\(what.0)（\(code)）：" + (oneLine ? "名称、标题只能写一行，不能有换行、制表符或控制字符" : "文字中不能有换行和制表符以外的控制字符"),
                    en: "the text holds \(what.1) (\(code)): " + (oneLine ? "names and titles are one line, without line breaks, tabs or control characters"
                                                                          : "texts may hold no control characters other than line breaks and tabs")))
                return nil
            }
        }
        // Invisible format characters (Unicode Cf: bidi overrides and isolates, zero-width
        // spaces and joiners, the BOM) change how the text around them shows (U+202E turns
        // "60%/51万" into "万15/%06" in a chart) or make two names look alike: none in any text.
        // A byte scan first (`mayHoldFormatCharacter`: Chinese punctuation shares their lead bytes).
        if Self.mayHoldFormatCharacter(s), let c = s.unicodeScalars.first(where: { $0.properties.generalCategory == .format }) {
            let code = String(format: "U+%04X", c.value)
            bag.add(node.location, path, Message(
                zh: "文字中有不可见的格式字符（\(code)）：它会改变前后文字的显示（例如把数字倒过来显示），或使两个名称看起来相同；请删去",
                en: "the text holds an invisible format character (\(code)): it changes how the text around it shows (e.g. digits in reverse) or makes two names look alike; remove it"))
            return nil
        }
        return s
    }

    /// True when `s` may hold a Unicode format character (Cf): by its UTF-8 bytes, the soft hyphen
    /// (C2 AD), Arabic and Syriac marks (D8–DC), U+180E (E1 A0 8E), U+200B–U+206F's format block
    /// (E2 80 8B–8F, E2 80 AA–AE, E2 81 A0–AF), U+FEFF and U+FFF9–FFFB (EF BB BF, EF BF B9–BB) and
    /// the planes above (F0, F3). Common Chinese text (E3–E9, EF BC/BD punctuation, E2 80 9C “)
    /// passes without a scalar scan; a hit is confirmed by `generalCategory`.
    static func mayHoldFormatCharacter(_ s: String) -> Bool {
        var u = s.utf8.makeIterator()
        var b0: UInt8 = 0, b1: UInt8 = 0
        while let b = u.next() {
            switch (b0, b1, b) {
            case (_, 0xC2, 0xAD), (_, 0xE1, 0xA0), (0xE2, 0x80, 0x8B...0x8F), (0xE2, 0x80, 0xAA...0xAE), (0xE2, 0x81, 0xA0...0xAF),
                 (0xEF, 0xBB, 0xBF), (0xEF, 0xBF, 0xB9...0xBB):
                return true
            case (_, _, 0xD8...0xDC), (_, _, 0xF0...0xF4):
                return true
            default:
                break
            }
            b0 = b1; b1 = b
        }
        return false
    }

    /// Names, labels, titles and clauses are one line (they head table rows, chart legends and terminal lines).
    static func isOneLine(_ path: String) -> Bool {
        let last = path.split(separator: ".").last.map(String.init) ?? path
        return last == "name" || last == "label" || last == "title" || last == "id" || last == "clause"
    }

    /// C0 (but line break and tab, unless `oneLine`), DEL and C1 control characters.
    static func isControl(_ c: Unicode.Scalar, oneLine: Bool) -> Bool {
        if c == "\n" || c == "\t" { return oneLine }
        return c.value < 0x20 || (c.value >= 0x7F && c.value <= 0x9F)
    }

    /// Names tell funding sources, batches and segments apart in every table, chart and message,
    /// so two of a kind with the same name are an error, reported at one of them: the one an
    /// override renamed (`overridden`: a `--set` or the variant's `set`), else the one whose name is
    /// written when the other's is its default, else the later. `seen` holds the earlier names.
    mutating func uniqueName(_ name: String, kind: Message, seen: inout [SeenName], at path: String, node: YNode?, entry: YNode,
                             field: String = "name") {
        guard !name.isEmpty else { return }   // an empty name is an error of its own (or an id's that failed)
        let here = SeenName(name: name, path: path, location: (node ?? entry).location, written: node != nil)
        guard let first = seen.first(where: { $0.name == name }) else {
            seen.append(here)
            return
        }
        let (a, b) = (isOverridden(here.path + "." + field), isOverridden(first.path + "." + field))
        let atFirst = a != b ? b : (here.written != first.written ? first.written : false)
        let (at, other) = atFirst ? (first, here) : (here, first)
        let defaulted = other.written ? "" : "（\(other.path) 未写 \(field)，默认为 “\(name)”）"
        let defaultedEn = other.written ? "" : " (\(other.path) has no \(field): its default is '\(name)')"
        bag.add(at.location, at.path + "." + field, Message(
            zh: "名称 “\(name)” 与 \(other.path) 的名称相同\(defaulted)；各\(kind.zh)的名称须互不相同（结果表、图表和提示都以名称区分它们）",
            en: "the name '\(name)' is also that of \(other.path)\(defaultedEn); \(kind.en) need different names (tables, charts and messages tell them apart by name)"))
    }

    struct SeenName {
        var name: String, path: String, location: SourceLocation, written: Bool
    }

    /// Whether `path` (e.g. `funding[1].name`) is set by an override, or lies inside one.
    func isOverridden(_ path: String) -> Bool {
        overridden.contains { ScenarioPath.key(path, liesWithin: $0) }
    }

    /// An ASCII identifier (`[A-Za-z0-9_-]+`), for ids used in paths and file names.
    mutating func identifier(_ node: YNode?, _ path: String, parent: YNode) -> String? {
        guard let s = string(node, path, parent: parent) else { return nil }
        let ok = !s.isEmpty && s.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-") }
        if !ok, let node {
            bag.add(node.location, path, Message(zh: "“\(s)” 不是合法的标识（应为 ASCII 字母、数字、_ 或 -）",
                                                 en: "'\(s)' is not a valid id (expected ASCII letters, digits, _ or -)"))
            return nil
        }
        if s.utf8.count > Limits.maxIDLength, let node {
            bag.add(node.location, path, Message(zh: "标识有 \(s.utf8.count) 个字符，最多 \(Limits.maxIDLength) 个（它用作文件夹和文件名）",
                                                 en: "the id has \(s.utf8.count) characters; at most \(Limits.maxIDLength) (it names folders and files)"))
            return nil
        }
        return s
    }

    mutating func enumeration<E: RawRepresentable & CaseIterable>(_ node: YNode?, _ path: String, parent: YNode, default def: E) -> E
    where E.RawValue == String {
        guard let node else { return def }
        guard let s = string(node, path, parent: parent) else { return def }
        if let e = E(rawValue: s) { return e }
        let all = E.allCases.map(\.rawValue)
        let hint = suggestion(for: s, in: all)
        bag.add(node.location, path, Message(
            zh: "“\(s)” 不是可用的取值\(hint.map { "；是否想写 “\($0)”？" } ?? "")（可用：\(all.joined(separator: ", "))）",
            en: "'\(s)' is not allowed\(hint.map { "; did you mean '\($0)'?" } ?? "") (expected one of: \(all.joined(separator: ", ")))"))
        return def
    }
}

extension StringProtocol where UnicodeScalarView: BidirectionalCollection {
    /// `trimmingCharacters(in: .whitespaces)` (general category Zs and tab).
    public var trimmedWhitespace: String { trimmed(.whitespaces) }
    /// `trimmingCharacters(in: .whitespacesAndNewlines)`.
    public var trimmedWhitespaceAndNewlines: String { trimmed(.whitespacesAndNewlines) }

    /// `trimmingCharacters(in: set)`, without Foundation's cost when there is nothing to trim (the
    /// usual case; the decoder reads every number, word and text through it, once per scenario and
    /// per sweep point): when neither end's scalar is in `set` the text is returned as it is.
    /// Printable ASCII other than space (0x21–0x7E) is in neither set, so those ends need no lookup.
    func trimmed(_ set: CharacterSet) -> String {
        guard let a = unicodeScalars.first, let z = unicodeScalars.last else { return "" }
        func keeps(_ c: Unicode.Scalar) -> Bool { (0x21...0x7E).contains(c.value) || !set.contains(c) }
        return keeps(a) && keeps(z) ? String(self) : trimmingCharacters(in: set)
    }
}
