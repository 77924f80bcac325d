import ArgumentParser
import Foundation
import SubsidyEngine
import SubsidyModel
import SubsidyReport

/// A folder name from key paths: `policy.batches[0].cap` → `policy.batches_0_.cap`.
func folderName(_ parts: [String]) -> String {
    parts.map { p in String(p.map { $0.isLetter || $0.isNumber || "._-".contains($0) ? $0 : "_" }) }.joined(separator: "+")
}

/// The manifest's record of how this command was started.
func invocation(_ start: Date, seed: UInt64, threads: Int) -> Manifest.Invocation {
    Manifest.Invocation(version: SubsidySim.version, commandLine: CommandLine.arguments, start: start, seed: seed, threads: threads)
}

/// `subsidysim sweep`: one or two keys over a range, every point on common random numbers.
struct SweepCommand: ParsableCommand {
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
    var line: LineChoice = .line(.transformation)

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
    }

    func run() throws {
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
                case let .failure(e): throw e
                }
            }
            let points = axes.map(\.texts.count).reduce(1, *)
            guard points * loaded.variants.count <= 2000 else {
                printError(lang == .zh ? "扫描点数 × 方案数 = \(points * loaded.variants.count)，超过上限 2000" : "points × variants = \(points * loaded.variants.count) is above the limit of 2000")
                throw ExitCode(64)
            }
            let sc = loaded.scenario
            let seed = simulation.seed(for: sc)
            let trials = simulation.whatIfTrials(for: sc)
            let probe = CompiledModel(loaded, seed: seed)
            let (design, _) = try designFor(probe, sc, seed: seed, sampling: simulation.sampling)
            let lines = [line.lineID ?? .transformation]
            let bar = ProgressBar(label: lang == .zh ? "扫描" : "sweeping", quiet: quiet)
            let r = try WhatIf.sweep(loaded, axes: axes, lines: lines, trials: trials, seed: seed, threads: simulation.threadCount,
                                     design: design) { d, t in bar.update(d, t) }
            bar.finish()
            let out = simulation.output ?? "Output/\(sc.id)/sweep-\(folderName(axes.map(\.path.description)))"
            let warnings = try SweepReport.write(r, loaded: loaded, line: line.id, to: out,
                                                 invocation: invocation(start, seed: seed, threads: simulation.threadCount))
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
struct SolveCommand: ParsableCommand {
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
    @Option(help: "Line whose overrun is limited (or total).") var line: LineChoice = .line(.transformation)
    @Option(help: "Target: P(line demand > line budget) ≤ this.") var maxOverrun: Double?
    @Option(help: "Underspending target: the restricted source's money used at least this fraction ...") var minUse: Double?
    @Option(help: "... with probability at least 1 − alpha.") var alpha: Double = 0.05
    @Option(help: "Funding source id for --min-use (default: the source whose only_lines restricts it, e.g. regional).") var source: String?
    @Option(help: "Lattice step of the search (default: caps and awards 0.1万, rates 0.001, counts 1).") var step: Double?
    @Flag(help: "Find the smallest feasible value instead of the largest.") var minimize = false
    @Flag(help: "Search whole numbers only (default for counts).") var integer = false
    @Flag(help: "JSON on standard output.") var json = false
    @Flag(help: "No summary on the terminal.") var quiet = false

