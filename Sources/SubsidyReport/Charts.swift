import Foundation
import SubsidyModel

/// gnuplot scripts for the charts. Each script reads CSVs from the folder above it (`../x.csv`),
/// writes a PNG (pngcairo, Noto Sans CJK SC, sized to paste into a document) and an SVG beside
/// itself, and can be re-run later: `cd charts && gnuplot total_demand.gp`.
///
/// Nothing from a scenario, a `--set` or a file name reaches gnuplot as code: every text in a
/// script goes through `literal` (a single-quoted gnuplot string, in which gnuplot substitutes
/// nothing, with control characters replaced), every number through `num` (finite or left out),
/// every file name through `fileName`, and enhanced text is off.
public enum Charts {
    public static let font = "Noto Sans CJK SC"
    /// Longest text (in characters) a chart shows; longer text ends in "…".
    public static let maxText = 120

    /// Text as it may appear in a chart: every control character (C0, DEL, C1, and the line and
    /// paragraph separators U+2028/U+2029 and other Unicode line/format breaks) becomes a space,
    /// at most `max` characters (then "…").
    public static func plain(_ s: String, max: Int = maxText) -> String {
        var out = String.UnicodeScalarView()
        var count = 0
        for u in s.unicodeScalars {
            if count >= max { out.append("…"); break }
            let v = u.value
            let control = v < 0x20 || (0x7F...0x9F).contains(v) || v == 0x2028 || v == 0x2029 || v == 0x85
                || u.properties.generalCategory == .lineSeparator || u.properties.generalCategory == .paragraphSeparator
            out.append(control ? " " : u)
            count += 1
        }
        return String(out)
    }

    /// The one way text enters a gnuplot script: a single-quoted string literal. gnuplot does no
    /// back-quote, macro (`@`) or backslash processing inside single quotes; a `'` is written
    /// twice; control characters (which would end the command and start another) are spaces.
    ///
    /// gnuplot 5.4 misreads a doubled quote right after the opening quote or after another
    /// doubled quote, so such a quote is preceded by a zero-width space (U+200B).
    public static func literal(_ s: String, max: Int = maxText) -> String {
        var out = "'"
        var previousQuote = true
        for c in plain(s, max: max) {
            if c == "'" {
                out += previousQuote ? "\u{200B}''" : "''"
                previousQuote = true
            } else {
                out.append(c)
                previousQuote = false
            }
        }
        return out + "'"
    }

    // MARK: - Page size and text

    /// PNG width in pixels: 16 cm (the text width of an A4 Word page) at 300 dpi.
    public static let width = 1890
    /// PNG height of most charts (a 1.63 : 1 frame, as wide as the page, about 9.8 cm high).
    public static let height = 1160
    /// Text size in gnuplot points. pngcairo draws a point as 4/3 px, so 28 is a 37-px em: about
    /// 9 pt when the PNG is printed 16 cm wide.
    public static let fontSize = 28
    /// Chart titles, about 10.5 pt (五号) printed.
    public static let titleSize = 33
    /// Numbers written into heatmap cells and contour labels, about 8 pt printed.
    public static let smallSize = 25
    /// How wide a title line may be, in ems of the title font, before it wraps.
    static let titleEms = 38.0

    /// The SVG canvas for a PNG `h` pixels high: the PNG's size × 3/4. The svg terminal draws a
    /// point as one unit and pngcairo as 4/3 px, so at this size the same fonts take the same
    /// share of the chart in both files.
    static func svgSize(_ h: Int) -> String { "\(width * 3 / 4),\(h * 3 / 4)" }

    /// Width of text in ems: CJK and full-width characters 1, Latin letters, digits and other
    /// narrow characters about 0.55.
    static func ems(_ s: String) -> Double {
        s.unicodeScalars.reduce(0) { w, u in
            let v = u.value
            return w + ((v >= 0x2E80 && v < 0xFE70) || (0xFF00...0xFF60).contains(v) || v >= 0x20000 || v == 0x2026 ? 1 : 0.55)
        }
    }

