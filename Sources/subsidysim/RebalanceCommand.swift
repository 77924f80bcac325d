import ArgumentParser
import Foundation
import SubsidyEngine
import SubsidyModel
import SubsidyReport

/// `subsidysim rebalance`: a revised 资金概算表 that meets a risk target per line (or jointly).
struct RebalanceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebalance",
        abstract: "Propose a revised budget table (资金概算表): each line's chance of running short at most a target, least money idle.",
        discussion: """
        Each source's money is re-split over the lines it may pay (regional money stays on （一）), so that every line's \
        chance of running short is at most --max-short under every variant (reading) of the scenario, or with --joint the \
        chance that any line runs short. Exact on the simulated trials; the risks are then re-estimated on an independent \
        seed. When the money cannot meet the target, the extra money each source needs is reported. The proposal is also \
        written as a what-if scenario (rebalanced.yaml) that `subsidysim run` accepts as it is. Examples:
          subsidysim rebalance --max-short 0.05 --unit 5
          subsidysim rebalance --joint --max-short 0.10 --hold chain_case --variant text
        """
    )

    @OptionGroup var scenario: ScenarioOptions
    @OptionGroup var simulation: SimulationOptions
    @OptionGroup var documents: DocumentOptions

    @Option(help: "Risk target: each line's P(demand > budget) at most this (with --joint: P(some line short)).")
    var maxShort: Double = 0.05

    @Flag(help: "Target the chance that any line runs short, not each line's.")
    var joint = false

    @Option(help: "Budgets are whole multiples of this many 万元 (0: no rounding).")
    var unit: Double = 1

    @Option(help: ArgumentHelp("Keep this line's budget as it is (repeatable).", valueName: "LINE"))
    var hold: [LineID] = []

    @Option(help: "Confidence that each line's true chance of running short is at most --max-short (0: fit the point estimate).")
    var confidence: Double = 0.95

    @Flag(help: "Also lower the batch caps (all by one factor, to 0.1万) as far as needed to meet the target with the money there is.")
    var withCaps = false

    @Option(help: "Trials of the independent check run (default: as many as the fitting run).")
    var checkTrials: Int?

    @Flag(help: "No summary on the terminal.")
    var quiet = false

    func validate() throws {
        guard maxShort > 0 && maxShort < 1 else { throw ValidationError("--max-short must be between 0 and 1 (got \(maxShort)); 0.05 means 5%") }
        guard unit >= 0 && unit <= 1000 && unit.isFinite else { throw ValidationError("--unit must be from 0 to 1000 万元 (got \(unit))") }
        guard confidence >= 0 && confidence < 1 else { throw ValidationError("--confidence must be from 0 to below 1 (got \(confidence))") }
        if let c = checkTrials, c < 100 || c > 10_000_000 { throw ValidationError("--check-trials must be from 100 to 10000000 (got \(c))") }
        if let t = simulation.trials, t < 100 { throw ValidationError("--trials must be at least 100 for rebalance (got \(t))") }
    }

    func run() throws {
        let lang = scenario.lang
        do {
            let start = Date()
            let loaded = try scenario.load()
            let sc = loaded.scenario
            let seed = simulation.seed(for: sc)
            let trials = simulation.whatIfTrials(for: sc)
            // The scenario's own simulation.trials may be below what rebalance needs.
            let needed = Swift.max(100, confidence > 0 && !joint ? Rebalance.trialsNeeded(alpha: maxShort, confidence: confidence) : 100)
            guard trials >= needed, (checkTrials ?? trials) >= 100 else {
                throw UsageError(
                    zh: "试验次数 \(trials) 太少：要以 \(formatNumber(confidence * 100))% 的置信度保证不足概率不超过 \(formatNumber(maxShort * 100))%，至少需要 \(needed) 次试验（--trials \(needed) 或更多；或用 --confidence 0 只按点估计求解）",
                    en: "\(trials) trials are too few: a chance of running short of at most \(formatNumber(maxShort * 100))% with \(formatNumber(confidence * 100))% confidence needs at least \(needed) trials (--trials \(needed) or more; or --confidence 0 for the point estimate)")
            }
            let options = Rebalance.Options(alpha: maxShort, target: joint ? .joint : .perLine, unit: unit, hold: Set(hold), confidence: confidence)
            let study = try Rebalance.study(loaded, options: options, trials: trials, checkTrials: checkTrials ?? trials, seed: seed,
                                            threads: simulation.threadCount, sampling: simulation.sampling, withCaps: withCaps)
            let out = simulation.output ?? "Output/\(sc.id)/rebalance"
            let fields = Manifest.RebalanceFields(
                maxShort: maxShort, confidence: confidence, target: joint ? "joint" : "per_line", unitWan: unit, hold: hold.map(\.rawValue),
                checkSeed: String(study.checkSeed), checkTrials: study.checkTrials, feasible: study.proposal.feasible, withCaps: withCaps,
                capsWan: study.caps ?? [], extraWan: Dictionary(uniqueKeysWithValues: zip(sc.funding.map(\.id), study.proposal.extra)))
            let warnings = try RebalanceReport.write(study, loaded: loaded, to: out, manifest: fields, trials: trials,
                                                     invocation: invocation(start, seed: seed, threads: simulation.threadCount),
                                                     docx: !documents.noDocx)
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
            t += caps == draft ? (lang == .zh ? "补助上限无需调整。\n" : "The caps need no change.\n")
                : st.capsFit ? (lang == .zh ? "补助上限降为：\(text)\n" : "Caps lowered to: \(text)\n")
                : (lang == .zh ? "即使上限降到 0 也达不到目标（见 summary.md）\n" : "Not even caps of 0 meet the target (see summary.md)\n")
        }
        if !st.proposal.feasible {
            t += lang == .zh ? "现有资金达不到目标：还差 \(formatNumber(st.proposal.extra.reduce(0, +))) 万元（见 summary.md）\n"
                             : "The money cannot meet the target: \(formatNumber(st.proposal.extra.reduce(0, +))) 万元 short (see summary.md)\n"
        }
        for (b, a) in zip(st.before, st.after) {
            let worst = zip(b.lines, a.lines).map { "\($0.0.clause) \(pct($0.0.overrunProbability))→\(pct($0.1.overrunProbability))" }
            t += "  \(a.id)：" + worst.joined(separator: "  ") + "\n"
        }
        t += lang == .zh ? "输出：\(out)/summary.md；情景文件：\(out)/rebalanced.yaml" : "output: \(out)/summary.md; scenario: \(out)/rebalanced.yaml"
        return t
    }

    func pct(_ p: Double) -> String { CSVTable.fixed(p * 100, 1) + "%" }
}

extension LineID: ExpressibleByArgument {}
