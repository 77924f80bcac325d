import ArgumentParser
import Foundation
import SubsidyModel

/// `subsidysim award`: one firm's awards, step by step, each step citing its clause.
struct AwardCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "award",
            abstract: L("按草案逐步计算一家企业能得到的奖补，每一步注明条款（万元）。",
                        "One firm's awards under the draft, step by step with clause references (万元)."),
            discussion: L("""
            必须用 --passes（改造后达到二级、验收通过）或 --fails（未达到）说明企业是否达标，程序不作假定。\
            不写 --variant 时列出情景的每个方案。结果是应得金额；预算行资金不足时实际到账可能更少（见每个结果后的注）。

            示例：
              subsidysim award --batch 1 --software 70 --hardware 30 --passes --variant text
              subsidysim award --batch 2 --software 120 --hardware 60 --passes --cloud
              subsidysim award --batch 1 --software 40 --fails --json
            """, """
            Say whether the firm reaches 二级 with --passes or --fails (nothing is assumed). Without --variant every \
            variant of the scenario is shown. The answer is what is due; if the line runs short less may be paid (see the note).

            Examples (the first is worked example 1 of the model reference):
              subsidysim award --batch 1 --software 70 --hardware 30 --passes --variant text
              subsidysim award --batch 2 --software 120 --hardware 60 --passes --cloud
              subsidysim award --batch 1 --software 40 --fails --json
            """)
        )
    }

    @OptionGroup var scenario: ScenarioOptions

    @Option(help: H("批次：1 为第一批，2 为第二批（以情景中的批次为准）。", "Batch: 1 for 第一批, 2 for 第二批 (as many as the scenario has).",
                    value: ("批次", "batch"))) var batch: Int
    @Option(name: .customLong("software"), help: H("软件与云服务投入，万元。", "Software and cloud-service spending, 万元.", value: ("万元", "万元"))) var softwareNumber: DecimalNumber
    var software: Double { softwareNumber.value }
    @Option(name: .customLong("hardware"), help: H("数据采集与传输硬件投入，万元。", "Data-collection and transmission hardware, 万元.", value: ("万元", "万元"))) var hardwareNumber = DecimalNumber(0)
    var hardware: Double { hardwareNumber.value }
    @Flag(help: H("企业改造后达到二级（验收通过）。", "The firm reaches 二级 (level 2) after the change (验收通过).")) var passes = false
    @Flag(help: H("企业改造后未达到二级。", "The firm does not reach 二级 after the change.")) var fails = false
    @Flag(help: H("企业未在 2026 年 9 月 30 日前完成改造。", "The firm did not finish by 2026-09-30.")) var notCompleted = false
    @Flag(help: H("在所列领域上云用云（四）。", "Deploys cloud in the named areas （四）.")) var cloud = false
    @Flag(help: H("新评为先进级智能工厂（三）。", "Newly rated 先进级 smart factory （三）.")) var smartFactory = false
    @Flag(help: H("入选标杆企业（二）。", "Selected as a benchmark firm （二）.")) var benchmark = false
    @Option(name: .customLong("chain"), help: H("链式转型案例（五）：该案例应得的奖励，万元。", "Chain case （五）: what the case merits, 万元.",
                    value: ("万元", "万元"))) var chainNumber = DecimalNumber(0)
    var chain: Double { chainNumber.value }
    @Option(help: H("硬件超过 30% 时的处理：trim_total（硬件按总投入的 30% 计）、trim_eligible（硬件按软件投入的 30/70 计）或 reject（该项目不予补助）；默认按情景。",
                    "Hardware rule: trim_total, trim_eligible or reject (default: the scenario's).",
                    value: ("规则", "rule"))) var hardwareRule: HardwareRule?
    @Flag(help: H("以 JSON 输出。", "JSON output.")) var json = false

    /// The most a planner could mean for one project, 万元 (100亿元): above it, a typo.
    static let maxAmount = 1_000_000.0

    func validate() throws {
        let zh = scenario.lang == .zh
        guard passes != fails else {
            throw ValidationError(zh ? "请写明该企业改造后是否达到二级：--passes（达到，验收通过）或 --fails（未达到）；两者选一"
                                     : "say whether the firm reaches 二级 after the change: --passes or --fails (exactly one)")
        }
        // The upper end depends on the scenario: checked once it is loaded.
        guard batch >= 1 else {
            throw ValidationError(zh ? "--batch 应为 1 或更大的整数：1 为第一批，2 为第二批（实际 \(batch)）" : "--batch must be 1 or more (got \(batch))")
        }
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
