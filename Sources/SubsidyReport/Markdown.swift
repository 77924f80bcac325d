import Foundation

/// Text from a scenario (titles, labels, names) placed in Markdown: it must stay text. Newlines
/// become spaces (a newline would end a table row or a heading and start a line of the file's
/// choosing), and Markdown's active ASCII characters are escaped with a backslash, so no name can
/// add a column, a heading, a link, a remote image, a strike-through or a formula to summary.md or 报告.docx.
public enum Markdown {
    static let active: Set<Character> = ["\\", "`", "*", "_", "[", "]", "<", ">", "|", "#", "!", "{", "}", "~", "^", "$"]

    /// Longest text kept (characters); the rest becomes "…". A name is never this long in a real
    /// scenario, and pandoc's reader slows down sharply on very long runs of escapes.
    public static let maxText = 1000

    public static func text(_ s: String) -> String {
        var out = ""
        for (k, c) in s.enumerated() {
            if k == maxText { out.append("…"); break }
            if c.isNewline || c == "\t" { out.append(" "); continue }
            if active.contains(c) { out.append("\\") }
            out.append(c)
        }
        return out
    }
}

extension Markdown {
    /// Text from a file or the file system shown as code (`sweep-old/`): fenced by one backtick
    /// more than the longest run of backticks inside, so nothing in it can close the span early;
    /// newlines and `|` (which would end a table cell) become spaces; capped like `text`.
    public static func code(_ s: String) -> String {
        var body = String(s.prefix(maxText).map { $0.isNewline || $0 == "\t" || $0 == "|" ? " " : $0 })
        if s.count > maxText { body += "…" }
        var longest = 0, run = 0
        for c in body {
            run = c == "`" ? run + 1 : 0
            longest = Swift.max(longest, run)
        }
        let fence = String(repeating: "`", count: longest + 1)
        let pad = body.hasPrefix("`") || body.hasSuffix("`") ? " " : ""
        return fence + pad + body + pad + fence
    }
}

/// A pipe table whose separator row carries each column's share of the page: pandoc gives a
/// table its columns in proportion to the dashes there (when a line of the table is longer than
/// `--columns`, which `WordReport` sets low so that every table qualifies). The shares follow the
/// automatic table layout of browsers and word processors: every column first gets its longest
/// unbreakable piece (a number, an ASCII word; a CJK character breaks anywhere), then what is left
/// of the page goes to the columns in proportion to how much more their longest cell would take.
/// Cells are Markdown already (text from a file must have gone through `Markdown.text`).
public struct MarkdownTable: Sendable {
    public var header: [String]
    /// Per column: right-aligned (numbers) or left-aligned (text).
    public var rightAligned: [Bool]
    public var rows: [[String]] = []
    /// The page width in half-width characters at the table font (16 cm of 9 pt text ≈ 100).
    public var pageWidth = 100
    /// Room a cell's margins take, in the same units (3.5 pt on each side).
    static let padding = 2
    /// A text column is not squeezed below this many half-width characters (four Chinese ones),
    /// unless its cells are all shorter.
    static let narrowestText = 8

    public init(_ header: [String], rightAligned: [Bool]) {
        self.header = header
        self.rightAligned = rightAligned
    }

    /// Columns after the first are right-aligned (a label column, then numbers).
    public init(numbers header: [String]) {
        self.init(header, rightAligned: header.indices.map { $0 > 0 })
    }

    public mutating func add(_ cells: [String]) { rows.append(cells) }

    /// Display width: 2 for East Asian wide and full-width characters and for "%" (a wide glyph
    /// in the serif fonts), 1 otherwise; Markdown's escapes and bold markers take no room.
    static func width(_ s: Substring) -> Int {
        var w = 0
        var previous: Character = " "
        for c in s {
            defer { previous = c }
            if c == "\\" && previous != "\\" { continue }
            if c == "*" && previous != "\\" { continue }
            w += isWide(c) || c == "%" ? 2 : 1
        }
        return w
    }

    static func isWide(_ c: Character) -> Bool {
        guard let v = c.unicodeScalars.first?.value else { return false }
        return (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v) || (0xFFE0...0xFFE6).contains(v)
    }

