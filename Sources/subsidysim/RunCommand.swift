import ArgumentParser
import Foundation
import SubsidyEngine
import SubsidyModel
import SubsidyReport

/// `subsidysim run`: simulate every variant on common random numbers and write the report.
struct RunCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "run",
            abstract: L("模拟情景，写出表格（CSV）、图表、summary.md、报告.docx、结果.xlsx 和 manifest.json。",
                        "Simulate the scenario and write tables, charts, summary.md, 报告.docx, 结果.xlsx and manifest.json."),
            discussion: L("""
            结果写到 Output/<情景 id>/（或 --output 指定的文件夹）：先写到临时文件夹，写完再整体换入，\
            中途出错或被中断时，原来的结果保持不变。情景、种子和试验次数相同，CSV 就逐字节相同，与线程数无关。\
            CSV 中的概率与比例是小数（0.05 即 5%），summary.md 与终端摘要中是百分数。

            示例：
              subsidysim run
              subsidysim run Scenarios/lower-caps.yaml --trials 20000
              subsidysim run --set 'policy.batches[0].cap=45' --variant text
              subsidysim run --precision 0.002 --quiet
              subsidysim run --precision 0.002 --precision-line cloud
              subsidysim run --trials 20000 --no-docx
              subsidysim run --two-level 200x500
            """, """
            Output goes to Output/<scenario id>/ (or --output), written to a temporary folder and \
            renamed into place. Same scenario, seed and trials give byte-identical CSVs for any --threads. \
            Probabilities and shares are fractions in the CSVs (0.05 = 5%) and percentages in summary.md and on the terminal.

            Examples:
              subsidysim run
              subsidysim run Scenarios/lower-caps.yaml --trials 20000
              subsidysim run --set 'policy.batches[0].cap=45' --variant text
              subsidysim run --precision 0.002 --quiet
              subsidysim run --precision 0.002 --precision-line cloud
              subsidysim run --trials 20000 --no-docx
              subsidysim run --two-level 200x500
            """)
        )
    }

    @OptionGroup var scenario: ScenarioOptions
    @OptionGroup var simulation: SimulationOptions
    @OptionGroup var documents: DocumentOptions

    static let precisionCap = 2_000_000

    @Option(name: .customLong("precision"), help: H("按每组 8192 次增加试验，直到（一）资金不足与“总需求超过资金”两个概率（或 --precision-line 指定的概率）的标准误小于 E（如 0.002，即 0.2 个百分点）；最多 2000000 次，达不到时会说明。",
                    "Add blocks of 8192 trials until the standard error of P(（一） short) and P(total demand > funding) (or of the --precision-line estimate) is below E (e.g. 0.002); at most 2,000,000 trials, and the run says so when the target is missed.",
                    value: ("E", "E")))
    var precisionNumber: DecimalNumber?
    var precision: Double? { precisionNumber?.value }

    @Option(name: .customLong("precision-line"),
            help: H("--precision 针对哪个估计：预算行 id（如 transformation、cloud）的资金不足概率，any（至少一条预算行不足）或 total（总需求超过总资金）；不写则针对（一）与总需求两个主要概率。须与 --precision 同用。",
                    "Which estimate --precision targets: a budget line id (e.g. transformation, cloud) for that line's P(short), any (some line short) or total (total demand > funding); default: the headline probabilities (（一） and total). Needs --precision.",
                    value: ("预算行", "LINE")))
    var precisionLine: PrecisionLineChoice?

    @Flag(help: H("另外写出 trials.csv（每次试验的输入与各预算行需求）。", "Also write trials.csv (every trial's inputs and demands)."))
    var dumpTrials = false

    @Flag(help: H("终端上不显示进度条和摘要。", "No progress bar or summary on the terminal."))
    var quiet = false

    @Option(name: .customLong("two-level"),
            help: H("两层模拟：U 组假设（试点规模、通过率、价格水平、上云比例等试验层输入）× 每组 V 批企业，如 200×500（也可写 200x500）；报告各预算行资金不足概率在假设组合间的分布（P10/P50/P90、超过 5% 的组合占比）。共 U·V 次试验，不能与 --trials、--precision 同用。",
                    "Two-level Monte Carlo: U worlds (trial-level inputs: pilot size, pass rates, price level, uptake …) × V populations of firms each, e.g. 200x500; reports each line's P(short | world) across worlds (P10/P50/P90, share of worlds above 5%). U·V trials; not with --trials or --precision.",
                    value: ("U×V", "UxV")))
    var twoLevel: String?

    static let twoLevelLimits = (minWorlds: 20, minPerWorld: 10)

    func validate() throws {
        if let p = precision, !(p > 0 && p < 0.5) {
            throw ValidationError(L("--precision 应在 0 与 0.5 之间（实际 \(formatNumber(p))），如 0.002", "--precision must be between 0 and 0.5 (got \(p))"))
        }
        if let t = twoLevel {
            let lim = RunCommand.twoLevelLimits
            guard let (u, v) = TwoLevel.parse(t), u >= lim.minWorlds, v >= lim.minPerWorld else {
                throw ValidationError(L("--two-level 应写成 U×V（U 组假设 × 每组 V 批企业，U ≥ \(lim.minWorlds)，V ≥ \(lim.minPerWorld)），如 200×500 或 200x500（实际 “\(t)”）",
                                        "--two-level must be U×V (U worlds × V populations each, U ≥ \(lim.minWorlds), V ≥ \(lim.minPerWorld)), e.g. 200x500 (got “\(t)”)"))
            }
            if u * v > RunCommand.precisionCap {
                throw ValidationError(L("--two-level \(t)：共 \(u * v) 次试验，超过上限 \(RunCommand.precisionCap)", "--two-level \(t): \(u * v) trials, more than the cap of \(RunCommand.precisionCap)"))
            }
            if precision != nil {
                throw ValidationError(L("--two-level 不能与 --precision 同用：两层模拟的试验次数是 U·V", "--two-level cannot be combined with --precision: a two-level run has U·V trials"))
            }
            if simulation.trials != nil {
                throw ValidationError(L("--two-level 不能与 --trials 同用：试验次数是 U·V（如 200×500 即 100000 次）", "--two-level cannot be combined with --trials: the trial count is U·V"))
            }
        }
        if precisionLine != nil, precision == nil {
            throw ValidationError(L("--precision-line 须与 --precision 同用，如 --precision 0.002 --precision-line cloud",
                                    "--precision-line needs --precision, e.g. --precision 0.002 --precision-line cloud"))
        }
    }

    func run() throws {
        let lang = scenario.lang
        do {
            let start = Date()
            let loaded = try scenario.load()
            let sc = loaded.scenario
            let seed = simulation.seed(for: sc)
            let levels = twoLevel.flatMap(TwoLevel.parse)
            let trials = levels.map { $0.worlds * $0.perWorld } ?? simulation.trials ?? sc.simulation.trials
            let model = CompiledModel(loaded, seed: seed)
            var (design, repaired) = try designFor(model, sc, seed: seed, sampling: simulation.sampling)
            if let levels {
                design = try TwoLevel.design(base: design, worlds: levels.worlds, perWorld: levels.perWorld, model: model)
            }
            if let r = repaired, !quiet { printError(repairMessage(r, model, lang)) }
            let bar = ProgressBar(label: lang == .zh ? "模拟" : "simulating", quiet: quiet)
            var options = RunOptions(trials: trials, threads: simulation.threadCount, precision: precision,
                                     sampling: design.method, keepInputs: true)
            // --precision stops at 2,000,000 trials (enough for a standard error of 3.5e-4 at p = 0.5,
            // about a minute on a busy two-core machine); a missed target is then reported.
            options.maxTrials = Swift.max(options.trials, RunCommand.precisionCap)
            if let p = precisionLine {
                if case .line(let l) = p, !model.layout.lines.contains(l) {
                    let valid = model.layout.lines.map(\.rawValue) + ["any", "total"]
                    throw UsageError(zh: "--precision-line \(l.rawValue)：本情景没有这个预算行；可选：\(valid.joined(separator: "、"))",
                                     en: "--precision-line \(l.rawValue): this scenario has no such line; valid: \(valid.joined(separator: ", "))")
                }
                options.precisionEstimate = p.estimate
            }
            try checkMemory(model, &options, lang: lang, what: simulation.trials == nil ? "\(loaded.file): simulation.trials" : "--trials")
            let result = try Simulator.run(model, options: options, design: design) { done, total in bar.update(done, total) }
            bar.finish()
            let findings = Audit.findings(loaded, expectations: Audit.expectations(from: result, loaded: loaded))
            var report = RunReport(loaded: loaded, result: result, findings: findings, commandLine: CommandLine.arguments,
                                   startTime: start, dumpTrials: dumpTrials, programVersion: SubsidySim.version, sampling: design.method)
            if let levels { report.twoLevel = TwoLevel.analyse(result, worlds: levels.worlds, perWorld: levels.perWorld) }
            report.writeDocx = !documents.noDocx
            report.writeWorkbook = !documents.noXlsx
            let out = simulation.output ?? "Output/\(sc.id)"
            let warnings = try report.write(to: out)
            for w in warnings { printError(w) }
            // The folder was replaced as a whole: a document in it now is one this run wrote.
            let written = [WordReport.fileName, RunWorkbook.fileName].filter { FileManager.default.fileExists(atPath: out + "/" + $0) }
            if !quiet { print(terminalSummary(result, out: out, lang: lang, seconds: Date().timeIntervalSince(start), documents: written)) }
        } catch {
            throw Exit.fail(error, lang: lang)
        }
    }
}

