import Foundation
import Testing
import SubsidyEngine
import SubsidyModel
@testable import SubsidyReport

/// Nothing from a scenario, a `--set` or a file name reaches gnuplot as code. The corpus is put
/// into the title, the variant labels, the funding-source names and the input labels after the
/// scenario is loaded (so it tests the charts whatever the loader accepts), through every
/// command that draws; no command may run, every run ends in bounded time, every chart is drawn.
@Suite("hostile text never reaches gnuplot as code", .serialized)
struct HostileTextTests {
    static let sentinel = FileManager.default.temporaryDirectory.appendingPathComponent("subsidysim-pwned-\(UUID().uuidString)")

    static func corpus() -> [String] {
        let s = sentinel.path
        return [
            "T`touch \(s)/bq`",
            "a\n!touch \(s)/bang\n",
            "a\r!touch \(s)/cr",
            "\"\n!touch \(s)/quote-bang\n\"",
            "') ; system(\"touch \(s)/sys\") ; ('",
            "\" . system(\"touch \(s)/sys2\") . \"",
            "x\npause 100\n",
            "x\u{2028}!touch \(s)/ls\u{2029}pause 100",
            "x\u{85}!touch \(s)/nel",
            "it's 'quoted' \"double\" \\ back \\\\n \\\" @GPVAL_PID $1 {/Symbol a}^2_3 & %s %n",
            "\u{1}\u{7}\u{8}\t\u{b}\u{c}\u{1b}[31m\u{7f}\u{80}\u{9f}控制字符",
            "עברית RTL \u{202E}txt.exe 🇨🇳👩‍👩‍👧 emoji",
            "@x @(system('touch \(s)/macro'))",
            String(repeating: "长`touch \(s)/long`\n!touch \(s)/long2\n", count: 4000),   // ~100 kB
        ]
    }

    static func hostile(_ loaded: LoadedScenario, _ k: Int, corpus: [String]) -> LoadedScenario {
        var l = loaded
        l.scenario.title = corpus[k]
        for v in l.variants.indices {
            l.variants[v].label = corpus[(k + 1 + 2 * v) % corpus.count]
            for f in l.variants[v].scenario.funding.indices { l.variants[v].scenario.funding[f].name = corpus[(k + 3 + f) % corpus.count] }
        }
        for f in l.scenario.funding.indices { l.scenario.funding[f].name = corpus[(k + 3 + f) % corpus.count] }
        return l
    }

    static func assertDrawn(_ dir: URL, charts: [String], _ context: String) {
        for c in charts {
            for ext in ["png", "svg"] {
                let size = regularFileSize(dir.appendingPathComponent("charts/\(c).\(ext)").path) ?? 0
                #expect(size > 0, "\(context): charts/\(c).\(ext) missing or empty")
            }
        }
        let md = String(decoding: FileManager.default.contents(atPath: dir.appendingPathComponent("summary.md").path) ?? Data(), as: UTF8.self)
        #expect(!md.contains("未绘制"), "\(context): a chart was left out")
    }

    static func assertNothingRan(_ context: String) {
        let made = (try? FileManager.default.contentsOfDirectory(atPath: sentinel.path)) ?? []
        #expect(made.isEmpty, "\(context): gnuplot ran a command: \(made)")
    }

    @Test("literal: single-quoted, quotes doubled, no control or line-break character, capped")
    func literal() {
        for s in Self.corpus() {
            let l = Charts.literal(s)
            #expect(l.hasPrefix("'") && l.hasSuffix("'"))
            let inner = l.dropFirst().dropLast()
            #expect(!inner.replacingOccurrences(of: "''", with: "").contains("'"))
            #expect(!inner.hasPrefix("''") && !inner.contains(""))   // gnuplot 5.4 misreads these
            #expect(!l.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0.value == 0x2028 || $0.value == 0x2029 })
            #expect(inner.count <= Charts.maxText * 2 + 1)
        }
        #expect(Charts.literal("it's") == "'it''s'")
        #expect(Charts.literal("'a''b") == "'\u{200B}''a''\u{200B}''b'")
        #expect(Charts.literal(String(repeating: "a", count: 500)).hasSuffix("…'"))
        #expect(Charts.fileName("../a b`x`") == "_.._a_b_x_")
    }