    /// The widest piece of `s` that cannot be broken: a run of non-space, non-wide characters, or one wide character.
    static func unbreakable(_ s: String) -> Int {
        var best = 0, run = 0
        var previous: Character = " "
        for c in s {
            defer { previous = c }
            if (c == "\\" || c == "*") && previous != "\\" { continue }
            if c == " " { run = 0; continue }
            if isWide(c) { run = 0; best = Swift.max(best, 2); continue }
            run += c == "%" ? 2 : 1
            best = Swift.max(best, run)
        }
        return best
    }

    /// Each column's dashes (its share of the page), at least 3.
    public var shares: [Int] {
        let n = header.count
        var least = [Int](repeating: 1, count: n), most = [Int](repeating: 1, count: n)
        for (i, h) in header.enumerated() {
            least[i] = Swift.max(least[i], Self.unbreakable(h))
            // A short header ("置信度") is not broken either; a long one wraps.
            most[i] = Swift.min(Self.width(Substring(h)), Self.narrowestText)
        }
        for r in rows {
            for (i, c) in r.prefix(n).enumerated() {
                least[i] = Swift.max(least[i], Self.unbreakable(c))
                most[i] = Swift.max(most[i], Self.width(Substring(c)))
            }
        }
        for i in 0..<n {
            least[i] = Swift.max(least[i], Swift.min(most[i], rightAligned[i] ? most[i] : Self.narrowestText))
            least[i] += Self.padding
            most[i] = Swift.max(most[i] + Self.padding, least[i])
        }
        // Too wide for the page at those widths (pandoc would then scale every column down alike and
        // break the numbers): squeeze the columns that can wrap, each toward its hard minimum (its
        // longest unbreakable piece; a header down to two Chinese characters a line), in proportion
        // to how far each can give, until the table fits. Numbers stay whole as long as the hard
        // minima fit. The number columns' wrappable parts (an interval, a long header) give first,
        // the text columns (the line names a reader scans) only for what is still missing: a name
        // such as 合计（各预算行分别执行） otherwise went over five lines beside an unbroken interval.
        var hard = [Int](repeating: 1, count: n)
        for (i, h) in header.enumerated() { hard[i] = Swift.min(Self.unbreakable(h), 4) }
        for r in rows { for (i, c) in r.prefix(n).enumerated() { hard[i] = Swift.max(hard[i], Self.unbreakable(c)) } }
        for i in 0..<n { hard[i] = Swift.min(hard[i] + Self.padding, least[i]) }
        var deficit = least.reduce(0, +) - pageWidth
        for textColumns in [false, true] where deficit > 0 {
            let columns = (0..<n).filter { rightAligned[$0] != textColumns }
            let slack = columns.map { least[$0] - hard[$0] }.reduce(0, +)
            guard slack > 0 else { continue }
            let give = Swift.min(1, Double(deficit) / Double(slack))
            for i in columns {
                let g = Int((Double(least[i] - hard[i]) * give).rounded(.up))
                least[i] -= g
                deficit -= g
            }
        }
        let room = pageWidth - least.reduce(0, +)
        let wish = zip(most, least).map { $0 - $1 }.reduce(0, +)
        let w: [Double] = (0..<n).map { i in
            guard room > 0, wish > 0 else { return Double(least[i]) }
            return Double(least[i]) + Double(room) * Double(most[i] - least[i]) / Double(wish) * (wish < room ? Double(wish) / Double(room) : 1)
        }
        return w.map { Swift.max(3, Int($0.rounded())) }
    }

    public var text: String {
        var md = "| " + header.joined(separator: " | ") + " |\n|"
        for (i, d) in shares.enumerated() {
            md += String(repeating: "-", count: d - (rightAligned[i] ? 1 : 0)) + (rightAligned[i] ? ":" : "") + "|"
        }
        md += "\n"
        for r in rows {
            let cells = r + [String](repeating: "", count: Swift.max(0, header.count - r.count))
            md += "| " + cells.prefix(header.count).map { $0.replacingOccurrences(of: "\n", with: " ") }.joined(separator: " | ") + " |\n"
        }
        return md
    }
}