    /// Text broken into lines of at most `width` ems, preferably after Chinese punctuation
    /// (，；：、）」) or before an opening bracket outside brackets, else at such a place inside
    /// brackets, else wherever the line is full.
    static func wrap(_ s: String, width: Double) -> [String] {
        var lines: [String] = []
        var line: [Character] = []
        var w = 0.0
        var depth = 0
        var outer: Int?, inner: Int?
        for c in s {
            let cw = ems(String(c))
            if w + cw > width, !line.isEmpty {
                let ok = { (k: Int?) -> Int? in k.flatMap { $0 >= line.count / 3 && $0 > 0 ? $0 : nil } }
                let cut = ok(outer) ?? ok(inner) ?? line.count
                lines.append(String(line[..<cut]))
                line = Array(line[cut...])
                w = ems(String(line))
                outer = nil
                inner = nil
            }
            if "（「([".contains(c) {
                if !line.isEmpty { if depth == 0 { outer = line.count } else { inner = line.count } }
                depth += 1
            }
            line.append(c)
            w += cw
            if "）」)]".contains(c) { depth = Swift.max(0, depth - 1) }
            if "，；：、）」。,;: ｜".contains(c) { if depth == 0 { outer = line.count } else { inner = line.count } }
        }
        if !line.isEmpty { lines.append(String(line)) }
        // No line of one character alone: it takes the last one of the line before.
        if lines.count > 1, lines[lines.count - 1].count == 1, lines[lines.count - 2].count > 2 {
            let c = lines[lines.count - 2].removeLast()
            lines[lines.count - 1].insert(c, at: lines[lines.count - 1].startIndex)
        }
        return lines.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// A title of several parts, each wrapped to the chart's width: every line a literal, joined
    /// by gnuplot's own newline (`. "\n" .`), so no text of a scenario is ever outside quotes.
    static func titleText(_ parts: String...) -> String { titleText(parts) }

    static func titleText(_ parts: [String]) -> String {
        let lines = parts.flatMap { wrap(plain($0), width: titleEms) }
        return (lines.isEmpty ? ["''"] : lines.map { literal($0, max: Int.max) }).joined(separator: " . \"\\n\" . ")
    }

    /// `set title …` with the title font.
    static func setTitle(_ parts: String...) -> String {
        "set title \(titleText(parts)) font \",\(titleSize)\" noenhanced\n"
    }

    /// The title as a label centred on the chart (not on the frame), for charts with a wide
    /// margin on one side or a map view; and the top margin (screen fraction) that leaves room for it.
    static func screenTitle(_ parts: [String], height h: Int = height) -> (set: String, top: Double) {
        let lines = parts.flatMap { wrap(plain($0), width: titleEms) }.count
        let top = 1 - (Double(lines) * Double(titleSize) * 4 / 3 * 1.45 + 70) / Double(h)
        return ("unset title\nset label 100 \(titleText(parts)) at screen 0.5, screen \(num(1 - 40 / Double(h)) ?? "0.965") center front font \",\(titleSize)\" noenhanced\n", top)
    }

    /// A number for a script: nil when it is not finite (the element that needs it is left out).
    static func num(_ x: Double?) -> String? {
        guard let x, x.isFinite else { return nil }
        return String(format: "%.10g", locale: Locale(identifier: "en_US_POSIX"), x)
    }

    /// A file name for a chart or its data: letters, digits, `.`, `_`, `-` only.
    public static func fileName(_ s: String) -> String {
        let t = String(s.unicodeScalars.prefix(80).map { u -> Character in
            (u.isASCII && (CharacterSet.alphanumerics.contains(u) || "._-".unicodeScalars.contains(u))) ? Character(u) : "_"
        })
        return t.isEmpty || t.hasPrefix(".") ? "_" + t : t
    }

    static func terminal(png h: Int) -> String {
        "set terminal pngcairo size \(width),\(h) font \"\(font),\(fontSize)\" noenhanced linewidth 1.35 pointscale 1.35\n"
    }

    static func terminal(svg h: Int) -> String {
        "set terminal svg size \(svgSize(h)) dynamic font \"\(font),\(fontSize)\" noenhanced linewidth 1.35\n"
    }

    /// Common head of every script: CSV input, Chinese font, no enhanced text, the legend under
    /// the frame (never over the data), the PNG terminal.
    static func head(_ name: String, title: String, height h: Int = height) -> String {
        """
        # \(plain(title))
        # Generated by subsidysim; reads the CSV files beside the charts folder. Money in 万元.
        # Run again with: cd charts && gnuplot \(fileName(name)).gp
        reset session
        set encoding utf8
        set minussign
        set datafile separator ","
        set termoption noenhanced
        set style line 1 lc rgb "#1f77b4" lw 2.5
        set style line 2 lc rgb "#d62728" lw 2.5
        set style line 3 lc rgb "#2ca02c" lw 2.5
        set style line 4 lc rgb "#9467bd" lw 2.5
        set style line 5 lc rgb "#ff7f0e" lw 2.5
        set style line 6 lc rgb "#8c564b" lw 2.5
        set style line 7 lc rgb "#e377c2" lw 2.5
        set style line 8 lc rgb "#17becf" lw 2.5
        set style line 9 lc rgb "#444444" lw 2 dt 2
        set style textbox opaque noborder margins 2,1
        set grid lc rgb "#dddddd"
        set border lc rgb "#555555"
        set key below center horizontal noenhanced
        \(terminal(png: h))set output \(literal(fileName(name) + ".png"))

        """
    }

    /// A plot that only measures the data's range (GPVAL_X_MIN/MAX, into a datablock: nothing is
    /// drawn), so that labels can be placed before the chart is drawn with `tail(again: true)`.
    static func measured(_ plot: String) -> String {
        "set table $MEASURE\n" + plot + "unset table\n"
    }

    /// After a `measured` plot of densities: the curves take at most the lower 70% of the frame,
    /// so the labels written at its top (graph 0.82–0.95, opaque boxes) never cover them.
    static let labelHeadroom = "if (GPVAL_Y_MAX > 0) { set yrange [0 : GPVAL_Y_MAX / 0.7] }\n"

    /// End of a script: draws the SVG beside the PNG. `again`: the script's plot was `measured`,
    /// so the PNG is drawn here.
    static func tail(_ name: String, height h: Int = height, again: Bool = false) -> String {
        (again ? "\nreplot\n" : "") + """

        \(terminal(svg: h))set output \(literal(fileName(name) + ".svg"))
        replot
        unset output

        """
    }

    /// For a chart that `replot` cannot redraw (a multiplot): `body` once for the PNG and once
    /// for the SVG.
    static func twice(_ name: String, height h: Int = height, _ body: String) -> String {
        body + "unset output\n" + terminal(svg: h) + "set output \(literal(fileName(name) + ".svg"))\n" + body + "unset output\n"
    }

    /// A label at (`x`, `y`) (gnuplot coordinate expressions; `x` in first-axis units) that stays
    /// inside the frame: to the right of `x` in the left half of the plot, to its left in the
    /// right half. Uses GPVAL_X_MIN/MAX, so only after a first plot. The text is a variable set
    /// outside the `if` block: no text ever appears inside a block.
    /// `turn`: where in the plot's width (0…1) the label moves from the right of `x` to its left.
    /// `dy`: a vertical offset in lines of text.
    /// `dy`: a vertical offset in lines of text (`dyLeft` when the label is left of `x`).
    static func sideLabel(_ tag: Int, _ text: String, x: String, y: String, color: String = "#444444", boxed: Bool = true,
                          turn: Double = 0.5, dy: Double = 0, dyLeft: Double? = nil) -> String {
        let v = "LABEL\(tag)"
        let style = "tc rgb \"\(color)\"\(boxed ? " boxed" : "") front noenhanced"
        let d = num(dy) ?? "0", dl = num(dyLeft ?? dy) ?? "0"
        return "\(v) = \(literal(text))\n"
            + "if (\(x) > GPVAL_X_MIN + \(num(turn) ?? "0.5") * (GPVAL_X_MAX - GPVAL_X_MIN)) { set label \(tag) \(v) at \(x), \(y) right offset -0.6,\(dl) \(style) } "
            + "else { set label \(tag) \(v) at \(x), \(y) left offset 0.6,\(d) \(style) }\n"
    }

    /// A vertical dashed line at x with a label kept inside the frame (after a first plot), or
    /// nothing when x is not finite.
    static func vline(_ x: Double, label: String?, y: Double = 0.93, tag: Int = 1) -> String {
        guard let n = num(x) else { return "" }
        var s = "set arrow \(tag) from \(n), graph 0 to \(n), graph 1 nohead ls 9 back\n"
        if let label { s += sideLabel(tag, label, x: n, y: "graph \(num(y) ?? "0.93")") }
        return s
    }

    /// A literal for a tic label. gnuplot reads an explicit tic label that holds a "%" as a format
    /// for the tic's position ("%g" becomes the number, a stray "%" is an error that loses the
    /// chart) and then keeps only its first ~50 bytes (gnuplot 5.4: "%%" is no way out: a
    /// two-line compare label lost its second half), so "%" is shown as the full-width "％".
    static func ticLiteral(_ s: String, max: Int = 40) -> String {
        literal(ticText(plain(s, max: max)), max: Int.max)
    }

    /// `s` with every "%" as "％" (see `ticLiteral`).
    static func ticText(_ s: String) -> String { s.replacingOccurrences(of: "%", with: "％") }

    /// Explicit tic labels at 0, 1, 2 …: `set xtics ('a' 0, 'b' 1)`.
    static func tics(_ axis: String, _ labels: [String], extra: String = "") -> String {
        "set \(axis) (" + labels.enumerated().map { "\(ticLiteral($1)) \($0)" }.joined(separator: ", ") + ")\(extra) noenhanced\n"
    }

    /// Tic labels at 0, 1, 2 … each wrapped to `ems` ems (at most `lines` lines, the last ending
    /// in "…" when cut), with gnuplot's newline between literals.
    static func wrappedTics(_ axis: String, _ labels: [String], ems: Double, lines: Int = 2, extra: String = "") -> String {
        "set \(axis) (" + labels.enumerated().map { i, l in
            "\(wrappedText(l, ems: ems, lines: lines, tic: true)) \(i)"
        }.joined(separator: ", ") + ")\(extra) noenhanced\n"
    }

    /// Text wrapped to `ems` ems and at most `lines` lines, as literals joined by gnuplot's
    /// newline (`tic`: as tic labels, "%" as "％", see `ticLiteral`).
    static func wrappedText(_ text: String, ems: Double, lines: Int, max: Int = 60, tic: Bool = false) -> String {
        // A tic label's "%" is drawn "％" (`ticLiteral`), a full em: measured as drawn.
        let s = tic ? ticText(text) : text
        var ls = wrap(plain(s, max: max), width: ems)
        // "scenario｜variant" (compare's entries): the variant's name is what tells rows apart,
        // so it keeps a line of its own and the scenario's part is the one shortened.
        let t = plain(s, max: max)
        if lines >= 2, ls.count > lines, let bar = t.lastIndex(of: "｜") {
            var head = String(t[...bar])
            if Charts.ems(head) > ems {
                while head.count > 1 && Charts.ems(head + "…") > ems { head.removeLast() }
                head += "…"
            }
            var rest = wrap(String(t[t.index(after: bar)...]), width: ems)
            if rest.count > lines - 1 { rest = Array(rest.prefix(lines - 1)) }
            ls = [head] + rest
        }
        if ls.count > lines {
            ls = Array(ls.prefix(lines))
            var last = ls[lines - 1]
            while !last.isEmpty && Charts.ems(last + "…") > ems { last.removeLast() }
            ls[lines - 1] = last + "…"
        }
        return (ls.isEmpty ? ["''"] : ls.map { literal($0, max: Int.max) })
            .joined(separator: " . \"\\n\" . ")
    }

    /// A legend: each label in at most `lines` lines of 34 ems (each a parenthesised string
    /// expression for `title`), and the `set key` line placing it (`at`, under the frame by
    /// default). gnuplot sizes a legend from an estimate that counts a Chinese character as two
    /// Latin ones and adds up the lines of a multi-line entry, and leaves out a legend it thinks
    /// too wide; `width` gives back what the estimate adds over the widest real line.
    static func legend(_ labels: [String], at: String = "below center horizontal", lines: Int = 2) -> (set: String, titles: [String]) {
        let l = legendLines(labels, at: at, lines: lines)
        return (l.set, l.titles)
    }

    /// `legend`, and how many text lines it takes when `columns` entries share a row.
    static func legendLines(_ labels: [String], at: String = "below center horizontal", lines: Int = 2,
                            columns: Int = 1) -> (set: String, titles: [String], height: Int) {
        let wrapped = labels.map { l -> [String] in
            var ls = wrap(plain(l, max: maxText * 2), width: 34)
            if ls.count > lines {
                ls = Array(ls.prefix(lines))
                var last = ls[lines - 1]
                while !last.isEmpty && ems(last + "…") > 34 { last.removeLast() }
                ls[lines - 1] = last + "…"
            }
            return ls.isEmpty ? [""] : ls
        }
        func estimate(_ t: String) -> Double { t.unicodeScalars.reduce(0) { $0 + (ems(String($1)) >= 1 ? 2 : 1) } }
        func real(_ t: String) -> Double { t.unicodeScalars.reduce(0) { $0 + (ems(String($1)) >= 1 ? 1.8 : 1) } }
        let est = wrapped.map { $0.map(estimate).reduce(0, +) }.max() ?? 0
        let widest = wrapped.flatMap { $0.map(real) }.max() ?? 0
        let inc = (widest - est).rounded(.up)
        // Long entries one under another (gnuplot would set two side by side from its estimate).
        let one = widest > 27 && !at.contains("maxcols") && !at.contains("maxrows") && at.contains("horizontal") ? " maxcols 1" : ""
        // gnuplot gives a multi-line entry one row and centres it there: rows as tall as the tallest entry.
        let tallest = wrapped.map(\.count).max() ?? 1
        let set = "set key \(at)\(one) noenhanced" + (inc < 0 ? " width \(Int(inc))" : "") + (tallest > 1 ? " spacing \(tallest)" : "") + "\n"
        // Entries too wide to stand two in a row are set one under another by gnuplot whatever
        // maxcols says (its estimate counts a Chinese character as two): count their rows so.
        let c = widest > 27 ? 1 : Swift.max(1, columns)
        let height = (wrapped.count + c - 1) / c * tallest
        return (set, wrapped.map { "(" + $0.map { literal($0, max: Int.max) }.joined(separator: " . \"\\n\" . ") + ")" }, height)
    }

    /// The widest line of `labels` wrapped as `wrappedText` does, in ems.
    static func widest(_ labels: [String], ems: Double, lines: Int) -> Double {
        labels.map { l in wrap(plain(l, max: 60), width: ems).prefix(lines).map { Charts.ems($0) }.max() ?? 0 }.max() ?? 0
    }

    /// The axis format for a field: percentages for fractions (the data are multiplied by 100).
    static func axisFormat(_ axis: String, percent: Bool) -> String {
        percent ? "set format \(axis) \"%g%%\"\n" : ""
    }

    /// A variant as a chart shows it: its short name (title) and full label (legend).
    public struct Series: Sendable {
        public var id: String
        public var name: String
        public var label: String
        public init(id: String, name: String, label: String) { self.id = id; self.name = name; self.label = label }
    }

    /// The variants of a result as charts show them: the file's name for each (none for the
    /// implicit `base` variant of a scenario without variants: the title already names it) and
    /// its label for the legend. What `--set` changed is said once, in the title (`heading`), so
    /// the legend's label leaves it out (and the keys in `omitting`, e.g. a sweep's axes).
    public static func series(ids: [String], labels: [String], loaded: LoadedScenario, omitting: Set<String> = []) -> [Series] {
        let set = Set(loaded.overrides.map(\.path.description))
        return zip(ids, labels).map { id, label in
            let v = loaded.variants.first { $0.id == id }
            let name = v.map { $0.name == loaded.scenario.title && loaded.scenario.variantSpecs.isEmpty ? "" : $0.name } ?? label
            let legend = set.isEmpty ? label : v.map { $0.label(omitting: set.union(omitting)) } ?? label
            return Series(id: id, name: name, label: legend)
        }
    }

    /// A chart's first title line: the scenario's title and what `--set` changed in it
    /// ("…（征求意见稿）（第一批试点企业数改为150家）"), in words, never as key paths.
    public static func heading(_ loaded: LoadedScenario) -> String {
        let changes = loaded.overrides.map { loaded.describe($0) }
        return loaded.scenario.title + (changes.isEmpty ? "" : "（" + changes.joined(separator: "；") + "）")
    }

    /// "：正文费率、概算表费率" — the variants a chart shows, for its title; empty when they have no names.
    static func shown(_ vs: [Series]) -> String {
        let n = vs.map(\.name).filter { !$0.isEmpty }
        guard !n.isEmpty else { return "" }
        return "：" + (n.count <= 3 ? n.joined(separator: "、") : n.prefix(3).joined(separator: "、") + " 等 \(n.count) 个方案")
    }

    static func name(_ v: Series) -> String { v.name.isEmpty ? v.label : v.name }

    public static func totalDemand(variants: [Series], budget: Double, title: String) -> String {
        var s = head("total_demand", title: "总需求分布 / distribution of total demand")
        s += setTitle(title, "总需求分布\(shown(variants))（同一批模拟企业）")
        s += """
        set xlabel '总需求（万元）'
        set ylabel '概率密度（每万元）'
        set style fill transparent solid 0.25 noborder
        set yrange [0:*]

        """
        let key = legend(variants.map(\.label))
        s += key.set
        let plots = variants.enumerated().map { i, v in
            "'../distribution.csv' skip 1 using 3:\(i + 4) with filledcurves y1=0 ls \(i + 1) title \(key.titles[i]) noenhanced, " +
                "'' skip 1 using 3:\(i + 4) with lines ls \(i + 1) notitle"
        }
        s += measured("plot " + plots.joined(separator: ", \\\n     ") + "\n")
        s += labelHeadroom
        s += vline(budget, label: "总资金 \(formatNumber(budget)) 万元")
        return s + tail("total_demand", again: true)
    }

    /// `atBudget[i]`: variant i's chance that total demand exceeds the total funding (the
    /// headline number), marked on its curve and written in a corner the curves leave empty:
    /// `upperRightClear` (every curve below 65% at 60% of the x range; `exceedanceCornerClear`)
    /// puts the values top right, else bottom left (a falling curve that reaches the one box
    /// cannot reach the other).
    public static func exceedance(variants: [Series], budget: Double, atBudget: [Double], upperRightClear: Bool = true, title: String) -> String {
        var s = head("exceedance", title: "超过概率曲线 / exceedance curves")
        s += setTitle(title, "总需求超过某金额的概率\(shown(variants))")
        s += """
        set xlabel '总需求（万元）'
        set ylabel '总需求超过该金额的概率'
        set yrange [0:100]
        set format y "%.0f%%"

        """
        let key = legend(variants.map(\.label))
        s += key.set
        let plots = variants.enumerated().map { i, v in
            "'../exceedance.csv' skip 1 using 1:($\(i + 2)*100) with lines ls \(i + 1) title \(key.titles[i]) noenhanced"
        }
        s += measured("plot " + plots.joined(separator: ", \\\n     ") + "\n")
        s += vline(budget, label: "总资金 \(formatNumber(budget)) 万元", y: 0.93)
        if let b = num(budget) {
            let marks = variants.indices.filter { $0 < atBudget.count && atBudget[$0].isFinite }
            // The highest value's label on top, as the points lie.
            let order = marks.sorted { (atBudget[$0], $1) > (atBudget[$1], $0) }
            for (rank, i) in order.enumerated() {
                guard let p = num(atBudget[i] * 100) else { continue }
                s += "set object \(20 + i) circle at \(b), \(p) size screen 0.006 fc rgb \"\(colors[i % colors.count])\" fs solid front\n"
                let y = upperRightClear ? 0.80 - Double(rank) * 0.075 : 0.10 + Double(order.count - 1 - rank) * 0.075
                let at = upperRightClear ? "graph 0.97, graph \(num(y) ?? "0.8") right" : "graph 0.03, graph \(num(y) ?? "0.1") left"
                s += "set label \(30 + i) \(literal("\(name(variants[i])) \(percentText(atBudget[i]))（\(formatNumber(budget))万元）")) at \(at) "
                    + "tc rgb \"\(colors[i % colors.count])\" boxed front noenhanced\n"
            }
        }
        return s + tail("exceedance", again: true)
    }

    /// Whether the exceedance chart's top-right corner is empty: every variant's chance of
    /// exceeding the point 60% of the way along the pooled range of total demands is below 65%.
    public static func exceedanceCornerClear(_ totals: [[Double]]) -> Bool {
        let all = totals.flatMap { $0 }.filter(\.isFinite)
        guard let lo = all.min(), let hi = all.max(), hi > lo else { return true }
        let x = lo + 0.6 * (hi - lo)
        return totals.allSatisfy { t in t.isEmpty || Double(t.filter { $0 > x }.count) / Double(t.count) < 0.65 }
    }

    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]

