import ArgumentParser
import Foundation
import SubsidyModel

/// The language of help, usage errors and messages, decided once before anything is parsed:
/// `--lang en|zh` (or `--lang=en`) anywhere on the command line, else the locale (`LC_ALL`, then
/// `LC_MESSAGES`, then `LANG`: an `en…` locale is English; `zh…`, `C`, `POSIX`, anything else or
/// nothing is Chinese). Help strings read it through `L(_:_:)` and `H(_:_:)`, every `--lang`
/// option defaults to it, and the parser's errors are rendered in it (`UsageMessages`).
enum Lang {
    /// Set once in `SubsidySim.main` before parsing; read-only afterwards.
    nonisolated(unsafe) static var current: Language = .zh

    /// The language the command line asks for, and the value of a `--lang` that is neither zh nor en.
    static func decide(_ args: [String], environment: [String: String]) -> (language: Language, invalid: String?) {
        var chosen: Language?
        var invalid: String?
        var i = 0
        while i < args.count {
            let a = args[i]
            if a == "--" { break }
            var value: String?
            if a == "--lang" {
                if i + 1 < args.count { value = args[i + 1]; i += 1 }
            } else if a.hasPrefix("--lang=") {
                value = String(a.dropFirst("--lang=".count))
            }
            if let v = value {
                if let l = Language(rawValue: v) { chosen = l; invalid = nil } else { invalid = v }
            }
            i += 1
        }
        return (chosen ?? fromEnvironment(environment), invalid)
    }

    /// `LC_ALL`, then `LC_MESSAGES`, then `LANG` (the first that is set and not empty, as POSIX
    /// says): English for `en…`, Chinese otherwise (`zh_CN.UTF-8`, `C`, `POSIX`, unset).
    static func fromEnvironment(_ environment: [String: String]) -> Language {
        for key in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let v = environment[key], !v.isEmpty { return v.lowercased().hasPrefix("en") ? .en : .zh }
        }
        return .zh
    }

    /// The commands that have a `--lang` option of their own. Elsewhere (`help`, `scenario show`,
    /// the bare program) the language has already been decided and the option is taken off the
    /// command line, so `subsidysim help run --lang en` works.
    static let commandsWithLang: Set<String> = ["run", "check", "award", "sweep", "solve", "sensitivity", "compare",
                                                "rebalance", "new", "scenario keys"]

    /// The command line the parser sees: `--lang` given before the command's name, or to a
    /// command without the option, is removed (it has been read already).
    static func argumentsForParsing(_ args: [String]) -> [String] {
        func isLang(_ a: String) -> Bool { a == "--lang" || a.hasPrefix("--lang=") }
        // Take every --lang (and its value) out, remembering where the rest starts.
        var rest: [String] = []
        var leadingDone = false
        var keptLang: [(index: Int, tokens: [String])] = []
        var i = 0
        while i < args.count {
            let a = args[i]
            if a == "--" { rest += args[i...]; break }
            if isLang(a) {
                var tokens = [a]
                if a == "--lang", i + 1 < args.count { tokens.append(args[i + 1]); i += 1 }
                if leadingDone { keptLang.append((rest.count, tokens)) }
                i += 1
                continue
            }
            leadingDone = true
            rest.append(a)
            i += 1
        }
        let path = rest.first == "scenario" ? "scenario " + (rest.dropFirst().first ?? "") : (rest.first ?? "")
        guard commandsWithLang.contains(path) else { return rest }
        var out = rest
        for k in keptLang.reversed() { out.insert(contentsOf: k.tokens, at: k.index) }
        return out
    }
}

/// A help string or message in the language decided for this run.
func L(_ zh: String, _ en: String) -> String { Lang.current == .zh ? zh : en }

/// An option's help in the language decided for this run; `valueName` is the placeholder in
/// `--trials <次数>` (Chinese and English may differ).
func H(_ zh: String, _ en: String, value: (zh: String, en: String)? = nil) -> ArgumentHelp {
    ArgumentHelp(L(zh, en), valueName: value.map { L($0.zh, $0.en) })
}

