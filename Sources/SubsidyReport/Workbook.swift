import Foundation
internal import CXlsxWriter
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An Excel workbook assembled in memory, then written by libxlsxwriter in one call (`write`).
///
/// Cells are typed. Text is always written as a string (`worksheet_write_string`), never as a
/// formula, whatever it starts with: text from a scenario stays text. Numbers are numbers with a
/// number format (money `0.00`, probabilities `0.0%`). Formulas are built by this program from
/// cell references only (`Workbook.ref`), never from text. Column widths are computed from the
/// content, a CJK character counting as two; text wider than a column's cap wraps, and its row is
/// made tall enough.
struct Workbook {
    /// How a number is shown.
    enum NumberFormat: String, Hashable {
        case general = ""
        /// 万元, two decimals.
        case money = "0.00"
        /// A probability: one decimal of a percent.
        case percent = "0.0%"
        /// A probability above 0 that `percent` would show as 0.0%, and one below 1 it would show
        /// as 100.0%: shown as the reports write them (the cell keeps its number).
        case nearZero = "\"<0.1%\""
        case nearOne = "\">99.9%\""
        /// A share of a budget, as the draft's table prints it (75.00%).
        case share = "0.00%"
        /// A change in percentage points, with its sign (the header says 百分点).
        case signedPoints = "+0.0;-0.0;0.0"
        /// A mean count.
        case count = "0.0"
        case integer = "0"

        /// The text Excel shows for `x` (for column widths).
        func shown(_ x: Double) -> String {
            switch self {
            case .general: return CSVTable.fixed(x, 6)
            case .money: return CSVTable.fixed(x, 2)
            case .percent, .nearZero, .nearOne: return percentText(x)
            case .share: return CSVTable.fixed(x * 100, 2) + "%"
            case .signedPoints: return (x > 0 ? "+" : "") + CSVTable.fixed(x, 1)
            case .count: return CSVTable.fixed(x, 1)
            case .integer: return CSVTable.fixed(x, 0)
            }
        }
    }

    /// The part of a sheet a cell belongs to.
    enum Role: Hashable {
        /// The sheet's title line (large, bold; not counted for column widths).
        case title
        /// A line of explanation above or below a table (not counted for column widths).
        case note
        /// A table's header cell: bold, shaded, bordered, centred, wrapped at its line breaks.
        case header
        /// A table cell.
        case body
        /// A total row's cell: bold.
        case total
    }

    struct Style: Hashable {
        var role: Role
        var number: NumberFormat = .general
        var wrap = false
    }

    enum Value {
        case text(String)
        case number(Double)
        /// A formula of this program (cell references and functions only) with its computed value.
        case formula(String, cached: Double)
        case blank
    }

    struct Cell {
        var value: Value
        var style: Style

        /// Text, cut to Excel's 32,767 characters a cell (so long text costs nothing further on).
        static func text(_ s: String, _ role: Role = .body) -> Cell { Cell(value: .text(Workbook.clip(s)), style: Style(role: role)) }
        static func header(_ s: String) -> Cell { Cell(value: .text(s), style: Style(role: .header)) }
        static func blank(_ role: Role = .body) -> Cell { Cell(value: .blank, style: Style(role: role)) }

        /// A number as the CSVs print it, so the workbook holds the CSV's very value; blank when
        /// not finite (a NaN would make the file unreadable).
        static func number(_ x: Double, _ format: NumberFormat, csvDecimals: Int, _ role: Role = .body) -> Cell {
            guard let v = Double(CSVTable.fixed(x, csvDecimals)) else { return .blank(role) }
            return Cell(value: .number(v), style: Style(role: role, number: format))
        }
        /// 万元 with two decimals (as in the CSVs).
        static func money(_ x: Double, _ role: Role = .body) -> Cell { number(x, .money, csvDecimals: 2, role) }
        /// A probability, stored with the CSVs' six decimals, shown as 12.3% (and as <0.1% or >99.9%
        /// when it is not 0 or 1 but would show as 0.0% or 100.0%, as `percentText` writes it).
        static func percent(_ x: Double, _ role: Role = .body) -> Cell {
            var c = number(x, .percent, csvDecimals: 6, role)
            if case let .number(v) = c.value {
                let shown = percentText(v)
                if shown.hasPrefix("<") { c.style.number = .nearZero } else if shown.hasPrefix(">") { c.style.number = .nearOne }
            }
            return c
        }
        /// A mean count, stored with two decimals, shown with one.
        static func count(_ x: Double, _ role: Role = .body) -> Cell { number(x, .count, csvDecimals: 2, role) }
        static func integer(_ i: Int, _ role: Role = .body) -> Cell {
            Cell(value: .number(Double(i)), style: Style(role: role, number: .integer))
        }
        /// The cell of a CSV table, typed as the CSV types it.
        static func csv(_ c: CSVTable.Cell, _ role: Role = .body) -> Cell {
            switch c {
            case let .text(s): return s.isEmpty ? .blank(role) : .text(s, role)
            case let .money(x): return .money(x, role)
            case let .fraction(x): return .percent(x, role)
            case let .number(x, d): return number(x, .count, csvDecimals: d, role)
            case let .integer(i): return .integer(i, role)
            }
        }
    }

