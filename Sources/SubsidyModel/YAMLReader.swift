// Reading YAML text into a located `YNode` tree, with every problem as a located diagnostic.
import Foundation
import Yams

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
        // The second byte's range where the lead allows less than 80–BF (Unicode Table 3-7):
        // no overlong forms, no surrogates (ED A0–BF), nothing above U+10FFFF (F4 90–BF).
        let c1 = b[b.index(after: i)]
        switch c {
        case 0xE0: if c1 < 0xA0 { return 0 }
        case 0xED: if c1 > 0x9F { return 0 }
        case 0xF0: if c1 < 0x90 { return 0 }
        case 0xF4: if c1 > 0x8F { return 0 }
        default: break
        }
        return need
    }

    /// Mappings and lists nested deeper than `Limits.maxNesting` (libyaml itself stops at 1000).
    static func nestingTooDeep(_ at: SourceLocation) -> Diagnostic {
        Diagnostic(at, key: "", Message(zh: "YAML 嵌套过深：映射与列表最多嵌套 \(Limits.maxNesting) 层",
                                        en: "YAML nested too deeply: mappings and lists may nest at most \(Limits.maxNesting) levels"))
    }

    /// libyaml's context and problem texts (scanner.c, parser.c, reader.c), in Chinese. A text
    /// not in the table (a newer libyaml) is shown as libyaml wrote it.
    static func chinese(_ libyaml: String) -> String { zhText[libyaml] ?? libyaml }

    static let zhText: [String: String] = [
        "while parsing": "解析时",
        "while parsing a block collection": "读取块状列表或映射时",
        "while parsing a block mapping": "读取映射（键: 值）时",
        "while parsing a block node": "读取取值时",
        "while parsing a flow mapping": "读取 { } 映射时",
        "while parsing a flow node": "读取 { } 或 [ ] 中的取值时",
        "while parsing a flow sequence": "读取 [ ] 列表时",
        "while parsing a node": "读取取值时",
        "while parsing a quoted scalar": "读取带引号的文字时",
        "while parsing a tag": "读取标签（!）时",
        "while parsing a tag directive": "读取 %TAG 指令时",
        "while scanning a block scalar": "读取多行文字（| 或 >）时",
        "while scanning a directive": "读取 % 指令时",
        "while scanning a plain scalar": "读取不带引号的文字时",
        "while scanning a quoted scalar": "读取带引号的文字时",
        "while scanning a simple key": "读取键时",
        "while scanning a tag": "读取标签（!）时",
        "while scanning a tag directive": "读取 %TAG 指令时",
        "while scanning an alias": "读取别名（*）时",
        "while scanning an anchor": "读取锚点（&）时",
        "while scanning for the next token": "读取下一项时",
        "block sequence entries are not allowed in this context": "这里不能出现列表项（- ），请检查缩进",
        "could not find expected ':'": "没有找到键后面的冒号“:”（键和值之间要用英文冒号加一个空格）",
        "could not find expected directive name": "没有找到指令名",
        "control characters are not allowed": "文件中有不允许的控制字符",
        "did not find URI escaped octet": "没有找到 URI 转义字节",
        "did not find expected '!'": "没有找到应有的“!”",
        "did not find expected ',' or ']'": "没有找到应有的“,”或“]”（[ ] 列表没有闭合，或两项之间缺逗号）",
        "did not find expected ',' or '}'": "没有找到应有的“,”或“}”（{ } 映射没有闭合，或两项之间缺逗号）",
        "did not find expected '-' indicator": "没有找到应有的列表项符号“-”，请检查缩进",
        "did not find expected <document start>": "没有找到文档开头（---）",
        "did not find expected <stream-start>": "没有找到文件开头",
        "did not find expected alphabetic or numeric character": "没有找到应有的字母或数字",
        "did not find expected comment or line break": "这里应是注释（#）或换行",
        "did not find expected digit or '.' character": "没有找到应有的数字或“.”",
        "did not find expected hexdecimal number": "没有找到应有的十六进制数字",
        "did not find expected key": "没有找到应有的键，请检查缩进（同一层的键要对齐）",
        "did not find expected node content": "没有找到应有的取值",
        "did not find expected tag URI": "没有找到应有的标签 URI",
        "did not find expected version number": "没有找到应有的版本号",
        "did not find expected whitespace": "这里应有空格",
        "did not find expected whitespace or line break": "这里应有空格或换行",
        "did not find the expected '>'": "没有找到应有的“>”",
        "expected low surrogate area": "缺少低位代理项",
        "found a tab character that violates indentation": "缩进中有制表符（Tab）：请只用空格缩进",
        "found a tab character where an indentation space is expected": "应是缩进空格的地方有制表符（Tab）：请只用空格缩进",
        "found an incorrect leading UTF-8 octet": "UTF-8 首字节不正确",
        "found an incorrect trailing UTF-8 octet": "UTF-8 后续字节不正确",
        "found an indentation indicator equal to 0": "缩进指示符不能为 0",
        "found character that cannot start any token": "这个字符不能出现在这里（如行首的 @、` 或 Tab）",
        "found duplicate %TAG directive": "%TAG 指令重复",
        "found duplicate %YAML directive": "%YAML 指令重复",
        "found extremely long version number": "版本号过长",
        "found incompatible YAML document": "YAML 版本不兼容",
        "found invalid Unicode character escape code": "Unicode 转义码无效",
        "found undefined tag handle": "标签前缀未定义",
        "found unexpected ':'": "出现了不应有的“:”",
        "found unexpected document indicator": "出现了不应有的文档分隔符（--- 或 ...）",
        "found unexpected end of stream": "文件在引号闭合之前就结束了（引号没有成对）",
        "found unexpected non-alphabetical character": "出现了不应有的非字母字符",
        "found unknown directive name": "未知的指令名",
        "found unknown escape character": "未知的转义字符（在双引号中，反斜杠 \\ 要写成 \\\\，或改用单引号）",
        "mapping keys are not allowed in this context": "这里不能出现键（? ）",
        "mapping values are not allowed in this context": "这里不能出现“键: 值”（冒号后有空格的文字要加引号，或检查缩进）",
        "unexpected low surrogate area": "出现了不应有的低位代理项",
    ]

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
                if lang == .zh {
                    return [ctx.isEmpty ? "" : chinese(ctx) + started.zh, chinese(problem)].filter { !$0.isEmpty }.joined(separator: "，")
                }
                return [ctx.isEmpty ? "" : ctx + started.text(lang), problem].filter { !$0.isEmpty }.joined(separator: ", ")
            }
            var hint = Message(zh: "", en: "")
            // `{policy.batches[0].cap: 45}`: in a flow mapping a plain key cannot hold [ or ].
            if ctx.hasPrefix("while parsing a flow mapping"), let ch = character(at: mark, in: text), ch == "[" || ch == "]" {
                hint = Message(zh: "；在 { } 里，含 [ ] 的键路径要加引号（{\"policy.batches[0].cap\": 45}），或每行写一个键",
                               en: "; inside { }, a key path with [ ] must be quoted ({\"policy.batches[0].cap\": 45}) or written one key per line")
            }
            // `title： 新标题`: a Chinese input method's colon, on the line where the construct began.
            let lines = [context?.mark.line, mark.line].compactMap { $0 }
            if hint.zh.isEmpty, let n = lines.first(where: { line(n: $0, in: text)?.contains("：") == true }) {
                hint = Message(zh: "；第 \(n) 行的冒号是中文全角冒号“：”，键和值之间要用英文冒号加一个空格（如 title: 新标题）",
                               en: "; line \(n) has a full-width colon '：': key and value are separated by an ASCII colon and a space (title: …)")
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

    /// The text of 1-based line `n` (nil past the end).
    static func line(n: Int, in text: String) -> Substring? {
        var k = 1
        for l in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if k == n { return l }
            k += 1
        }
        return nil
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
            // `!!str 40` is the text "40", as a quoted "40" is (the tag is explicit: an untagged
            // plain scalar's tag is still `!` or empty here, before resolution).
            let text = s.tag.rawValue == Tag.Name.str.rawValue
            return YNode(.scalar(s.string, plain: s.style == .plain && !text), loc(s.mark), taggedText: text && s.style == .plain)
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