/// The help screen: ArgumentParser's text (rendered unwrapped), its headings and fixed phrases
/// in Chinese when the language is Chinese, then wrapped to the terminal by display width (a
/// Chinese character takes two columns; lines break between Chinese characters, never inside
/// an option name or before a closing punctuation mark). Indented lines of a command's
/// description (its examples) are never broken, so they can be copied as they are.
enum HelpScreen {
    /// Wide enough that ArgumentParser never wraps: `render` does.
    static let unwrapped = 100_000

    static func render(_ text: String, lang: Language, width: Int) -> String {
        var out: [String] = []
        enum Part { case overview, usage, list }
        var part = Part.overview
        for raw in text.components(separatedBy: "\n") {
            var line = raw
            var indent = 0
            if line.hasPrefix("OVERVIEW: ") {
                part = .overview
                if lang == .zh { line = "概述：" + line.dropFirst("OVERVIEW: ".count) }
            } else if line.hasPrefix("USAGE: ") {
                part = .usage
                let body = String(line.dropFirst("USAGE: ".count))
                line = lang == .zh ? "用法：" + usageText(body, lang) : line
                indent = lang == .zh ? 6 : 7
            } else if ["ARGUMENTS:", "OPTIONS:", "SUBCOMMANDS:"].contains(line) {
                part = .list
                if lang == .zh { line = ["ARGUMENTS:": "参数：", "OPTIONS:": "选项：", "SUBCOMMANDS:": "子命令："][line] ?? line }
            } else if part == .list && (line.hasPrefix("  See '") || line.hasPrefix("  查看")) {
                if lang == .zh { line = listLine(line) }
                indent = 4
            } else if part == .list {
                indent = labelColumn
                if lang == .zh { line = listLine(line) }
                if let (label, text) = splitListLine(line) {
                    out += aligned(label, text, width: width)
                    continue
                }
            }
            // The description's own indented lines (examples) stay whole.
            if part == .overview && line.hasPrefix(" ") {
                out.append(line)
            } else {
                out += wrap(line, width: width, indent: indent)
            }
        }
        return out.joined(separator: "\n")
    }

    /// Where ArgumentParser starts an option's description (in characters, not columns).
    static let labelColumn = 26

    /// "  --trials <次数>     text" → ("--trials <次数>", "text"): ArgumentParser pads the label
    /// to 26 characters, which for Chinese labels is not 26 columns, so the label is re-padded.
    static func splitListLine(_ line: String) -> (label: String, text: String)? {
        let chars = Array(line)
        guard chars.count > labelColumn, chars[labelColumn - 1] == " ", chars[labelColumn] != " ",
              line.hasPrefix("  "), chars[2] != " " || chars.prefix(labelColumn).allSatisfy({ $0 == " " }) else { return nil }
        let label = String(chars[..<labelColumn]).trimmingCharacters(in: .whitespaces)
        return (label, String(chars[labelColumn...]))
    }

    /// The label, then the text from column 26 (on the next line when the label is too wide), wrapped.
    static func aligned(_ label: String, _ text: String, width: Int) -> [String] {
        let pad = String(repeating: " ", count: labelColumn)
        if label.isEmpty { return wrap(pad + text, width: width, indent: labelColumn) }
        let head = "  " + label
        let used = columns(head)
        if used + 2 > labelColumn { return [head] + wrap(pad + text, width: width, indent: labelColumn) }
        return wrap(head + String(repeating: " ", count: labelColumn - used) + text, width: width, indent: labelColumn)
    }

    /// `<subcommand>` and `[<options>]` of a usage line, in Chinese.
    static func usageText(_ usage: String, _ lang: Language) -> String {
        guard lang == .zh else { return usage }
        return usage.replacingOccurrences(of: "<subcommand>", with: "<子命令>").replacingOccurrences(of: "[<options>]", with: "[<选项>]")
    }

