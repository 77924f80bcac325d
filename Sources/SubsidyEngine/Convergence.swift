import Foundation
import SubsidyModel

/// How the headline estimates settled as trials were added: running estimates with their 95%
/// band at log-spaced checkpoints, computed after the run from the stored per-trial columns (in
/// trial order, so the same for any thread count).
public struct Convergence: Sendable {
    public enum Kind: Sendable, Hashable { case probability, mean }

    /// One estimate of one variant at every checkpoint.
    public struct Series: Sendable {
        public var variant: Int
        /// `transformation` … (a line's P(short)), `any_line`, `total_pooled`, `demand_mean`.
        public var metric: String
        /// Chinese name for tables and charts.
        public var name: String
        public var kind: Kind
        public var estimate: [Double]
        public var low: [Double]
        public var high: [Double]
        /// The 95% half-width the estimate must reach (absolute: a fraction, or 万元).
        public var target: Double
        /// The first checkpoint from which the half-width stays at or below `target` up to the end; nil: never.
        public var reachedAt: Int?
        /// From `reachedAt` on, the largest distance between a checkpoint's estimate and the final
        /// one (a fraction, or 万元); nil when the target was never reached. Within `target`: the
        /// estimate had settled to the stated precision by `reachedAt`.
        public var driftAfterReached: Double?

        public var halfWidth: [Double] { zip(low, high).map { ($1 - $0) / 2 } }
    }

    public var checkpoints: [Int]
    public var series: [Series]
    /// The probabilities' half-width target, and whether it came from `--precision` (else the default).
    public var probabilityTarget: Double
    public var fromPrecision: Bool
    /// The demand mean's half-width target as a share of its final mean.
    public var relativeMeanTarget: Double

    /// Default targets: a 95% half-width of 0.5 percentage points for probabilities, 1% of the mean for demand.
    public static let defaultProbabilityHalfWidth = 0.005
    public static let defaultRelativeMeanHalfWidth = 0.01
    public static let defaultPoints = 200
    public static let firstCheckpoint = 100

    /// About `count` log-spaced trial counts from `first` (or `trials` when smaller) to `trials`,
    /// increasing, without repeats, the last one `trials`.
    public static func checkpoints(trials: Int, count: Int = defaultPoints, first: Int = firstCheckpoint) -> [Int] {
        guard trials > 0 else { return [] }
        let a = Swift.min(first, trials)
        guard trials > a, count > 1 else { return [trials] }
        var out: [Int] = []
        let ratio = Double(trials) / Double(a)
        for k in 0..<count {
            let n = k == count - 1 ? trials : Int((Double(a) * pow(ratio, Double(k) / Double(count - 1))).rounded())
            if n > (out.last ?? 0) { out.append(Swift.min(n, trials)) }
        }
        if out.last != trials { out.append(trials) }
        return out
    }
}

extension SimulationResult {
    /// Running estimates per variant: each line's P(short), P(some line short), P(total demand >
    /// total funding) (Wilson bands, the same as summary.csv at the last checkpoint) and mean total
    /// demand (mean ± 1.96·sd/√n). Shortfalls are read from the stored demand columns with the
    /// trial loop's own test (demand > budget + 1e-9). Series whose columns were not stored are left out.
    public func convergence(points: Int = Convergence.defaultPoints) -> Convergence {
        let L = layout
        let cps = Convergence.checkpoints(trials: trials, count: points)
        let z = Statistics.z975
        let probTarget = precisionTarget.map { $0 * z } ?? Convergence.defaultProbabilityHalfWidth
        var series: [Convergence.Series] = []
        for v in 0..<model.variantCount {
            let cv = model.variants[v]
            let cols = L.lines.indices.map { column(v, L.line($0, .demand)) }
            let totalCol = column(v, L.total(.demand))
            let haveLines = cols.allSatisfy { $0.count == trials }
            var counts = Array(repeating: [Int](), count: L.lines.count)
            var anyCounts: [Int] = [], totalCounts: [Int] = []
            var means: [Double] = [], sds: [Double] = []
            var c = [Int](repeating: 0, count: L.lines.count), any = 0, tot = 0
            var m = Moments()
            var next = 0
            for t in 0..<trials where next < cps.count {
                var short = false
                if haveLines {
                    for i in cols.indices where cv.lineShort(i, demand: cols[i][t]) { c[i] += 1; short = true }
                    if short { any += 1 }
                }
                if totalCol.count == trials {
                    if cv.totalShort(demand: totalCol[t]) { tot += 1 }
                    m.add(totalCol[t])
                }
                if t + 1 == cps[next] {
                    for i in c.indices { counts[i].append(c[i]) }
                    anyCounts.append(any)
                    totalCounts.append(tot)
                    means.append(m.mean)
                    sds.append(m.sd)
                    next += 1
                }
            }
            func probability(_ metric: String, _ name: String, _ k: [Int]) {
                let w = zip(k, cps).map { Statistics.wilson(successes: $0, trials: $1) }
                series.append(Convergence.Series(variant: v, metric: metric, name: name, kind: .probability,
                                                 estimate: zip(k, cps).map { Double($0) / Double($1) },
                                                 low: w.map(\.low), high: w.map(\.high), target: probTarget))
            }
            if haveLines {
                // Lines by clause and short name, as every other table of the report names them.
                for (i, l) in L.lines.enumerated() {
                    probability(l.rawValue, "\(model.scenarios[v].line(l)?.clause ?? l.clause)\(l.chineseName)", counts[i])
                }
                probability("any_line", "至少一条预算行不足", anyCounts)
            }
            if totalCol.count == trials {
                probability("total_pooled", "总需求超过总资金（若可统筹）", totalCounts)
                let half = zip(sds, cps).map { z * $0 / Double($1).squareRoot() }
                let final = means.last ?? 0
                series.append(Convergence.Series(variant: v, metric: "demand_mean", name: "总需求均值", kind: .mean,
                                                 estimate: means, low: zip(means, half).map { $0 - $1 }, high: zip(means, half).map { $0 + $1 },
                                                 target: Convergence.defaultRelativeMeanHalfWidth * abs(final)))
            }
        }
        for i in series.indices {
            let h = series[i].halfWidth
            let target = series[i].target
            // From the last checkpoint backwards: the earliest from which every half-width is within target.
            var k = h.count
            while k > 0 && h[k - 1] <= target + 1e-15 { k -= 1 }
            if k < h.count {
                series[i].reachedAt = cps[k]
                let e = series[i].estimate, final = e[e.count - 1]
                series[i].driftAfterReached = e[k...].reduce(0) { Swift.max($0, abs($1 - final)) }
            }
        }
        return Convergence(checkpoints: cps, series: series, probabilityTarget: probTarget, fromPrecision: precisionTarget != nil,
                           relativeMeanTarget: Convergence.defaultRelativeMeanHalfWidth)
    }
}
