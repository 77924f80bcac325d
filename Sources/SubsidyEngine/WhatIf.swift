import Foundation
public import SubsidyModel

/// Statistics of one quantity at one sweep point under one variant (万元, probabilities as fractions).
public struct PointLineStats: Sendable {
    public var line: String
    public var budget: Double
    public var mean: Double
    public var sd: Double
    public var p5: Double
    public var p50: Double
    public var p95: Double
    public var pOverrun: Double
    public var low: Double
    public var high: Double
    public var unspentMean: Double
}

public struct SweepResult: Sendable {
    public var axes: [SweepAxis]
    /// Index of each axis's value, per point (row-major: the last axis varies fastest).
    public var points: [[Int]]
    public var variantIDs: [String]
    public var variantLabels: [String]
    /// [point][variant][line] (the chosen lines, then the total).
    public var stats: [[[PointLineStats]]]
    /// [point][variant]: mean unspent regional money and P(regional money not fully used).
    public var regional: [[(unspent: Double, pNotFullyUsed: Double)]]
    public var trials: Int
    public var seconds: Double
    /// Distinct populations drawn per trial (1 when only policy changes).
    public var populations: Int
}

/// Sweeps and goal seeking. Every point runs on common random numbers: points and variants
/// that share a population share each trial's firms, so their differences are exact per trial.
public enum WhatIf {
    /// Resolves `loaded` at every point of the grid: one `ResolvedVariant` per (point, variant).
    public static func resolve(_ loaded: LoadedScenario, axes: [SweepAxis]) throws(ScenarioError) -> (points: [[Int]], variants: [ResolvedVariant]) {
        for (k, a) in axes.enumerated() {
            try checkVaried(a.path, option: "--sweep", loaded: loaded)
            if axes[..<k].contains(where: { $0.path.steps == a.path.steps }) {
                throw ScenarioError(.invalid, [Diagnostic(SourceLocation(file: "--sweep", line: 0, column: 0), key: a.path.description, Message(
                    zh: "\(a.path) 扫描了两次：每个键只能有一条扫描轴（要多取几个值，请写在同一条 --sweep 里）",
                    en: "\(a.path) is swept twice: one axis per key (give all its values in one --sweep)"))])
            }
        }
        var points: [[Int]] = [[]]
        for a in axes { points = points.flatMap { p in a.texts.indices.map { p + [$0] } } }
        // Each point is the scenario decoded again with its overrides and checked (~30 M
        // instructions; a 21 × 21 sweep has 441): the points on all cores, kept in point order, and
        // the first point in order that fails is the error, as when they ran one by one.
        let grid = points
        let resolved = concurrentMap(grid.count) { pi -> Result<[ResolvedVariant], ScenarioError> in
            let overrides = zip(axes, grid[pi]).map { $0.override($1) }
            do throws(ScenarioError) {
                let l = try loaded.with(overrides)
                try ScenarioChecks.check(l)
                return .success(l.variants.map { $0.renamed("\($0.id)@\(pi)") })
            } catch {
                return .failure(error)
            }
        }
        var out: [ResolvedVariant] = []
        for r in resolved {
            switch r {
            case let .success(vs): out += vs
            case let .failure(e): throw e
            }
        }
        return (points, out)
    }

    /// A key a sweep or solve varies must change what is evaluated (`LoadedScenario.settable`),
    /// and cannot also be fixed by --set at or inside it (every point would replace it silently).
    static func checkVaried(_ path: ScenarioPath, option: String, loaded: LoadedScenario) throws(ScenarioError) {
        let at = SourceLocation(file: option, line: 0, column: 0)
        if let m = LoadedScenario.settable(path, at: .whatIf) {
            throw ScenarioError(.invalid, [Diagnostic(at, key: path.description, m)])
        }
        // A --set at the key or inside it would be replaced by every point (one around it, such
        // as a whole batch list, is the base the points change).
        if let o = loaded.overrides.first(where: { $0.path.steps.starts(with: path.steps) }) {
            throw ScenarioError(.invalid, [Diagnostic(at, key: path.description, Message(
                zh: "\(option) 改变的 \(path) 也被 --set \(o.text) 固定：请去掉其中一个",
                en: "\(option) varies \(path), which --set \(o.text) also fixes: drop one of them"))])
        }
    }

