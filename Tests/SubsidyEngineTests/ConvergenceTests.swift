import Foundation
import Testing
@testable import SubsidyEngine
import SubsidyModel

@Suite("Convergence of the running estimates, and --precision-line")
struct ConvergenceTests {
    static func draft(trials: Int, threads: Int = 2) throws -> SimulationResult {
        try Fixture.run(LoadedScenario.load(nil), trials: trials, threads: threads)
    }

    @Test("checkpoints: increasing, no repeats, from 100 to the trial count, at most 200")
    func checkpoints() {
        for n in [1, 7, 100, 101, 150, 5000, 123_457, 2_000_000] {
            let c = Convergence.checkpoints(trials: n)
            #expect(c.last == n)
            #expect(c.first == Swift.min(100, n))
            #expect(c.count <= 200)
            #expect(zip(c, c.dropFirst()).allSatisfy { $0 < $1 })
        }
        // Log spacing: at a million trials the ratio between neighbours is about 10000^(1/199).
        let c = Convergence.checkpoints(trials: 1_000_000)
        #expect(c.count == 200)
        let r = Double(c[150]) / Double(c[149])
        #expect(abs(r - pow(10_000, 1.0 / 199)) < 1e-3)
        #expect(Convergence.checkpoints(trials: 0).isEmpty)
    }

    @Test("the last checkpoint is the run's own estimate: same Wilson interval as summary.csv, same mean")
    func lastCheckpointIsFinal() throws {
        let r = try Self.draft(trials: 6000)
        let c = r.convergence()
        let s = r.summaries()
        #expect(c.checkpoints.last == r.trials)
        for v in 0..<r.model.variantCount {
            let rows = c.series.filter { $0.variant == v }
            #expect(rows.count == r.layout.lines.count + 3)
            for (i, l) in s[v].lines.enumerated() {
                let x = try #require(rows.first { $0.metric == r.layout.lines[i].rawValue })
                // The shortfalls recounted from the stored demand columns are the trial loop's.
                #expect(x.low.last! == l.overrunLow && x.high.last! == l.overrunHigh, "\(x.metric)")
                #expect(abs(x.estimate.last! - l.overrunProbability) < 1e-12, "\(x.metric)")
            }
            let any = try #require(rows.first { $0.metric == "any_line" })
            #expect(any.low.last! == s[v].anyLineShortLow && any.high.last! == s[v].anyLineShortHigh)
            #expect(abs(any.estimate.last! - s[v].anyLineShort) < 1e-12)
            let tot = try #require(rows.first { $0.metric == "total_pooled" })
            #expect(tot.low.last! == s[v].total.overrunLow && tot.high.last! == s[v].total.overrunHigh)
            #expect(abs(tot.estimate.last! - s[v].total.overrunProbability) < 1e-12)
            let mean = try #require(rows.first { $0.metric == "demand_mean" })
            let m = s[v].total.demandMean
            #expect(abs(mean.estimate.last! - m) <= 1e-9 * m)
            #expect(abs(mean.halfWidth.last! - Statistics.z975 * s[v].total.demandSE) <= 1e-6 * s[v].total.demandSE)
        }
    }

    @Test("the bands shrink as 1/√n: half-width ratio between n/16 and n is 4 (20% for sd noise); a probability's half-width is 1.96·√(p̂(1−p̂)/n) within 5%")
    func bandsShrink() throws {
        let r = try Self.draft(trials: 24_000)
        let c = r.convergence()
        let n = r.trials
        // The checkpoint nearest n/16.
        let k = c.checkpoints.indices.min { abs(c.checkpoints[$0] - n / 16) < abs(c.checkpoints[$1] - n / 16) }!
        let nk = Double(c.checkpoints[k])
        let expected = (Double(n) / nk).squareRoot()
        var checked = 0
        for s in c.series {
            let ratio = s.halfWidth[k] / s.halfWidth.last!
            if s.kind == .mean {
                // sd estimated on n/16 = 1500 trials: a few percent of noise; 20% is far outside it.
                #expect(ratio > 0.8 * expected && ratio < 1.2 * expected, "\(s.metric) variant \(s.variant): \(ratio) vs \(expected)")
                checked += 1
                continue
            }
            // Given the estimate, the Wilson band is the normal one up to terms in 1/n.
            for (i, m) in [(k, nk), (s.estimate.count - 1, Double(n))] {
                let p = s.estimate[i]
                guard p > 0.02 && p < 0.98 else { continue }
                let normal = Statistics.z975 * (p * (1 - p) / m).squareRoot()
                #expect(abs(s.halfWidth[i] / normal - 1) < 0.05, "\(s.metric) variant \(s.variant) at \(Int(m)): \(s.halfWidth[i]) vs \(normal)")
                checked += 1
            }
        }
        #expect(checked >= 10)
    }