    func validate() throws {
        guard (maxOverrun == nil) != (minUse == nil) else { throw ValidationError("give exactly one of --max-overrun or --min-use") }
        if let m = maxOverrun, !(m > 0 && m < 1) { throw ValidationError("--max-overrun must be between 0 and 1 (got \(m))") }
        if let u = minUse, !(u > 0 && u <= 1) { throw ValidationError("--min-use must be in (0, 1] (got \(u))") }
        guard alpha > 0 && alpha < 1 else { throw ValidationError("--alpha must be between 0 and 1") }
        if let st = step, !(st > 0 && st.isFinite) { throw ValidationError("--step must be a positive number (got \(st))") }
        let p = interval.split(separator: ":", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard p.count == 2, let a = p[0], let b = p[1], a.isFinite, b.isFinite, a < b else {
            throw ValidationError("--in must be a:b with a < b (got \(interval)); a negative start is written --in=-5:5 or --in -5:5")
        }
        guard abs(a) <= Limits.maxAmount, abs(b) <= Limits.maxAmount else {
            throw ValidationError("--in \(interval) is outside [-1e9, 1e9], the range of any scenario number (money at most 1e9 万元; rates in [0, 1])")
        }
        guard ScenarioPath(vary) != nil else { throw ValidationError("--vary must be a key path such as policy.batches[0].cap") }
    }

    func run() throws {
        let lang = scenario.lang
        do {
            let start = Date()
            let loaded = try scenario.load()
            let q = try SolveReport.Question(loaded, vary: vary, interval: interval, line: line.lineID, maxOverrun: maxOverrun,
                                             minUse: minUse, alpha: alpha, source: source, step: step, minimize: minimize,
                                             integer: integer, trials: simulation.trials)
            let sc = loaded.scenario
            let seed = simulation.seed(for: sc)
            let (design, _) = try designFor(CompiledModel(loaded, seed: seed), sc, seed: seed, sampling: simulation.sampling)
            let out = simulation.output ?? "Output/\(sc.id)/solve-\(folderName([vary]))"
            let r = try SolveReport.run(q, loaded: loaded, design: design, invocation: invocation(start, seed: seed, threads: simulation.threadCount),
                                        to: out)
            for w in r.warnings { printError(w) }
            if json {
                print(String(decoding: try SolveReport.json(r.answers), as: UTF8.self))
            } else if !quiet {
                for a in r.answers { print(SolveReport.sentence(a, q, scenario: sc, lang: lang)) }
                print(lang == .zh ? "输出：\(out)/summary.md" : "output: \(out)/summary.md")
            }
        } catch {
            throw Exit.fail(error, lang: lang)
        }
    }
}

/// `subsidysim sensitivity`: which trial-level input drives the answer.
struct SensitivityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sensitivity",
        abstract: "Tornado, spider, deciles, Spearman and Sobol indices of the trial-level inputs.",
        discussion: "Example: subsidysim sensitivity --output-metric transformation --variant text"
    )

    @OptionGroup var scenario: ScenarioOptions
    @OptionGroup var simulation: SimulationOptions

    @Option(help: "total_demand, a line id (transformation, cloud, ...) or regional_unspent.")
    var outputMetric: OutputMetric = .totalDemand
    @Option(help: "Sobol base sample size N (a power of two; cost (k+2)·N trials).") var sobolN: Int = 4096
    @Option(help: "Trials per one-at-a-time point (tornado, spider).") var oatTrials: Int = 2000
    @Flag(help: "No summary on the terminal.") var quiet = false

    func validate() throws {
        guard sobolN >= 64, sobolN <= 1 << 18, sobolN & (sobolN - 1) == 0 else { throw ValidationError("--sobol-n must be a power of two from 64 to 262144") }
        guard oatTrials >= 100, oatTrials <= 1_000_000 else { throw ValidationError("--oat-trials must be from 100 to 1000000") }
    }

    func run() throws {
        let lang = scenario.lang
        do {
            let start = Date()
            let loaded = try scenario.load()
            let sc = loaded.scenario
            let seed = simulation.seed(for: sc)
            let metric = outputMetric
            let mcTrials = simulation.trials ?? 20_000
            let (mcDesign, _) = try designFor(CompiledModel(loaded, seed: seed), sc, seed: seed, sampling: simulation.sampling)
            // Every variant is analysed before anything is written: one that fails leaves nothing half-written.
            var results: [SensitivityResult] = []
            for v in loaded.variants.indices {
                do {
                    results.append(try Sensitivity.analyse(loaded, variant: v, metric: metric, seed: seed, threads: simulation.threadCount,
                                                           oatTrials: oatTrials, mcTrials: mcTrials, sobolN: sobolN, design: mcDesign))
                } catch let e as AnalysisError {
                    let v = loaded.variants[v].id
                    printError(lang == .zh ? "\(loaded.file)：方案 \(v)：敏感性分析无法进行：\(e.text(.zh))"
                                           : "\(loaded.file): variant \(v): sensitivity analysis cannot run: \(e.text(.en))")
                    throw ExitCode(65)
                }
            }
            let single = results.count == 1
            let out = simulation.output
                ?? "Output/\(sc.id)/sensitivity-\(metric.id)" + (single ? "-\(loaded.variants[0].id)" : "")
            let warnings = try SensitivityReport.write(results, loaded: loaded, to: out,
                                                       invocation: invocation(start, seed: seed, threads: simulation.threadCount))
            for w in warnings { printError(w) }
            if !quiet {
                for r in results { print(SensitivityReport.paragraph(r)) }
                let secs = results.map(\.seconds).reduce(0, +)
                print(lang == .zh ? "输出：\(out)/summary.md（\(CSVTable.fixed(secs, 1)) 秒）" : "output: \(out)/summary.md (\(CSVTable.fixed(secs, 1)) s)")
            }
        } catch {
            throw Exit.fail(error, lang: lang)
        }
    }
}