    public static func sweep(_ loaded: LoadedScenario, axes: [SweepAxis], lines: [LineID], trials: Int, seed: UInt64,
                             threads: Int, design: TrialDesign, progress: Simulator.Progress? = nil) throws -> SweepResult {
        let t0 = Date()
        let (points, variants) = try resolve(loaded, axes: axes)
        let model = CompiledModel(variants: variants, seed: seed)
        let L = model.layout
        let lineIdx = lines.compactMap { L.lines.firstIndex(of: $0) }
        let regional = L.restrictedSource
        var opts = RunOptions(trials: trials, threads: threads, sampling: design.method, keepInputs: false)
        opts.storedFields = lineIdx.map { L.line($0, .demand) } + [L.total(.demand)]
        // The moments `stat` and the regional columns read, nothing else (hundreds of variants × ~100 fields otherwise).
        opts.momentFields = lineIdx.flatMap { [L.line($0, .demand), L.line($0, .overrun), L.line($0, .unspent)] }
            + [L.total(.demand), L.total(.overrun), L.total(.unspent), L.source(regional, .unspent), L.source(regional, .notFullyUsed)]
        let r = try Simulator.run(model, options: opts, design: design, progress: progress)
        let nv = loaded.variants.count
        // Per point (each its own quantile selections over its columns), on all cores, in point order.
        let done = concurrentMap(points.count) { pi -> ([[PointLineStats]], [(Double, Double)]) in
            var pv: [[PointLineStats]] = []
            var pr: [(Double, Double)] = []
            for v in 0..<nv {
                let vi = pi * nv + v
                let m = r.moments[vi]
                let s = model.scenarios[vi]
                var ls: [PointLineStats] = []
                for i in lineIdx {
                    ls.append(stat(r, vi, name: L.lines[i].rawValue, budget: s.line(L.lines[i])?.total ?? 0, demand: L.line(i, .demand),
                                   overrun: L.line(i, .overrun), unspent: L.line(i, .unspent)))
                }
                ls.append(stat(r, vi, name: "total", budget: s.totalFunding, demand: L.total(.demand), overrun: L.total(.overrun),
                               unspent: L.total(.unspent)))
                pv.append(ls)
                pr.append((m[L.source(regional, .unspent)].mean, m[L.source(regional, .notFullyUsed)].mean))
            }
            return (pv, pr)
        }
        let stats = done.map(\.0), reg = done.map(\.1)
        return SweepResult(axes: axes, points: points, variantIDs: loaded.variants.map(\.id), variantLabels: loaded.variants.map { $0.label(omitting: Set(axes.map(\.path.description))) },
                           stats: stats, regional: reg, trials: r.trials, seconds: Date().timeIntervalSince(t0), populations: model.groups.count)
    }

    static func stat(_ r: SimulationResult, _ v: Int, name: String, budget: Double, demand: Int, overrun: Int, unspent: Int) -> PointLineStats {
        let m = r.moments[v]
        let q = Statistics.quantiles(r.column(v, demand), [0.05, 0.5, 0.95])
        let p = m[overrun].mean
        let w = Statistics.wilson(proportion: p, trials: r.trials)
        return PointLineStats(line: name, budget: budget, mean: m[demand].mean, sd: m[demand].sd, p5: q[0], p50: q[1], p95: q[2],
                              pOverrun: p, low: w.low, high: w.high, unspentMean: m[unspent].mean)
    }

    // MARK: - Solve

    /// What must stay below the target.
    public enum SolveMetric: Sendable {
        /// P(line demand > line budget); nil line = total demand against total funding.
        case overrun(LineID?)
        /// P(money of `source` used < fraction × its amount).
        case underuse(source: String, fraction: Double)
    }

    public struct SolvePoint: Sendable {
        public var x: Double
        public var p: Double
        public var low: Double
        public var high: Double
    }

    public struct SolveAnswer: Sendable {
        /// - found: the estimate crosses the target inside the range, and so do both ends of its 95% interval;
        /// - atBound: every value of the range meets the target, even at the upper end of the
        ///   interval: the answer is the end of the range (widen `--in` to learn more);
        /// - undetermined: from `xLow` to the end of the range the chance stays within Monte Carlo
        ///   error of the target, so the parameter does not determine the answer there;
        /// - noneFeasible: no value of the range meets the target.
        public enum Status: String, Sendable { case found, atBound = "at_bound", undetermined, noneFeasible = "none_feasible" }
        public var variant: String
        public var label: String
        public var status: Status
        /// The extreme value on the search lattice whose estimated probability meets the target (nil when none does).
        public var x: Double?
        public var p: Double?
        public var pLow: Double?
        public var pHigh: Double?
        /// Where the answer lies given Monte Carlo error: from the last value whose 95% upper bound
        /// meets the target to the last value whose 95% lower bound does (towards the end searched).
        /// Nil ends: no evaluated value is that sure (`xLow`), or the interval reaches the range's end (`xHigh` = that end).
        public var xLow: Double?
        public var xHigh: Double?
        /// The lattice step: every evaluated and reported value is a multiple of it (caps 0.1万, rates 0.1 point, counts 1).
        public var step: Double
        public var points: [SolvePoint]
    }

