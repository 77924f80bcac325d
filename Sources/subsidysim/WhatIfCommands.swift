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
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "sweep",
            abstract: L("让一个或两个键（比例、上限、奖励金额、试点企业数、总体参数）在一个范围内取值，画出结果如何变化。",
                        "Sweep one or two keys (rates, caps, awards, pilot size, population parameters) and chart the answer."),
            discussion: L("""
            范围写作 a:b:步长（含两端）或 v1,v2,…。--set 键=范围 与 --sweep 键=范围 相同；不带范围的 --set \
            只是对每个点都改这个值。只改政策的各点用同一批模拟企业，所以扫描政策参数的耗时与一次 run 相近。\
            结果在 Output/<情景 id>/sweep-<键>/：sweep.csv、summary.md 和图表（一个键：band、overrun；两个键：各方案的热图）。

            示例：
              subsidysim sweep --set 'policy.batches[0].cap=30:60:5' --line transformation
              subsidysim sweep --set 'policy.batches[0].cap=30:60:3' --set 'policy.batches[0].rate=0.4:0.7:0.03'
              subsidysim sweep --set 'population.firms.per_batch[0]=40,50,60,70'
            """, """
            RANGE is a:b:step (inclusive) or v1,v2,... (--sweep KEY=RANGE is the same as --set KEY=RANGE; a --set \
            without a range is a plain override of every point). Points that change only policy share every trial's firms, \
            so a policy sweep costs little more than one run. Output: Output/<scenario id>/sweep-<keys>/.

            Examples:
              subsidysim sweep --set 'policy.batches[0].cap=30:60:5' --line transformation
              subsidysim sweep --set 'policy.batches[0].cap=30:60:3' --set 'policy.batches[0].rate=0.4:0.7:0.03'
              subsidysim sweep --set 'population.firms.per_batch[0]=40,50,60,70'
            """)
        )
    }

    @OptionGroup var scenario: ScenarioOptions
    @OptionGroup var simulation: SimulationOptions

    @Option(name: .customLong("sweep"), help: H("要扫描的键及其范围（一个或两个），同 --set 键=范围。", "The key to sweep and its range (one or two).",
                                                value: ("键=范围", "KEY=RANGE")))
    var sweeps: [String] = []

    @Option(help: H("图表显示的预算行：transformation（（一）数字化改造）、benchmark、…，或 total（总需求）。",
                    "Budget line the charts show (transformation, benchmark, ..., or total).",
                    value: ("预算行", "line")))
    var line: LineChoice = .line(.transformation)

    @Flag(help: H("终端上不显示进度条和摘要。", "No progress bar or summary on the terminal."))
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
        guard (1...2).contains(axesSpecs.count) else {
            throw ValidationError(L("请给出一个或两个要扫描的键：--set 键=a:b:步长 或 --set 键=v1,v2,…（实际 \(axesSpecs.count) 个）",
                                    "give one or two keys to sweep: --set KEY=a:b:step or --set KEY=v1,v2,..."))
        }
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
            // Per trial: the design's uniforms and a column per line or two (~256 bytes at the peak).
            try simulation.checkMemory(trials: trials, bytesPerTrial: 256)
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
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "solve",
            abstract: L("求一个键的最大值（加 --minimize 求最小值），使风险不超过目标。",
                        "Find the largest (or --minimize smallest) value of a key that keeps a risk below a target."),
            discussion: L("""
            假定概率随该键单调变化（对比例、上限和试点企业数，每次试验都如此）。答案取在政策文本的精度上\
            （上限与奖励 0.1 万元，比例 0.1 个百分点，企业数取整），并给出考虑模拟误差的区间。\
            概率目标写小数：0.05 即 5%。

            示例：
              第一批补助上限最大取多少，（一）资金不足的概率仍不超过 5%（每个方案分别求）：
              subsidysim solve --vary 'policy.batches[0].cap' --in 20:80 --line transformation --max-overrun 0.05
              用不完的一面：上限最小取多少，能以 95% 的概率用掉至少 90% 的自治区资金：
              subsidysim solve --vary 'policy.batches[0].cap' --in 20:80 --min-use 0.9 --alpha 0.05 --minimize
            """, """
            Assumes the probability is monotone in the key (true per trial for rates, caps and pilot sizes). \
            Probability targets are fractions: 0.05 = 5%.

            Examples:
              the largest batch-1 cap whose chance of overrunning （一） stays under 5%, under each variant:
              subsidysim solve --vary 'policy.batches[0].cap' --in 20:80 --line transformation --max-overrun 0.05
              underspending side: the smallest cap that uses at least 90% of the regional money with probability ≥ 95%:
              subsidysim solve --vary 'policy.batches[0].cap' --in 20:80 --min-use 0.9 --alpha 0.05 --minimize
            """)
        )
    }

    @OptionGroup var scenario: ScenarioOptions
    @OptionGroup var simulation: SimulationOptions

    @Option(help: H("要调整的键，如 policy.batches[0].cap（第一批补助上限）；键名见 Scenarios/KEYS.md。", "Key path to vary.",
                    value: ("键", "KEY"))) var vary: String
    @Option(name: .customLong("in"), help: H("搜索区间 a:b，如 20:80（负数起点写 --in=-5:5）。", "Search interval a:b.",
                                             value: ("a:b", "a:b"))) var interval: String
    @Option(help: H("限制哪个预算行的资金不足风险（或 total：总需求）。", "Line whose overrun is limited (or total).",
                    value: ("预算行", "line"))) var line: LineChoice = .line(.transformation)
    @Option(name: .customLong("max-overrun"), help: H("目标：该预算行需求超过预算的概率不超过此值（小数，如 0.05 即 5%）。", "Target: P(line demand > line budget) ≤ this.",
                    value: ("概率", "p"))) var maxOverrunNumber: DecimalNumber?
    var maxOverrun: Double? { maxOverrunNumber?.value }
    @Option(name: .customLong("min-use"), help: H("用不完的一面的目标：专项资金至少用掉这个比例（小数，如 0.9 即 90%）……",
                    "Underspending target: the restricted source's money used at least this fraction ...",
                    value: ("比例", "fraction"))) var minUseNumber: DecimalNumber?
    var minUse: Double? { minUseNumber?.value }
    @Option(name: .customLong("alpha"), help: H("……且达到的概率至少为 1 − alpha（如 0.05：至少 95%）。", "... with probability at least 1 − alpha.",
                    value: ("alpha", "alpha"))) var alphaNumber = DecimalNumber(0.05)
    var alpha: Double { alphaNumber.value }
    @Option(help: H("--min-use 所指的资金来源标识（默认：用 only_lines 限定用途的来源，即自治区资金 regional）。",
                    "Funding source id for --min-use (default: the source whose only_lines restricts it, e.g. regional).",
                    value: ("来源", "source"))) var source: String?
    @Option(name: .customLong("step"), help: H("搜索的步长（默认：上限与奖励 0.1 万元，比例 0.001，企业数 1）。",
                    "Lattice step of the search (default: caps and awards 0.1万, rates 0.001, counts 1).",
                    value: ("步长", "step"))) var stepNumber: DecimalNumber?
    var step: Double? { stepNumber?.value }
    @Flag(help: H("求满足目标的最小值，而不是最大值。", "Find the smallest feasible value instead of the largest.")) var minimize = false
    @Flag(help: H("只搜索整数（企业数默认如此）。", "Search whole numbers only (default for counts).")) var integer = false
    @Flag(help: H("在标准输出上输出 JSON。", "JSON on standard output.")) var json = false
    @Flag(help: H("终端上不显示摘要。", "No summary on the terminal.")) var quiet = false

    func validate() throws {
        guard (maxOverrun == nil) != (minUse == nil) else {
            throw ValidationError(L("--max-overrun 与 --min-use 请写且只写一个", "give exactly one of --max-overrun or --min-use"))
        }
        if let m = maxOverrun, !(m > 0 && m < 1) {
            throw ValidationError(L("--max-overrun 应在 0 与 1 之间（实际 \(formatNumber(m))）；0.05 表示 5%", "--max-overrun must be between 0 and 1 (got \(m))"))
        }
        if let u = minUse, !(u > 0 && u <= 1) {
            throw ValidationError(L("--min-use 应大于 0、不超过 1（实际 \(formatNumber(u))）；0.9 表示 90%", "--min-use must be in (0, 1] (got \(u))"))
        }
        guard alpha > 0 && alpha < 1 else {
            throw ValidationError(L("--alpha 应在 0 与 1 之间（实际 \(formatNumber(alpha))）；0.05 表示 5%", "--alpha must be between 0 and 1"))
        }
        if let st = step, !(st > 0 && st.isFinite) {
            throw ValidationError(L("--step 应为正数（实际 \(formatNumber(st))）", "--step must be a positive number (got \(st))"))
        }
        let p = interval.split(separator: ":", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard p.count == 2, let a = p[0], let b = p[1], a.isFinite, b.isFinite, a < b else {
            throw ValidationError(L("--in 应写作 a:b，且 a < b（实际 \(interval)）；负数起点写作 --in=-5:5 或 --in -5:5",
                                    "--in must be a:b with a < b (got \(interval)); a negative start is written --in=-5:5 or --in -5:5"))
        }
        guard abs(a) <= Limits.maxAmount, abs(b) <= Limits.maxAmount else {
            throw ValidationError(L("--in \(interval) 超出 [-1e9, 1e9]，即情景中任何数值的范围（金额至多 1e9 万元；比例在 0 与 1 之间）",
                                    "--in \(interval) is outside [-1e9, 1e9], the range of any scenario number (money at most 1e9 万元; rates in [0, 1])"))
        }
        guard ScenarioPath(vary) != nil else {
            throw ValidationError(L("--vary 应为键路径，如 policy.batches[0].cap（实际 \(vary)）", "--vary must be a key path such as policy.batches[0].cap"))
        }
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
            try simulation.checkMemory(trials: simulation.whatIfTrials(for: sc), bytesPerTrial: 256 * Double(loaded.variants.count))
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
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "sensitivity",
            abstract: L("敏感性分析：哪些不确定的假设最影响结果（龙卷风图、蛛网图、十分位、Spearman 相关与 Sobol 指数）。",
                        "Tornado, spider, deciles, Spearman and Sobol indices of the trial-level inputs."),
            discussion: L("""
            分析的是试验层面的不确定输入（各批试点企业数、完成率与二级达标率、价格水平、上云比例、链式案例……）。\
            --output-metric short_<预算行>（如 short_cloud）分析的是该预算行资金不足的概率，而不是需求均值。\
            结果在 Output/<情景 id>/sensitivity-<指标>…/。

            示例：
              subsidysim sensitivity
              subsidysim sensitivity --output-metric transformation --variant text
              subsidysim sensitivity --output-metric short_cloud --sobol-n 1024
            """, """
            The inputs are the uncertain trial-level ones (pilot firms per batch, completion and pass rates, price level, \
            cloud uptake, chain cases …). --output-metric short_LINE explains the chance that the line runs short.

            Examples:
              subsidysim sensitivity
              subsidysim sensitivity --output-metric transformation --variant text
              subsidysim sensitivity --output-metric short_cloud --sobol-n 1024
            """)
        )
    }

    @OptionGroup var scenario: ScenarioOptions
    @OptionGroup var simulation: SimulationOptions

    @Option(help: H("分析的结果指标：total_demand（总需求）、预算行标识（transformation、cloud、…）、short_<预算行>（该行资金不足）或 regional_unspent（自治区资金结余）。",
                    "total_demand, a line id (transformation, cloud, ...), short_LINE (the line runs short) or regional_unspent.",
                    value: ("指标", "metric")))
    var outputMetric: OutputMetric = .totalDemand
    @Option(help: H("Sobol 基础样本量 N（2 的幂；共需 (k+2)·N 次试验，k 为输入个数）。", "Sobol base sample size N (a power of two; cost (k+2)·N trials).",
                    value: ("N", "N"))) var sobolN: Int = 4096
    @Option(help: H("龙卷风图与蛛网图每个点的试验次数。", "Trials per one-at-a-time point (tornado, spider).",
                    value: ("次数", "trials"))) var oatTrials: Int = 2000
    @Flag(help: H("终端上不显示摘要。", "No summary on the terminal.")) var quiet = false

    func validate() throws {
        guard sobolN >= 64, sobolN <= 1 << 18, sobolN & (sobolN - 1) == 0 else {
            throw ValidationError(L("--sobol-n 应为 64 至 262144 之间 2 的幂，如 1024、4096（实际 \(sobolN)）", "--sobol-n must be a power of two from 64 to 262144"))
        }
        guard oatTrials >= 100, oatTrials <= 1_000_000 else {
            throw ValidationError(L("--oat-trials 应为 100 至 1000000 的整数（实际 \(oatTrials)）", "--oat-trials must be from 100 to 1000000"))
        }
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
            // Per trial of the Monte Carlo part: its inputs and the metric of each variant, with copies for ranking.
            try simulation.checkMemory(trials: mcTrials, bytesPerTrial: 256 * Double(loaded.variants.count))
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
