// Re-cutting the budget table (资金概算表) to a risk target, exactly on simulated trials.
internal import CGSL
import Foundation
public import SubsidyModel

/// A line's demand does not depend on the budgets (awards are fixed before payment; MODEL.md §4),
/// so on a fixed set of simulated trials the chance that line l runs short, P(D_l > B_l), is a step
/// function of its budget B_l alone, and the smallest budget that meets a target is an order
/// statistic of the line's simulated demands. `Rebalance.propose` uses that:
///
/// - **per line** (default): B_l = the smallest value with at most ⌊α·n⌋ of the n trials above it,
///   rounded up to the unit; with several variants (readings of the draft) the largest of their
///   values, so the target holds under every reading;
/// - **joint**: one common quantile level β for all lines, the least β at which the fraction of
///   trials where some line runs short is ≤ α (searched over the order statistics, exactly);
/// - the money of each funding source is then placed on the lines it may pay by a small max-flow
///   (restricted money, e.g. regional on （一） only, first); what a source has beyond the needs is
///   spread in units to the lines where it lowers the risk most (per line: the line with the highest
///   simulated chance of running short, which is also where a unit adds most to the expected
///   payout, i.e. leaves least idle; joint: the line whose unit removes most trials with a
///   shortfall). When the sources cannot cover the needs, the extra money each needs is reported.
///
/// **Confidence.** A budget fitted to exactly ⌊α·n⌋ exceedances meets the target only on these
/// trials: on new trials its chance of being short is above α about half the time. With
/// `confidence` c (default 0.95) the allowed number of exceedances is the largest k for which the
/// order statistic's true exceedance probability, distributed Beta(k+1, n−k) whatever the demand's
/// law (a distribution-free tolerance limit, Wilks 1941), is ≤ α with probability c:
/// I_α(k+1, n−k) ≥ c. With c = 0 it is ⌊α·n⌋ (the point estimate).
///
/// Cost: sorting each line's demands, O(V·L·n log n), then O(units·V·L·log n) for the spreading
/// (joint: O(units·V·L·n)). The proposal is fitted to these trials; re-estimate its risks on an
/// independent seed (`subsidysim rebalance` does) before relying on them.
public enum Rebalance {
    public enum Target: Sendable, Hashable {
        /// Every line's P(short) ≤ α.
        case perLine
        /// P(some line short) ≤ α.
        case joint
    }

    public struct Options: Sendable {
        public var alpha: Double
        public var target: Target
        /// Budgets are multiples of this (万元); 0 for none.
        public var unit: Double
        /// Lines whose budgets stay as in the scenario.
        public var hold: Set<LineID>
        /// Probability that a line's true chance of running short is at most α (0: fit the point estimate).
        public var confidence: Double
        public init(alpha: Double = 0.05, target: Target = .perLine, unit: Double = 1, hold: Set<LineID> = [], confidence: Double = 0.95) {
            self.alpha = alpha
            self.target = target
            self.unit = unit
            self.hold = hold
            self.confidence = confidence
        }
    }

    public struct Proposal: Sendable {
        /// Per line (the scenario's line order), per source (its funding order), 万元.
        public var budgets: [[Double]]
        /// The smallest line totals that meet the target (before spreading what is left).
        public var needs: [Double]
        /// Per source: money added because the sources could not cover the needs (0 when feasible).
        public var extra: [Double]
        /// Per source: money that no line the source may pay needs (left unallocated, e.g.
        /// restricted money beyond what its lines can use even after spreading).
        public var unallocated: [Double]
        /// The common quantile level of the joint target (nil per line).
        public var jointLevel: Double?
        /// Per variant, per line: the fraction of the fitting trials in which the line runs short under the proposal.
        public var fittedShort: [[Double]]
        /// Per variant: the fraction of fitting trials in which some line runs short.
        public var fittedAnyShort: [Double]
        /// Lines that need money no source may pay (every source's `only_lines` leaves them out).
        public var unpayable: [LineID] = []
        public var feasible: Bool { extra.allSatisfy { $0 <= 1e-9 } && unpayable.isEmpty }
        public var lineTotals: [Double] { budgets.map { $0.reduce(0, +) } }
    }