    /// One line of the argument, option or subcommand lists, with ArgumentParser's fixed phrases in Chinese.
    static func listLine(_ line: String) -> String {
        var l = line
        if let r = l.range(of: "(values: "), l.hasSuffix(")") {
            let inner = l[r.upperBound..<l.index(before: l.endIndex)]
            let parts = inner.components(separatedBy: "; default: ")
            let values = parts[0].replacingOccurrences(of: ", ", with: "、")
            let text = parts.count > 1 ? "（可选值：\(values)；默认：\(parts[1])）" : "（可选值：\(values)）"
            l = String(l[..<r.lowerBound]) + text
        } else if let r = l.range(of: "(default: "), l.hasSuffix(")") {
            let inner = l[r.upperBound..<l.index(before: l.endIndex)]
            // Doubles' defaults are written 0.0 and 1.0 by ArgumentParser.
            let value = inner.hasSuffix(".0") && Double(inner) != nil ? String(inner.dropLast(2)) : String(inner)
            l = String(l[..<r.lowerBound]) + "（默认：\(value)）"
        }
        // A Chinese sentence before the parenthesis needs no space.
        l = l.replacingOccurrences(of: "。 （", with: "。（").replacingOccurrences(of: " （可选值", with: "（可选值")
            .replacingOccurrences(of: " （默认", with: "（默认")
        l = l.replacingOccurrences(of: "Show help information.", with: "显示本帮助。")
            .replacingOccurrences(of: "Show the version.", with: "显示程序版本。")
        if l.hasPrefix("  See '"), let end = l.range(of: "' for detailed help.") {
            let cmd = l[l.index(l.startIndex, offsetBy: "  See '".count)..<end.lowerBound]
            l = "  查看某个子命令的详细帮助：" + cmd.replacingOccurrences(of: "<subcommand>", with: "<子命令>")
        }
        return l
    }

    /// Columns a character takes in a terminal: two for East Asian wide and full-width characters.
    static func columns(_ c: Character) -> Int {
        guard let v = c.unicodeScalars.first?.value else { return 0 }
        switch v {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
             0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x20000...0x3FFFD:
            return 2
        default:
            return 1
        }
    }

    static func columns(_ s: some StringProtocol) -> Int { s.reduce(0) { $0 + columns($1) } }

    /// Chinese punctuation a line may not start with, and the opening marks it may not end with.
    static let noBreakBefore = Set("，。、；：！？）」』】》〉”’…％—～·")
    static let noBreakAfter = Set("（「『【《〈“‘")

    /// Whether a line may break between `a` and `b` (neither a space): between two Chinese
    /// characters, or between a Chinese character and a following word or number, never before
    /// closing or after opening punctuation, never between a number and the Chinese unit after it.
    static func mayBreak(_ a: Character, _ b: Character) -> Bool {
        if noBreakBefore.contains(b) || noBreakAfter.contains(a) { return false }
        let wa = columns(a) == 2, wb = columns(b) == 2
        if wa && wb { return true }
        if wa { return b.isLetter || b.isNumber || b == "-" || b == "<" || b == "[" }
        if wb { return !(a.isNumber || a == "." || a == "%") && (a.isLetter || a == ">" || a == "]" || a == ")" || a == "`") }
        return false
    }