    /// A budget line as a chart's axis names it: its clause (（一）) and its name (数字化改造).
    public typealias LineName = (clause: String, name: String)

    /// Where the draft's line names break best when a tic cannot hold them on one line.
    static let nameBreaks: [String: Int] = ["数字化改造": 3, "标杆企业": 2, "先进级智能工厂": 3, "上云用云": 2, "链式转型案例": 4,
                                            "优质服务商": 2, "专业支撑服务": 4]

    /// A name in at most two lines of `ems` ems: whole when it fits, else at its known break,
    /// else in two halves as even as possible (never one character alone), cut with "…" beyond.
    static func twoLines(_ name: String, ems: Double) -> [String] {
        let t = plain(name, max: 40)
        guard Charts.ems(t) > ems, t.count > 1 else { return [t] }
        let chars = Array(t)
        // "第一批二级达标率" breaks after "第一批"; "（一）数字化改造" after its clause.
        let batch = chars.prefix(5).firstIndex(of: "批").flatMap { chars.first == "第" && $0 < chars.count - 1 ? $0 + 1 : nil }
        let clause = chars.first == "（" ? chars.prefix(6).firstIndex(of: "）").map { $0 + 1 } : nil
        let k = nameBreaks[t] ?? batch ?? clause ?? Swift.max(2, Swift.min(chars.count - 2, (chars.count + 1) / 2))
        let cut = Swift.max(1, Swift.min(chars.count - 1, k))
        var lines = [String(chars[..<cut]), String(chars[cut...])]
        for i in lines.indices where Charts.ems(lines[i]) > ems + 0.01 {
            var l = lines[i]
            while l.count > 1 && Charts.ems(l + "…") > ems { l.removeLast() }
            lines[i] = l + "…"
        }
        return lines
    }