    /// The lattice step for a key: the precision a policy text states it at (caps and awards 0.1万元,
    /// rates 0.1 percentage point, counts whole), else a round step about 1/1000 of the range.
    public static func solveStep(for path: ScenarioPath, low: Double, high: Double, integer: Bool) -> Double {
        if integer { return 1 }
        if let r = FieldInfo.of(path).resolution { return r }
        let raw = (high - low) / 1000
        return pow(10, (log10(raw)).rounded(.down))
    }

    /// Finds, per variant, the largest (or with `minimize` the smallest) x on the lattice
    /// {k·step} ∩ [low, high] with P(metric) ≤ target, assuming P is monotone in x (true per trial on
    /// common random numbers for rates, caps, awards and pilot sizes). Three boundaries are searched
    /// together — of the estimate and of both ends of its 95% Wilson interval — each round
    /// evaluating `perRound` points inside every open bracket, all on the same trials. Each value is
    /// applied as a numeric override that reads back exactly, so the value reported is the value run.
    /// Cost: about log_{perRound+1}(range/step) rounds of one simulation each.
    public static func solve(_ loaded: LoadedScenario, path: ScenarioPath, low: Double, high: Double, step: Double, metric: SolveMetric,
                             target: Double, minimize: Bool, trials: Int, seed: UInt64, threads: Int, design: TrialDesign,
                             maxRounds: Int = 12, perRound: Int = 9) throws -> [SolveAnswer] {
        let nv = loaded.variants.count
        try checkVaried(path, option: "--vary", loaded: loaded)
        // Only a number can be searched (the schema says which keys hold one).
        if let f = Schema.field(path), !f.isNumeric {
            let info = FieldInfo.of(path, in: loaded.scenario)
            var zh = "“\(info.name)”（\(path)）不是数值，不能求解", en = "\(path) is not a number and cannot be solved for"
            if case let .word(ws) = f.value {
                zh += "（可取：\(ws.joined(separator: ", "))；请用 sweep 比较这几种取值）"
                en += " (it takes one of: \(ws.joined(separator: ", ")); compare them with sweep)"
            }
            throw ScenarioError(.invalid, [Diagnostic(SourceLocation(file: "--vary", line: 0, column: 0), key: path.description,
                                                      Message(zh: zh, en: en))])
        }
        // The lattice: x(k) = (k0 + k)·step for k = 0…n, rounded to 12 significant digits so 0.1 steps stay tidy.
        let k0 = (low / step - 1e-9).rounded(.up), k1 = (high / step + 1e-9).rounded(.down)
        // At least two values: with one, there is nothing to search, and the one value the
        // tolerance lets in (0 for --in 1e-300:2e-300) may lie outside the range asked for.
        guard k1 > k0, k1 - k0 <= 10_000_000 else {
            let range = "[\(exactNumber(low)), \(exactNumber(high))]"
            let many = k1 - k0 > 10_000_000
            throw ScenarioError(.invalid, [Diagnostic(SourceLocation(file: "--in", line: 0, column: 0), key: path.description, Message(
                zh: many ? "区间 \(range) 内按步长 \(exactNumber(step)) 取值多于 10⁷ 个：请缩小区间或加大 --step"
                    : "区间 \(range) 内按步长 \(exactNumber(step)) 可取的值少于两个，无从求解：请放宽 --in，或用 --step 减小步长",
                en: many ? "the range \(range) holds more than 10⁷ values at step \(exactNumber(step)): narrow it or use a larger --step"
                    : "the range \(range) holds fewer than two values at step \(exactNumber(step)), so there is nothing to search: widen --in or use a smaller --step"))])
        }
        let n = Int(k1 - k0)
        func x(_ k: Int) -> Double {
            let v = (k0 + Double(minimize ? n - k : k)) * step
            return Double(String(format: "%.12g", v)) ?? v
        }
        // Searched in "maximise" orientation: index k runs towards the end searched for.
        var evaluated = Array(repeating: [Int: SolvePoint](), count: nv)
        let bounds: [(SolvePoint) -> Double] = [{ $0.p }, { $0.high }, { $0.low }]
        func ok(_ pt: SolvePoint, _ j: Int) -> Bool { bounds[j](pt) <= target + 1e-12 }
        /// For boundary j of variant v: (a, b) with ok at a, not ok at b; -1 / n+1 where not known.
        func bracket(_ v: Int, _ j: Int) -> (Int, Int) {
            let ks = evaluated[v].keys.sorted()
            let a = ks.last { ok(evaluated[v][$0]!, j) } ?? -1
            let b = ks.first { $0 > a && !ok(evaluated[v][$0]!, j) } ?? n + 1
            return (a, b)
        }
        for round in 0..<maxRounds {
            var wanted = Set<Int>()
            var perVariant = Array(repeating: Set<Int>(), count: nv)
            for v in 0..<nv {
                var ks = Set<Int>()
                if round == 0 { ks = [0, n] }
                else {
                    for j in bounds.indices {
                        let (a, b) = bracket(v, j)
                        let lo = Swift.max(a, 0), hi = Swift.min(b, n)
                        guard hi - lo > 1 else { continue }
                        for i in 1...perRound { ks.insert(lo + Int((Double(hi - lo) * Double(i) / Double(perRound + 1)).rounded())) }
                    }
                }
                ks = ks.filter { $0 >= 0 && $0 <= n && evaluated[v][$0] == nil }
                perVariant[v] = ks
                wanted.formUnion(ks)
            }
            if wanted.isEmpty { break }
            let ks = wanted.sorted()
            let xs = ks.map(x)
            let axis = SweepAxis(path: path, numbers: xs, option: "--in")
            let (_, variants) = try resolve(loaded, axes: [axis])
            let model = CompiledModel(variants: variants, seed: seed)
            let L = model.layout
            var opts = RunOptions(trials: trials, threads: threads, sampling: design.method, keepInputs: false)
            let field: Int
            switch metric {
            case let .overrun(line):
                if let line, let i = L.lines.firstIndex(of: line) { field = L.line(i, .overrun) } else { field = L.total(.overrun) }
                opts.storedFields = []
                opts.momentFields = [field]
            case let .underuse(source, _):
                guard let si = L.sources.firstIndex(of: source) else {
                    throw ScenarioError(.invalid, [Diagnostic(SourceLocation(file: "--source", line: 0, column: 0), key: source, Message(
                        zh: "没有资金来源 “\(source)”（可用：\(L.sources.joined(separator: ", "))）",
                        en: "no funding source '\(source)' (available: \(L.sources.joined(separator: ", ")))"))])
                }
                field = L.source(si, .unspent)
                opts.storedFields = [field]
                opts.momentFields = [field]
            }
            let r = try Simulator.run(model, options: opts, design: design)
            for (xi, k) in ks.enumerated() {
                for v in 0..<nv where perVariant[v].contains(k) {
                    let vi = xi * nv + v
                    let p: Double
                    switch metric {
                    case .overrun: p = r.moments[vi][field].mean
                    case let .underuse(source, fraction):
                        let amount = model.scenarios[vi].funding.first { $0.id == source }?.amount ?? 0
                        let col = r.column(vi, field)
                        p = Double(col.filter { $0 > (1 - fraction) * amount + 1e-9 }.count) / Double(Swift.max(col.count, 1))
                    }
                    let w = Statistics.wilson(proportion: p, trials: r.trials)
                    evaluated[v][k] = SolvePoint(x: xs[xi], p: p, low: w.low, high: w.high)
                }
            }
        }
        return (0..<nv).map { v in
            let pts = evaluated[v].values.sorted { $0.x < $1.x }
            let est = bracket(v, 0).0, sure = bracket(v, 1).0, maybe = bracket(v, 2).0
            var a = SolveAnswer(variant: loaded.variants[v].id, label: loaded.variants[v].label(omitting: [path.description]), status: .found, x: nil, p: nil,
                                pLow: nil, pHigh: nil, xLow: nil, xHigh: nil, step: step, points: pts)
            guard est >= 0, let best = evaluated[v][est] else { a.status = .noneFeasible; return a }
            a.x = best.x; a.p = best.p; a.pLow = best.low; a.pHigh = best.high
            a.xLow = sure >= 0 ? x(sure) : nil
            a.xHigh = x(Swift.max(maybe, est))
            if sure == n { a.status = .atBound }
            else if maybe == n { a.status = .undetermined }
            if minimize, a.xLow != nil || a.xHigh != nil { (a.xLow, a.xHigh) = (a.xHigh, a.xLow) }
            return a
        }
    }
}