    /// Greedy wrapping by display width; continuation lines are indented by `indent` spaces. A
    /// piece too long for a line (a long path) overflows rather than being cut.
    static func wrap(_ line: String, width: Int, indent: Int) -> [String] {
        guard columns(line) > width else { return [line] }
        // Pieces: (spaces before, text) split at spaces and at the breaks above.
        var pieces: [(gap: String, text: String)] = []
        var gap = "", text = ""
        var prev: Character?
        for c in line {
            if c == " " {
                if !text.isEmpty { pieces.append((gap, text)); gap = ""; text = "" }
                gap.append(c)
                prev = nil
                continue
            }
            if let p = prev, !text.isEmpty, mayBreak(p, c) { pieces.append((gap, text)); gap = ""; text = "" }
            text.append(c)
            prev = c
        }
        if !text.isEmpty || !gap.isEmpty { pieces.append((gap, text)) }
        var lines: [String] = []
        var current = ""
        var used = 0
        let pad = String(repeating: " ", count: indent)
        for (i, p) in pieces.enumerated() {
            let w = columns(p.gap) + columns(p.text)
            if i == 0 || used + w <= width || current.trimmingCharacters(in: .whitespaces).isEmpty {
                current += p.gap + p.text
                used += w
            } else {
                lines.append(current)
                current = pad + p.text
                used = indent + columns(p.text)
            }
        }
        lines.append(current)
        return lines
    }

    /// The terminal's width (`COLUMNS`, else the terminal driver, else 80), at least 40.
    static func terminalWidth(_ fd: Int32 = STDOUT_FILENO) -> Int {
        if let c = ProcessInfo.processInfo.environment["COLUMNS"].flatMap({ Int($0) }), c > 0 { return Swift.max(40, c) }
        var w = winsize()
        #if os(Linux)
        let got = ioctl(fd, UInt(TIOCGWINSZ), &w)
        #else
        let got = ioctl(fd, TIOCGWINSZ, &w)
        #endif
        if isatty(fd) != 0, got == 0, w.ws_col > 0 { return Swift.max(40, Int(w.ws_col)) }
        return 80
    }
}

/// ArgumentParser's usage errors (unknown option, missing or malformed value, a value not among
/// the allowed ones, an extra argument, an unknown command), in Chinese: what was wrong, naming
/// the option, what was expected or allowed, the option's help, the usage line and where to
/// read more. With `--lang en` (or an English locale) the parser's own English text is printed.
/// Messages this program throws from `validate()` are already in the chosen language.
enum UsageMessages {
    static func render(_ error: Error, lang: Language, width: Int) -> String {
        let full = SubsidySim.fullMessage(for: error, columns: HelpScreen.unwrapped)
        guard lang == .zh else { return englishText(full, width: width) }
        let message = SubsidySim.message(for: error)
        let lines = full.components(separatedBy: "\n")
        let help = lines.first { $0.hasPrefix("Help:  ") }.map { String($0.dropFirst("Help:  ".count)) }
        let usage = lines.first { $0.hasPrefix("Usage: ") }.map { String($0.dropFirst("Usage: ".count)) }
        let command = lines.lazy.compactMap(seeCommand).first
        var out = HelpScreen.wrap("错误：" + chinese(message, command: command), width: width, indent: 6)
        if let h = help, !h.isEmpty { out += HelpScreen.wrap("说明：" + h, width: width, indent: 6) }
        if let u = usage { out += HelpScreen.wrap("用法：" + HelpScreen.usageText(u, .zh), width: width, indent: 6) }
        if let c = command {
            let parts = c.split(separator: " ").map(String.init)
            let helpCommand = ([parts.first ?? "subsidysim", "help"] + parts.dropFirst()).joined(separator: " ")
            out.append("详见：" + helpCommand)
        }
        return out.joined(separator: "\n")
    }

    /// The parser's English text as it is, its long lines wrapped to the terminal.
    static func englishText(_ full: String, width: Int) -> String {
        full.components(separatedBy: "\n").flatMap { l -> [String] in
            l.hasPrefix("Usage: ") || l.hasPrefix("Help:  ") ? HelpScreen.wrap(l, width: width, indent: 7) : [l]
        }.joined(separator: "\n")
    }

    /// `subsidysim run` from "  See 'subsidysim run --help' for more information."
    static func seeCommand(_ line: String) -> String? {
        guard line.hasPrefix("  See '"), let end = line.range(of: " --help' for more information.") else { return nil }
        return String(line[line.index(line.startIndex, offsetBy: "  See '".count)..<end.lowerBound])
    }

