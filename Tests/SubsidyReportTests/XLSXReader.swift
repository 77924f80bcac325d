import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reads an .xlsx back for the tests: parts by `/usr/bin/unzip -p`, XML by Foundation's parser.
/// Only what the tests look at: sheet names, cells (type, style, value, formula), number formats
/// of the styles, the frozen pane, shared strings.
struct XLSXReader {
    struct Cell {
        var ref: String
        /// The `t` attribute ("s" shared string, "str" formula text, …); nil for a number.
        var type: String?
        var style: Int
        var value: String?
        var formula: String?
        var row: Int { Int(ref.drop { $0.isLetter }) ?? 0 }
        var column: Int { ref.prefix { $0.isLetter }.reduce(0) { $0 * 26 + Int($1.asciiValue! - 64) } - 1 }
        var number: Double? { type == nil ? value.flatMap(Double.init) : nil }
    }

    struct Sheet {
        var cells: [Cell]
        /// Attributes of `<pane>`.
        var pane: [String: String]
        var xml: String
        /// Cell at 1-based row and 0-based column.
        func cell(_ row: Int, _ column: Int) -> Cell? { cells.first { $0.row == row && $0.column == column } }
    }

    let path: String

    func part(_ name: String) -> Data? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/unzip")
        p.arguments = ["-p", path, name]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return p.terminationStatus == 0 ? data : nil
    }

    func text(_ name: String) -> String? { part(name).map { String(decoding: $0, as: UTF8.self) } }

    /// Every part of the archive (`unzip -Z1`).
    func partNames() -> [String] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/unzip")
        p.arguments = ["-Z1", path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return [] }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// A flat SAX pass: calls `element` for each start tag and `characters` for text.
    final class Walker: NSObject, XMLParserDelegate {
        var start: (String, [String: String]) -> Void = { _, _ in }
        var end: (String) -> Void = { _ in }
        var chars: (String) -> Void = { _ in }
        func parser(_ parser: XMLParser, didStartElement e: String, namespaceURI: String?, qualifiedName q: String?, attributes a: [String: String] = [:]) {
            start(e, a)
        }
        func parser(_ parser: XMLParser, didEndElement e: String, namespaceURI: String?, qualifiedName q: String?) { end(e) }
        func parser(_ parser: XMLParser, foundCharacters s: String) { chars(s) }
    }

    /// Parses `data`; false when it is not well-formed XML.
    @discardableResult
    static func walk(_ data: Data, start: @escaping (String, [String: String]) -> Void = { _, _ in },
                     end: @escaping (String) -> Void = { _ in }, chars: @escaping (String) -> Void = { _ in }) -> Bool {
        let w = Walker()
        w.start = start
        w.end = end
        w.chars = chars
        let p = XMLParser(data: data)
        p.delegate = w
        return p.parse()
    }

    func sheetNames() -> [String] {
        var names: [String] = []
        if let d = part("xl/workbook.xml") { Self.walk(d, start: { e, a in if e == "sheet", let n = a["name"] { names.append(n) } }) }
        return names
    }

    func sharedStrings() -> [String] {
        var out: [String] = []
        var cur = "", inT = false
        if let d = part("xl/sharedStrings.xml") {
            Self.walk(d, start: { e, _ in if e == "si" { cur = "" }; if e == "t" { inT = true } },
                      end: { e in if e == "t" { inT = false }; if e == "si" { out.append(cur) } },
                      chars: { s in if inT { cur += s } })
        }
        return out
    }

    /// The number format code of each cell style (`cellXfs` order); built-in ids 0 (General), 9 (0%), 10 (0.00%), 2 (0.00).
    func styleFormats() -> [String] {
        var custom: [String: String] = ["0": "General", "1": "0", "2": "0.00", "9": "0%", "10": "0.00%"]
        var xfs: [String] = []
        var inCellXfs = false
        if let d = part("xl/styles.xml") {
            Self.walk(d, start: { e, a in
                if e == "numFmt", let id = a["numFmtId"], let code = a["formatCode"] { custom[id] = code }
                if e == "cellXfs" { inCellXfs = true }
                if e == "xf", inCellXfs { xfs.append(custom[a["numFmtId"] ?? "0"] ?? "?") }
            }, end: { e in if e == "cellXfs" { inCellXfs = false } })
        }
        return xfs
    }

    /// Sheet `index` (0-based, in workbook order; libxlsxwriter names the parts sheet1.xml …).
    func sheet(_ index: Int) -> Sheet? {
        guard let d = part("xl/worksheets/sheet\(index + 1).xml") else { return nil }
        let strings = sharedStrings()
        var cells: [Cell] = []
        var pane: [String: String] = [:]
        var cur: Cell?
        var field: String?
        Self.walk(d, start: { e, a in
            switch e {
            case "c": cur = Cell(ref: a["r"] ?? "", type: a["t"], style: Int(a["s"] ?? "0") ?? 0, value: nil, formula: nil)
            case "v", "f": field = e
            case "pane": pane = a
            default: break
            }
        }, end: { e in
            if e == "c", var c = cur {
                if c.type == "s", let v = c.value, let i = Int(v), i < strings.count { c.value = strings[i] }
                cells.append(c)
                cur = nil
            }
            if e == "v" || e == "f" { field = nil }
        }, chars: { s in
            guard var c = cur else { return }
            if field == "v" { c.value = (c.value ?? "") + s }
            if field == "f" { c.formula = (c.formula ?? "") + s }
            cur = c
        })
        return Sheet(cells: cells, pane: pane, xml: String(decoding: d, as: UTF8.self))
    }

    /// RFC 4180 rows of one of the run's CSVs (BOM and CRLF removed).
    static func csv(_ path: String) -> [[String]] {
        guard let d = FileManager.default.contents(atPath: path) else { return [] }
        var s = Substring(String(decoding: d, as: UTF8.self))
        if s.hasPrefix("\u{FEFF}") { s = s.dropFirst() }
        var rows: [[String]] = [], row: [String] = [], field = "", quoted = false
        var it = s.makeIterator()
        var pending: Character? = nil
        while let c = pending ?? it.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let n = it.next() { if n == "\"" { field.append("\"") } else { quoted = false; pending = n } } else { quoted = false }
                } else { field.append(c) }
                continue
            }
            switch c {
            case "\"": quoted = true
            case ",": row.append(field); field = ""
            case "\r\n", "\n": row.append(field); rows.append(row); row = []; field = ""
            default: field.append(c)
            }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }
}
