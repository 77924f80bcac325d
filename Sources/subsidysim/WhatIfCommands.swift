import ArgumentParser
import Foundation
import SubsidyEngine
import SubsidyModel
import SubsidyReport

/// A folder name from key paths: `policy.batches[0].cap` → `policy.batches_0_.cap`.
func folderName(_ parts: [String]) -> String {
    parts.map { p in String(p.map { $0.isLetter || $0.isNumber || "._-".contains($0) ? $0 : "_" }) }.joined(separator: "+")
}

func baseFields(_ command: String, _ loaded: LoadedScenario, seed: UInt64, trials: Int, threads: Int, start: Date) -> [String: Any] {
    ["command": command, "version": SubsidySim.version, "scenario": Manifest.scenario(loaded), "seed": String(seed), "trials": trials,
     "threads": threads, "command_line": CommandLine.arguments, "start_time": ISO8601DateFormatter().string(from: start),
     "wall_seconds": (Date().timeIntervalSince(start) * 1000).rounded() / 1000]
}

/// `subsidysim sweep`: one or two keys over a range, every point on common random numbers.
struct SweepCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Sweep one or two keys (rates, caps, awards, pilot size, population parameters) and chart the answer.",
        discussion: """
        RANGE is a:b:step (inclusive) or v1,v2,... Points that change only policy share every trial's firms, \
        so a policy sweep costs little more than one run. Example:
          subsidysim sweep --set 'policy.batches[0].cap=30:60:5' --line transformation
          subsidysim sweep --set 'policy.batches[0].cap=30:60:3' --set 'policy.batches[0].rate=0.4:0.7:0.03'
        (--sweep KEY=RANGE is the same; a --set without a range is a plain override of every point.)
        """
    )

    @OptionGroup var scenario: ScenarioOptions
    @OptionGroup var simulation: SimulationOptions

    @Option(name: .customLong("sweep"), help: ArgumentHelp("The key to sweep and its range (one or two).", valueName: "KEY=RANGE"))
    var sweeps: [String] = []

    @Option(help: "Budget line the charts show (transformation, benchmark, ..., or total).")
    var line: String = "transformation"

    @Flag(help: "No progress bar or summary on the terminal.")
    var quiet = false

    /// `--set KEY=a:b:step` and `--set KEY=v1,v2` are sweep axes too (as the issue writes them);
    /// any other `--set` is a plain override of every point.
    static func isRange(_ s: String) -> Bool {
        guard let eq = s.firstIndex(of: "=") else { return false }
        let v = s[s.index(after: eq)...].trimmingCharacters(in: .whitespaces)
        if v.hasPrefix("{") || v.hasPrefix("[") { return false }
        let colon = v.split(separator: ":", omittingEmptySubsequences: false)
        if colon.count == 3 && colon.allSatisfy({ Double($0.trimmingCharacters(in: .whitespaces)) != nil }) { return true }
        return v.contains(",")
    }

    var axesSpecs: [String] { sweeps + scenario.sets.filter(Self.isRange) }

    func validate() throws {
        guard (1...2).contains(axesSpecs.count) else { throw ValidationError("give one or two keys to sweep: --set KEY=a:b:step or --set KEY=v1,v2,...") }
        guard line == "total" || LineID(rawValue: line) != nil else {
            throw ValidationError("--line must be total or one of: \(LineID.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() async throws {
        let lang = scenario.lang
        do {
            let start = Date()
            var plain = scenario
            plain.sets = scenario.sets.filter { !Self.isRange($0) }
            let loaded = try plain.load()
            var axes: [SweepAxis] = []
            for s in axesSpecs {
                switch SweepAxis.parse(s) {
                case let .success(a): axes.append(a)
                case let .failure(e): throw ScenarioFailure(e, lang: lang)
                }
            }
            let points = axes.map(\.texts.count).reduce(1, *)
            guard points * loaded.variants.count <= 2000 else {
                printError(lang == .zh ? "扫描点数 × 方案数 = \(points * loaded.variants.count)，超过上限 2000" : "points × variants = \(points * loaded.variants.count) is above the limit of 2000")
                throw ExitCode(64)
            }
            let sc = loaded.scenario
            let seed = simulation.seed ?? sc.simulation.seed
            let trials = simulation.trials ?? Swift.min(sc.simulation.trials, 20_000)
            let probe = CompiledModel(loaded, seed: seed)
            let (design, _) = try designFor(probe, sc, seed: seed, sampling: simulation.sampling)
            let lines = line == "total" ? [LineID.transformation] : [LineID(rawValue: line)!]
            let bar = ProgressBar(label: lang == .zh ? "扫描" : "sweeping", quiet: quiet)
            let r: SweepResult
            do {
                r = try WhatIf.sweep(loaded, axes: axes, lines: lines, trials: trials, seed: seed, threads: simulation.threadCount,
                                     design: design) { d, t in bar.update(d, t) }
            } catch let e as ScenarioError { throw ScenarioFailure(e, lang: lang) }
            bar.finish()
            let out = simulation.output ?? "Output/\(sc.id)/sweep-\(folderName(axes.map(\.path.description)))"
            let fields = baseFields("sweep", loaded, seed: seed, trials: trials, threads: simulation.threadCount, start: start)
                .merging(["axes": axes.map { ["key": $0.path.description, "values": $0.texts] }, "line": line,
                          "populations_per_trial": r.populations]) { $1 }
            let warnings: [String]
            do { warnings = try SweepReport.write(r, loaded: loaded, line: line, to: out, fields: fields) } catch {
                throw OutputFailure(message: String(describing: error))
            }
            for w in warnings { printError(w) }
            if !quiet {
                print(lang == .zh ? "\(points) 个点 × \(r.variantIDs.count) 个方案，每点 \(r.trials) 次试验，\(r.populations) 种企业总体，用时 \(CSVTable.fixed(r.seconds, 2)) 秒；输出：\(out)/summary.md"
                                  : "\(points) points × \(r.variantIDs.count) variants, \(r.trials) trials each, \(r.populations) populations, \(CSVTable.fixed(r.seconds, 2)) s; output: \(out)/summary.md")
            }
        } catch {
            throw Exit.fail(error, lang: lang)
        }
    }
}

/// `subsidysim solve`: the largest (or smallest) value of a key that meets a risk target.
struct SolveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "solve",
        abstract: "Find the largest (or --minimize smallest) value of a key that keeps a risk below a target.",
        discussion: """
        Example: the largest batch-1 cap whose chance of overrunning （一） stays under 5%, under each variant:
          subsidysim solve --vary policy.batches[0].cap --in 20:80 --line transformation --max-overrun 0.05
        Underspending side: the smallest cap that uses at least 90% of the regional money with probability ≥ 95%:
          subsidysim solve --vary policy.batches[0].cap --in 20:80 --min-use 0.9 --alpha 0.05 --minimize
        Assumes the probability is monotone in the key (true per trial for rates, caps and pilot sizes).
        """
    )

    @OptionGroup var scenario: ScenarioOptions
    @OptionGroup var simulation: SimulationOptions

    @Option(help: "Key path to vary.") var vary: String
    @Option(name: .customLong("in"), help: ArgumentHelp("Search interval a:b.", valueName: "a:b")) var interval: String
    @Option(help: "Line whose overrun is limited (or total).") var line: String = "transformation"
    @Option(help: "Target: P(line demand > line budget) ≤ this.") var maxOverrun: Double?
    @Option(help: "Underspending target: regional money used at least this fraction ...") var minUse: Double?
    @Option(help: "... with probability at least 1 − alpha.") var alpha: Double = 0.05
    @Flag(help: "Find the smallest feasible value instead of the largest.") var minimize = false
    @Flag(help: "Search whole numbers only (default: when both ends are whole and the key holds a whole number).") var integer = false
    @Flag(help: "JSON on standard output.") var json = false
    @Flag(help: "No summary on the terminal.") var quiet = false

    func validate() throws {
        guard (maxOverrun == nil) != (minUse == nil) else { throw ValidationError("give exactly one of --max-overrun or --min-use") }
        if let m = maxOverrun, !(m > 0 && m < 1) { throw ValidationError("--max-overrun must be between 0 and 1 (got \(m))") }
        if let u = minUse, !(u > 0 && u <= 1) { throw ValidationError("--min-use must be in (0, 1] (got \(u))") }
        guard alpha > 0 && alpha < 1 else { throw ValidationError("--alpha must be between 0 and 1") }
        guard line == "total" || LineID(rawValue: line) != nil else {
            throw ValidationError("--line must be total or one of: \(LineID.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let p = interval.split(separator: ":", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard p.count == 2, let a = p[0], let b = p[1], a.isFinite, b.isFinite, a < b else {
            throw ValidationError("--in must be a:b with a < b (got \(interval)); a negative start is written --in=-5:5 or --in -5:5")
        }
        guard abs(a) <= Limits.maxAmount, abs(b) <= Limits.maxAmount else {
            throw ValidationError("--in \(interval) is outside [-1e9, 1e9], the range of any scenario number (money at most 1e9 万元; rates in [0, 1])")
        }
        guard KeyPath(vary) != nil else { throw ValidationError("--vary must be a key path such as policy.batches[0].cap") }
    }

    func run() async throws {
        let lang = scenario.lang
        do {
            let start = Date()
            let loaded = try scenario.load()
            let path = KeyPath(vary)!
            guard let node = loaded.tree.get(path) else {
                printError(lang == .zh ? "--vary：情景中没有 \(vary)" : "--vary: the scenario has no \(vary)")
                throw ExitCode(64)
            }
            var bounds = interval.split(separator: ":", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces))! }
            _ = node
            // Counts are searched as whole numbers: firm counts, award counts, case and provider counts.
            let countKeys = ["population.firms", "population.chain_cases", "population.service_providers"]
            let whole = integer || countKeys.contains { vary.hasPrefix($0) } || vary.hasSuffix(".count")
            if whole {
                // Whole-number keys search whole numbers: the ends round inward (0.5:5 → 1:5).
                let (a, b) = (bounds[0].rounded(.up), bounds[1].rounded(.down))
                guard a <= b else {
                    printError(lang == .zh ? "--in \(interval)：\(vary) 取整数，区间内没有整数" : "--in \(interval): \(vary) takes whole numbers and the interval holds none")
                    throw ExitCode(64)
                }
                bounds = [a, b]
            }
            let sc = loaded.scenario
            let seed = simulation.seed ?? sc.simulation.seed
            let trials = simulation.trials ?? Swift.min(sc.simulation.trials, 20_000)
            let (design, _) = try designFor(CompiledModel(loaded, seed: seed), sc, seed: seed, sampling: simulation.sampling)
            let metric: WhatIf.SolveMetric = minUse.map { .underuse(fraction: $0) } ?? .overrun(line == "total" ? nil : LineID(rawValue: line))
            let target = maxOverrun ?? alpha
            let answers: [WhatIf.SolveAnswer]
            do {
                answers = try WhatIf.solve(loaded, path: path, low: bounds[0], high: bounds[1], integer: whole, metric: metric, target: target,
                                           minimize: minimize, trials: trials, seed: seed, threads: simulation.threadCount, design: design)
            } catch let e as ScenarioError { throw ScenarioFailure(e, lang: lang) }
            let what = minUse != nil ? "自治区资金使用不足 \(CSVTable.fixed(minUse! * 100, 0))% 的概率"
                : (line == "total" ? "总需求超过总资金的概率" : "\(LineID(rawValue: line)!.clause)\(LineID(rawValue: line)!.chineseName)超支概率")
            let out = simulation.output ?? "Output/\(sc.id)/solve-\(folderName([vary]))"
            var folder = OutputFolder(out)
            folder.add("solve.csv", SolveReport.table(answers, key: vary).data)
            folder.add("points.csv", SolveReport.points(answers).data)
            let draft = loaded.variants.map { loaded.number(at: path, variant: $0.id) }
            folder.add("charts/solve.gp", text: SolveReport.chart(answers, key: vary, target: target, what: what, title: sc.title, draft: draft))
            var text = ""
            for a in answers {
                let n = { (x: Double?) in x.map { formatNumber(($0 * 10_000).rounded() / 10_000) } ?? "—" }
                switch a.status {
                case .noneFeasible:
                    text += lang == .zh ? "\(a.label)：区间 \(interval) 内没有满足目标的取值（\(what)始终高于 \(CSVTable.fixed(target * 100, 1))%）\n"
                                        : "\(a.variant): no value in \(interval) meets the target\n"
                default:
                    let edge: String
                    switch a.status {
                    case .allFeasible: edge = lang == .zh ? "（整个区间都满足目标，答案为区间端点）" : " (the whole interval meets the target; the answer is its end)"
                    case .atBound: edge = lang == .zh ? "（满足目标的一侧延伸到区间端点，答案为端点；可放宽 --in 再求）" : " (the feasible side reaches the end of --in; the answer is that end)"
                    default: edge = ""
                    }
                    text += lang == .zh
                        ? "\(a.label)：\(vary) \(minimize ? "最小" : "最大")取 \(n(a.x))\(edge)，此时\(what)为 \(CSVTable.fixed((a.p ?? 0) * 100, 2))%（95%区间 \(CSVTable.fixed((a.pLow ?? 0) * 100, 2))–\(CSVTable.fixed((a.pHigh ?? 0) * 100, 2))%）；答案区间约 [\(n(a.xLow)), \(n(a.xHigh))]\n"
                        : "\(a.variant): \(minimize ? "smallest" : "largest") \(vary) = \(n(a.x))\(edge), P = \(CSVTable.fixed((a.p ?? 0) * 100, 2))% (95% CI \(CSVTable.fixed((a.pLow ?? 0) * 100, 2))–\(CSVTable.fixed((a.pHigh ?? 0) * 100, 2))%); answer interval about [\(n(a.xLow)), \(n(a.xHigh))]\n"
                }
            }
            folder.add("summary.md", text: "# \(sc.title)：求解 `\(vary)`\n\n> 目标：\(what) ≤ \(CSVTable.fixed(target * 100, 1))%；每个取值 \(trials) 次试验，同一批模拟企业；区间 \(interval)。\n\n"
                + text.split(separator: "\n").map { "- \($0)" }.joined(separator: "\n") + "\n\n![求解](charts/solve.png)\n")
            let fields = baseFields("solve", loaded, seed: seed, trials: trials, threads: simulation.threadCount, start: start)
                .merging(["vary": vary, "interval": interval, "target": target, "metric": minUse != nil ? "underuse" : "overrun", "line": line,
                          "minimize": minimize, "integer": whole]) { $1 }
            var warnings: [String] = []
            do {
                try folder.commit { tmp in
                    warnings = Charts.render(folder: tmp.appendingPathComponent("charts"), scripts: ["solve.gp"])
                    try Manifest.write(in: tmp, fields: fields)
                }
            } catch { throw OutputFailure(message: String(describing: error)) }
            for w in warnings { printError(w) }
            if json {
                let rows: [[String: Any]] = answers.map { a in
                    ["variant": a.variant, "status": a.status.rawValue, "answer": a.x as Any, "answer_low": a.xLow as Any, "answer_high": a.xHigh as Any,
                     "p": a.p as Any, "p_low": a.pLow as Any, "p_high": a.pHigh as Any]
                }
                let data = try JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else if !quiet {
                print(text + (lang == .zh ? "输出：\(out)/summary.md" : "output: \(out)/summary.md"))
            }
        } catch {
            throw Exit.fail(error, lang: lang)
        }
    }
}