/// Memory grows with trials (every trial's stored fields are kept for exact quantiles): refuse a
/// trial count whose columns would not fit in half of this machine's memory before anything runs,
/// and keep a --precision run's trial cap (10⁷) within the same bound.
/// `what`: where the count came from (`--trials`, or the scenario file's `simulation.trials`).
func checkMemory(_ model: CompiledModel, _ options: inout RunOptions, lang: Language, what: String = "--trials") throws {
    let per = Double(Simulator.bytesPerTrial(model, options: options))
    // Half of the physical memory, or of what the address-space limit (ulimit -v) leaves, when lower.
    let budget = Simulator.memoryBudget()
    let most = Int((budget / Swift.max(per, 1)).rounded(.down) / 8192) * 8192
    let gb = { (x: Double) in String(format: "%.1f", x / 1e9) }
    if Double(options.trials) * per > budget {
        printError(lang == .zh
            ? "\(what) \(options.trials)：需要约 \(gb(Double(options.trials) * per)) GB 内存（每次试验 \(Int(per)) 字节，\(model.variantCount) 个方案），超过本机内存的一半（\(gb(budget)) GB）；本机最多 \(most) 次试验"
            : "\(what) \(options.trials) needs about \(gb(Double(options.trials) * per)) GB of memory (\(Int(per)) bytes per trial, \(model.variantCount) variants), more than half of this machine's memory (\(gb(budget)) GB); at most \(most) trials here")
        throw ExitCode(what == "--trials" ? 64 : 65)   // the option's value, or the file's
    }
    if options.precision != nil, Double(options.maxTrials) * per > budget { options.maxTrials = Swift.max(most, options.trials) }
}

