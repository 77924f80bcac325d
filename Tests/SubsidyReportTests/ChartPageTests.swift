import Foundation
import Testing
@testable import SubsidyEngine
import SubsidyModel
@testable import SubsidyReport

/// Charts as a planner pastes them into a Word page: size, text that fits, the headline marked,
/// Chinese names on the axes, one colour scale for heatmaps read side by side.
@Suite("charts fit to paste into a Word page")
struct ChartPageTests {
    static func temp(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("subsidysim-\(name)-\(UUID().uuidString)")
    }

    static func text(_ url: URL) -> String {
        String(decoding: FileManager.default.contents(atPath: url.path) ?? Data(), as: UTF8.self)
    }

    /// Width and height from a PNG's IHDR chunk.
    static func pngSize(_ url: URL) -> (Int, Int)? {
        guard let d = FileManager.default.contents(atPath: url.path), d.count > 24, d.starts(with: [0x89, 0x50, 0x4E, 0x47]) else { return nil }
        let b = [UInt8](d)
        func be(_ i: Int) -> Int { Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3]) }
        return (be(16), be(20))
    }

    static func scripts(_ dir: URL) -> [String: String] {
        let charts = dir.appendingPathComponent("charts")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: charts.path)) ?? []
        return Dictionary(uniqueKeysWithValues: names.filter { $0.hasSuffix(".gp") }.map { ($0, text(charts.appendingPathComponent($0))) })
    }

    /// The script's lines that gnuplot runs (no comments, no data file names).
    static func code(_ s: String) -> [String] {
        s.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("#") }
    }

    static func run(_ loaded: LoadedScenario, to dir: URL) throws -> [VariantSummary] {
        let r = try Simulator.run(CompiledModel(loaded, seed: 9), options: RunOptions(trials: 1500, threads: 2),
                                  design: TrialDesign(method: .random, seed: 9))
        let report = RunReport(loaded: loaded, result: r, findings: [], commandLine: ["test"], startTime: Date(), dumpTrials: false,
                               programVersion: "test", sampling: .random)
        #expect(try report.write(to: dir.path).isEmpty)
        return r.summaries()
    }

    @Test("run charts: 1890 px wide (16 cm at 300 dpi), SVG at the same proportions; the chance at the total funding marked; the zero line inside")
    func runCharts() throws {
        let dir = Self.temp("page-run")
        defer { try? FileManager.default.removeItem(at: dir) }
        let loaded = try LoadedScenario.load(nil)
        let summaries = try Self.run(loaded, to: dir)
        for c in ["total_demand", "exceedance", "lines", "unspent", "variant_difference"] {
            let size = Self.pngSize(dir.appendingPathComponent("charts/\(c).png"))
            #expect(size?.0 == Charts.width && (size?.1 ?? 0) >= Charts.height, "\(c).png is \(String(describing: size))")
            let svg = Self.text(dir.appendingPathComponent("charts/\(c).svg"))
            #expect(svg.contains("viewBox=\"0 0 \(Charts.width * 3 / 4) "), "\(c).svg")
        }
        let gp = Self.scripts(dir)
        // The headline number, as summary.md states it, on each curve.
        for (i, s) in summaries.enumerated() {
            let name = loaded.variants[i].name
            #expect(gp["exceedance.gp"]?.contains("'\(name) \(percentText(s.total.overrunProbability))（2800万元）'") == true)
        }
        // Labels beside a vertical line move to its left in the right half of the plot.
        #expect(gp["total_demand.gp"]?.contains("if (2800 > GPVAL_X_MIN + 0.5 * (GPVAL_X_MAX - GPVAL_X_MIN))") == true)
        // The difference's range takes in 0 with a margin on both sides, so the zero line is not the frame.
        let diff = gp["variant_difference.gp"] ?? ""
        #expect(diff.contains("set xrange [XLO - XPAD : XHI + XPAD]") && diff.contains("set arrow 1 from 0, graph 0 to 0, graph 1"))
        #expect(diff.contains("「概算表费率」减「正文费率」"))
        // （四） far above budget gets a panel of its own; （一） keeps a readable scale.
        #expect(gp["lines.gp"]?.contains("set multiplot") == true)
        #expect(gp["lines.gp"]?.contains("panel(k) = k == 3 ? 0 : NaN") == true)
        // Titles name the variants; no legend sits over the data.
        for (name, s) in gp {
            #expect(!Self.code(s).contains { $0.hasPrefix("set key") && ($0.contains(" top ") || $0.contains(" inside")) }, "\(name)")
        }
        #expect(gp["total_demand.gp"]?.contains("正文费率、概算表费率") == true)
    }

    @Test("a what-if in the title in words, not as a key path; legends without it")
    func whatIfTitle() throws {
        let dir = Self.temp("page-set")
        defer { try? FileManager.default.removeItem(at: dir) }
        let o = try Override.parse("population.firms.per_batch[0]=150").get()
        let loaded = try LoadedScenario.load(nil, overrides: [o])
        _ = try Self.run(loaded, to: dir)
        for (name, s) in Self.scripts(dir) {
            for line in Self.code(s) {
                #expect(!line.contains("policy.") && !line.contains("population."), "\(name): \(line)")
            }
        }
        let lines = Self.scripts(dir)["lines.gp"] ?? ""
        #expect(lines.contains("（第一批试点企业数改为150家）"))
        #expect(lines.contains("title ('正文费率（第一批60%/50万，第二批50%/40万）')"))
    }

    @Test("two-key sweep: one colour scale for every heatmap; the 50% contour only where the chance reaches it; rates in %")
    func heatmaps() throws {
        let base = Self.temp("page-heat")
        defer { try? FileManager.default.removeItem(at: base) }
        let loaded = try LoadedScenario.load(nil)
        let design = TrialDesign(method: .random, seed: 4)
        let inv = Manifest.Invocation(version: "test", commandLine: ["test"], start: Date(), seed: 4, threads: 2)
        func sweep(_ a: String, _ b: String, _ name: String) throws -> (SweepResult, [String: String]) {
            let axes = [try SweepAxis.parse(a).get(), try SweepAxis.parse(b).get()]
            let r = try WhatIf.sweep(loaded, axes: axes, lines: [.transformation], trials: 400, seed: 4, threads: 2, design: design)
            let dir = base.appendingPathComponent(name)
            #expect(try SweepReport.write(r, loaded: loaded, line: "transformation", to: dir.path, invocation: inv).isEmpty)
            return (r, Self.scripts(dir))
        }
        let (r, gp) = try sweep("policy.batches[0].cap=30,45,60", "policy.batches[0].rate=0.4,0.55,0.7", "low")
        let names = SweepReport.heatmapNames(r.variantIDs)
        let scales = names.map { n in Self.code(gp["\(n).gp"] ?? "").filter { $0.hasPrefix("set cbrange") } }
        let top = r.stats.flatMap { $0.map { $0[0].pOverrun } }.max() ?? 0
        #expect(scales.allSatisfy { $0 == ["set cbrange [0:\(Charts.num(top * 100)!)]"] }, "\(scales)")
        #expect(top < 0.5)
        for n in names {
            let s = gp["\(n).gp"] ?? ""
            #expect(!s.contains("50%"), "\(n): promises or draws a 50% contour the data never reach")
            #expect(s.contains("set format y \"%g%%\"") && s.contains("($2*100)"), "\(n): the rate axis in %")
            #expect(s.contains("第一批补助比例（%）") && s.contains("第一批补助上限（万元）"))
        }
        #expect(gp["\(names[0]).gp"]?.contains("正文费率：") == true && gp["\(names[1]).gp"]?.contains("概算表费率：") == true)
        // A pilot size from 50 to 150 takes the chance through 50%: that contour is drawn and named.
        let (_, big) = try sweep("population.firms.per_batch[0]=40,150", "policy.batches[0].rate=0.4,0.7", "high")
        #expect(big["\(names[0]).gp"]?.contains("set cntrparam levels discrete 5, 50") == true)
        #expect(big["\(names[0]).gp"]?.contains("等值线 5% 与 50%") == true)
    }

    /// The draft's rates are often the sweep's top value (a sweep of lower rates): its label above
    /// the point stood over the heading. It goes below a point in the top fifth, and to the left of
    /// one in the right third.
    @Test("heatmap: the draft's label goes where there is room (below at the top edge, left at the right edge)")
    func heatmapDraftLabel() {
        let v = Charts.Series(id: "text", name: "正文费率", label: "正文费率")
        let x = Charts.Axis("policy.batches[0].cap", in: nil), y = Charts.Axis("policy.batches[0].rate", in: nil)
        func label(_ dx: Double, _ dy: Double) -> String {
            let script = SweepReport.heatmap(v, name: "heatmap_text", x: x, y: y, line: "（一）", draft: (dx, dy), atDraft: 0.097,
                                             top: 0.13, levels: [0.05], title: "t", span: (30, 60, 0.4, 0.6))
            return script.split(separator: "\n").first { $0.hasPrefix("set label 10 ") }.map(String.init) ?? ""
        }
        #expect(label(35, 0.45).contains(" left point") && label(35, 0.45).contains("offset 1,1 "))
        #expect(label(55, 0.6).contains(" right point") && label(55, 0.6).contains("offset -1,-1.5 "), "\(label(55, 0.6))")
        #expect(label(35, 0.6).contains(" left point") && label(35, 0.6).contains("offset 1,-1.5 "))
        #expect(label(60, 0.45).contains(" right point") && label(60, 0.45).contains("offset -1,1 "))
    }

    @Test("labels never cover the data: the exceedance values sit in an empty corner, densities leave the top 30% for labels, minus signs are U+2212, the convergence legend names lines that sit on the frame")
    func labelsClearOfData() throws {
        let vs = [Charts.Series(id: "text", name: "正文费率", label: "正文费率"), Charts.Series(id: "table", name: "概算表费率", label: "概算表费率")]
        // The values go in a corner the curves leave empty, the higher value's label on top.
        for clear in [true, false] {
            let ex = Charts.exceedance(variants: vs, budget: 2800, atBudget: [0.142, 0.046], upperRightClear: clear, title: "t")
            func label(_ tag: Int) -> String { ex.split(separator: "\n").first { $0.hasPrefix("set label \(tag) ") }.map(String.init) ?? "" }
            #expect(label(30).contains("正文费率 14.2%（2800万元）") && label(31).contains("概算表费率 4.6%（2800万元）"))
            #expect(clear ? label(30).contains("at graph 0.97, graph 0.8 right") && label(31).contains("at graph 0.97, graph 0.725 right")
                          : label(30).contains("at graph 0.03, graph 0.175 left") && label(31).contains("at graph 0.03, graph 0.1 left"), "\(ex)")
        }
        // Falling curves: a corner is empty unless a curve is still high 60% of the way along.
        let early: [[Double]] = [(0..<100).map { Double($0) }]
        let late: [[Double]] = [(0..<100).map { (i: Int) -> Double in i < 5 ? Double(i) : 90 + Double(i) / 10 }]
        #expect(Charts.exceedanceCornerClear(early) && !Charts.exceedanceCornerClear(late))
        for script in [Charts.totalDemand(variants: vs, budget: 2800, title: "t"), Charts.variantDifference(a: vs[0], b: vs[1], mean: -250, title: "t")] {
            #expect(script.contains(Charts.labelHeadroom))
            let head = try #require(script.range(of: "set minussign"))
            #expect(script.range(of: "\nplot ")!.lowerBound > head.lowerBound)
        }
        func series(_ est: [Double], low: [Double], high: [Double], kind: Convergence.Kind = .probability, name: String = "（二）标杆企业") -> Convergence.Series {
            Convergence.Series(variant: 0, metric: "m", name: name, kind: kind, estimate: est, low: low, high: high, target: 0.01)
        }
        #expect(RunConvergence.meanTicStep([series([2000, 2300], low: [1900, 2250], high: [2100, 2400], kind: .mean)]) == 200)
        #expect(RunConvergence.meanTicStep([series([5, 5], low: [5, 5], high: [5, 5], kind: .mean)]) == nil)
        let c = Convergence(checkpoints: [100, 1000], series: [series([0, 0], low: [0, 0], high: [0.03, 0.004]),
                                                                series([0.1, 0.12], low: [0.05, 0.1], high: [0.17, 0.14], name: "（一）数字化改造"),
                                                                series([2000, 2010], low: [1900, 1990], high: [2100, 2030], kind: .mean, name: "总需求均值")],
                            probabilityTarget: 0.005, fromPrecision: false, relativeMeanTarget: 0.01)
        let chart = RunConvergence.chart(c, variants: [vs[0]], title: "t")
        #expect(chart.contains("（二）标杆企业（始终为 0%）") && !chart.contains("（一）数字化改造（始终") && chart.contains("set ytics 50\n"), "\(chart)")
    }

    @Test("unspent: long source names wrap under their own bars (they ran into each other) and the frame makes room")
    func unspentLongNames() {
        let v = Charts.Series(id: "text", name: "正文费率", label: "正文费率")
        let names = ["宁夏回族自治区财政厅中小企业数字化转型城市试点奖补资金", "平罗县县级财政配套资金（含县工业和信息化局部门预算安排部分）"]
        let script = Charts.unspent(variants: [v], sources: names, title: "t")
        let tics = script.split(separator: "\n").first { $0.hasPrefix("set xtics (") }.map(String.init) ?? ""
        #expect(tics.contains("\"\\n\""), "\(tics)")
        let ems = Charts.slotEms(3, fraction: 0.8)
        for part in tics.split(separator: "'").enumerated().filter({ $0.offset % 2 == 1 }).map(\.element) {
            #expect(Charts.ems(String(part)) <= ems + 1e-9, "\(part)")
        }
        #expect(script.contains("set bmargin 6"), "three lines of names, a one-line legend")
        let short = Charts.unspent(variants: [v], sources: ["自治区奖补资金", "县级配套资金"], title: "t")
        #expect(short.contains("set xtics ('自治区奖补资金' 0, '县级配套资金' 1)") && short.contains("set bmargin 4"))
    }

    @Test("one-key sweep: where the chance crosses 5% is marked with its value")
    func crossing() throws {
        #expect(Charts.crossing([30, 40, 50], [0.01, 0.03, 0.07], level: 0.05).map { ($0.x * 1000).rounded() / 1000 } == 45)
        #expect(Charts.crossing([30, 40, 50], [0.01, 0.03, 0.04], level: 0.05) == nil)
        #expect(Charts.crossing([50, 30, 40], [0.01, 0.09, 0.07], level: 0.05)?.rising == false)
        let dir = Self.temp("page-sweep1")
        defer { try? FileManager.default.removeItem(at: dir) }
        let loaded = try LoadedScenario.load(nil)
        let r = try WhatIf.sweep(loaded, axes: [try SweepAxis.parse("policy.batches[0].cap=30:60:10").get()], lines: [.transformation],
                                 trials: 600, seed: 4, threads: 2, design: TrialDesign(method: .random, seed: 4))
        let inv = Manifest.Invocation(version: "test", commandLine: ["test"], start: Date(), seed: 4, threads: 2)
        #expect(try SweepReport.write(r, loaded: loaded, line: "transformation", to: dir.path, invocation: inv).isEmpty)
        let overrun = Self.scripts(dir)["overrun.gp"] ?? ""
        let xs = r.axes[0].numbers!, ps = r.points.indices.map { r.stats[$0][0][0].pOverrun }
        if let c = Charts.crossing(xs, ps, level: 0.05) {
            #expect(overrun.contains("正文费率：约 \(FieldInfo.of(r.axes[0].path).format(number: c.x)) 时达 5%"))
        }
        #expect(overrun.contains("草案 50万元"))
        #expect(overrun.contains("set y2tics ('5%%' 5)"), "the 5% label in the margin, not past the frame")
    }

    @Test("text fits: titles wrap to the page, no character alone on a line, legends sized for gnuplot, % safe in tic labels")
    func textFits() throws {
        let long = "平罗县中小企业数字化转型试点若干措施（征求意见稿）（第一批试点企业数改为150家；硬件超限的处理改为硬件超限的项目不予补助）"
        let lines = Charts.wrap(long, width: Charts.titleEms)
        #expect(lines.count >= 2 && lines.allSatisfy { Charts.ems($0) <= Charts.titleEms })
        #expect(lines.joined() == long)
        #expect(Charts.wrap("各项服务费都按完成改造企业数计", width: 14).allSatisfy { $0.count > 1 })
        #expect(Charts.twoLines("第一批二级达标率", ems: 5.5) == ["第一批", "二级达标率"])
        #expect(Charts.twoLines("先进级智能工厂", ems: 4.5) == ["先进级", "智能工厂"])
        let key = Charts.legend(["短", String(repeating: "长", count: 50)])
        #expect(key.set.contains("spacing 2") && key.set.contains("width -"))
        #expect(Charts.ticLiteral("目标 5%") == "'目标 5％'")
        // A tic label with a "%" is drawn, and whole (gnuplot reads a tic label with "%" as a
        // format, and cuts it to ~50 bytes): a long two-line label from compare, too.
        let dir = Self.temp("page-tic")
        defer { try? FileManager.default.removeItem(at: dir) }
        let charts = dir.appendingPathComponent("charts")
        try FileManager.default.createDirectory(at: charts, withIntermediateDirectories: true)
        let label = "正文费率（第一批60%/30万，第二批50%/40万）"
        let script = Charts.head("tic", title: "t") + Charts.tics("xtics", ["50%资金", "100%"])
            + Charts.wrappedTics("ytics", [label], ems: 14) + "plot [-1:2] x notitle\n" + Charts.tail("tic")
        try script.write(to: charts.appendingPathComponent("tic.gp"), atomically: true, encoding: .utf8)
        let r = Charts.render(folder: charts, plans: [Charts.Plan("tic", caption: "t", script: script)])
        #expect(r.outcomes.allSatisfy { $0.drawn }, "\(r.warnings)")
        let svg = try String(contentsOf: charts.appendingPathComponent("tic.svg"), encoding: .utf8)
        #expect(svg.contains("50％资金") && svg.contains("第二批50％/40万）"), "the tic labels as written, whole")
    }

    @Test("lines in two panels: the frames end higher when the legend has more than two lines (three readings ran into the line names)")
    func linesLegendRoom() {
        let names: [Charts.LineName] = ["（一）", "（二）", "（三）", "（四）", "（五）", "（六）", "（七）（八）"].map { (clause: $0, name: "某行") }
        let p95 = [1.06, 1, 1.4, 5.47, 0.98, 1, 1.97]
        func bottom(_ labels: [String]) -> Double {
            let vs = labels.enumerated().map { Charts.Series(id: "v\($0.offset)", name: $0.element, label: $0.element) }
            let script = Charts.lines(variants: vs, lineNames: names, p95: p95, title: "t")
            let line = script.split(separator: "\n").first { $0.hasPrefix("set bmargin at screen ") } ?? ""
            return Double(line.dropFirst("set bmargin at screen ".count)) ?? -1
        }
        #expect(bottom(["正文费率", "概算表费率"]) == 0.30)
        let three = bottom(["正文费率", "概算表费率", "正文费率＋硬件从严（第一批60%/45万，第二批50%/40万；硬件超限的处理改为硬件超限的项目不予补助）"])
        #expect(three > 0.4, "\(three)")
    }

    @Test("lines far above budget get their own panel; lines alike stay together")
    func splitPanels() {
        #expect(Charts.splitLines([1.06, 1, 1.4, 5.47, 0.98, 1, 1.97]).big == [3])
        #expect(Charts.splitLines([2.03, 1, 2.6, 10, 1, 1, 3.47]).big == [3])
        #expect(Charts.splitLines([1, 1.2, 0.9, 1.5]).big.isEmpty)
        #expect(Charts.splitLines([9, 8]).big.isEmpty)
    }
}