/// `subsidysim sensitivity`: which trial-level input drives the answer.
struct SensitivityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sensitivity",
        abstract: "Tornado, spider, deciles, Spearman and Sobol indices of the trial-level inputs.",
        discussion: "Example: subsidysim sensitivity --output-metric transformation --variant text"
    )

    @OptionGroup var scenario: ScenarioOptions
    @OptionGroup var simulation: SimulationOptions

    @Option(help: "total_demand, a line id (transformation, cloud, ...) or regional_unspent.")
    var outputMetric: String = "total_demand"
    @Option(help: "Sobol base sample size N (a power of two; cost (k+2)·N trials).") var sobolN: Int = 4096
    @Option(help: "Trials per one-at-a-time point (tornado, spider).") var oatTrials: Int = 2000
    @Flag(help: "No summary on the terminal.") var quiet = false

    func validate() throws {
        guard OutputMetric.parse(outputMetric) != nil else {
            throw ValidationError("--output-metric must be total_demand, regional_unspent or a line id (\(LineID.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard sobolN >= 64, sobolN <= 1 << 18, sobolN & (sobolN - 1) == 0 else { throw ValidationError("--sobol-n must be a power of two from 64 to 262144") }
        guard oatTrials >= 100, oatTrials <= 1_000_000 else { throw ValidationError("--oat-trials must be from 100 to 1000000") }
    }

    func run() async throws {
        let lang = scenario.lang
        do {
            let start = Date()
            let loaded = try scenario.load()
            let sc = loaded.scenario
            let seed = simulation.seed ?? sc.simulation.seed
            let metric = OutputMetric.parse(outputMetric)!
            let mcTrials = simulation.trials ?? 20_000
            let (mcDesign, _) = try designFor(CompiledModel(loaded, seed: seed), sc, seed: seed, sampling: simulation.sampling)
            var written: [String] = []
            for v in loaded.variants.indices {
                let r: SensitivityResult
                do {
                    r = try Sensitivity.analyse(loaded, variant: v, metric: metric, seed: seed, threads: simulation.threadCount,
                                                oatTrials: oatTrials, mcTrials: mcTrials, sobolN: sobolN, design: mcDesign)
                } catch let e as AnalysisError {
                    let v = loaded.variants[v].id
                    printError(lang == .zh ? "\(loaded.file)：方案 \(v)：敏感性分析无法进行：\(e.text(.zh))"
                                           : "\(loaded.file): variant \(v): sensitivity analysis cannot run: \(e.text(.en))")
                    throw ExitCode(65)
                }
                let out = simulation.output.map { loaded.variants.count > 1 ? "\($0)/\(loaded.variants[v].id)" : $0 }
                    ?? "Output/\(sc.id)/sensitivity-\(metric.id)-\(loaded.variants[v].id)"
                let fields = baseFields("sensitivity", loaded, seed: seed, trials: mcTrials, threads: simulation.threadCount, start: start)
                    .merging(["variant": loaded.variants[v].id, "output_metric": metric.id, "sobol_n": sobolN, "oat_trials": oatTrials,
                              "inputs": r.inputs.map(\.id)]) { $1 }
                let warnings: [String]
                do { warnings = try SensitivityReport.write(r, loaded: loaded, to: out, fields: fields) } catch {
                    throw OutputFailure(message: String(describing: error))
                }
                for w in warnings { printError(w) }
                written.append(out)
                if !quiet { print(SensitivityReport.paragraph(r) + "\n" + (lang == .zh ? "输出：\(out)/summary.md（\(CSVTable.fixed(r.seconds, 1)) 秒）\n" : "output: \(out)/summary.md (\(CSVTable.fixed(r.seconds, 1)) s)\n")) }
            }
        } catch {
            throw Exit.fail(error, lang: lang)
        }
    }
}
