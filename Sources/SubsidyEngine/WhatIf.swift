import Foundation
import SubsidyModel

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
        var points: [[Int]] = [[]]
        for a in axes { points = points.flatMap { p in a.texts.indices.map { p + [$0] } } }
        var out: [ResolvedVariant] = []
        for (pi, p) in points.enumerated() {
            let overrides = zip(axes, p).map { $0.override($1) }
            let l = try loaded.with(overrides)
            try ScenarioChecks.check(l)
            for v in l.variants { out.append(ResolvedVariant(id: "\(v.id)@\(pi)", label: v.label, scenario: v.scenario)) }
        }
        return (points, out)
    }

    public static func sweep(_ loaded: LoadedScenario, axes: [SweepAxis], lines: [LineID], trials: Int, seed: UInt64,
                             threads: Int, design: TrialDesign, progress: Simulator.Progress? = nil) throws -> SweepResult {
        let t0 = Date()
        let (points, variants) = try resolve(loaded, axes: axes)
        let model = CompiledModel(variants: variants, seed: seed)
        let L = model.layout
        let lineIdx = lines.compactMap { L.lines.firstIndex(of: $0) }
        let regional = L.sources.firstIndex(of: "regional") ?? 0
        var opts = RunOptions(trials: trials, threads: threads, sampling: design.method, keepInputs: false)
        opts.storedFields = lineIdx.map { L.line($0, .demand) } + [L.total(.demand)]
        let r = try Simulator.run(model, options: opts, design: design, progress: progress)
        let nv = loaded.variants.count
        var stats: [[[PointLineStats]]] = []
        var reg: [[(Double, Double)]] = []
        for pi in points.indices {
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
            stats.append(pv)
            reg.append(pr)
        }
        return SweepResult(axes: axes, points: points, variantIDs: loaded.variants.map(\.id), variantLabels: loaded.variants.map(\.label),
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
        /// P(regional money used < fraction × regional amount).
        case underuse(fraction: Double)
    }

    public struct SolvePoint: Sendable {
        public var x: Double
        public var p: Double
        public var low: Double
        public var high: Double
    }

    public struct SolveAnswer: Sendable {
        /// found: the boundary lies inside the interval; atBound: the feasible side reaches the end of
        /// the interval asked for (the answer is that end); allFeasible / noneFeasible: every / no point met the target.
        public enum Status: String, Sendable { case found, atBound = "at_bound", allFeasible = "all_feasible", noneFeasible = "none_feasible" }
        public var variant: String
        public var label: String
        public var status: Status
        /// The extreme feasible value found (nil when none is feasible).
        public var x: Double?
        public var p: Double?
        public var pLow: Double?
        public var pHigh: Double?
        /// An interval for the answer: from the probability's 95% interval at the evaluated points.
        public var xLow: Double?
        public var xHigh: Double?
        public var points: [SolvePoint]
    }

    /// Finds, per variant, the largest (or with `minimize` the smallest) x in [low, high] with
    /// P(metric) ≤ target, assuming P is monotone in x. Each round evaluates `perRound` points of
    /// every variant's bracket at once, on common random numbers; `rounds` rounds narrow the
    /// bracket by a factor of (perRound + 1) each. Integer keys search whole numbers only.
    public static func solve(_ loaded: LoadedScenario, path: KeyPath, low: Double, high: Double, integer: Bool, metric: SolveMetric,
                             target: Double, minimize: Bool, trials: Int, seed: UInt64, threads: Int, design: TrialDesign,
                             rounds: Int = 4, perRound: Int = 9) throws -> [SolveAnswer] {
        let nv = loaded.variants.count
        var evaluated = Array(repeating: [Double: SolvePoint](), count: nv)
        var brackets = Array(repeating: (low, high), count: nv)
        func norm(_ x: Double) -> Double { integer ? x.rounded() : x }
        for round in 0..<rounds {
            // Candidate xs per variant: the bracket's ends (first round) and perRound interior points.
            var wanted = Set<Double>()
            var perVariant: [[Double]] = []
            for v in 0..<nv {
                let (a, b) = brackets[v]
                var xs = round == 0 ? [a, b] : []
                for i in 1...perRound { xs.append(norm(a + (b - a) * Double(i) / Double(perRound + 1))) }
                xs = Array(Set(xs.filter { $0 >= low && $0 <= high && evaluated[v][$0] == nil })).sorted()
                perVariant.append(xs)
                wanted.formUnion(xs)
            }
            if wanted.isEmpty { break }
            let xs = wanted.sorted()
            let axis = SweepAxis(path: path, texts: xs.map(formatNumber), numbers: xs)
            let (_, variants) = try resolve(loaded, axes: [axis])
            let model = CompiledModel(variants: variants, seed: seed)
            let L = model.layout
            var opts = RunOptions(trials: trials, threads: threads, sampling: design.method, keepInputs: false)
            let field: Int
            switch metric {
            case let .overrun(line):
                if let line, let i = L.lines.firstIndex(of: line) { field = L.line(i, .overrun) } else { field = L.total(.overrun) }
                opts.storedFields = []
            case .underuse:
                let reg = L.sources.firstIndex(of: "regional") ?? 0
                field = L.source(reg, .unspent)
                opts.storedFields = [field]
            }
            let r = try Simulator.run(model, options: opts, design: design)
            for (xi, x) in xs.enumerated() {
                for v in 0..<nv where perVariant[v].contains(x) {
                    let vi = xi * nv + v
                    let p: Double
                    switch metric {
                    case .overrun: p = r.moments[vi][field].mean
                    case let .underuse(fraction):
                        let amount = model.scenarios[vi].funding.first { $0.id == "regional" }?.amount ?? 0
                        let col = r.column(vi, field)
                        p = Double(col.filter { $0 > (1 - fraction) * amount + 1e-9 }.count) / Double(Swift.max(col.count, 1))
                    }
                    let w = Statistics.wilson(proportion: p, trials: r.trials)
                    evaluated[v][x] = SolvePoint(x: x, p: p, low: w.low, high: w.high)
                }
            }
            // New brackets around the boundary between feasible and infeasible points.
            for v in 0..<nv {
                let pts = evaluated[v].values.sorted { $0.x < $1.x }
                let ok = pts.map { $0.p <= target + 1e-12 }
                if minimize {
                    if let i = ok.firstIndex(of: true), i > 0 { brackets[v] = (pts[i - 1].x, pts[i].x) } else { brackets[v] = (low, low) }
                } else {
                    if let i = ok.lastIndex(of: true), i < pts.count - 1 { brackets[v] = (pts[i].x, pts[i + 1].x) } else { brackets[v] = (high, high) }
                }
                if integer && brackets[v].1 - brackets[v].0 <= 1 { brackets[v] = (brackets[v].0, brackets[v].0) }
            }
        }
        return (0..<nv).map { v in
            let pts = evaluated[v].values.sorted { $0.x < $1.x }
            let feasible = pts.filter { $0.p <= target + 1e-12 }
            let best = minimize ? feasible.first : feasible.last
            var status = SolveAnswer.Status.found
            if feasible.isEmpty { status = .noneFeasible } else if feasible.count == pts.count { status = .allFeasible }
            else if let b = best, b.x == (minimize ? low : high) { status = .atBound }
            // Interval for the boundary: where the Wilson upper and lower bounds of P cross the target,
            // interpolated linearly between neighbouring evaluated points (P is monotone in x).
            func crossing(_ value: (SolvePoint) -> Double) -> Double? {
                guard pts.count > 1 else { return nil }
                for i in 0..<(pts.count - 1) {
                    let a = value(pts[i]) - target, b = value(pts[i + 1]) - target
                    if a == 0 { return pts[i].x }
                    if (a < 0) != (b < 0) {
                        return pts[i].x + (pts[i + 1].x - pts[i].x) * (-a) / (b - a)
                    }
                }
                return nil
            }
            var xLow: Double?, xHigh: Double?
            if status == .found, let b = best {
                let c1 = crossing { $0.high }, c2 = crossing { $0.low }
                let ends = [c1, c2].compactMap { $0 }
                xLow = Swift.min(ends.min() ?? b.x, b.x)
                xHigh = Swift.max(ends.max() ?? b.x, b.x)
                if integer { xLow = xLow.map { $0.rounded(.down) }; xHigh = xHigh.map { $0.rounded(.up) } }
            } else if let b = best {
                xLow = b.x
                xHigh = b.x
            }
            return SolveAnswer(variant: loaded.variants[v].id, label: loaded.variants[v].label, status: status, x: best?.x, p: best?.p,
                               pLow: best?.low, pHigh: best?.high, xLow: xLow, xHigh: xHigh, points: pts)
        }
    }
}
