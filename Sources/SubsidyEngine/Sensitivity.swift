import Foundation
public import SubsidyModel

/// Which output sensitivity analysis explains.
public enum OutputMetric: Sendable, Hashable {
    case totalDemand
    case lineDemand(LineID)
    case regionalUnspent
    /// Whether the line runs short (demand above its budget): a 0/1 output whose mean is the
    /// chance of running short, so the tornado and deciles show how each input moves that chance.
    case lineShort(LineID)

    public static func parse(_ s: String) -> OutputMetric? {
        switch s {
        case "total_demand": return .totalDemand
        case "regional_unspent": return .regionalUnspent
        default:
            if s.hasPrefix("short_"), let l = LineID(rawValue: String(s.dropFirst("short_".count))) { return .lineShort(l) }
            return LineID(rawValue: s).map { .lineDemand($0) }
        }
    }

    /// True for an output that is a chance (shown as a percentage), false for money.
    public var isProbability: Bool { if case .lineShort = self { return true } else { return false } }

    public var id: String {
        switch self {
        case .totalDemand: return "total_demand"
        case .regionalUnspent: return "regional_unspent"
        case let .lineDemand(l): return l.rawValue
        case let .lineShort(l): return "short_" + l.rawValue
        }
    }

    public var label: String {
        switch self {
        case .totalDemand: return "总需求（万元）"
        case .regionalUnspent: return "自治区资金结余（万元）"
        case let .lineDemand(l): return "\(l.clause)\(l.chineseName)需求（万元）"
        case let .lineShort(l): return "\(l.clause)\(l.chineseName)资金不足的概率"
        }
    }

    func field(_ L: RecordLayout) -> Int {
        switch self {
        case .totalDemand: return L.total(.demand)
        case .regionalUnspent: return L.source(L.restrictedSource, .unspent)
        case let .lineDemand(l): return L.line(L.lines.firstIndex(of: l) ?? 0, .demand)
        case let .lineShort(l): return L.line(L.lines.firstIndex(of: l) ?? 0, .overrun)
        }
    }
}

/// Everything `subsidysim sensitivity` reports, for one variant and one output.
public struct SensitivityResult: Sendable {
    public struct Tornado: Sendable {
        public var input: TrialInput
        /// The input's p10 and p90 values.
        public var lowValue: Double
        public var highValue: Double
        /// Mean output with the input at p10 / p90 and every other input at its median.
        public var outputLow: Double
        public var outputHigh: Double
        public var swing: Double { abs(outputHigh - outputLow) }
    }

    public var metric: OutputMetric
    public var variant: String
    public var variantLabel: String
    /// The uncertain trial-level inputs analysed, in scenario order.
    public var inputs: [TrialInput]
    /// Mean output with every input at its median.
    public var baseline: Double
    /// One-at-a-time: sorted by swing, largest first.
    public var tornado: [Tornado]
    /// Percentiles of the spider chart (0.1 … 0.9) and the mean output at each, per input.
    public var spiderPercentiles: [Double]
    public var spider: [[Double]]
    /// From the Monte Carlo run: mean output per input decile, and its swing (max − min), per input.
    public var deciles: [[Double]]
    /// Spearman rank correlation of each input with the output (Monte Carlo run).
    public var spearman: [Double]
    /// Sobol first-order and total indices with bootstrap intervals (Saltelli design).
    public var sobol: [SobolIndex]
    public var sobolN: Int
    /// Standard deviation of the output over the Monte Carlo run (0: the output never varies).
    public var outputSD: Double
    public var outputMean: Double
    /// The decile tornado's noise floor: the range of ten decile means expected from Monte Carlo
    /// noise alone (≈ 3.08 standard errors of a decile mean); swings below it mean nothing.
    public var decileNoise: Double
    /// True when the scenario correlates trial-level inputs: the Monte Carlo part (deciles,
    /// Spearman) uses them; one-at-a-time and Sobol treat the inputs as independent.
    public var correlated: Bool
    /// Shapley effects of the same inputs (they respect the scenario's correlations), or nil when not computed.
    public var shapley: Shapley.Result?
    public var oatTrials: Int
    public var mcTrials: Int
    public var seconds: Double
}

