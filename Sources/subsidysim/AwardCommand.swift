import ArgumentParser
import Foundation
import SubsidyModel

/// `subsidysim award`: one firm's awards, step by step, each step citing its clause.
struct AwardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "award",
        abstract: "One firm's awards under the draft, step by step with clause references (万元).",
        discussion: """
        Example (worked example 1 of the model reference): subsidysim award --batch 1 --software 70 --hardware 30 --passes --variant text
        Say whether the firm reaches 二级 with --passes or --fails (nothing is assumed). Without --variant every
        variant of the scenario is shown.
        """
    )

    @OptionGroup var scenario: ScenarioOptions

    @Option(help: "Batch: 1 for 第一批, 2 for 第二批 (as many as the scenario has).") var batch: Int
    @Option(help: "Software and cloud-service spending, 万元.") var software: Double
    @Option(help: "Data-collection and transmission hardware, 万元.") var hardware: Double = 0
    @Flag(help: "The firm reaches 二级 (level 2) after the change (验收通过).") var passes = false
    @Flag(help: "The firm does not reach 二级 after the change.") var fails = false
    @Flag(help: "The firm did not finish by 2026-09-30.") var notCompleted = false
    @Flag(help: "Deploys cloud in the named areas （四）.") var cloud = false
    @Flag(help: "Newly rated 先进级 smart factory （三）.") var smartFactory = false
    @Flag(help: "Selected as a benchmark firm （二）.") var benchmark = false
    @Option(help: "Chain case （五）: what the case merits, 万元.") var chain: Double = 0
    @Option(help: "Hardware rule: trim_total, trim_eligible or reject (default: the scenario's).") var hardwareRule: HardwareRule?
    @Flag(help: "JSON output.") var json = false

    /// The most a planner could mean for one project, 万元 (100亿元): above it, a typo.
    static let maxAmount = 1_000_000.0

    func validate() throws {
        let zh = scenario.lang == .zh
        guard passes != fails else {
            throw ValidationError(zh ? "请写明该企业改造后是否达到二级：--passes（达到，验收通过）或 --fails（未达到）；两者选一"
                                     : "say whether the firm reaches 二级 after the change: --passes or --fails (exactly one)")
        }
        // The upper end depends on the scenario: checked once it is loaded.
        guard batch >= 1 else { throw ValidationError("--batch must be 1 or more (got \(batch))") }
        for (name, v) in [("--software", software), ("--hardware", hardware), ("--chain", chain)] {
            guard v.isFinite && v >= 0 && v <= Self.maxAmount else {
                throw ValidationError(zh ? "\(name) 应为 0 至 \(formatNumber(Self.maxAmount)) 万元之间的金额（实际 \(formatNumber(v))）"
                                         : "\(name) must be an amount from 0 to \(formatNumber(Self.maxAmount)) 万元 (got \(formatNumber(v)))")
            }
        }
    }

    /// What the firm is actually paid depends on the line's money: said under every answer.
    static func paymentNote(_ rule: OverrunRule, lang: Language) -> String {
        switch (rule, lang) {
        case (.prorate, .zh): return "注：以上是应得金额；若该预算行资金不足，按比例兑付，实际到账可能更少"
        case (.batchOrder, .zh): return "注：以上是应得金额；若（一）资金不足，先足额兑付第一批，第二批按剩余资金比例兑付"
        case (.lottery, .zh): return "注：以上是应得金额；若资金不足，按随机顺序整额兑付，排不到的企业进入候补"
        case (.reallocate, .zh): return "注：以上是应得金额；若该预算行资金不足，先用县级其他预算行的结余调剂，仍不足的按比例兑付"
        case (.prorate, .en): return "note: these are the amounts due; if the line runs short every award on it is paid pro rata"
        case (.batchOrder, .en): return "note: amounts due; if （一） runs short, batch 1 is paid in full first and batch 2 pro rata"
        case (.lottery, .en): return "note: amounts due; if the money runs short, awards are paid whole in a random order and the rest wait"
        case (.reallocate, .en): return "note: amounts due; a short line is first covered by county money left on other lines, the rest pro rata"
        }
    }

    struct Output: Encodable {
        var variant: String
        var label: String
        var eligible: Double?
        var accepted: Bool
        var awards: [String: Double]
        var demandBeforeCeiling: [String: Double]
        var ceilingCut: Double
        var total: Double
        var steps: [RuleStep]
    }

    func run() throws {
        let lang = scenario.lang
        do {
            var opts = scenario
            if let r = hardwareRule { opts.sets.append("policy.hardware.rule=\(r.rawValue)") }
            let loaded = try opts.load()
            let facts = FirmFacts(batch: batch - 1, software: software, hardware: hardware, completed: !notCompleted, passes: passes,
                                  cloud: cloud, smartFactory: smartFactory, benchmark: benchmark, chainCase: chain)
            let batches = loaded.scenario.policy.batches
            guard (1...batches.count).contains(batch) else {
                let names = batches.enumerated().map { "\($0.offset + 1) = \($0.element.name)" }.joined(separator: lang == .zh ? "，" : ", ")
                printError(lang == .zh ? "--batch \(batch) 不在本情景的批次中：可用 \(names)" : "--batch \(batch) is not a batch of this scenario: use \(names)")
                throw ExitCode(64)
            }
            // An amount far beyond any project the scenario draws is most likely a typo: say so, then answer.
            let top = loaded.scenario.population.investment.upper
            if let top, software + hardware > 2 * top {
                printError(lang == .zh ? "警告：项目总投入 \(formatNumber(software + hardware)) 万元远超情景中项目投入的上限 \(formatNumber(top)) 万元，请核对单位（万元）"
                                       : "warning: a project of \(formatNumber(software + hardware)) 万元 is far above the scenario's largest project (\(formatNumber(top)) 万元); check the unit (万元)")
            }
            var outs: [Output] = []
            var text = ""
            for v in loaded.variants {
                let e = Rules.explain(facts, policy: v.scenario.policy)
                func dict(_ a: FirmLevelAwards) -> [String: Double] {
                    Dictionary(uniqueKeysWithValues: LineID.firmLevel.map { ($0.rawValue, (a[$0] * 10_000).rounded() / 10_000) })
                }
                outs.append(Output(variant: v.id, label: v.label, eligible: e.eligible.map { ($0 * 10_000).rounded() / 10_000 },
                                   accepted: e.accepted, awards: dict(e.awards), demandBeforeCeiling: dict(e.demand),
                                   ceilingCut: (e.ceilingCut * 10_000).rounded() / 10_000, total: (e.awards.total * 10_000).rounded() / 10_000,
                                   steps: e.steps))
                text += "\(lang == .zh ? "方案" : "variant") \(v.id)（\(v.label)）\n"
                for (i, s) in e.steps.enumerated() { text += "  \(i + 1). \(s.clause) \(lang == .zh ? s.zh : s.en)\n" }
                let lines = LineID.firmLevel.filter { e.awards[$0] > 0 }.map { "\($0.clause)\(formatNumber((e.awards[$0] * 10_000).rounded() / 10_000))" }
                text += "  \(lang == .zh ? "合计" : "total"): \(formatNumber((e.awards.total * 10_000).rounded() / 10_000)) 万元"
                text += lines.isEmpty ? "\n" : "（\(lines.joined(separator: " + "))）\n"
                text += "  " + Self.paymentNote(v.scenario.policy.overrun, lang: lang) + "\n\n"
            }
            if json {
                let enc = JSONEncoder()
                enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try enc.encode(outs), as: UTF8.self))
            } else {
                print(text, terminator: "")
            }
        } catch {
            throw Exit.fail(error, lang: lang)
        }
    }
}