    /// A clustered column chart whose data are cells of one sheet, so the planner can restyle it.
    struct ColumnChart {
        struct Series {
            /// The cell holding the series' name (a variant's label): the name is a reference, never text parsed by Excel.
            var nameRow: Int, nameColumn: Int
            var firstRow: Int, lastRow: Int, column: Int
        }
        /// Title and axis names: constant text of this program.
        var title: String
        var xAxis: String
        var yAxis: String
        var yFormat: NumberFormat = .percent
        /// Category labels: rows `firstRow...lastRow` of `categoryColumn`.
        var firstRow: Int, lastRow: Int, categoryColumn: Int
        var series: [Series]
        /// Top-left cell and size in pixels.
        var row: Int, column: Int
        var width: Double = 960, height: Double = 420
    }

    struct Merge {
        var firstRow: Int, firstColumn: Int, lastRow: Int, lastColumn: Int
        var cell: Cell
    }

    struct Sheet {
        var name: String
        private(set) var cells: [Int: [Int: Cell]] = [:]
        var merges: [Merge] = []
        /// Rows and columns kept in view (the header rows; the columns naming a row).
        var freezeRows = 0, freezeColumns = 0
        /// Rows printed at the top of every page (the title and header rows), 0-based, inclusive.
        var printTitleRows: ClosedRange<Int>?
        /// Widest a column may become before its text wraps (characters); per column, else `maxWidth`.
        var maxWidth: Double = 48
        var columnMaxWidth: [Int: Double] = [:]
        /// Narrowest a column may be (a merged heading that would otherwise wrap every few characters).
        var columnMinWidth: [Int: Double] = [:]
        var charts: [ColumnChart] = []
        /// The next free row (after the last `add`ed one).
        private(set) var nextRow = 0

        init(_ name: String) { self.name = name }

        mutating func put(_ row: Int, _ column: Int, _ cell: Cell) {
            cells[row, default: [:]][column] = cell
            nextRow = Swift.max(nextRow, row + 1)
        }

        /// Writes `row` from `column` on at the next free row (or `at`); returns its row.
        @discardableResult
        mutating func add(_ row: [Cell], at: Int? = nil, column: Int = 0) -> Int {
            let r = at ?? nextRow
            for (i, c) in row.enumerated() { put(r, column + i, c) }
            if row.isEmpty { nextRow = Swift.max(nextRow, r + 1) }
            return r
        }

        /// Leaves `n` empty rows.
        mutating func skip(_ n: Int = 1) { nextRow += n }

        mutating func merge(_ firstRow: Int, _ firstColumn: Int, _ lastRow: Int, _ lastColumn: Int, _ cell: Cell) {
            merges.append(Merge(firstRow: firstRow, firstColumn: firstColumn, lastRow: lastRow, lastColumn: lastColumn, cell: cell))
            nextRow = Swift.max(nextRow, lastRow + 1)
        }

        var columnCount: Int {
            let fromCells = cells.values.compactMap { $0.keys.max() }.max().map { $0 + 1 } ?? 0
            return Swift.max(fromCells, merges.map { $0.lastColumn + 1 }.max() ?? 0)
        }