/// Sensitivity analysis in SALib's three stages: sample (designs of trial-level uniforms),
/// evaluate (the trial kernel, firm-level variability drawn from each trial's own streams),
/// analyse (tornado, spider, deciles, Spearman, Sobol). Firm-level variability is held common
/// across a Sobol row's A, B and ABᵢ evaluations, so indices describe the trial-level inputs;
/// what they leave unexplained (1 − ΣS1) includes the firm-level noise.
public enum Sensitivity {
    public static func analyse(_ loaded: LoadedScenario, variant: Int, metric: OutputMetric, seed: UInt64, threads: Int,
                               oatTrials: Int = 2000, mcTrials: Int = 20_000, sobolN: Int = 4096, bootstrap: Int = 500,
                               design mcDesign: TrialDesign? = nil, shapleyPermutations: Int? = nil) throws -> SensitivityResult {
        let t0 = Date()
        let v = loaded.variants[variant]
        let model = CompiledModel(variants: [v], seed: seed)
        let L = model.layout
        let field = metric.field(L)
        let uncertain = TrialInputs.uncertain(v.scenario.population)
        let cols = uncertain.compactMap { i in model.inputs.firstIndex { $0.id == i.id } }
        let k = cols.count
        let K = model.inputs.count
        guard k > 0 else {
            throw AnalysisError("no uncertain trial-level input: every trial-level quantity of the scenario is fixed (give at least one population input a distribution)",
                                zh: "没有不确定的试验层输入：情景中每个试验层的量都是固定值（请至少给一个 population 输入写分布）")
        }
        guard k <= Sobol.maxInputs else { throw AnalysisError("at most \(Sobol.maxInputs) uncertain inputs for Sobol indices (found \(k))",
                                                             zh: "Sobol 指数最多支持 \(Sobol.maxInputs) 个不确定输入（实际 \(k) 个）") }
        let median = [Double](repeating: 0.5, count: K)
        func evaluateMean(_ rows: [[Double]], repeats n: Int) -> [Double] {
            // Each row evaluated on trials 0..<n (the same firms' streams for every row), then averaged.
            var all: [[Double]] = []
            var idx: [Int] = []
            all.reserveCapacity(rows.count * n)
            for r in rows { for t in 0..<n { all.append(r); idx.append(t) } }
            let out = Simulator.evaluate(model, rows: all, trialIndex: idx, fields: [field], threads: threads)[0][0]
            return rows.indices.map { i in out[(i * n)..<((i + 1) * n)].reduce(0, +) / Double(n) }
        }
        // One-at-a-time: spider at p10…p90 (includes the tornado's p10 and p90), plus the baseline.
        let ps = (1...9).map { Double($0) / 10 }
        var rows: [[Double]] = [median]
        for c in cols { for p in ps { var r = median; r[c] = p; rows.append(r) } }
        let means = evaluateMean(rows, repeats: oatTrials)
        let baseline = means[0]
        var spider: [[Double]] = []
        var tornado: [SensitivityResult.Tornado] = []
        for (j, c) in cols.enumerated() {
            let s = Array(means[(1 + j * 9)..<(1 + (j + 1) * 9)])
            spider.append(s)
            let prep = PreparedDistribution(model.inputs[c].distribution)
            // Counts are used rounded (firms, cases, providers): show them as the model uses them.
            let isCount = uncertain[j].isWhole
            let lv = prep.quantile(0.1), hv = prep.quantile(0.9)
            tornado.append(.init(input: uncertain[j], lowValue: isCount ? lv.rounded() : lv, highValue: isCount ? hv.rounded() : hv,
                                 outputLow: s[0], outputHigh: s[8]))
        }
        // Monte Carlo: deciles and Spearman.
        var opts = RunOptions(trials: mcTrials, threads: threads, keepInputs: true)
        opts.storedFields = [field]
        // The scenario's design (correlations) only if it was built for the same inputs as this model.
        let usable = mcDesign.flatMap { d in d.correlation == nil || d.correlation?.count == K ? d : nil }
        let mc = try Simulator.run(model, options: opts, design: usable ?? TrialDesign(method: .random, seed: seed))
        let y = mc.column(0, field)
        var ym = Moments()
        y.forEach { ym.add($0) }
        let decileNoise = 3.078 * ym.sd / (Double(Swift.max(y.count, 10)) / 10).squareRoot()
        var deciles: [[Double]] = []
        var spearman: [Double] = []
        for c in cols {
            let x = mc.inputValues[c]
            spearman.append(Ranks.spearman(x, y))
            let order = x.indices.sorted { x[$0] < x[$1] || (x[$0] == x[$1] && $0 < $1) }
            var d: [Double] = []
            for q in 0..<10 {
                let lo = q * order.count / 10, hi = (q + 1) * order.count / 10
                let slice = order[lo..<hi]
                d.append(slice.isEmpty ? 0 : slice.map { y[$0] }.reduce(0, +) / Double(slice.count))
            }
            deciles.append(d)
        }
        // Sobol: Saltelli design over the uncertain inputs; row j of A, B and every ABᵢ shares trial j's firm streams.
        let design = try Sobol.design(n: sobolN, k: k)
        func expand(_ m: [[Double]]) -> [[Double]] {
            m.map { row in var r = median; for (j, c) in cols.enumerated() { r[c] = row[j] }; return r }
        }
        var sRows = expand(design.a) + expand(design.b)
        for i in 0..<k { sRows += expand(design.ab(i)) }
        let sIdx = (0..<(k + 2)).flatMap { _ in 0..<sobolN }
        let f = Simulator.evaluate(model, rows: sRows, trialIndex: sIdx, fields: [field], threads: threads)[0][0]
        let fA = Array(f[0..<sobolN]), fB = Array(f[sobolN..<(2 * sobolN)])
        let fAB = (0..<k).map { i in Array(f[((2 + i) * sobolN)..<((3 + i) * sobolN)]) }
        let sobol = Sobol.indices(fA: fA, fB: fB, fAB: fAB, bootstrap: bootstrap, seed: seed)
        // Shapley effects with the scenario's rank correlations (a Gaussian copula over the uncertain inputs).
        var shapley: Shapley.Result?
        // As many permutations as Sobol's N, at most 4096: (k − 1)·3·m evaluations, about twice
        // Sobol's (k + 2)·N at the default N (its share intervals are then about ±6 points).
        let permutations = shapleyPermutations ?? Swift.min(sobolN, Shapley.defaultMaxPermutations)
        if permutations > 0 {
            let rank = usable?.correlation.map { m in cols.map { i in cols.map { m[i][$0] } } }
            let plan = try Shapley.plan(k: k, correlation: rank.map(Shapley.normalCorrelation(fromRank:)), permutations: permutations,
                                        inner: 3, varianceRows: Swift.max(2000, sobolN), seed: seed &+ 0x5348_4150)
            let y = Simulator.evaluate(model, rows: expand(plan.rows), trialIndex: plan.streams, fields: [field], threads: threads)[0][0]
            shapley = Shapley.analyse(plan, outputs: y, bootstrap: bootstrap, seed: seed &+ 0x5348_4151)
        }
        var result = SensitivityResult(metric: metric, variant: v.id, variantLabel: v.label, inputs: uncertain, baseline: baseline,
                                 tornado: tornado.sorted { $0.swing > $1.swing }, spiderPercentiles: ps, spider: spider, deciles: deciles,
                                 spearman: spearman, sobol: sobol, sobolN: sobolN, outputSD: ym.sd, outputMean: ym.mean, decileNoise: decileNoise,
                                 correlated: usable?.correlation != nil, oatTrials: oatTrials, mcTrials: mc.trials,
                                 seconds: 0)
        result.shapley = shapley
        result.seconds = Date().timeIntervalSince(t0)
        return result
    }
}
