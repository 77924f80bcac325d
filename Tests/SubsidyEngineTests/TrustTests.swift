import Foundation
import Testing
@testable import SubsidyEngine
import SubsidyModel
import RealModule

/// What-ifs a planner can trust: a change in a what-if file reaches the trials, labels state what
/// was evaluated, and nothing falls back silently.
@Suite("What-ifs a planner can trust")
struct TrustTests {
    static let draft = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Scenarios/pingluo-draft.yaml")

    /// A folder with a copy of the draft and `files` beside it.
    static func folder(_ files: [String: String]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("subsidysim-trust-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data(contentsOf: draft).write(to: dir.appendingPathComponent("pingluo-draft.yaml"))   // Scenarios/ holds a symlink
        for (name, text) in files { try Data(text.utf8).write(to: dir.appendingPathComponent(name)) }
        return dir
    }

    static let trap = """
    base: pingluo-draft.yaml
    id: trap
    title: 第一批上限降到30万
    policy:
      batches:
        - {name: 第一批, rate: 0.60, cap: 30}
        - {name: 第二批, rate: 0.50, cap: 30}
    """

    static func meanTransformation(_ l: LoadedScenario, trials: Int = 3000) throws -> [Double] {
        let r = try Fixture.run(l, trials: trials, seed: 11)
        return r.summaries().map { $0.lines.first { $0.line == .transformation }!.demandMean }
    }

    @Test("trap.yaml: lowering both caps to 30 reaches every inherited variant and lowers （一） demand; no warning")
    func trap() throws {
        let dir = try Self.folder(["trap.yaml": Self.trap])
        defer { try? FileManager.default.removeItem(at: dir) }
        let trap = try LoadedScenario.load(dir.appendingPathComponent("trap.yaml").path)
        let draft = try LoadedScenario.load(dir.appendingPathComponent("pingluo-draft.yaml").path)
        #expect(trap.warnings.isEmpty, "\(trap.warnings.map { $0.render(.en) })")
        #expect(trap.variants.map(\.id) == ["text", "table"])
        for v in trap.variants { #expect(v.scenario.policy.batches.map(\.cap) == [30, 30]) }
        #expect(trap.variants[1].scenario.policy.batches.map(\.rate) == [0.50, 0.40])
        #expect(trap.variants[0].label == "正文费率（第一批60%/30万，第二批50%/30万）")
        #expect(trap.variants[1].label == "概算表费率（第一批50%/30万，第二批40%/30万）")
        let lowered = try Self.meanTransformation(trap), before = try Self.meanTransformation(draft)
        for (a, b) in zip(lowered, before) { #expect(a < b - 50, "（一） demand \(a) not below the draft's \(b)") }
    }

    @Test("a file that changes a key an inherited variant sets back gets a located warning naming key, variant and the two ways out")
    func undoneChangeWarns() throws {
        let text = """
        base: pingluo-draft.yaml
        id: undone
        policy:
          batches:
            - {name: 第一批, rate: 0.55, cap: 50}
            - {name: 第二批, rate: 0.50, cap: 40}
        """
        let dir = try Self.folder(["undone.yaml": text])
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("undone.yaml").path
        let l = try LoadedScenario.load(path)
        #expect(l.warnings.count == 1)
        let w = try #require(l.warnings.first)
        #expect(w.location.file == path && w.location.line == 5)
        #expect(w.key == "policy.batches[0].rate")
        #expect(w.message.zh.contains("“table”") && w.message.zh.contains("55%") && w.message.zh.contains("50%"))
        #expect(w.message.zh.contains("variants: []") && w.message.zh.contains("写出 variants"))
        #expect(w.message.en.contains("'table'"))
        // The text variant runs the file's 55%; the table variant its own 50%, as the warning says.
        #expect(l.variants.map { $0.scenario.policy.batches[0].rate } == [0.55, 0.50])
        // Way (2): no inherited variants, the file's policy alone, and no warning.
        try Data((text + "\nvariants: []\n").utf8).write(to: URL(fileURLWithPath: path))
        let alone = try LoadedScenario.load(path)
        #expect(alone.warnings.isEmpty && alone.variants.map(\.id) == ["base"])
        #expect(alone.variants[0].scenario.policy.batches[0].rate == 0.55)
    }

    @Test("labels state the values evaluated after --set, never the words --set")
    func labelsAfterSet() throws {
        let o = try Override.parse("policy.batches[0].rate=0.55").get()
        let l = try LoadedScenario.load(nil, overrides: [o])
        #expect(l.variants.map(\.label) == ["正文费率（第一批55%/50万，第二批50%/40万）", "概算表费率（第一批55%/50万，第二批40%/40万）"])
        let h = try Override.parse("policy.hardware.rule=reject").get()
        let l2 = try LoadedScenario.load(nil, overrides: [h])
        #expect(l2.variants[0].label == "正文费率（第一批60%/50万，第二批50%/40万；硬件超限的处理改为硬件超限的项目不予补助）")
        for v in l.variants + l2.variants { #expect(!v.label.contains("--set")) }
        // A sweep axis is left out of the label of the curve it draws.
        #expect(l.variants[0].label(omitting: ["policy.batches[0].cap"]) == "正文费率（第一批55%，第二批50%/40万）")
    }

    @Test("a renamed segment, batch or source is described by the name it had, not the new name twice")
    func renameDescribedByOldName() throws {
        let seg = try Override.parse("population.segments[0].name=煤化工").get()
        let bat = try Override.parse("policy.batches[1].name=扩面批").get()
        let l = try LoadedScenario.load(nil, overrides: [seg, bat])
        #expect(l.describe(seg) == "现代化工/煤基碳材名称改为煤化工")
        #expect(l.describe(bat) == "第二批名称改为扩面批")
        // The variant labels and the chart heading say the same.
        #expect(l.variants[0].label.contains("现代化工/煤基碳材名称改为煤化工；第二批名称改为扩面批"), "\(l.variants[0].label)")
        for v in l.variants { #expect(!v.label.contains("煤化工名称") && !v.label.contains("扩面批名称")) }
        // Without the old value, the thing is named by its place.
        #expect(FieldInfo.describeChange(seg.path, seg.value, in: l.scenario) == "行业1名称改为煤化工")
        // Other fields are still named with the evaluated scenario's names.
        let share = try Override.parse("population.segments[0].investment_factor=1.5").get()
        #expect(try LoadedScenario.load(nil, overrides: [seg, share]).describe(share).hasPrefix("煤化工"))
    }

    @Test("two batches, sources or segments with one name are an error, at the one --set renamed")
    func duplicateNamesRefused() throws {
        for (set, key, other, kind) in [("policy.batches[0].name=第二批", "policy.batches[0].name", "policy.batches[1]", "批次"),
                                        ("funding[1].name=自治区奖补资金", "funding[1].name", "funding[0]", "资金来源"),
                                        ("population.segments[2].name=冶金/铁合金/碳化硅", "population.segments[2].name", "population.segments[1]", "行业分组")] {
            let o = try Override.parse(set).get()
            do {
                _ = try LoadedScenario.load(nil, overrides: [o])
                Issue.record("\(set) was accepted")
            } catch {
                #expect(error.diagnostics.count == 1, "\(error.diagnostics)")
                let d = try #require(error.diagnostics.first)
                #expect(d.key == key && d.location.file == "--set", "\(d)")
                #expect(d.message.zh.contains("与 \(other) 的名称相同") && d.message.zh.contains("各\(kind)的名称须互不相同"), "\(d.message.zh)")
            }
        }
        // A batch and a segment share the 批次与行业 table: one name for both is refused, at the one --set renamed.
        let clash = try Override.parse("policy.batches[0].name=现代化工/煤基碳材").get()
        let e = try #require(Self.loadError(nil, overrides: [clash]))
        #expect(e.diagnostics.count == 1 && e.diagnostics[0].key == "policy.batches[0].name" && e.diagnostics[0].location.file == "--set")
        #expect(e.diagnostics[0].message.zh.contains("都叫 “现代化工/煤基碳材”"), "\(e.render(.zh))")
        // A line renamed is named by its clause and the name it had.
        let line = try Override.parse("lines[1].name=数字化转型标杆").get()
        let l = try LoadedScenario.load(nil, overrides: [line])
        #expect(l.describe(line) == "（二）数字化转型标杆企业名称改为数字化转型标杆", "\(l.describe(line))")
    }

    static func loadError(_ path: String?, overrides: [Override]) -> ScenarioError? {
        do { _ = try LoadedScenario.load(path, overrides: overrides); return nil } catch { return error }
    }

    @Test("a label lists only the changes in effect: --set after a variant's own set at the same key, or at a key holding it")
    func labelsOnlyEffectiveChanges() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("subsidysim-eff-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("v.yaml").path
        try Data("""
            base: builtin:pingluo-draft
            id: vfile
            variants:
              - {id: x, label: 甲}
              - id: y
                label: 乙
                set: {policy.hardware.limit: 0.25, policy.cloud.amount: 2}
            """.utf8).write(to: URL(fileURLWithPath: path))
        let sets = try ["policy.hardware={limit: 0.2, rule: trim_total}", "policy.cloud.amount=3"].map { try Override.parse($0).get() }
        let l = try LoadedScenario.load(path, overrides: sets)
        let y = try #require(l.variants.first { $0.id == "y" })
        #expect(y.scenario.policy.cloudAmount == 3 && y.scenario.policy.hardwareLimit == 0.2)
        #expect(y.label.contains("上云用云奖励改为3万元") && !y.label.contains("2万元"), "\(y.label)")
        #expect(!y.label.contains("25%"), "\(y.label)")
    }

    @Test("--set cannot change the variants (it applies to every one); control characters in a name are refused")
    func variantsAndControlCharacters() throws {
        for set in ["variants[1].label=甲", "variants[0].set={policy.cloud.amount: 2}"] {
            let e = try #require(Self.loadError(nil, overrides: [Override.parse(set).get()]), "\(set) accepted")
            #expect(e.diagnostics.first?.message.zh.contains("variants 不能用 --set") == true, "\(e.render(.zh))")
        }
        for (set, code) in [("policy.batches[0].name=\"A\\e[31mRED\"", "U+001B"), ("population.segments[0].name=\"a\\nb\"", "U+000A"),
                            ("title=\"x\\ty\"", "U+0009"), ("policy.batches[0].name=\"A\\u009bB\"", "U+009B"),
                            ("lines[0].clause=\"（一）\\n\"", "U+000A")] {
            let e = try #require(Self.loadError(nil, overrides: [Override.parse(set).get()]), "\(set) accepted")
            #expect(e.render(.en).contains("(\(code))"), "\(set): \(e.render(.en))")
        }
        // A note may hold line breaks (a YAML block), never an escape.
        #expect(Self.loadError(nil, overrides: [try Override.parse("source=\"a\\nb\"").get()]) == nil)
        #expect(Self.loadError(nil, overrides: [try Override.parse("source=\"a\\x07b\"").get()]) != nil)
    }

    @Test("a base that is not beside the file is an error (66), never the bundled draft; builtin:pingluo-draft names it")
    func baseNeverFallsBack() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("subsidysim-base-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = dir.appendingPathComponent("w.yaml")
        try Data(Self.trap.utf8).write(to: missing)
        do {
            _ = try LoadedScenario.load(missing.path)
            Issue.record("a missing base loaded")
        } catch {
            #expect(error.kind == .missingInput)
            #expect(error.diagnostics.first?.location.line == 1)
            #expect(error.render(.zh).contains("base: builtin:pingluo-draft"))
        }
        try Data(Self.trap.replacingOccurrences(of: "base: pingluo-draft.yaml", with: "base: builtin:pingluo-draft").utf8).write(to: missing)
        let l = try LoadedScenario.load(missing.path)
        #expect(l.files == [missing.path, LoadedScenario.builtinName])
        #expect(l.variants.allSatisfy { $0.scenario.policy.batches.map(\.cap) == [30, 30] })
    }

    @Test("an error inside the bundled draft says so and how to print it")
    func builtinHint() throws {
        let o = try Override.parse("policy.batches[0].rate=2").get()
        // An override is located at --set; a bad value in the draft itself points into builtin:pingluo-draft.
        let e = ScenarioError(.invalid, [Diagnostic(SourceLocation(file: LoadedScenario.builtinName, line: 3, column: 1), key: "x",
                                                    Message(zh: "坏", en: "bad"))])
        #expect(e.render(.zh).contains("subsidysim scenario show"))
        #expect(e.render(.en).contains("subsidysim scenario show"))
        do { _ = try LoadedScenario.load(nil, overrides: [o]); Issue.record("rate 2 loaded") } catch {
            #expect(!error.render(.zh).contains("scenario show"))   // the problem is the --set, not the draft
        }
    }
}

@Suite("Total rows that do not contradict themselves")
struct TotalRowTests {
    @Test("under reject, the pooled row has P≈0 and no gap, the line-by-line row has P(some line short) and the lines' gaps")
    func totalsUnderReject() throws {
        let l = try LoadedScenario.load(nil, overrides: [try Override.parse("policy.hardware.rule=reject").get()])
        let r = try Fixture.run(l, trials: 3000, seed: 5)
        for v in r.summaries() {
            for row in [v.total, v.allLines] {
                // Every figure in a row answers the row's question: a gap only where the probability is positive.
                if row.overrunProbability == 0 { #expect(row.unmetMean == 0 && row.unmetGivenOverrun == 0, "\(row.name)") }
                if row.unmetMean > 0 { #expect(row.overrunProbability > 0, "\(row.name)") }
                #expect(row.unmetGivenOverrun >= row.unmetMean - 1e-9)
            }
            #expect(v.total.overrunProbability < 0.01)
            #expect(v.allLines.overrunProbability == v.anyLineShort)
            #expect(v.allLines.overrunProbability > 0.9)
            let sumGaps = v.lines.map(\.unmetMean).reduce(0, +), sumUnspent = v.lines.map(\.unspentMean).reduce(0, +)
            #expect(v.allLines.unmetMean.isApproximatelyEqual(to: sumGaps, absoluteTolerance: 1e-6 * max(1, sumGaps)))
            #expect(v.allLines.unspentMean.isApproximatelyEqual(to: sumUnspent, absoluteTolerance: 1e-6 * max(1, sumUnspent)))
            // Pooled: unspent = F − E[D] + E[gap], payout = 1 − E[gap]/E[D].
            #expect(v.total.unspentMean.isApproximatelyEqual(to: v.total.budget - v.total.demandMean + v.total.unmetMean, absoluteTolerance: 1e-6))
        }
    }
}

@Suite("No hidden names")
struct HiddenNameTests {
    @Test("renaming both funding sources gives the same numbers, and solve --min-use finds the restricted source by only_lines")
    func renamedSources() throws {
        let draft = String(decoding: LoadedScenario.builtinData()!, as: UTF8.self)
        let renamed = draft.replacingOccurrences(of: "regional", with: "zizhiqu").replacingOccurrences(of: "county", with: "xianji")
        #expect(renamed != draft)
        let a = try LoadedScenario.load(nil), b = try Fixture.load(renamed)
        #expect(b.scenario.restrictedSource?.id == "zizhiqu")
        let ra = try Fixture.run(a, trials: 1500, seed: 4).summaries(), rb = try Fixture.run(b, trials: 1500, seed: 4).summaries()
        for (x, y) in zip(ra, rb) {
            #expect(x.lines.map(\.overrunProbability) == y.lines.map(\.overrunProbability))
            #expect(x.sources.map(\.unspentMean) == y.sources.map(\.unspentMean))
            #expect(x.total.overrunProbability == y.total.overrunProbability)
        }
        func use(_ l: LoadedScenario, _ source: String) throws -> [Double?] {
            try WhatIf.solve(l, path: ScenarioPath("population.firms.per_batch[0]")!, low: 20, high: 200, step: 1,
                             metric: .underuse(source: source, fraction: 0.8), target: 0.05, minimize: true, trials: 600, seed: 3,
                             threads: 2, design: TrialDesign(method: .random, seed: 3)).map(\.x)
        }
        let ua = try use(a, "regional"), ub = try use(b, "zizhiqu")
        #expect(ua == ub)
        #expect(ua.allSatisfy { $0 != nil && $0! > 20 })
    }
}

@Suite("What passes check must run")
struct CheckRunAgreementTests {
    @Test("a misspelt correlation id is rejected by the loader, located, with a suggestion")
    func badCorrelationID() throws {
        let text = String(decoding: LoadedScenario.builtinData()!, as: UTF8.self).replacingOccurrences(of: "simulation:\n", with: """
          correlations:
            - {a: firms_b1, b: firm_b2, rho: 0.5}
        simulation:

        """)
        do {
            _ = try Fixture.load(text)
            Issue.record("a bad correlation id loaded")
        } catch let error as ScenarioError {
            let d = try #require(error.diagnostics.first)
            #expect(d.key == "population.correlations[0].b")
            #expect(d.location.line > 0)
            #expect(d.message.en.contains("did you mean 'firms_b2'"))
        }
    }
}

@Suite("Readings the draft leaves open are scenario options")
struct ReadingOptionTests {
    @Test("lottery_stop: until_empty pays at least what first_misfit pays in every trial, and more on average; both within budget")
    func lotteryStop() throws {
        let base = Fixture.yaml(firms: ["30"], investment: "{dist: uniform, min: 20, max: 150}", regional: 300, county: 800,
                                transformationCounty: 0, overrun: "lottery")
        let first = try Fixture.load(base)
        let skip = try Fixture.load(base.replacingOccurrences(of: "overrun: lottery", with: "overrun: lottery\n  lottery_stop: until_empty"))
        #expect(skip.scenario.policy.lotteryStop == .untilEmpty && first.scenario.policy.lotteryStop == .firstMisfit)
        let ra = try Fixture.run(first, trials: 400, seed: 2), rb = try Fixture.run(skip, trials: 400, seed: 2)
        let L = ra.layout
        let pa = ra.column(0, L.total(.paid)), pb = rb.column(0, L.total(.paid))
        #expect(zip(pa, pb).allSatisfy { $0 <= $1 + 1e-9 })
        #expect(pb.reduce(0, +) > pa.reduce(0, +) + 1)
        let budget = 300.0 + 0   // （一）'s money
        let ta = ra.summaries()[0].lines[0], tb = rb.summaries()[0].lines[0]
        #expect(ta.demandMean == tb.demandMean)                       // demand does not depend on rationing
        #expect(budget - tb.unspentMean <= budget && tb.unspentMean < ta.unspentMean)
    }

    @Test("chain_case_unheld: with the holder a top pilot firm and no firm accepted, a funded case is unfunded by default or paid as outside")
    func unheldChainCase() throws {
        let text = Fixture.yaml(firms: ["5"], pass: "0", chainCases: "2", extraPolicy: "")
            .replacingOccurrences(of: "chain_case: {count: 1, amount: 30}", with: "chain_case: {count: 2, amount: 30}")
            .replacingOccurrences(of: "  chain_cases: 2", with: "  chain_cases: 2\n  chain_case_award: 20\n  chain_case_holder: top_firm")
        let unfunded = try Fixture.load(text)
        let outside = try Fixture.load(text.replacingOccurrences(of: "chain_case_holder: top_firm", with: "chain_case_holder: top_firm\n  chain_case_unheld: outside"))
        #expect(outside.scenario.population.chainCaseUnheld == .outside)
        let i = LineID.firmLevel.firstIndex(of: .chainCase)!
        let a = try Fixture.run(unfunded, trials: 50, seed: 1).summaries()[0].lines[i]
        let b = try Fixture.run(outside, trials: 50, seed: 1).summaries()[0].lines[i]
        #expect(a.demandMean == 0)
        #expect(b.demandMean.isApproximatelyEqual(to: 40, absoluteTolerance: 1e-9))
    }
}