        /// Column widths (Excel's unit, about one digit) from the header and table cells; titles
        /// and notes do not count, they run on over empty cells.
        func columnWidths() -> [Double] {
            var w = [Double](repeating: 0, count: columnCount)
            for (_, row) in cells {
                for (c, cell) in row where cell.style.role != .title && cell.style.role != .note {
                    w[c] = Swift.max(w[c], Workbook.shownWidth(cell))
                }
            }
            // A merged table cell (the draft's part headings) spreads its text over its columns.
            for m in merges where m.cell.style.role != .title && m.cell.style.role != .note && m.firstColumn == m.lastColumn {
                let rows = Double(m.lastRow - m.firstRow + 1)
                w[m.firstColumn] = Swift.max(w[m.firstColumn], Workbook.shownWidth(m.cell) / rows)
            }
            return w.enumerated().map { c, x in
                Swift.max(x == 0 ? 8.43 : Swift.min(Swift.max(x + 2, 6), columnMaxWidth[c] ?? maxWidth), columnMinWidth[c] ?? 0)
            }
        }

        /// Rows that need more than one line (header line breaks, wrapped text): row → lines.
        func rowLines(widths: [Double]) -> [Int: Int] {
            var out: [Int: Int] = [:]
            for (r, row) in cells {
                var lines = 1
                for (c, cell) in row where cell.style.role != .title && cell.style.role != .note {
                    guard case let .text(s) = cell.value else { continue }
                    let room = Swift.max(widths[c] - 1.5, 1)
                    // At most 32,767 characters: the count stays small.
                    let n = Workbook.lineWidths(s).map { Swift.max(1, Int(($0 / room).rounded(.up))) }.reduce(0, +)
                    lines = Swift.max(lines, n)
                }
                if lines > 1 { out[r] = lines }
            }
            return out
        }
    }

    struct Properties {
        var title: String
        var subject: String
        var author = "subsidysim"
        /// Creation time stamped into docProps/core.xml: `SOURCE_DATE_EPOCH` when set, else
        /// 2000-01-01 00:00 UTC, so the same run gives the same bytes.
        var created: Int = Workbook.fixedCreationTime()
    }

    var sheets: [Sheet] = []

    /// 2000-01-01T00:00:00Z, or `SOURCE_DATE_EPOCH` (reproducible builds' convention) when it is a
    /// non-negative integer.
    static func fixedCreationTime(_ env: [String: String] = ProcessInfo.processInfo.environment) -> Int {
        if let s = env["SOURCE_DATE_EPOCH"], let t = Int(s.trimmingCharacters(in: .whitespaces)), t >= 0, t < 253_402_300_800 { return t }
        return 946_684_800
    }

    // MARK: - Widths

    /// Display width of `s` in Excel's column unit: CJK and full-width characters count 2.
    static func width(_ s: String) -> Double { s.unicodeScalars.reduce(0) { $0 + width($1) } }

    static func width(_ u: Unicode.Scalar) -> Double {
        switch u.value {
        case 0x0300...0x036F, 0x200B...0x200F, 0xFE00...0xFE0F: return 0          // combining, zero-width
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
             0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
             0xFFE0...0xFFE6, 0x1F300...0x1FAFF, 0x20000...0x3FFFD:
            return 2
        default:
            return 1
        }
    }

    /// Display width of each line of `s` (split at line feeds), in one pass over its scalars.
    static func lineWidths(_ s: String) -> [Double] {
        var out: [Double] = [], w = 0.0
        for u in s.unicodeScalars {
            if u == "\n" { out.append(w); w = 0 } else { w += width(u) }
        }
        out.append(w)
        return out
    }

    /// `s` cut to Excel's limit of characters in a cell.
    static func clip(_ s: String) -> String {
        guard s.utf8.count > maxCellCharacters, s.unicodeScalars.count > maxCellCharacters else { return s }
        return String(String.UnicodeScalarView(s.unicodeScalars.prefix(maxCellCharacters)))
    }

    /// Width of the widest line a cell shows.
    static func shownWidth(_ cell: Cell) -> Double {
        let bold = cell.style.role == .header || cell.style.role == .total ? 1.1 : 1.0
        switch cell.value {
        case let .text(s): return (lineWidths(s).max() ?? 0) * bold
        case let .number(x), let .formula(_, x): return width(cell.style.number.shown(x)) * bold
        case .blank: return 0
        }
    }

