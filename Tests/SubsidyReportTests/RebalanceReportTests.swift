import Foundation
import Testing
import SubsidyEngine
import SubsidyModel
@testable import SubsidyReport

@Suite("rebalanced.yaml evaluates what the tables report")
struct RebalanceReportTests {
    static func folder() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("rebalance-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    /// The study of `loaded`, its rebalanced.yaml written into a folder of its own in `d`, and that
    /// file loaded again.
    static func studyAndReload(_ loaded: LoadedScenario, withCaps: Bool, in d: URL) throws -> (Rebalance.Study, LoadedScenario) {
        let st = try Rebalance.study(loaded, options: .init(alpha: 0.05, unit: 5), trials: 1500, checkTrials: 500, seed: 3, threads: 2,
                                     sampling: nil, withCaps: withCaps)
        let out = d.appendingPathComponent("out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let file = out.appendingPathComponent("rebalanced.yaml")
        try RebalanceReport.scenarioText(st, loaded: loaded, folder: out.path).write(to: file, atomically: true, encoding: .utf8)
        return (st, try LoadedScenario.load(file.path))
    }

    @Test("a variant that sets a line budget (or a cap, with --with-caps) is restated without it, so every reading runs the proposal")
    func variantsRestated() throws {
        let d = try Self.folder()
        defer { try? FileManager.default.removeItem(at: d) }
        let input = d.appendingPathComponent("vb.yaml")
        try """
            base: builtin:pingluo-draft
            id: vb
            variants:
              - {id: text, label: 正文费率}
              - id: morecloud
                label: "上云预算 10 万 | 第一批上限 30"
                set: {"lines[3].budget.county": 10, "lines[0].budget.county": 605, "policy.batches[0].cap": 30, policy.overrun: lottery}
            """.write(to: input, atomically: true, encoding: .utf8)
        let loaded = try LoadedScenario.load(input.path)
        for withCaps in [false, true] {
            let (st, again) = try Self.studyAndReload(loaded, withCaps: withCaps, in: d)
            #expect(again.warnings.isEmpty, "\(again.warnings.map { $0.render(.en) })")
            #expect(again.variants.map(\.id) == ["text", "morecloud"])
            for (k, v) in again.variants.enumerated() {
                #expect(v.scenario.lines.map(\.total) == st.proposal.lineTotals, "\(v.id)")
                // The caps each reading was evaluated with are the caps the file gives it.
                #expect(v.scenario.policy.batches.map(\.cap) == st.proposed.variants[k].scenario.policy.batches.map(\.cap), "\(v.id)")
            }
            if withCaps, let caps = st.caps, st.capsFit {
                #expect(again.variants.allSatisfy { $0.scenario.policy.batches.map(\.cap) == caps })
            }
            // What the variant set apart from budgets and caps survives.
            #expect(again.variants[1].scenario.policy.overrun == .lottery)
            #expect(again.variants[1].name == "上云预算 10 万 | 第一批上限 30")
            // And the check run's budgets are the file's.
            #expect(st.after.map { $0.lines.map(\.budget) } == again.variants.map { $0.scenario.lines.map(\.total) })
        }
    }

    @Test("the run's --set changes are written into rebalanced.yaml, over every variant, as they were evaluated")
    func setChangesRestated() throws {
        let d = try Self.folder()
        defer { try? FileManager.default.removeItem(at: d) }
        let sets = try ["policy.batches[0].rate=0.55", "policy.batches[1].cap=35", "policy.hardware.limit=0.25", "population.segments[0].name=煤化工",
                        "title=新标题", "funding[1].name=县财政资金"]
            .map { try Override.parse($0).get() }
        // A variant whose change holds a --set key (its whole batch list, --set's rate inside it).
        let input = d.appendingPathComponent("enc.yaml")
        try """
            base: builtin:pingluo-draft
            id: enc
            variants:
              - {id: a, label: 甲}
              - id: b
                label: 乙
                set:
                  policy.batches: [{name: 第一批, rate: 0.4, cap: 30}, {name: 第二批, rate: 0.3, cap: 20}]
            """.write(to: input, atomically: true, encoding: .utf8)
        for loaded in [try LoadedScenario.load(nil, overrides: sets), try LoadedScenario.load(input.path, overrides: sets)] {
        for withCaps in [false, true] {
            let (st, again) = try Self.studyAndReload(loaded, withCaps: withCaps, in: d)
            #expect(again.variants.map(\.id) == loaded.variants.map(\.id))
            for (k, v) in again.variants.enumerated() {
                let ran = st.proposed.variants[k].scenario
                // Rates (the table variant keeps its own second-batch rate, --set its first), caps, the
                // hardware limit and the renamed segment are those this run evaluated.
                #expect(v.scenario.policy.batches.map(\.rate) == ran.policy.batches.map(\.rate), "\(v.id)")
                #expect(v.scenario.policy.batches.map(\.cap) == ran.policy.batches.map(\.cap), "\(v.id)")
                #expect(v.scenario.policy.hardwareLimit == 0.25 && v.scenario.population.segments[0].name == "煤化工", "\(v.id)")
                #expect(v.scenario.policy.batches[0].rate == 0.55, "\(v.id)")
                #expect(v.scenario.funding[1].name == "县财政资金" && v.scenario.title.hasPrefix("新标题"), "\(v.id)")
            }
        }
        }
        // A --set that gives a mapping without some of the file's keys cannot be written as a file
        // over this one (a file merges): rebalance refuses it, naming the keys.
        let whole = try LoadedScenario.load(nil, overrides: [Override.parse("policy.services={process_management: 1, acceptance: 0.8, audit: 0.07}").get()])
        #expect(whole.replacedMappings().map(\.1) == [["research"]])
        #expect(try LoadedScenario.load(nil, overrides: sets).replacedMappings().isEmpty)
    }

    @Test("one source restricted to （一）: the other lines are reported as payable by no source, never as --set errors")
    func oneRestrictedSource() throws {
        let d = try Self.folder()
        defer { try? FileManager.default.removeItem(at: d) }
        let file = d.appendingPathComponent("one.yaml")
        try """
            base: builtin:pingluo-draft
            id: one
            funding:
              - {id: only, name: 唯一来源, amount: 2800, only_lines: [transformation]}
            lines:
              - {id: transformation, budget: {only: 2800}}
              - {id: benchmark, budget: {only: 0}}
              - {id: smart_factory, budget: {only: 0}}
              - {id: cloud, budget: {only: 0}}
              - {id: chain_case, budget: {only: 0}}
              - {id: service_provider, budget: {only: 0}}
              - {id: professional_services, budget: {only: 0}}
            """.write(to: file, atomically: true, encoding: .utf8)
        let loaded = try LoadedScenario.load(file.path)
        let st = try Rebalance.study(loaded, options: .init(alpha: 0.05, unit: 5), trials: 1000, checkTrials: 300, seed: 2, threads: 2, sampling: nil)
        #expect(!st.proposal.feasible)
        #expect(st.proposal.unpayable.contains(.cloud) && st.proposal.unpayable.contains(.professionalServices))
        #expect(RebalanceReport.notes(st, loaded: loaded).contains { $0.contains("没有资金来源可以支付") })
    }

    @Test("text from a file stays text in summary.md: no new row, column, heading, link or image")
    func markdownEscaping() {
        let hostile = "a|b\n## 注入 ![img](http://x/y.png) `code` *em* <b>"
        let t = Markdown.text(hostile)
        #expect(!t.contains("\n"))
        #expect(!t.contains("|") || t.contains("\\|"))
        #expect(t.contains("\\#\\# 注入") && t.contains("\\!\\[img\\]") && t.contains("\\`code\\`") && t.contains("\\<b\\>"))
        #expect(Rebalance.trialsNeeded(alpha: 0.001, confidence: 0.95) == 2995)
        #expect(Rebalance.trialsNeeded(alpha: 0.05, confidence: 0.95) == 59)
    }

    @Test("--with-caps when not even caps of 0 meet the target: the caps stay as drafted, the table is fitted at them, regional money stays on （一）")
    func capsCannotFit() throws {
        let d = try Self.folder()
        defer { try? FileManager.default.removeItem(at: d) }
        // （四） at 60万 a firm needs thousands of 万元 whatever the caps: no cap makes the money enough.
        let loaded = try LoadedScenario.load(nil, overrides: [try Override.parse("policy.cloud.amount=60").get()])
        let (st, again) = try Self.studyAndReload(loaded, withCaps: true, in: d)
        let draft = loaded.scenario.policy.batches.map(\.cap)
        #expect(!st.capsFit && st.caps == draft)
        #expect(!st.proposal.feasible && st.proposal.extra.reduce(0, +) > 1000)
        for v in again.variants {
            #expect(v.scenario.policy.batches.map(\.cap) == draft, "\(v.id): caps of 0 were written")
            let one = try #require(v.scenario.lines.first { $0.id == .transformation })
            #expect(one.budget["regional"] == 2000, "\(v.id): \(one.budget)")
        }
        let md = RebalanceReport.summary(st, loaded: loaded)
        #expect(md.contains("降低补助上限无济于事") && !md.contains("补助上限须降低"), "\(md)")
    }

    @Test("--with-caps: the draft's figures sit under the draft's caps and the proposal's under its own (labels name both)")
    func capsLabelled() throws {
        let d = try Self.folder()
        defer { try? FileManager.default.removeItem(at: d) }
        let loaded = try LoadedScenario.load(nil)
        let (st, _) = try Self.studyAndReload(loaded, withCaps: true, in: d)
        let caps = try #require(st.caps)
        try #require(st.capsFit && caps != loaded.scenario.policy.batches.map(\.cap))
        let md = RebalanceReport.summary(st, loaded: loaded)
        for (v, label) in st.comparedLabels.enumerated() {
            let before = st.before[v].label
            #expect(before.contains("50万") && before.contains("40万"), "\(before)")
            #expect(label.hasPrefix(before + " → ") && label.contains("\(formatNumber(caps[0]))万"), "\(label)")
            #expect(md.contains("**\(label)**"), "\(md)")
        }
    }
}
