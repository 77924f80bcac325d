import Foundation

/// CSV for Excel and WPS: UTF-8 with a byte-order mark, CRLF line ends, RFC 4180 quoting,
/// '.' decimals, no thousands separators, money with 2 decimals; a text cell starting with
/// `= + - @`, TAB or CR gets a leading apostrophe so a spreadsheet never runs it as a formula.
public struct CSVTable: Sendable {
    public enum Cell: Sendable {
        case text(String)
        /// Money, 万元: two decimals.
        case money(Double)
        /// A probability or rate: six decimals.
        case fraction(Double)
        /// A count or mean count: `decimals` decimals.
        case number(Double, decimals: Int)
        case integer(Int)
    }

    public var header: [String]
    public var rows: [[Cell]] = []

    public init(header: [String]) { self.header = header }

    public mutating func add(_ row: [Cell]) { rows.append(row) }

    public static func escape(_ s: String) -> String {
        var t = s
        // TAB and CR start formulas too in Excel and LibreOffice (OWASP CSV injection).
        if let f = t.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(f), Double(t) == nil { t = "'" + t }
        if t.contains(",") || t.contains("\"") || t.contains("\n") || t.contains("\r") || t.hasPrefix("'") && t.contains(" ") {
            t = "\"" + t.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return t
    }

    public static func format(_ c: Cell) -> String {
        switch c {
        case let .text(s): return escape(s)
        case let .money(x): return fixed(x, 2)
        case let .fraction(x): return fixed(x, 6)
        case let .number(x, d): return fixed(x, d)
        case let .integer(i): return String(i)
        }
    }

    /// Fixed-point text with '.' decimals whatever the locale; -0.00 prints as 0.00.
    public static func fixed(_ x: Double, _ decimals: Int) -> String {
        guard x.isFinite else { return "" }
        let s = String(format: "%.\(decimals)f", locale: Locale(identifier: "en_US_POSIX"), x)
        if s.hasPrefix("-"), s.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) { return String(s.dropFirst()) }
        return s
    }

    /// The file's bytes: BOM, header, rows, CRLF.
    public var data: Data {
        var out = "\u{FEFF}" + header.map(Self.escape).joined(separator: ",") + "\r\n"
        for r in rows { out += r.map(Self.format).joined(separator: ",") + "\r\n" }
        return Data(out.utf8)
    }
}