    /// What a value of each numeric option must look like.
    static let expected: [String: String] = [
        "--trials": "1 至 100000000 的整数，如 20000",
        "--threads": "1 至 1024 的整数",
        "--seed": "0 至 18446744073709551615 的整数",
        "--batch": "批次的序号：1 表示第一批，2 表示第二批",
        "--sobol-n": "64 至 262144 之间 2 的幂，如 4096",
        "--oat-trials": "100 至 1000000 的整数",
        "--check-trials": "100 至 10000000 的整数",
        "--precision": "0 到 0.5 之间的小数，如 0.002",
        "--software": "金额（万元），如 70",
        "--hardware": "金额（万元），如 30",
        "--chain": "金额（万元），如 20",
        "--max-overrun": "0 到 1 之间的小数，如 0.05 表示 5%",
        "--max-short": "0 到 1 之间的小数，如 0.05 表示 5%",
        "--alpha": "0 到 1 之间的小数，如 0.05 表示 5%",
        "--min-use": "大于 0、不超过 1 的小数，如 0.9 表示 90%",
        "--confidence": "0 到 1 之间（不含 1）的小数，如 0.95 表示 95%",
        "--step": "正数，如 0.1",
        "--unit": "0 至 1000 的金额（万元），如 5",
    ]

    /// The commands of the program, for "是否想写" after an unknown one.
    static let commands = ["run", "check", "award", "sweep", "solve", "sensitivity", "compare", "rebalance", "new", "scenario", "help"]

