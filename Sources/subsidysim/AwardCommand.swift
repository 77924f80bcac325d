import ArgumentParser
import Foundation
import SubsidyModel

/// `subsidysim award`: one firm's awards, step by step, each step citing its clause.
struct AwardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "award",
        abstract: "One firm's awards under the draft, step by step with clause references (万元).",
        discussion: """
        Example (MODEL.md §9 #1): subsidysim award --batch 1 --software 70 --hardware 30 --passes --variant text
        Without --variant every variant of the scenario is shown.
        """
    )

    @OptionGroup var scenario: ScenarioOptions

    @Option(help: "Batch, from 1 to the scenario's number of batches (the draft has 2).") var batch: Int
    @Option(help: "Software and cloud-service spending, 万元.") var software: Double
    @Option(help: "Data-collection and transmission hardware, 万元.") var hardware: Double = 0
    @Flag(help: "The firm reaches 二级 (level 2) after the change.") var passes = false
    @Flag(help: "The firm did not finish by 2026-09-30.") var notCompleted = false
    @Flag(help: "Deploys cloud in the named areas （四）.") var cloud = false
    @Flag(help: "Newly rated 先进级 smart factory （三）.") var smartFactory = false
    @Flag(help: "Selected as a benchmark firm （二）.") var benchmark = false
    @Option(help: "Chain case （五）: what the case merits, 万元.") var chain: Double = 0
    @Option(help: "Hardware rule: trim_total, trim_eligible or reject (default: the scenario's).") var hardwareRule: String?
    @Flag(help: "JSON output.") var json = false

    func validate() throws {
        // The upper end depends on the scenario: checked once it is loaded.
        guard batch >= 1 else { throw ValidationError("--batch must be 1 or more (got \(batch))") }
        for (name, v) in [("--software", software), ("--hardware", hardware), ("--chain", chain)] {
            guard v.isFinite && v >= 0 && v < 1e9 else { throw ValidationError("\(name) must be a finite amount ≥ 0 in 万元 (got \(v))") }
        }
        if let r = hardwareRule, HardwareRule(rawValue: r) == nil {
            throw ValidationError("--hardware-rule must be trim_total, trim_eligible or reject (got \(r))")
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

    func run() async throws {
        let lang = scenario.lang
        do {
            var opts = scenario
            if let r = hardwareRule { opts.sets.append("policy.hardware.rule=\(r)") }
            let loaded = try opts.load()
            let facts = FirmFacts(batch: batch - 1, software: software, hardware: hardware, completed: !notCompleted, passes: passes,
                                  cloud: cloud, smartFactory: smartFactory, benchmark: benchmark, chainCase: chain)
            let names = loaded.scenario.policy.batches.enumerated().map { "\($0.offset + 1) \($0.element.name)" }
            if batch > names.count {
                printError(lang == .zh ? "--batch \(batch)：情景只有 \(names.count) 个批次（\(names.joined(separator: "，"))），应为 1 到 \(names.count)"
                                       : "--batch \(batch): the scenario has \(names.count) batches (\(names.joined(separator: ", "))); expected 1 to \(names.count)")
                throw ExitCode.validationFailure
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
                text += lines.isEmpty ? "\n\n" : "（\(lines.joined(separator: " + "))）\n\n"
            }
            if json {
                let enc = JSONEncoder()
                enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try enc.encode(outs), as: UTF8.self))
            } else {
                print(text, terminator: "")
            }
        } catch let e as ExitCode where e == .validationFailure {
            throw ExitCode(64)
        } catch {
            throw Exit.fail(error, lang: lang)
        }
    }
}