    /// `demands[v][l]`: the simulated demands of line l (the scenario's line order) under variant v,
    /// all on the same n trials. `scenario` gives the lines, their current budgets and the sources.
    public static func propose(demands: [[[Double]]], scenario s: Scenario, options o: Options) -> Proposal {
        let nL = s.lines.count, nS = s.funding.count
        let n = demands.first?.first?.count ?? 0
        let sorted = sortedColumns(demands)
        func roundUp(_ x: Double) -> Double {
            guard o.unit > 0 else { return x }
            let k = (x / o.unit - 1e-9).rounded(.up)
            return Double(String(format: "%.10g", Swift.max(0, k) * o.unit)) ?? Swift.max(0, k) * o.unit
        }
        let current = s.lines.map { l in s.funding.map { l.budget[$0.id] ?? 0 } }
        let allowed = Double(allowedExceedances(trials: n, alpha: o.alpha, confidence: o.confidence))
        var needs = [Double](repeating: 0, count: nL)
        var level: Double?
        switch o.target {
        case .perLine:
            let k = Int(allowed)
            for l in 0..<nL {
                needs[l] = sorted.map { v in n == 0 ? 0 : v[l][Swift.max(0, n - 1 - k)] }.max() ?? 0
            }
        case .joint:
            // The largest k (fewest trials above each line's budget) whose common order statistic keeps
            // P(any short) ≤ α on every variant; k = 0 (every line at its largest demand) always does.
            func budgets(_ k: Int) -> [Double] {
                (0..<nL).map { l in sorted.map { v in n == 0 ? 0 : v[l][Swift.max(0, n - 1 - k)] }.max() ?? 0 }
            }
            var lo = 0, hi = Int(allowed)
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                let b = budgets(mid).map(roundUp)
                if anyShort(demands, b).allSatisfy({ $0 <= allowed }) { lo = mid } else { hi = mid - 1 }
            }
            needs = budgets(lo)
            level = n > 0 ? 1 - Double(lo) / Double(n) : 1
        }
        needs = needs.map(roundUp)
        for (l, line) in s.lines.enumerated() where o.hold.contains(line.id) { needs[l] = current[l].reduce(0, +) }

        // Place each source's money: held lines keep their split; the rest by max-flow.
        var amount = s.funding.map(\.amount)
        var budgets = [[Double]](repeating: [Double](repeating: 0, count: nS), count: nL)
        for (l, line) in s.lines.enumerated() where o.hold.contains(line.id) {
            budgets[l] = current[l]
            for j in 0..<nS { amount[j] -= current[l][j] }
        }
        let may: [[Bool]] = s.lines.map { line in s.funding.map { $0.onlyLines?.contains(line.id) ?? true } }
        let free = (0..<nL).filter { !o.hold.contains(s.lines[$0].id) }
        var flow = maxFlow(supply: amount.map { Swift.max($0, 0) }, demand: free.map { needs[$0] }, may: free.map { may[$0] })
        // Short of money: the least restricted source (it can pay every line) makes up the gap.
        var extra = [Double](repeating: 0, count: nS)
        let placed = free.enumerated().map { i, _ in flow[i].reduce(0, +) }
        let gap = zip(free, placed).map { needs[$0] - $1 }
        var unpayable: [LineID] = []
        if gap.contains(where: { $0 > 1e-6 }) {
            for (i, l) in free.enumerated() where gap[i] > 1e-6 {
                // No source may pay this line: nothing can be added; the line is reported.
                guard let j = (0..<nS).filter({ may[l][$0] }).max(by: { a, b in
                    (s.funding[a].onlyLines?.count ?? nL + 1) < (s.funding[b].onlyLines?.count ?? nL + 1)
                }) else { unpayable.append(s.lines[l].id); continue }
                extra[j] += gap[i]
                flow[i][j] += gap[i]
            }
        }
        for (i, l) in free.enumerated() { budgets[l] = flow[i] }