    @Test("“reached at” agrees with the bands: within the target from there on, above it just before; the band check likewise")
    func reachedAtConsistent() throws {
        let r = try Self.draft(trials: 12_000)
        let c = r.convergence()
        #expect(c.probabilityTarget == Convergence.defaultProbabilityHalfWidth && !c.fromPrecision)
        var reachedSome = false, missedSome = false
        for s in c.series {
            let h = s.halfWidth
            if let at = s.reachedAt {
                reachedSome = true
                let k = try #require(c.checkpoints.firstIndex(of: at))
                #expect(h[k...].allSatisfy { $0 <= s.target + 1e-15 }, "\(s.metric)")
                if k > 0 { #expect(h[k - 1] > s.target, "\(s.metric)") }
                // The drift is the largest distance to the final estimate from there on, and it is
                // attained; once the half-width is within the target the estimate stays within about
                // it (3× allows for the running maximum of a random walk, and is still a real bound).
                let final = s.estimate.last!
                let d = try #require(s.driftAfterReached)
                #expect(s.estimate[k...].allSatisfy { abs($0 - final) <= d }, "\(s.metric)")
                #expect(s.estimate[k...].contains { abs(abs($0 - final) - d) < 1e-12 }, "\(s.metric)")
                #expect(d <= 3 * s.target, "\(s.metric): drift \(d) against target \(s.target)")
            } else {
                missedSome = true
                #expect(h.last! > s.target, "\(s.metric)")
                #expect(s.driftAfterReached == nil)
            }
        }
        // At 12,000 trials some estimates meet 0.5 points and （三） (about 21%, half-width ≈ 0.73 points) does not.
        #expect(reachedSome && missedSome)
        let t = try #require(c.series.first { $0.metric == "demand_mean" })
        #expect(abs(t.target - 0.01 * t.estimate.last!) < 1e-9)
    }

    @Test("same seed: the same running estimates for 1 and 2 threads")
    func deterministic() throws {
        let a = try Self.draft(trials: 3000, threads: 1).convergence()
        let b = try Self.draft(trials: 3000, threads: 2).convergence()
        #expect(a.checkpoints == b.checkpoints)
        #expect(a.series.count == b.series.count)
        for (x, y) in zip(a.series, b.series) {
            #expect(x.estimate.map(\.bitPattern) == y.estimate.map(\.bitPattern))
            #expect(x.low.map(\.bitPattern) == y.low.map(\.bitPattern) && x.high.map(\.bitPattern) == y.high.map(\.bitPattern))
            #expect(x.reachedAt == y.reachedAt && x.driftAfterReached == y.driftAfterReached)
        }
    }

    /// The loop's standard error of a proportion: the Wilson half-width ÷ 1.96.
    static func se(_ r: SimulationResult, _ v: Int, _ field: Int) -> Double {
        let w = Statistics.wilson(proportion: r.moments[v][field].mean, trials: r.trials)
        return (w.high - w.low) / (2 * Statistics.z975)
    }

    @Test("--precision-line: stops when that line's standard error is below E, at another count than the headline's")
    func precisionLine() throws {
        let loaded = try LoadedScenario.load(nil)
        let model = CompiledModel(loaded, seed: 11)
        let L = model.layout
        let e = 0.004
        func run(_ target: PrecisionEstimate) throws -> SimulationResult {
            var o = RunOptions(trials: 1000, threads: 2, precision: e)
            o.precisionEstimate = target
            return try Simulator.run(model, options: o, design: TrialDesign(method: .random, seed: 11))
        }
        let head = try run(.headline)
        let smart = try run(.line(.smartFactory))
        let cloud = try run(.line(.cloud))
        let sf = L.line(L.lines.firstIndex(of: .smartFactory)!, .overrun)
        let cl = L.line(L.lines.firstIndex(of: .cloud)!, .overrun)
        for v in 0..<model.variantCount {
            #expect(Self.se(smart, v, sf) <= e)
            #expect(Self.se(cloud, v, cl) <= e)
            // The plain binomial standard error agrees (p is far from 0 and 1 here).
            let p = smart.moments[v][sf].mean
            #expect((p * (1 - p) / Double(smart.trials)).squareRoot() <= e * 1.01)
        }
        #expect(smart.precisionEstimate == .line(.smartFactory) && smart.precisionReached! <= e)
        // （三） at about 21% needs √(0.21·0.79)/0.004)² ≈ 10,400 trials: one more block than the headline's
        // （一）/total (≈14% → 7,500); （四） at 99% is precise after the first 1000.
        #expect(smart.trials > head.trials)
        #expect(cloud.trials == 1000 && cloud.trials < head.trials)
        // One block fewer would not have been enough for (三).
        let before = smart.trials - Simulator.lengths(recordDoubles: model.variantCount * L.count).block
        let partial = (0..<model.variantCount).map { v -> Double in
            let ones = smart.column(v, L.line(L.lines.firstIndex(of: .smartFactory)!, .demand)).prefix(before)
                .filter { $0 > model.variants[v].payment.lineTotal[L.lines.firstIndex(of: .smartFactory)!] + 1e-9 }.count
            let w = Statistics.wilson(successes: ones, trials: before)
            return (w.high - w.low) / (2 * Statistics.z975)
        }.max()!
        #expect(partial > e)
    }
}