    /// Tic labels at 0, 1, 2 … for budget lines, horizontal: the clause on the first line, the
    /// name under it in at most two lines of `ems` ems.
    /// `font`: a smaller size for narrow slots (the size `ems` was measured in).
    /// Text rows the tallest of `lineTics`' labels takes (the clause, then one or two of the name).
    static func lineTicRows(_ lines: [LineName], ems: Double) -> Int {
        1 + (lines.map { twoLines($0.name, ems: Swift.max(3, ems)).count }.max() ?? 0)
    }

    static func lineTics(_ axis: String, _ lines: [LineName], ems: Double, extra: String = "", font: Int? = nil) -> String {
        "set \(axis) (" + lines.enumerated().map { i, l in
            ([ticLiteral(l.clause, max: 20)] + twoLines(l.name, ems: Swift.max(3, ems)).map { ticLiteral($0) }).joined(separator: " . \"\\n\" . ") + " \(i)"
        }.joined(separator: ", ") + ")\(extra)\(font.map { " font \",\($0)\"" } ?? "") noenhanced\n"
    }

    /// Tic labels at 0, 1, 2 … for inputs (or any names) on a frame `fraction` of the chart's
    /// width, horizontal, each in at most two lines, a little smaller than other text (about 8 pt
    /// printed) so that names like 第一批二级达标率 keep whole.
    static func inputTics(_ names: [String], fraction: Double, axis: String = "xtics") -> String {
        let ems = Swift.max(3, slotEms(names.count, fraction: fraction, font: smallSize))
        return "set \(axis) (" + names.enumerated().map { i, n in
            twoLines(ticText(n), ems: ems).map { ticLiteral($0) }.joined(separator: " . \"\\n\" . ") + " \(i)"
        }.joined(separator: ", ") + ") nomirror font \",\(smallSize)\" noenhanced\n"
    }

    /// Ems of tic text each of `count` slots can hold on a frame `fraction` of the chart's width.
    static func slotEms(_ count: Int, fraction: Double, font: Int = fontSize) -> Double {
        fraction * Double(width) / Double(Swift.max(count, 1)) / (Double(font) * 4 / 3) - 0.2
    }

    /// One row of `chart_lines.csv` per line and variant (variant after variant, `lineNames.count`
    /// rows each, x = line index + the variant's offset). `p95[i]`: line i's largest P95 ÷ budget
    /// over the variants. When some lines' demand runs far beyond the others' (（四） at 500%
    /// beside （一） at 100%), they get a panel of their own with its own scale, so that the rest
    /// stay readable.
    public static func lines(variants: [Series], lineNames: [LineName], p95: [Double], title: String) -> String {
        let n = lineNames.count, nv = variants.count
        var s = head("lines", title: "各预算行需求与预算 / demand against budget per line")
        let split = splitLines(p95)
        let groups = split.big.isEmpty ? [Array(0..<n)] : [split.small, split.big]
        let offsets = (0..<nv).map { (Double($0) - Double(nv - 1) / 2) * 0.25 }
        let heading = [title, "各预算行需求占预算的比例\(shown(variants))（点：P50，竖线：P5–P95）"]
        var body = """
        set ylabel '需求 ÷ 预算'
        set format y "%g%%"
        set link y2
        set y2tics ('预算' 100) tc rgb "#444444" nomirror noenhanced
        set ytics nomirror
        set offsets 0, 0, graph 0.05, 0
        set arrow 1 from graph 0, first 100 to graph 1, first 100 nohead ls 9 back

        """
        guard groups.count == 2 else {
            let key = legendLines(variants.map(\.label))
            s += setTitle(heading[0], heading[1]) + body + key.set + "set bmargin \(5 + key.height)\n"
            s += linesPanel(variants, lineNames: lineNames, members: Array(0..<n), offsets: offsets, n: n, fraction: 0.82)
            return s + tail("lines")
        }
        // Two panels side by side, each as wide as its lines need; one title and one legend for both.
        let wSmall = Double(groups[0].count) + 0.4, wBig = Double(groups[1].count) + 0.8
        let cut = Swift.min(0.8, Swift.max(0.55, 0.06 + 0.9 * wSmall / (wSmall + wBig)))
        body += "set multiplot title \(titleText(heading)) font \",\(titleSize)\" noenhanced\n"
        let titleLines = heading.flatMap { wrap(plain($0), width: titleEms) }.count
        let top = 1 - (Double(titleLines) * Double(titleSize) * 4 / 3 * 1.45 + 70) / Double(height)
        // The legend under both panels: the frames end higher by each line it has beyond two (three
        // readings, or a label of two lines, ran into the line names).
        let key = legendLines(variants.map(\.label), at: "at screen 0.5, screen 0.012 center bottom horizontal")
        let bottom = 0.30 + Double(Swift.max(key.height - 2, 0)) * Double(fontSize) * 4 / 3 * 1.25 / Double(height)
        body += "unset key\nset bmargin at screen \(num(bottom) ?? "0.3")\nset tmargin at screen \(num(top) ?? "0.82")\n"
        for (g, members) in groups.enumerated() {
            let (l, r) = g == 0 ? (0.09, cut - 0.07) : (cut + 0.08, 0.93)
            if g == 1 { body += "unset ylabel\n" }
            body += "set lmargin at screen \(num(l) ?? "0.1")\nset rmargin at screen \(num(r) ?? "0.9")\n"
            body += linesPanel(variants, lineNames: lineNames, members: members, offsets: offsets, n: n, fraction: r - l)
        }
        // The legend, for both panels, on an empty plot as wide as the chart.
        body += "set lmargin at screen 0.03\nset rmargin at screen 0.97\n"
        body += "unset link y2\nunset border\nunset xtics\nunset ytics\nunset y2tics\nunset arrow\nunset grid\nunset xlabel\nunset ylabel\n"
        body += "set xrange [0:1]\nset yrange [0:1]\n" + key.set
        body += "plot " + variants.indices.map { "'+' using (NaN):(NaN):(NaN):(NaN) with yerrorbars ls \($0 + 1) pt 7 ps 1.6 title \(key.titles[$0])" }
            .joined(separator: ", ") + "\n"
        body += "unset multiplot\n"
        return s + twice("lines", body)
    }

    /// Which lines need a scale of their own: those whose P95 ÷ budget is above 300% and above
    /// 2.5 times the median line's; none when that would leave fewer than two lines beside them.
    static func splitLines(_ p95: [Double]) -> (small: [Int], big: [Int]) {
        let all = Array(p95.indices)
        let finite = p95.filter(\.isFinite).sorted()
        guard !finite.isEmpty else { return (all, []) }
        let median = finite[finite.count / 2]
        let limit = Swift.max(3, 2.5 * Swift.max(median, 0))
        let big = all.filter { p95[$0].isFinite && p95[$0] > limit }
        guard !big.isEmpty, all.count - big.count >= 2 else { return (all, []) }
        return (all.filter { !big.contains($0) }, big)
    }

    /// One panel of the per-line chart: the lines `members` at x = 0, 1, … in their order; the
    /// other rows of chart_lines.csv are NaN (neither drawn nor counted in the scale). A row's line
    /// index is recovered from its x and the variant's offset, never by comparing text.
    static func linesPanel(_ vs: [Series], lineNames: [LineName], members: [Int], offsets: [Double], n: Int, fraction: Double) -> String {
        var s = lineTics("xtics", members.map { lineNames[$0] }, ems: slotEms(members.count, fraction: fraction), extra: " nomirror")
        s += "set xrange [-0.6:\(num(Double(members.count) - 0.4) ?? "1")]\n"
        s += "set yrange [0:*]\n"
        s += "panel(k) = " + members.enumerated().map { "k == \($0.element) ? \($0.offset)" }.joined(separator: " : ") + " : NaN\n"
        s += "row(x, off) = panel(floor(x - off + 0.5))\n"
        let key = legend(vs.map(\.label))
        let plots = vs.enumerated().map { i, v in
            let off = "(\(num(offsets[i]) ?? "0"))"
            let hide = "0*row($1, \(off))"
            return (i == 0 ? "'../chart_lines.csv'" : "''") + " skip 1 every ::\(i * n)::\(i * n + n - 1) using (row($1, \(off)) + \(off))"
                + ":($7*100 + \(hide)):($6*100 + \(hide)):($8*100 + \(hide)) with yerrorbars ls \(i + 1) pt 7 ps 1.6 title \(key.titles[i]) noenhanced"
        }
        return s + "plot " + plots.joined(separator: ", \\\n     ") + "\n"
    }

    public static func unspent(variants: [Series], sources: [String], title: String) -> String {
        var s = head("unspent", title: "各资金来源结余 / unspent money by source")
        s += setTitle(title, "各资金来源的结余\(shown(variants))（柱：均值，竖线：P5–P95）")
        // Each source's name wrapped to its cluster's width (clusters sit at 0, 1, …, with half a
        // cluster's room at either end), so long names never run into each other.
        let ems = slotEms(sources.count + 1, fraction: 0.8)
        let ticLines = sources.map { Swift.min(wrap(plain($0, max: 60), width: ems).count, 3) }.max() ?? 1
        s += """
        set ylabel '结余（万元）'
        set style data histogram
        set style histogram errorbars gap 2 lw 2
        set style fill solid 0.6 border -1
        set yrange [0:*]
        \(wrappedTics("xtics", sources, ems: ems, lines: 3, extra: " nomirror"))
        """
        let key = legendLines(variants.map(\.label))
        // Room under the frame for the sources' names (up to three lines) and the legend.
        s += key.set + "set bmargin \(2 + ticLines + key.height)\n"
        let plots = variants.enumerated().map { i, v in
            (i == 0 ? "'../chart_unspent.csv'" : "''") + " skip 1 using \(2 + 3 * i):\(3 + 3 * i):\(4 + 3 * i) ls \(i + 1) title \(key.titles[i]) noenhanced"
        }
        s += "plot " + plots.joined(separator: ", \\\n     ") + "\n"
        return s + tail("unspent")
    }

    /// `mean`: the mean paired difference (b − a), marked with its value.
    public static func variantDifference(a: Series, b: Series, mean: Double?, title: String) -> String {
        var s = head("variant_difference", title: "方案差异 / paired difference between variants")
        let key = legend(["「\(b.label)」减「\(a.label)」"], lines: 3)
        s += setTitle(title, "「\(name(b))」减「\(name(a))」的总需求差（同一批模拟企业）")
        s += """
        \(key.set)set xlabel '总需求差（万元）'
        set ylabel '概率密度（每万元）'
        set yrange [0:*]
        set style fill transparent solid 0.35 noborder
        set table $MEASURE
        plot '../variant_difference.csv' skip 1 using 3:4 with filledcurves y1=0 ls 4 title \(key.titles[0]) noenhanced, \\
             '' skip 1 using 3:4 with lines ls 4 notitle
        unset table
        \(labelHeadroom)# The zero line inside the frame: the range takes in 0 and a margin on both sides.
        XLO = GPVAL_X_MIN < 0 ? GPVAL_X_MIN : 0
        XHI = GPVAL_X_MAX > 0 ? GPVAL_X_MAX : 0
        XPAD = (XHI - XLO) * 0.06
        set xrange [XLO - XPAD : XHI + XPAD]
        set arrow 1 from 0, graph 0 to 0, graph 1 nohead lc rgb "#222222" lw 2.5 front

        """
        s += sideLabel(1, "无差异", x: "0", y: "graph 0.93")
        if let m = mean, let mn = num(m) {
            s += "set arrow 2 from \(mn), graph 0 to \(mn), graph 1 nohead ls 9 back\n"
            s += sideLabel(2, "平均 \(m < 0 ? "−" : "+")\(formatNumber((abs(m) * 10).rounded() / 10)) 万元", x: mn, y: "graph 0.82")
        }
        return s + tail("variant_difference", again: true)
    }

    // MARK: - Drawing

    /// A chart to draw: its script (`charts/NAME.gp`) or, when its data cannot make a chart, the
    /// reason (Chinese) it is left out.
    public struct Plan: Sendable {
        public var name: String
        public var caption: String
        public var script: String?
        public var skip: String?
        public init(_ name: String, caption: String, script: String?, skip: String? = nil) {
            self.name = Charts.fileName(name)
            self.caption = caption
            self.script = skip == nil ? script : nil
            self.skip = skip ?? (script == nil ? "没有可绘制的数据" : nil)
        }
    }

    /// What became of a chart: drawn (`NAME.png` and `NAME.svg` exist and are not empty) or omitted, with the reason.
    public struct Outcome: Sendable {
        public var name: String
        public var caption: String
        public var omitted: String?
        public var drawn: Bool { omitted == nil }
    }

    /// Why a table cannot make a chart, or nil: no rows, no finite value in `columns`, or (when
    /// `constant` says what is constant, e.g. "扫描的取值都等于") every value the same.
    public static func dataProblem(_ t: CSVTable, columns: [Int], constant: String? = nil) -> String? {
        var values: [Double] = []
        var nonFinite = 0
        for r in t.rows {
            for c in columns where c < r.count {
                let x: Double
                switch r[c] {
                case let .money(v), let .fraction(v), let .number(v, _): x = v
                case let .integer(i): x = Double(i)
                case .text: continue
                }
                if x.isFinite { values.append(x) } else { nonFinite += 1 }
            }
        }
        if t.rows.isEmpty || (values.isEmpty && nonFinite == 0) { return "没有可绘制的数据" }
        if values.isEmpty { return "数据全部为无穷大或非数值（NaN），无法绘制" }
        if let what = constant, let f = values.first, values.allSatisfy({ $0 == f }) {
            return "\(what) \(CSVTable.fixed(f, 2))，图无意义"
        }
        return nil
    }

    /// Why a set of model values cannot make a chart of their distribution, or nil.
    public static func valuesProblem(_ values: [Double], what: String) -> String? {
        if values.isEmpty { return "没有可绘制的数据" }
        if values.contains(where: { !$0.isFinite }) { return "\(what)含无穷大或非数值（NaN），无法绘制" }
        if let f = values.first, values.allSatisfy({ $0 == f }) {
            return "\(what)在所有试验中都等于 \(CSVTable.fixed(f, 2))，分布图无意义"
        }
        return nil
    }

    /// Draws every planned chart in `folder` (the charts folder). The charts are dealt to one
    /// gnuplot per core (`gnuplot a.gp b.gp …`: each script starts with `reset session`, so one
    /// cannot change another; PNG and SVG come from the same script), each gnuplot in its own
    /// process group and killed after `timeout` seconds per chart it draws. When a gnuplot fails
    /// or runs out of time, the charts of its share that are not complete are drawn again one per
    /// gnuplot, so that one bad chart costs only itself and its reason is its own. A chart is drawn
    /// only when both files are non-empty; otherwise its files are removed and the reason is
    /// returned. The second value lists the problems for the terminal (gnuplot missing is
    /// reported, not fatal).
    public static func render(folder: URL, plans: [Plan], timeout: Double = Gnuplot.defaultTimeout) -> (outcomes: [Outcome], warnings: [String]) {
        var outcomes = plans.map { Outcome(name: $0.name, caption: $0.caption, omitted: $0.skip) }
        var warnings = plans.compactMap { p in p.skip.map { "图表 \(p.name) 未绘制：\($0) / chart \(p.name) not drawn" } }
        let todo = plans.indices.filter { plans[$0].script != nil }
        guard !todo.isEmpty else { return (outcomes, warnings) }
        guard let gnuplot = which("gnuplot") else {
            for i in todo { outcomes[i].omitted = "gnuplot 未安装，只写出了图表脚本 charts/\(plans[i].name).gp" }
            warnings.append("gnuplot 未安装，图表脚本已写出但未渲染（安装：apt-get install gnuplot-nox fonts-noto-cjk，再在 charts 目录运行 gnuplot *.gp） / gnuplot is not installed: the scripts are written but not rendered")
            return (outcomes, warnings)
        }
        let results = UnsafeMutableBufferPointer<String?>.allocate(capacity: todo.count)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        let workers = Swift.max(1, Swift.min(todo.count, ProcessInfo.processInfo.activeProcessorCount))
        let dir = folder.path
        nonisolated(unsafe) let out = results
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let share = Array(stride(from: w, to: todo.count, by: workers))
            let names = share.map { plans[todo[$0]].name }
            if share.count > 1, drawMany(gnuplot, names: names, in: dir, timeout: timeout) { return }
            for k in share { out[k] = drawOne(gnuplot, name: plans[todo[k]].name, in: dir, timeout: timeout) }
        }
        for (k, i) in todo.enumerated() {
            if let why = results[k] {
                outcomes[i].omitted = why
                warnings.append("图表 \(plans[i].name) 未绘制：\(why) / chart \(plans[i].name) not drawn")
            }
        }
        return (outcomes, warnings)
    }

    /// Runs `gnuplot A.gp B.gp …` in `dir`; true when it succeeded and every output exists and is
    /// non-empty. Otherwise the outputs are removed (the caller draws those charts one by one).
    static func drawMany(_ gnuplot: String, names: [String], in dir: String, timeout: Double) -> Bool {
        let outputs = names.flatMap { ["\($0).png", "\($0).svg"] }
        let r = try? Gnuplot.run(gnuplot, names.map { "\($0).gp" }, in: dir, timeout: timeout * Double(names.count))
        if let r, r.ok, outputs.allSatisfy({ regularFileSize(dir + "/" + $0) ?? 0 > 0 }) { return true }
        for f in outputs { unlink(dir + "/" + f) }
        return false
    }

    /// Runs `gnuplot NAME.gp` in `dir`; nil when both outputs exist and are non-empty, else the
    /// reason (and the outputs are removed).
    static func drawOne(_ gnuplot: String, name: String, in dir: String, timeout: Double) -> String? {
        let outputs = ["\(name).png", "\(name).svg"]
        var why: String?
        do {
            let r = try Gnuplot.run(gnuplot, ["\(name).gp"], in: dir, timeout: timeout)
            if r.timedOut {
                why = "gnuplot 超过 \(formatNumber(timeout)) 秒未完成，已终止"
            } else if r.status != 0 {
                let msg = r.stderr.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.last ?? ""
                why = "gnuplot 出错（退出码 \(r.status)）" + (msg.isEmpty ? "" : "：" + plain(msg, max: 200))
            }
        } catch {
            why = "无法启动 gnuplot：\(error)"
        }
        if why == nil, let empty = outputs.first(where: { regularFileSize(dir + "/" + $0) ?? 0 == 0 }) {
            why = "gnuplot 没有写出 \(empty)"
        }
        if why != nil { for f in outputs { unlink(dir + "/" + f) } }
        return why
    }

    /// The summary.md section for the charts: an image per drawn chart, a line per omitted one.
    /// With `printWidth` (for 报告.docx) each chart is a numbered figure at that width
    /// ("图 1　caption", pandoc's `{width=16cm}`) instead of a sub-heading and an image.
    public static func markdown(_ outcomes: [Outcome], folder: String = "charts", heading: String? = "## 图表\n\n", level: String = "###",
                                printWidth: String? = nil) -> String {
        guard !outcomes.isEmpty else { return "" }
        var md = heading ?? ""
        for (k, o) in outcomes.filter(\.drawn).enumerated() {
            // A caption may hold a scenario's names (a sweep's axis, a segment): it stays text.
            let caption = Markdown.text(o.caption)
            if let w = printWidth {
                md += "![图 \(k + 1)　\(caption)](\(folder)/\(o.name).png){width=\(w)}\n\n"
            } else {
                md += "\(level) \(caption)\n\n![\(caption)](\(folder)/\(o.name).png)\n\n"
            }
        }
        let omitted = outcomes.filter { !$0.drawn }
        if !omitted.isEmpty {
            md += "**未绘制的图表：**\n\n"
            for o in omitted { md += "- \(Markdown.text(o.caption))（\(folder)/\(o.name).png）：\(o.omitted ?? "")\n" }
            md += "\n"
        }
        return md
    }

    static func which(_ tool: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let p = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }
}