    /// "B4" for row 3, column 1 (0-based); `absoluteRow` gives "B$4".
    static func ref(_ row: Int, _ column: Int, absoluteRow: Bool = false) -> String {
        var c = column, letters = ""
        repeat {
            letters = String(UnicodeScalar(UInt8(65 + c % 26))) + letters
            c = c / 26 - 1
        } while c >= 0
        return letters + (absoluteRow ? "$" : "") + String(row + 1)
    }
}

// MARK: - Writing

extension Workbook {
    /// Excel's limits: rows, columns, characters in a cell.
    static let maxRows = 1_048_576, maxColumns = 16_384, maxCellCharacters = 32_767

    /// Characters XML 1.0 does not allow (C0 controls other than TAB, LF, CR; U+FFFE, U+FFFF).
    static func forbiddenInXML(_ u: Unicode.Scalar) -> Bool {
        (u.value < 0x20 && u.value != 0x9 && u.value != 0xA && u.value != 0xD) || u.value == 0xFFFE || u.value == 0xFFFF
    }

    /// C strings kept alive until the workbook is closed (libxlsxwriter copies most, not all).
    final class CStrings {
        var kept: [UnsafeMutablePointer<CChar>] = []
        func callAsFunction(_ s: String) -> UnsafeMutablePointer<CChar> {
            // A NUL would end the C string early, and control characters XML 1.0 forbids would make
            // a part unreadable where the library does not escape them (core.xml, chart caches):
            // they become U+FFFD. Excel's cell limit is counted in code points.
            var t = s.replacingOccurrences(of: "\0", with: "")
            if t.unicodeScalars.contains(where: Workbook.forbiddenInXML) {
                t = String(String.UnicodeScalarView(t.unicodeScalars.map { Workbook.forbiddenInXML($0) ? "\u{FFFD}" : $0 }))
            }
            if t.unicodeScalars.count > Workbook.maxCellCharacters {
                t = String(String.UnicodeScalarView(t.unicodeScalars.prefix(Workbook.maxCellCharacters)))
            }
            // strdup fails only when memory is exhausted: the text is then left empty rather than trapping.
            guard let p = strdup(t) else { return Self.empty }
            kept.append(p)
            return p
        }
        nonisolated(unsafe) static let empty: UnsafeMutablePointer<CChar> = {
            let p = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
            p.initialize(to: 0)
            return p
        }()
        deinit { kept.forEach { free($0) } }
    }