    /// The parser's English message in Chinese; a message it did not write (this program's own,
    /// already in Chinese) is returned as it is.
    static func chinese(_ message: String, command: String?) -> String {
        let m = message.trimmingCharacters(in: .whitespacesAndNewlines)
        let first = m.components(separatedBy: "\n")[0]
        if first.hasPrefix("Unknown option '") {
            let rest = first.dropFirst("Unknown option '".count)
            let name = rest.prefix { $0 != "'" }
            var s = "没有 \(name) 这个选项"
            if let r = rest.range(of: "Did you mean '") {
                s += "；是否想写 \(rest[r.upperBound...].prefix { $0 != "'" })？"
            } else {
                s += "（本命令可用的选项见下面的用法）"
            }
            return s
        }
        if first.hasPrefix("Missing value for '") {
            let what = first.dropFirst("Missing value for '".count).prefix { $0 != "'" }
            let (name, value) = split(String(what))
            var s = "\(name) 后面缺少取值"
            if let e = expected[name] { s += "：应为" + spaced(e) } else if let v = value { s += "（应写 <\(v)>）" }
            // `--seed -1`: the value was there, but a leading "-" makes it read as an option.
            let argv = CommandLine.arguments
            if let i = argv.firstIndex(of: name), i + 1 < argv.count, argv[i + 1].count > 1, argv[i + 1].hasPrefix("-"),
               argv[i + 1].dropFirst().first.map({ $0.isNumber || $0 == "." }) == true {
                s += "（“\(argv[i + 1])” 以减号开头，被当作了选项；要写以减号开头的取值，请写成 \(name)=\(argv[i + 1])）"
            }
            return s
        }
        if first.hasPrefix("The option '"), let r = first.range(of: "' does not take any value, but '") {
            let name = first[first.index(first.startIndex, offsetBy: "The option '".count)..<r.lowerBound]
            let value = first[r.upperBound...].prefix { $0 != "'" }
            return "\(name) 是开关，不带取值（写了 “\(value)”）：要打开它只写 \(name)"
        }
        if first.hasPrefix("Unexpected argument '") {
            let value = String(first.dropFirst("Unexpected argument '".count).dropLast())
            if command == "subsidysim" {
                var s = "没有 “\(value)” 这个命令"
                if let near = commands.min(by: { editDistance($0, value) < editDistance($1, value) }), editDistance(near, value) <= 2 {
                    s += "；是否想写 \(near)？"
                }
                return s + "（可用的命令：\(commands.dropLast().joined(separator: "、"))）"
            }
            return "多余的参数 “\(value)”：本命令只接受一个情景文件（compare 可以多个）；选项要以 -- 开头，如 --trials 20000"
        }
        if let r = first.range(of: " unexpected arguments: '"), Int(first[..<r.lowerBound]) != nil {
            let values = first[r.upperBound...].dropLast().components(separatedBy: "', '")
            return "多余的参数：" + values.map { "“\($0)”" }.joined(separator: "、") + "；本命令只接受一个情景文件（compare 可以多个）；选项要以 -- 开头"
        }
        if first.hasPrefix("Missing expected argument '") {
            let what = String(first.dropFirst("Missing expected argument '".count).prefix { $0 != "'" })
            let (name, _) = split(what)
            var s = name.hasPrefix("-") ? "缺少必填的选项 \(what)" : "缺少必填的参数 \(what)"
            if let e = expected[name] { s += "（\(e)）" }
            return s
        }
        if first.hasPrefix("Missing one of: '") {
            let values = first.dropFirst("Missing one of: '".count).dropLast().components(separatedBy: "', '")
            return "缺少以下之一：" + values.joined(separator: "、")
        }
        if first.hasPrefix("The value '"), let r = m.range(of: "' is invalid for '", options: .backwards) {
            let value = m[m.index(m.startIndex, offsetBy: "The value '".count)..<r.lowerBound]
            let after = m[r.upperBound...]
            let what = String(after.prefix { $0 != "'" })
            let rest = after.dropFirst(what.count + 1)
            let (name, _) = split(what)
            var s = "\(name) 的值 “\(value)” 无效"
            if rest.hasPrefix(". Please provide one of the following:") {
                let values = rest.components(separatedBy: "\n").dropFirst().map { $0.trimmingCharacters(in: .whitespaces) }
                    .filter { $0.hasPrefix("- ") }.map { String($0.dropFirst(2)) }
                s += "：可选值为 " + values.joined(separator: "、")
            } else if rest.hasPrefix(". Please provide one of ") {
                s += "：可选值为 " + quoted(String(rest)).joined(separator: "、")
            } else if rest.hasPrefix(": ") {
                s += "：" + rest.dropFirst(2)
            } else if let e = expected[name] {
                s += "：应为" + spaced(e)
            }
            return s
        }
        if first == "Missing required subcommand." { return "缺少子命令" }
        if first.hasPrefix("Invalid option: ") { return "无效的选项 " + first.dropFirst("Invalid option: ".count) }
        if first.hasPrefix("Value to be set with ") { return "同一项写了两次（" + first + "）" }
        return m
    }

    /// A space before a number that follows Chinese text: "应为 1 至 …", "应为金额…".
    static func spaced(_ e: String) -> String { e.first?.isNumber == true ? " " + e : e }

    /// `--trials <次数>` → ("--trials", "次数"); `<file>` → ("<file>", "file").
    static func split(_ what: String) -> (name: String, value: String?) {
        if let r = what.range(of: " <"), what.hasSuffix(">") {
            return (String(what[..<r.lowerBound]), String(what[r.upperBound..<what.index(before: what.endIndex)]))
        }
        return (what, nil)
    }

    /// The 'quoted' values of "Please provide one of 'a', 'b' or 'c'."
    static func quoted(_ s: String) -> [String] {
        let parts = s.components(separatedBy: "'")
        return stride(from: 1, to: parts.count, by: 2).map { parts[$0] }
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var prev = row[0]
            row[0] = i
            for j in 1...b.count {
                let old = row[j]
                row[j] = Swift.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
                prev = old
            }
        }
        return row[b.count]
    }
}