/// The size of a regular file (lstat: a link, FIFO or device is not one), or nil.
func regularFileSize(_ path: String) -> Int? {
    var st = stat()
    guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
    return Int(st.st_size)
}

/// A Chinese name for a key path, for chart axes and summaries: `policy.batches[0].cap` →
/// `第一批补助上限（万元）` (from `FieldInfo`, the one table of field names; with `scenario`, in its
/// batch, source and line names). Unknown paths are shown as they are.
public func keyLabel(_ path: String, in scenario: Scenario? = nil) -> String {
    guard let kp = ScenarioPath(path) else { return path }
    let f = FieldInfo.of(kp, in: scenario)
    return f.unit.isEmpty || f.kind == .count ? f.name : "\(f.name)（\(f.unit)）"
}

extension Charts {
    /// A key of the scenario as a chart's axis shows it: its Chinese name and unit, rates as
    /// percentages (the data are multiplied by 100 in the script, `scale`), values as a person
    /// reads them (`text`: "55%", "39.2万元", "60家").
    struct Axis {
        let field: FieldInfo
        var percent: Bool { field.kind == .fraction }
        /// "第一批补助比例（%）", "第一批补助上限（万元）", "第一批试点企业数（家）".
        var label: String {
            if percent { return field.name + "（%）" }
            return field.unit.isEmpty ? field.name : "\(field.name)（\(field.unit)）"
        }
        /// The gnuplot expression of a data column on this axis: `($1*100)` for a rate.
        func column(_ c: Int) -> String { percent ? "($\(c)*100)" : "\(c)" }
        /// A value in the axis's units (a rate × 100).
        func value(_ x: Double) -> Double { percent ? x * 100 : x }
        func text(_ x: Double) -> String { field.format(number: x) }
        /// `set format x "%g%%"` for a rate.
        func format(_ axis: String) -> String { percent ? "set format \(axis) \"%g%%\"\n" : "" }

