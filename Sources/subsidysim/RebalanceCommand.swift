import ArgumentParser
import Foundation
import SubsidyEngine
import SubsidyModel
import SubsidyReport

/// `subsidysim rebalance`: a revised 资金概算表 that meets a risk target per line (or jointly).
struct RebalanceCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "rebalance",
            abstract: L("提出修改后的资金概算表：每个预算行资金不足的概率不超过目标，闲置资金尽量少。",
                        "Propose a revised budget table (资金概算表): each line's chance of running short at most a target, least money idle."),
            discussion: L("""
            每个资金来源的钱在它可以支付的预算行之间重新分配（自治区资金只用于（一）），使每个预算行在情景的每个方案（读法）下\
            资金不足的概率都不超过 --max-short；加 --joint 则是“任一预算行不足”的概率不超过目标。\
            现有资金达不到目标时，报告每个来源还差多少。建议同时写成情景文件 rebalanced.yaml，可直接用 subsidysim run 运行。\
            概率写小数：0.05 即 5%。

            示例：
              subsidysim rebalance --max-short 0.05 --unit 5
              subsidysim rebalance --joint --max-short 0.10 --hold chain_case --variant text
              subsidysim rebalance --max-short 0.05 --unit 5 --with-caps
            """, """
            Each source's money is re-split over the lines it may pay (regional money stays on （一）), so that every line's \
            chance of running short is at most --max-short under every variant (reading) of the scenario, or with --joint the \
            chance that any line runs short. Exact on the simulated trials; the risks are then re-estimated on an independent \
            seed. When the money cannot meet the target, the extra money each source needs is reported. The proposal is also \
            written as a what-if scenario (rebalanced.yaml) that `subsidysim run` accepts as it is.

            Examples:
              subsidysim rebalance --max-short 0.05 --unit 5
              subsidysim rebalance --joint --max-short 0.10 --hold chain_case --variant text
              subsidysim rebalance --max-short 0.05 --unit 5 --with-caps
            """)
        )
    }

    @OptionGroup var scenario: ScenarioOptions
    @OptionGroup var simulation: SimulationOptions
    @OptionGroup var documents: DocumentOptions

    @Option(name: .customLong("max-short"), help: H("风险目标：每个预算行需求超过预算的概率至多为此值（小数，0.05 即 5%；加 --joint 时为任一预算行不足的概率）。",
                    "Risk target: each line's P(demand > budget) at most this (with --joint: P(some line short)).",
                    value: ("概率", "p")))
    var maxShortNumber = DecimalNumber(0.05)
    var maxShort: Double { maxShortNumber.value }

    @Flag(help: H("目标是“任一预算行不足”的概率，而不是每个预算行各自的概率。", "Target the chance that any line runs short, not each line's."))
    var joint = false

    @Option(name: .customLong("unit"), help: H("预算取这个金额（万元）的整数倍（0：不取整）。", "Budgets are whole multiples of this many 万元 (0: no rounding).",
                    value: ("万元", "万元")))
    var unitNumber = DecimalNumber(1)
    var unit: Double { unitNumber.value }

    @Option(help: H("这个预算行的预算保持不变（可写多次），如 --hold chain_case。", "Keep this line's budget as it is (repeatable).",
                    value: ("预算行", "LINE")))
    var hold: [LineID] = []

    @Option(name: .customLong("confidence"), help: H("每个预算行真实的不足概率不超过 --max-short 的置信度（0：只按点估计）。",
                    "Confidence that each line's true chance of running short is at most --max-short (0: fit the point estimate).",
                    value: ("置信度", "c")))
    var confidenceNumber = DecimalNumber(0.95)
    var confidence: Double { confidenceNumber.value }

    @Flag(help: H("同时按同一比例降低各批补助上限（精确到 0.1 万元），直到现有资金能达到目标。",
                  "Also lower the batch caps (all by one factor, to 0.1万) as far as needed to meet the target with the money there is."))
    var withCaps = false

    @Option(help: H("独立复核模拟的试验次数（默认与拟合所用的次数相同）。", "Trials of the independent check run (default: as many as the fitting run).",
                    value: ("次数", "trials")))
    var checkTrials: Int?

    @Flag(help: H("终端上不显示摘要。", "No summary on the terminal."))
    var quiet = false

    func validate() throws {
        guard maxShort > 0 && maxShort < 1 else {
            throw ValidationError(L("--max-short 应在 0 与 1 之间（实际 \(formatNumber(maxShort))）；0.05 表示 5%",
                                    "--max-short must be between 0 and 1 (got \(maxShort)); 0.05 means 5%"))
        }
        guard unit >= 0 && unit <= 1000 && unit.isFinite else {
            throw ValidationError(L("--unit 应为 0 至 1000 万元（实际 \(formatNumber(unit))）", "--unit must be from 0 to 1000 万元 (got \(unit))"))
        }
        guard confidence >= 0 && confidence < 1 else {
            throw ValidationError(L("--confidence 应不小于 0 且小于 1（实际 \(formatNumber(confidence))）；0.95 表示 95%",
                                    "--confidence must be from 0 to below 1 (got \(confidence))"))
        }
        if let c = checkTrials, c < 100 || c > 10_000_000 {
            throw ValidationError(L("--check-trials 应为 100 至 10000000 的整数（实际 \(c)）", "--check-trials must be from 100 to 10000000 (got \(c))"))
        }
        if let t = simulation.trials, t < 100 {
            throw ValidationError(L("rebalance 的 --trials 至少为 100（实际 \(t)）", "--trials must be at least 100 for rebalance (got \(t))"))
        }
    }

    func run() throws {
        let lang = scenario.lang
        do {
            let start = Date()
            let loaded = try scenario.load()
            if let (o, keys) = loaded.replacedMappings().first {
                // rebalanced.yaml restates --set under `base:`, where a mapping merges with the file's.
                throw UsageError(
                    zh: "rebalance 无法把 --set \(o.path)={…} 照写进 rebalanced.yaml：--set 整个替换这一项，原文件中的 \(keys.joined(separator: "、")) 本次取默认值，而写成文件后会与原文件合并、沿用原值。请逐项写，例如 --set \(o.path).\(keys[0])=…",
                    en: "rebalance cannot restate --set \(o.path)={…} in rebalanced.yaml: --set replaces the whole mapping, so the file's \(keys.joined(separator: ", ")) take their defaults in this run, while a file merges with its base and keeps them. Set the keys one by one, e.g. --set \(o.path).\(keys[0])=…")
            }
            let sc = loaded.scenario
            let seed = simulation.seed(for: sc)
            let trials = simulation.scenarioTrials(for: sc)
            // The scenario's own simulation.trials may be below what rebalance needs.
            let needed = Swift.max(100, confidence > 0 && !joint ? Rebalance.trialsNeeded(alpha: maxShort, confidence: confidence) : 100)
            guard trials >= needed, (checkTrials ?? trials) >= 100 else {
                throw UsageError(
                    zh: "试验次数 \(trials) 太少：要以 \(formatNumber(confidence * 100))% 的置信度保证不足概率不超过 \(formatNumber(maxShort * 100))%，至少需要 \(needed) 次试验（--trials \(needed) 或更多；或用 --confidence 0 只按点估计求解）",
                    en: "\(trials) trials are too few: a chance of running short of at most \(formatNumber(maxShort * 100))% with \(formatNumber(confidence * 100))% confidence needs at least \(needed) trials (--trials \(needed) or more; or --confidence 0 for the point estimate)")
            }
            // Per variant and trial: the fit's stored demands and their sorted copies, then the
            // check runs of the input and the proposal (~1 KB per variant and trial at the peak).
            try simulation.checkMemory(trials: Swift.max(trials, checkTrials ?? trials), bytesPerTrial: 1024 * Double(loaded.variants.count))
            let options = Rebalance.Options(alpha: maxShort, target: joint ? .joint : .perLine, unit: unit, hold: Set(hold), confidence: confidence)
            let study = try Rebalance.study(loaded, options: options, trials: trials, checkTrials: checkTrials ?? trials, seed: seed,
                                            threads: simulation.threadCount, sampling: simulation.sampling, withCaps: withCaps)
            let out = simulation.output ?? "Output/\(sc.id)/rebalance"
            let fields = Manifest.RebalanceFields(
                maxShort: maxShort, confidence: confidence, target: joint ? "joint" : "per_line", unitWan: unit, hold: hold.map(\.rawValue),
                checkSeed: String(study.checkSeed), checkTrials: study.checkTrials, feasible: study.proposal.feasible, withCaps: withCaps,
                capsWan: study.caps ?? [], capsFit: withCaps ? study.capsFit : nil, extraWan: Dictionary(uniqueKeysWithValues: zip(sc.funding.map(\.id), study.proposal.extra)))
            let warnings = try RebalanceReport.write(study, loaded: loaded, to: out, manifest: fields, trials: trials,
                                                     invocation: invocation(start, seed: seed, threads: simulation.threadCount),
                                                     docx: !documents.noDocx, xlsx: !documents.noXlsx)
            for w in warnings { printError(w) }
            if !quiet { print(terminal(study, loaded: loaded, out: out, lang: lang)) }
        } catch {
            throw Exit.fail(error, lang: lang)
        }
    }

    func terminal(_ st: Rebalance.Study, loaded: LoadedScenario, out: String, lang: Language) -> String {
        let s = loaded.scenario
        var t = lang == .zh ? "建议的资金概算表（万元；括号内为草案）：\n" : "Proposed budget table (万元; draft in brackets):\n"
        for (i, l) in s.lines.enumerated() {
            let parts = s.funding.enumerated().map { j, f in "\(f.name) \(formatNumber(st.proposal.budgets[i][j]))（\(formatNumber(l.budget[f.id] ?? 0))）" }
            t += "  \(l.clause) \(l.id.chineseName)：" + parts.joined(separator: "，") + "\n"
        }
        if let caps = st.caps {
            let draft = s.policy.batches.map(\.cap)
            let text = zip(s.policy.batches, caps).map { "\($0.name) \(formatNumber($1))万" }.joined(separator: "，")
            t += !st.capsFit ? (lang == .zh ? "即使上限降到 0 也达不到目标，上限保持草案的取值（见 summary.md）\n"
                                            : "Not even caps of 0 meet the target; the caps stay as drafted (see summary.md)\n")
                : caps == draft ? (lang == .zh ? "补助上限无需调整。\n" : "The caps need no change.\n")
                : (lang == .zh ? "补助上限降为：\(text)\n" : "Caps lowered to: \(text)\n")
        }
        if !st.proposal.feasible {
            t += lang == .zh ? "现有资金达不到目标：还差 \(formatNumber(st.proposal.extra.reduce(0, +))) 万元（见 summary.md）\n"
                             : "The money cannot meet the target: \(formatNumber(st.proposal.extra.reduce(0, +))) 万元 short (see summary.md)\n"
        }
        for (b, a) in zip(st.before, st.after) {
            let worst = zip(b.lines, a.lines).map { "\($0.0.clause) \(pct($0.0.overrunProbability))→\(pct($0.1.overrunProbability))" }
            // The reading by its name (正文费率), as the report names it; the id only when it has none.
            let name = loaded.variants.first { $0.id == a.id }?.name ?? a.id
            t += "  \(name.isEmpty ? a.id : name)\(lang == .zh ? "：" : ": ")" + worst.joined(separator: "  ") + "\n"
        }
        t += lang == .zh ? "输出：\(out)/summary.md；情景文件：\(out)/rebalanced.yaml" : "output: \(out)/summary.md; scenario: \(out)/rebalanced.yaml"
        return t
    }

    func pct(_ p: Double) -> String { percentText(p) }
}

extension LineID: ExpressibleByArgument {}