    /// Writes the workbook to `path` (`shown` is the path named in messages). libxlsxwriter's
    /// temporary files go to `tmpdir` and are unlinked as soon as they are opened. Any failure is
    /// an `OutputFolder.WriteError` in both languages; nothing is left at `path`.
    func write(to path: String, shown: String, tmpdir: String, properties: Properties) throws {
        let str = CStrings()
        func fail(_ zh: String, _ en: String) -> OutputFolder.WriteError {
            OutputFolder.WriteError(zh: "无法生成 \(shown)：\(zh)", en: "cannot write \(shown): \(en)")
        }
        func check(_ e: lxw_error, _ what: String) throws {
            guard e != LXW_NO_ERROR else { return }
            throw fail("\(what)出错（\(String(cString: lxw_strerror(e)))）", "\(String(cString: lxw_strerror(e)))")
        }
        func row(_ r: Int) throws -> lxw_row_t {
            guard r >= 0, r < Self.maxRows, let v = lxw_row_t(exactly: r) else { throw fail("表格超过 Excel 的最大行数", "the table exceeds Excel's row limit") }
            return v
        }
        func col(_ c: Int) throws -> lxw_col_t {
            guard c >= 0, c < Self.maxColumns, let v = lxw_col_t(exactly: c) else { throw fail("表格超过 Excel 的最大列数", "the table exceeds Excel's column limit") }
            return v
        }

        var options = lxw_workbook_options(constant_memory: 0, tmpdir: str(tmpdir), use_zip64: 0)
        guard let wb = workbook_new_opt(str(path), &options) else { throw fail("内存不足", "out of memory") }
        var closed = false
        defer { if !closed { lxw_workbook_free(wb) } }

        var props = lxw_doc_properties()
        props.title = str(properties.title)
        props.subject = str(properties.subject)
        props.author = str(properties.author)
        props.created = time_t(properties.created)
        try check(workbook_set_properties(wb, &props), "设置文件属性")

        var formats: [Style: UnsafeMutablePointer<lxw_format>] = [:]
        func format(_ s: Style) throws -> UnsafeMutablePointer<lxw_format> {
            if let f = formats[s] { return f }
            guard let f = workbook_add_format(wb) else { throw fail("内存不足", "out of memory") }
            if s.number != .general { format_set_num_format(f, str(s.number.rawValue)) }
            switch s.role {
            case .title:
                format_set_bold(f)
                format_set_font_size(f, 14)
            case .note:
                format_set_font_color(f, 0x595959)
            case .header:
                format_set_bold(f)
                format_set_bg_color(f, 0xDDEBF7)
                format_set_border(f, UInt8(LXW_BORDER_THIN.rawValue))
                format_set_align(f, UInt8(LXW_ALIGN_CENTER.rawValue))
                format_set_align(f, UInt8(LXW_ALIGN_VERTICAL_CENTER.rawValue))
                format_set_text_wrap(f)
            case .body, .total:
                if s.role == .total { format_set_bold(f) }
                format_set_border(f, UInt8(LXW_BORDER_THIN.rawValue))
                format_set_align(f, UInt8(LXW_ALIGN_VERTICAL_CENTER.rawValue))
            }
            if s.wrap { format_set_text_wrap(f) }
            formats[s] = f
            return f
        }

        for sheet in sheets {
            guard let ws = workbook_add_worksheet(wb, str(sheet.name)) else { throw fail("无法添加工作表“\(sheet.name)”", "cannot add the sheet \(sheet.name)") }
            let widths = sheet.columnWidths()
            for (c, w) in widths.enumerated() { try check(worksheet_set_column(ws, try col(c), try col(c), w, nil), "设置列宽") }
            let lines = sheet.rowLines(widths: widths)
            // Excel's tallest row is 409 points.
            for (r, n) in lines.sorted(by: { $0.key < $1.key }) { try check(worksheet_set_row(ws, try row(r), Swift.min(Double(n) * 15 + 3, 409), nil), "设置行高") }
            for r in sheet.cells.keys.sorted() {
                for (c, cell) in sheet.cells[r]!.sorted(by: { $0.key < $1.key }) {
                    var style = cell.style
                    // Text wider than its column wraps (titles and notes run on instead).
                    if case let .text(s) = cell.value, style.role == .body || style.role == .total {
                        let lw = Self.lineWidths(s)
                        if lw.count > 1 || lw[0] + 2 > widths[c] { style.wrap = true }
                    }
                    let f = try format(style)
                    let (rr, cc) = (try row(r), try col(c))
                    switch cell.value {
                    case let .text(s): try check(worksheet_write_string(ws, rr, cc, str(s), f), "写入单元格")
                    case let .number(x): try check(worksheet_write_number(ws, rr, cc, x, f), "写入单元格")
                    case let .formula(t, x): try check(worksheet_write_formula_num(ws, rr, cc, str(t), f, x), "写入公式")
                    case .blank: try check(worksheet_write_blank(ws, rr, cc, f), "写入单元格")
                    }
                }
            }
            for m in sheet.merges {
                var style = m.cell.style
                style.wrap = m.cell.style.role == .body || m.cell.style.role == .total || m.cell.style.wrap
                let text: String
                if case let .text(s) = m.cell.value { text = s } else { text = "" }
                try check(worksheet_merge_range(ws, try row(m.firstRow), try col(m.firstColumn), try row(m.lastRow), try col(m.lastColumn),
                                                str(text), try format(style)), "合并单元格")
            }
            if sheet.freezeRows > 0 || sheet.freezeColumns > 0 {
                worksheet_freeze_panes(ws, try row(sheet.freezeRows), try col(sheet.freezeColumns))
            }
            // Printing: A4 landscape, one page wide, the title and header rows on every page.
            worksheet_set_landscape(ws)
            worksheet_set_paper(ws, 9)
            worksheet_fit_to_pages(ws, 1, 0)
            if let t = sheet.printTitleRows { try check(worksheet_repeat_rows(ws, try row(t.lowerBound), try row(t.upperBound)), "设置打印标题") }
            for ch in sheet.charts {
                guard let chart = workbook_add_chart(wb, UInt8(LXW_CHART_COLUMN.rawValue)) else { throw fail("内存不足", "out of memory") }
                for s in ch.series {
                    guard let series = chart_add_series(chart, nil, nil) else { throw fail("内存不足", "out of memory") }
                    chart_series_set_categories(series, str(sheet.name), try row(ch.firstRow), try col(ch.categoryColumn),
                                                try row(ch.lastRow), try col(ch.categoryColumn))
                    chart_series_set_values(series, str(sheet.name), try row(s.firstRow), try col(s.column), try row(s.lastRow), try col(s.column))
                    chart_series_set_name_range(series, str(sheet.name), try row(s.nameRow), try col(s.nameColumn))
                }
                // libxlsxwriter reads a title starting with "=" as a cell reference: these are the program's own words.
                func words(_ s: String) -> String { s.hasPrefix("=") ? " " + s : s }
                chart_title_set_name(chart, str(words(ch.title)))
                chart_axis_set_name(chart.pointee.x_axis, str(words(ch.xAxis)))
                chart_axis_set_name(chart.pointee.y_axis, str(words(ch.yAxis)))
                if ch.yFormat == .percent { chart_axis_set_num_format(chart.pointee.y_axis, str("0%")) }
                chart_axis_set_min(chart.pointee.y_axis, 0)
                if ch.yFormat == .percent { chart_axis_set_max(chart.pointee.y_axis, 1) }   // a chance: 0–100%
                chart_legend_set_position(chart, UInt8(LXW_CHART_LEGEND_BOTTOM.rawValue))
                var o = lxw_chart_options()
                o.x_scale = ch.width / 480
                o.y_scale = ch.height / 288
                o.description = str(words(ch.title))
                try check(worksheet_insert_chart_opt(ws, try row(ch.row), try col(ch.column), chart, &o), "插入图表")
            }
        }
        // All file work happens in workbook_close, which also frees the workbook. libxlsxwriter
        // reports its failures on stderr itself, in English and naming the temporary folder; the
        // caller reports them instead (in the chosen language, naming the real path), so a person
        // at a terminal sees that message only. Where stderr is a file or pipe (tests, logs) the
        // library's lines are left alone: silencing fd 2 there could swallow another thread's output.
        closed = true
        let (result, code) = Self.quietly { () -> (lxw_error, Int32) in
            errno = 0
            let e = workbook_close(wb)
            return (e, errno)
        }
        guard result == LXW_NO_ERROR else {
            unlink(path)
            if code != 0 { throw OutputFolder.failure(("无法写入", "cannot write"), shown, code) }
            let what: (zh: String, en: String) = result == LXW_ERROR_CREATING_TMPFILE || result == LXW_ERROR_READING_TMPFILE
                ? ("临时文件出错", "temporary file error") : ("写入出错", "write error")
            throw fail("\(what.zh)（\(String(cString: lxw_strerror(result)))）", "\(what.en) (\(String(cString: lxw_strerror(result))))")
        }
    }

    /// Writes the workbook as 结果.xlsx into a commit's staging folder (its temporary files too),
    /// with the scenario's title as the document's title.
    func write(in staging: OutputFolder.Staging, title: String, subject: String, name: String = "结果.xlsx") throws {
        try write(to: staging.url.appendingPathComponent(name).path, shown: staging.destination.appendingPathComponent(name).path,
                  tmpdir: staging.url.path, properties: Properties(title: title, subject: subject))
    }

    static let stderrLock = NSLock()

    /// Runs `body` with file descriptor 2 pointed at /dev/null when it is a terminal.
    static func quietly<T>(_ body: () -> T) -> T {
        guard isatty(2) == 1 else { return body() }
        stderrLock.lock()
        defer { stderrLock.unlock() }
        fflush(nil)   // every stream (stderr itself is unbuffered)
        let saved = dup(2)
        let null = open("/dev/null", O_WRONLY | O_CLOEXEC)
        guard saved >= 0, null >= 0 else {
            if saved >= 0 { close(saved) }
            if null >= 0 { close(null) }
            return body()
        }
        dup2(null, 2)
        close(null)
        let out = body()
        fflush(nil)   // every stream (stderr itself is unbuffered)
        dup2(saved, 2)
        close(saved)
        return out
    }
}