        init(_ path: ScenarioPath, in scenario: Scenario?) { field = FieldInfo.of(path, in: scenario) }
        init(_ path: String, in scenario: Scenario?) {
            field = ScenarioPath(path).map { FieldInfo.of($0, in: scenario) } ?? FieldInfo(name: path, kind: .number, unit: "")
        }
    }

    /// Where `ys` (at increasing `xs`) first crosses `level`, by linear interpolation, and
    /// whether it rises there; nil when it never does.
    static func crossing(_ xs: [Double], _ ys: [Double], level: Double) -> (x: Double, rising: Bool)? {
        let pts = zip(xs, ys).filter { $0.0.isFinite && $0.1.isFinite }.sorted { $0.0 < $1.0 }
        for k in pts.indices.dropFirst() {
            let (xa, ya) = pts[k - 1], (xb, yb) = pts[k]
            guard (ya - level) * (yb - level) < 0 || (ya == level && yb != level) else { continue }
            return (ya == level ? xa : xa + (level - ya) * (xb - xa) / (yb - ya), yb > ya)
        }
        return nil
    }

    /// Dashed vertical lines at each variant's own value of the key (the draft's), labelled
    /// "草案 50万元"; one line when the variants agree, else one per variant in its colour. Values
    /// outside `range` are left out. Tags from `tag` on. Only after a first plot (labels use GPVAL).
    static func draftMarks(_ vs: [Series], values: [Double?], axis: Axis, range: ClosedRange<Double>?, tag: Int = 2,
                           y: Double = 0.93) -> String {
        let inRange = values.map { v -> Double? in
            guard let v, v.isFinite else { return nil }
            if let r = range, !r.contains(v) { return nil }
            return v
        }
        let present = inRange.compactMap { $0 }
        guard !present.isEmpty else { return "" }
        var s = ""
        if present.count == inRange.count, Set(present).count == 1 {
            let v = present[0]
            guard let n = num(axis.value(v)) else { return "" }
            s += "set arrow \(tag) from \(n), graph 0 to \(n), graph 1 nohead ls 9 back\n"
            s += sideLabel(tag, "草案 \(axis.text(v))", x: n, y: "graph \(num(y) ?? "0.93")")
            return s
        }
        for (i, v) in inRange.enumerated() {
            guard let v, let n = num(axis.value(v)) else { continue }
            let c = colors[i % colors.count]
            s += "set arrow \(tag + i) from \(n), graph 0 to \(n), graph 1 nohead lc rgb \"\(c)\" lw 2 dt 2 back\n"
            s += sideLabel(tag + i, "\(name(vs[i]))草案 \(axis.text(v))", x: n, y: "graph \(num(y - 0.08 * Double(i)) ?? "0.9")", color: c)
        }
        return s
    }
}
