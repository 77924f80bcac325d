import Foundation
public import SubsidyModel

/// What drives a line's shortfall, as @RISK's scenario analysis asks it: among the trials in which
/// the line runs short, how far each uncertain trial-level input's median sits from its median
/// over all trials, in standard deviations of the input over all trials. An input whose median in
/// the short trials is 0.5 sd or more away is one the shortfall depends on; when no input moves,
/// the shortfall comes from firm-level variation (investment, hardware share, acceptance), and
/// when the line is short in nearly every trial the cause is the budget itself, not the uncertainty.
///
/// Cost: one pass over the stored demands and one quantile selection per input and line,
/// O(V·L·K·n) for V variants, L lines, K inputs and n trials.
public enum Drivers {
    public struct Driver: Sendable {
        public var input: TrialInput
        public var medianAll: Double
        public var medianShort: Double
        public var sdAll: Double
        /// (medianShort − medianAll) / sdAll; 0 when the input does not vary.
        public var shift: Double
    }

    public struct Line: Sendable {
        public var variant: Int
        public var line: LineID
        public var budget: Double
        /// The fraction of trials in which the line runs short, and how many that is.
        public var pShort: Double
        public var shortTrials: Int
        /// Uncertain inputs, the largest |shift| first.
        public var drivers: [Driver]
        /// Demand percentiles P5 and P50 over all trials (for "the budget is below even P5").
        public var demandP5: Double
        public var demandP50: Double

        /// Short in nearly every trial (≥ 90%): the budget, not the uncertainty, is the cause.
        public var structural: Bool { pShort >= 0.9 }
        /// Too few short trials to say anything (fewer than `Drivers.minShortTrials`).
        public var tooFew: Bool { shortTrials < Drivers.minShortTrials }
        /// The drivers that matter: |shift| ≥ 0.5.
        public var significant: [Driver] { drivers.filter { abs($0.shift) >= 0.5 } }
    }

    /// Below this many short trials no medians are compared.
    public static let minShortTrials = 30

    /// Per variant, per line that runs short in at least one trial. Needs the run's input values
    /// (`RunOptions.keepInputs`) and each line's stored demand (the default stored fields).
    public static func analyse(_ r: SimulationResult) -> [[Line]] {
        let L = r.layout
        guard !r.inputValues.isEmpty else { return [] }
        // Each input over all trials: its median and standard deviation, once per input column
        // (variants on the same population share the columns), the columns on all cores.
        let nv = r.model.variantCount
        let columnsUsed = (0..<nv).map { v in
            TrialInputs.uncertain(r.model.scenarios[v].population).compactMap { u in r.model.inputs.firstIndex { $0.id == u.id }.map { (u, $0) } }
        }
        let distinct = Array(Set(columnsUsed.flatMap { $0.map(\.1) })).sorted()
        let stats = concurrentMap(distinct.count) { j -> (median: Double, sd: Double) in
            let c = distinct[j]
            var m = Moments()
            for value in r.inputValues[c] { m.add(value) }
            return (Statistics.quantiles(r.inputValues[c], [0.5])[0], m.sd)
        }
        let overallOf = Dictionary(uniqueKeysWithValues: zip(distinct, stats))
        // Per variant on all cores, each in variant order.
        return concurrentMap(nv) { v -> [Line] in
            let s = r.model.scenarios[v]
            let cols = columnsUsed[v]
            let overall = cols.map { overallOf[$0.1]! }
            var out: [Line] = []
            for (i, id) in L.lines.enumerated() {
                let budget = s.line(id)?.total ?? 0
                let demand = r.column(v, L.line(i, .demand))
                guard !demand.isEmpty else { continue }
                let short = demand.indices.filter { demand[$0] > budget + 1e-9 }
                guard !short.isEmpty else { continue }
                let q = Statistics.quantiles(demand, [0.05, 0.5])
                var drivers: [Driver] = []
                if short.count >= minShortTrials {
                    for ((input, c), (all, sd)) in zip(cols, overall) {
                        let x = r.inputValues[c]
                        let sub = Statistics.quantiles(short.map { x[$0] }, [0.5])[0]
                        drivers.append(Driver(input: input, medianAll: all, medianShort: sub, sdAll: sd, shift: sd > 0 ? (sub - all) / sd : 0))
                    }
                    drivers.sort { abs($0.shift) != abs($1.shift) ? abs($0.shift) > abs($1.shift) : $0.input.id < $1.input.id }
                }
                out.append(Line(variant: v, line: id, budget: budget, pShort: Double(short.count) / Double(demand.count),
                                shortTrials: short.count, drivers: drivers, demandP5: q[0], demandP50: q[1]))
            }
            return out
        }
    }
}