    @Test("run: every chart drawn, nothing executed, bounded time")
    func run() throws {
        try FileManager.default.createDirectory(at: Self.sentinel, withIntermediateDirectories: true)
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("subsidysim-hostile-run-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        let corpus = Self.corpus()
        let loaded = try LoadedScenario.load(nil)
        for k in stride(from: 0, to: corpus.count, by: 2) {
            let l = Self.hostile(loaded, k, corpus: corpus)
            let model = CompiledModel(l, seed: 3)
            let r = try Simulator.run(model, options: RunOptions(trials: 300, threads: 2), design: TrialDesign(method: .random, seed: 3))
            let report = RunReport(loaded: l, result: r, findings: [], commandLine: ["test"], startTime: Date(), dumpTrials: false,
                                   programVersion: "test", sampling: .random)
            let dir = base.appendingPathComponent("r\(k)")
            let t0 = Date()
            let warnings = try report.write(to: dir.path)
            #expect(Date().timeIntervalSince(t0) < 30, "run \(k) took too long")
            #expect(warnings.isEmpty, "run \(k): \(warnings)")
            Self.assertDrawn(dir, charts: ["total_demand", "exceedance", "lines", "unspent", "variant_difference"], "run \(k)")
            // No chart shows a variant id as its legend, nor the words --set.
            let diff = String(decoding: FileManager.default.contents(atPath: dir.appendingPathComponent("charts/variant_difference.gp").path) ?? Data(), as: UTF8.self)
            #expect(!diff.contains("table − text") && !diff.contains("--set"))
        }
        Self.assertNothingRan("run")
    }

    @Test("sweep (one and two keys), solve, sensitivity: every chart drawn, nothing executed")
    func whatIf() throws {
        try FileManager.default.createDirectory(at: Self.sentinel, withIntermediateDirectories: true)
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("subsidysim-hostile-whatif-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        let corpus = Self.corpus()
        let loaded = try LoadedScenario.load(nil)
        let design = TrialDesign(method: .random, seed: 4)
        let cap = try SweepAxis.parse("policy.batches[0].cap=40,50,60").get()
        let rate = try SweepAxis.parse("policy.batches[0].rate=0.5,0.6").get()
        let one = try WhatIf.sweep(loaded, axes: [cap], lines: [.transformation], trials: 300, seed: 4, threads: 2, design: design)
        let two = try WhatIf.sweep(loaded, axes: [cap, rate], lines: [.transformation], trials: 300, seed: 4, threads: 2, design: design)
        let answers = try WhatIf.solve(loaded, path: ScenarioPath("policy.batches[0].cap")!, low: 20, high: 80, step: 0.1,
                                       metric: .overrun(.transformation), target: 0.05, minimize: false, trials: 300, seed: 4,
                                       threads: 2, design: design, maxRounds: 1, perRound: 5)
        let sens = try Sensitivity.analyse(loaded, variant: 0, metric: OutputMetric.parse("total_demand")!, seed: 4, threads: 2,
                                           oatTrials: 100, mcTrials: 400, sobolN: 64, bootstrap: 20, design: design)
        for k in stride(from: 0, to: corpus.count, by: 2) {
            let l = Self.hostile(loaded, k, corpus: corpus)
            var s1 = one, s2 = two
            s1.variantLabels = l.variants.map(\.label)
            s2.variantLabels = l.variants.map(\.label)
            s2.variantIDs = [corpus[k], "../" + corpus[(k + 1) % corpus.count]]   // ids become file names
            let t0 = Date()
            let d1 = base.appendingPathComponent("s1-\(k)"), d2 = base.appendingPathComponent("s2-\(k)")
            let inv = Manifest.Invocation(version: "test", commandLine: [corpus[k]], start: Date(), seed: 4, threads: 2)
            #expect(try SweepReport.write(s1, loaded: l, line: "transformation", to: d1.path, invocation: inv).isEmpty)
            Self.assertDrawn(d1, charts: ["band", "overrun"], "sweep one key \(k)")
            #expect(try SweepReport.write(s2, loaded: l, line: "transformation", to: d2.path, invocation: inv).isEmpty)
            Self.assertDrawn(d2, charts: SweepReport.heatmapNames(s2.variantIDs), "sweep two keys \(k)")
            var a = answers
            for i in a.indices { a[i].label = corpus[(k + 1 + i) % corpus.count] }
            let d3 = base.appendingPathComponent("solve-\(k)")
            let q = SolveReport.Question(path: ScenarioPath("policy.batches[0].cap")!, low: 20, high: 80, metric: .overrun(.transformation),
                                         target: 0.05, minimize: false, trials: 300, step: 0.1, vary: corpus[k], interval: corpus[k])
            #expect(try SolveReport.write(a, key: "policy.batches[0].cap", target: 0.05, what: corpus[k], draft: [50, 50], summary: "# x\n",
                                          loaded: l, manifest: q.manifestFields, invocation: inv, trials: 300, to: d3.path).isEmpty)
            Self.assertDrawn(d3, charts: ["solve"], "solve \(k)")
            var r = sens
            r.variantLabel = corpus[(k + 1) % corpus.count]
            for i in r.inputs.indices { r.inputs[i].label = corpus[(k + i) % corpus.count] }
            for i in r.tornado.indices { r.tornado[i].input.label = corpus[(k + 2 + i) % corpus.count] }
            let d4 = base.appendingPathComponent("sens-\(k)")
            // Only notes about the indices' precision, never a chart that was not drawn.
            #expect(try SensitivityReport.write([r], loaded: l, to: d4.path, invocation: inv).allSatisfy { $0.hasPrefix("注意：") })
            Self.assertDrawn(d4, charts: ["tornado", "tornado_deciles", "spider", "sobol", "shapley"], "sensitivity \(k)")
            #expect(Date().timeIntervalSince(t0) < 60, "what-if \(k) took too long")
        }
        Self.assertNothingRan("what-if")
    }
}
