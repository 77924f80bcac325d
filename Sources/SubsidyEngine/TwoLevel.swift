import Foundation
import SubsidyModel

/// Two-level Monte Carlo (as mc2d separates uncertainty from variability): `worlds` draws of the
/// trial-level inputs — pilot size, pass rates, price level, uptake, … the uncertainty about the
/// world — and for each, `perWorld` populations of firms drawn with those inputs held (firm-level
/// variability). Per variant and line, P(short | world) is the share of a world's populations in
/// which the line's demand exceeds its budget (the trial loop's own test, demand > budget + 1e-9);
/// its mean over worlds is the pooled probability an ordinary run estimates.
///
/// Sample → evaluate → analyse: `design(base:…)` draws the worlds with the run's own design
/// (independent, Latin hypercube, rank correlations), `Simulator.run` evaluates U·V trials on it,
/// `analyse` reads the stored demand columns. Cost: one run of U·V trials, plus O(U log U) per line.
public struct TwoLevel: Sendable {
    public struct Line: Sendable {
        /// A line id, or `any_line` / `total_pooled`.
        public var metric: String
        public var name: String
        /// P(short | world), world by world.
        public var conditional: [Double]
        /// Mean over worlds (= the pooled probability).
        public var pooled: Double
        /// Its Monte Carlo standard error: the sd of the conditional probabilities over √U.
        public var pooledSE: Double
        public var p10: Double, p50: Double, p90: Double
        /// The share of worlds whose P(short | world) exceeds the risk target.
        public var shareAboveTarget: Double
    }

    public var worlds: Int
    public var perWorld: Int
    public var target: Double
    /// [variant][line …, any_line, total_pooled].
    public var lines: [[Line]]

    /// The worlds' design: `worlds` rows of the base design (its method, correlations and seed),
    /// each given to `perWorld` consecutive trials.
    public static func design(base: TrialDesign, worlds: Int, perWorld: Int, model: CompiledModel) throws -> TrialDesign {
        var d = base
        let cols = try base.block(index: 0, start: 0, count: worlds, model: model)
        d.worlds = (0..<worlds).map { w in cols.map { $0[w] } }
        d.trialsPerWorld = perWorld
        return d
    }

    /// P(short | world) per variant and line from a run on `design(…)` (`result.trials` must be
    /// `worlds · perWorld`). The default risk target is the one the report's verdicts use.
    public static func analyse(_ result: SimulationResult, worlds: Int, perWorld: Int, target: Double = 0.05) -> TwoLevel {
        let L = result.layout
        let U = worlds, V = perWorld
        var out: [[Line]] = []
        for v in 0..<result.model.variantCount {
            let cv = result.model.variants[v]
            let cols = L.lines.indices.map { result.column(v, L.line($0, .demand)) }
            let total = result.column(v, L.total(.demand))
            var short = Array(repeating: [Double](repeating: 0, count: U), count: L.lines.count)
            var any = [Double](repeating: 0, count: U), pooledTotal = any
            for w in 0..<U {
                for t in (w * V)..<Swift.min((w + 1) * V, result.trials) {
                    var some = false
                    for i in cols.indices where cols[i].count == result.trials && cv.lineShort(i, demand: cols[i][t]) {
                        short[i][w] += 1; some = true
                    }
                    if some { any[w] += 1 }
                    if total.count == result.trials, cv.totalShort(demand: total[t]) { pooledTotal[w] += 1 }
                }
            }
            func line(_ metric: String, _ name: String, _ counts: [Double]) -> Line {
                let p = counts.map { $0 / Double(V) }
                var m = Moments()
                for x in p { m.add(x) }
                let q = Statistics.quantiles(p, [0.1, 0.5, 0.9])
                let above = Double(p.filter { $0 > target }.count) / Double(Swift.max(U, 1))
                return Line(metric: metric, name: name, conditional: p, pooled: m.mean, pooledSE: m.standardError,
                            p10: q[0], p50: q[1], p90: q[2], shareAboveTarget: above)
            }
            var rows = L.lines.indices.map { i -> Line in
                let l = L.lines[i], bl = result.model.scenarios[v].line(l)
                return line(l.rawValue, "\(bl?.clause ?? l.clause)\(bl?.name ?? l.chineseName)", short[i])
            }
            rows.append(line("any_line", "至少一条预算行不足", any))
            rows.append(line("total_pooled", "总需求超过总资金（若可统筹）", pooledTotal))
            out.append(rows)
        }
        return TwoLevel(worlds: U, perWorld: V, target: target, lines: out)
    }

    /// Parses `U×V` (also `UxV`, `U*V`): worlds and populations per world, each at least 2.
    public static func parse(_ s: String) -> (worlds: Int, perWorld: Int)? {
        let parts = s.replacingOccurrences(of: "×", with: "x").replacingOccurrences(of: "*", with: "x").lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 2, let u = Int(parts[0].trimmingCharacters(in: .whitespaces)), let v = Int(parts[1].trimmingCharacters(in: .whitespaces)),
              u >= 2, v >= 2, u.multipliedReportingOverflow(by: v).overflow == false else { return nil }
        return (u, v)
    }
}