func designFor(_ model: CompiledModel, _ sc: Scenario, seed: UInt64, sampling: SamplingMethod?) throws -> (TrialDesign, [[Double]]?) {
    do {
        let r = try TrialDesign.forScenario(model, scenario: sc, sampling: sampling, seed: seed)
        return (r.design, r.repaired)
    } catch {
        throw ScenarioFailure(error, lang: Lang.current)
    }
}

func repairMessage(_ m: [[Double]], _ model: CompiledModel, _ lang: Language) -> String {
    let ids = model.inputs.map(\.id)
    var s = lang == .zh ? "警告：相关矩阵不是正定的，已修正为最接近的正定矩阵：\n" : "warning: the correlation matrix is not positive definite; repaired to:\n"
    for (i, row) in m.enumerated() where row.enumerated().contains(where: { $0.offset != i && $0.element != 0 }) {
        s += "  \(ids[i]): " + row.map { String(format: "%6.3f", $0) }.joined(separator: " ") + "\n"
    }
    return s
}

/// `documents`: the review documents this run wrote (报告.docx, 结果.xlsx), named after summary.md.
func terminalSummary(_ r: SimulationResult, out: String, lang: Language, seconds: Double, documents: [String] = []) -> String {
    let s = r.summaries()
    var t = ""
    for v in s {
        let tot = v.total
        let tr = v.lines.first { $0.line == .transformation }
        if lang == .zh {
            t += "\(v.label)：（一）资金不足的概率 \(percentText(tr?.overrunProbability ?? 0))；至少一条预算行不足 \(percentText(v.anyLineShort))；"
            t += "总需求均值 \(CSVTable.fixed(tot.demandMean, 2)) 万元，若资金可统筹，超过 \(CSVTable.fixed(tot.budget, 0)) 万元的概率 \(percentText(tot.overrunProbability))（95%区间 \(percentInterval(tot.overrunLow, tot.overrunHigh))）\n"
        } else {
            t += "\(v.id): P(（一） short) = \(percentText(tr?.overrunProbability ?? 0)); P(some line short) = \(percentText(v.anyLineShort)); "
            t += "mean total demand \(CSVTable.fixed(tot.demandMean, 2)) 万元; if all money were pooled, P(demand > \(CSVTable.fixed(tot.budget, 0))) = \(percentText(tot.overrunProbability)) (95% CI \(percentInterval(tot.overrunLow, tot.overrunHigh, en: true)))\n"
        }
    }
    if let e = r.precisionTarget {
        t += lang == .zh ? "--precision \(formatNumber(e)) 针对\(r.precisionEstimate.chinese)；最大标准误 \(String(format: "%.2g", r.precisionReached ?? 0))\n"
                         : "--precision \(formatNumber(e)) targeted \(r.precisionEstimate.english); largest standard error \(String(format: "%.2g", r.precisionReached ?? 0))\n"
    }
    if r.precisionMissed, let e = r.precisionTarget, let got = r.precisionReached {
        t += lang == .zh ? "注意：未达到 --precision \(formatNumber(e))：已到试验上限 \(r.trials) 次，标准误仍为 \(String(format: "%.2g", got))\n"
                         : "note: --precision \(formatNumber(e)) was not reached: the trial cap of \(r.trials) was hit with a standard error of \(String(format: "%.2g", got))\n"
    }
    t += lang == .zh ? "\(r.trials) 次试验，\(r.threads) 线程，用时 \(CSVTable.fixed(seconds, 2)) 秒；输出：\(out)/summary.md"
                     : "\(r.trials) trials, \(r.threads) threads, \(CSVTable.fixed(seconds, 2)) s; output: \(out)/summary.md"
    for d in documents { t += lang == .zh ? "、\(out)/\(d)" : ", \(out)/\(d)" }
    return t
}