        // Spread what each source has left over the lines it may pay, a unit at a time.
        var left = (0..<nS).map { j in amount[j] + extra[j] - free.enumerated().map { flow[$0.offset][j] }.reduce(0, +) }
        let step = o.unit > 0 ? o.unit : 1
        // Restricted sources first: their money has fewer places to go.
        let order = (0..<nS).sorted { (s.funding[$0].onlyLines?.count ?? nL + 1) < (s.funding[$1].onlyLines?.count ?? nL + 1) }
        for j in order {
            let lines = free.filter { may[$0][j] }
            while left[j] > 1e-9, !lines.isEmpty {
                let u = Swift.min(step, left[j])
                let totals = budgets.map { $0.reduce(0, +) }
                guard let best = bestLine(lines, demands: sorted, raw: demands, totals: totals, add: u, target: o.target) else { break }
                budgets[best][j] += u
                left[j] -= u
            }
        }
        let totals = budgets.map { $0.reduce(0, +) }
        let fitted = sorted.map { v in (0..<nL).map { l in shortFraction(v[l], totals[l]) } }
        let any = anyShort(demands, totals).map { n > 0 ? $0 / Double(n) : 0 }
        // Budgets on the unit's lattice read back exactly (849.92, not 849.9200000000001).
        let tidy = budgets.map { row in row.map { x in Double(String(format: "%.10g", x)) ?? x } }
        return Proposal(budgets: tidy, needs: needs, extra: extra, unallocated: left.map { Swift.max(0, $0) },
                        jointLevel: level, fittedShort: fitted, fittedAnyShort: any, unpayable: unpayable)
    }

    /// The most trials (of n) a budget may be exceeded in: ⌊α·n⌋ at confidence 0, else the largest
    /// k with I_α(k+1, n−k) ≥ confidence (−1 when even k = 0 does not reach it: n too small; then 0
    /// is used and the budget is the largest demand).
    public static func allowedExceedances(trials n: Int, alpha: Double, confidence: Double) -> Int {
        let top = Int((alpha * Double(n)).rounded(.down))
        guard confidence > 0, n > 0 else { return top }
        GSL.prepare()
        func ok(_ k: Int) -> Bool { gsl_cdf_beta_P(alpha, Double(k + 1), Double(n - k)) >= confidence }
        guard ok(0) else { return 0 }
        var lo = 0, hi = top   // ok at lo
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if ok(mid) { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    /// The fewest trials with which `confidence` can be reached at all (then no exceedance is
    /// allowed): the least n with 1 − (1−α)ⁿ ≥ confidence.
    public static func trialsNeeded(alpha: Double, confidence: Double) -> Int {
        guard confidence > 0, alpha > 0, alpha < 1 else { return 1 }
        return Int((log(1 - confidence) / log(1 - alpha)).rounded(.up))
    }

    /// Every variant's every line sorted ascending, the columns on all cores.
    static func sortedColumns(_ demands: [[[Double]]]) -> [[[Double]]] {
        let pairs = demands.indices.flatMap { v in demands[v].indices.map { (v, $0) } }
        var it = concurrentMap(pairs.count) { demands[pairs[$0].0][pairs[$0].1].sorted() }.makeIterator()
        return demands.map { $0.map { _ in it.next()! } }
    }

    /// The fraction of sorted demands above `budget` (the engine's test: demand > budget + 1e-9).
    static func shortFraction(_ sorted: [Double], _ budget: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        var lo = 0, hi = sorted.count
        while lo < hi { let m = (lo + hi) / 2; if sorted[m] > budget + 1e-9 { hi = m } else { lo = m + 1 } }
        return Double(sorted.count - lo) / Double(sorted.count)
    }

    /// Per variant: the number of trials in which some line's demand is above its budget.
    static func anyShort(_ demands: [[[Double]]], _ totals: [Double]) -> [Double] {
        demands.map { v in
            let n = v.first?.count ?? 0
            var c = 0
            for t in 0..<n where (0..<v.count).contains(where: { v[$0][t] > totals[$0] + 1e-9 }) { c += 1 }
            return Double(c)
        }
    }

    /// Where one more unit of money lowers the risk most; nil when it lowers it nowhere and no
    /// line can use it (every line's demand always fits).
    static func bestLine(_ lines: [Int], demands sorted: [[[Double]]], raw: [[[Double]]], totals: [Double], add u: Double,
                         target: Target) -> Int? {
        switch target {
        case .perLine:
            // The highest chance of running short over the variants; ties to the earlier clause.
            var best: Int?, bestP = -1.0
            for l in lines {
                let p = sorted.map { shortFraction($0[l], totals[l]) }.max() ?? 0
                if p > bestP + 1e-15 { best = l; bestP = p }
            }
            return bestP > 0 ? best : nil
        case .joint:
            var best: Int?, bestGain = -1.0
            for l in lines {
                var gain = 0.0
                for v in raw {
                    let n = v.first?.count ?? 0
                    for t in 0..<n where v[l][t] > totals[l] + 1e-9 && v[l][t] <= totals[l] + u + 1e-9 {
                        if !(0..<v.count).contains(where: { $0 != l && v[$0][t] > totals[$0] + 1e-9 }) { gain += 1 }
                    }
                }
                let p = sorted.map { shortFraction($0[l], totals[l]) }.max() ?? 0
                let score = gain + p * 1e-6   // no trial fixed by any line: the most likely to run short
                if score > bestGain { best = l; bestGain = score }
            }
            return bestGain > 0 ? best : nil
        }
    }

    /// Max-flow from sources (supply) to lines (demand) over the allowed edges, by augmenting
    /// paths (Edmonds–Karp on ≤ 8 sources × 7 lines): the most of the needs the sources can cover,
    /// as flow[line][source]. Restricted sources are tried first so their money is used where only
    /// they may go.
    static func maxFlow(supply: [Double], demand: [Double], may: [[Bool]]) -> [[Double]] {
        let nS = supply.count, nL = demand.count
        var flow = [[Double]](repeating: [Double](repeating: 0, count: nS), count: nL)
        var sLeft = supply, dLeft = demand
        let eps = 1e-9
        while true {
            // BFS from sources with money left to lines with need left, through the residual graph.
            var prevLine = [Int](repeating: -1, count: nL)     // the source a line was reached from
            var prevSource = [Int](repeating: -2, count: nS)   // the line a source was reached from (-1: a start)
            var queue: [Int] = []   // source indices
            let reach = (0..<nS).map { j in may.filter { $0[j] }.count }
            let starts = (0..<nS).filter { sLeft[$0] > eps }.sorted { reach[$0] != reach[$1] ? reach[$0] < reach[$1] : $0 < $1 }
            for j in starts { prevSource[j] = -1; queue.append(j) }
            var found = -1
            var qi = 0
            while qi < queue.count, found < 0 {
                let j = queue[qi]; qi += 1
                for l in 0..<nL where may[l][j] && prevLine[l] < 0 {
                    prevLine[l] = j
                    if dLeft[l] > eps { found = l; break }
                    // Through line l back to another source that sends it flow.
                    for j2 in 0..<nS where prevSource[j2] == -2 && flow[l][j2] > eps {
                        prevSource[j2] = l
                        queue.append(j2)
                    }
                }
            }
            guard found >= 0 else { break }
            // The path's bottleneck.
            var b = dLeft[found]
            var l = found, j = prevLine[l]
            while true {
                if prevSource[j] == -1 { b = Swift.min(b, sLeft[j]); break }
                let l2 = prevSource[j]
                b = Swift.min(b, flow[l2][j])
                l = l2; j = prevLine[l]
            }
            // Augment.
            l = found; j = prevLine[l]
            dLeft[found] -= b
            while true {
                flow[l][j] += b
                if prevSource[j] == -1 { sLeft[j] -= b; break }
                let l2 = prevSource[j]
                flow[l2][j] -= b
                l = l2; j = prevLine[l]
            }
        }
        return flow
    }
}
