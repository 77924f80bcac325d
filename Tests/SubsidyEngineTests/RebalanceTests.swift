import Foundation
import Testing
@testable import SubsidyEngine
import SubsidyModel
import RealModule

@Suite("Rebalance: a budget table to a risk target")
struct RebalanceTests {
    /// The draft's lines and sources with budgets that the tests replace.
    static func scenario(regional: Double = 2000, county: Double = 800) throws -> Scenario {
        try Fixture.load(Fixture.yaml(regional: regional, county: county, transformationCounty: county * 0.75)).scenario
    }

    /// Demands 1…n on line 0, constants elsewhere.
    static func demands(_ n: Int, others: [Double] = [0, 0, 0, 0, 0, 0]) -> [[Double]] {
        [(1...n).map(Double.init)] + others.map { c in [Double](repeating: c, count: n) }
    }

    @Test("per line: the budget is the order statistic with at most ⌊αn⌋ trials above it, rounded up to the unit")
    func orderStatistic() throws {
        let s = try Self.scenario()
        let p = Rebalance.propose(demands: [Self.demands(100)], scenario: s, options: .init(alpha: 0.05, unit: 0, confidence: 0))
        #expect(p.needs[0] == 95)   // 5 of 100 trials above 95
        #expect(Rebalance.shortFraction((1...100).map(Double.init), 95) == 0.05)
        let r = Rebalance.propose(demands: [Self.demands(100)], scenario: s, options: .init(alpha: 0.05, unit: 10, confidence: 0))
        #expect(r.needs[0] == 100)
        // The fitted chance on these trials never exceeds the target.
        #expect(r.fittedShort[0].allSatisfy { $0 <= 0.05 + 1e-12 })
    }

    @Test("confidence: the allowed exceedances are the largest k with P(Binomial(n, α) ≥ k+1) ≥ c (Wilks' tolerance limit)")
    func allowedExceedances() {
        // Known values (exact binomial sums): n = 100 → 1, 10 000 → 463, 20 000 → 949 at α = 5%, c = 95%.
        #expect(Rebalance.allowedExceedances(trials: 100, alpha: 0.05, confidence: 0.95) == 1)
        #expect(Rebalance.allowedExceedances(trials: 10_000, alpha: 0.05, confidence: 0.95) == 463)
        #expect(Rebalance.allowedExceedances(trials: 20_000, alpha: 0.05, confidence: 0.95) == 949)
        #expect(Rebalance.allowedExceedances(trials: 20_000, alpha: 0.05, confidence: 0) == 1000)
        // Too few trials for the confidence: no exceedance allowed (the budget is the largest demand).
        #expect(Rebalance.allowedExceedances(trials: 10, alpha: 0.05, confidence: 0.95) == 0)
    }

    @Test("several readings: each line gets the largest of their needs, so the target holds under each")
    func severalVariants() throws {
        let s = try Self.scenario()
        let a = Self.demands(100), b = [(1...100).map { Double($0) * 2 }] + Array(Self.demands(100).dropFirst())
        let p = Rebalance.propose(demands: [a, b], scenario: s, options: .init(alpha: 0.05, unit: 0, confidence: 0))
        #expect(p.needs[0] == 190)
        #expect(p.fittedShort.allSatisfy { $0[0] <= 0.05 + 1e-12 })
    }

    @Test("restricted money goes only where it may; the surplus goes where the risk is highest; a shortfall is extra money on the source that can pay it")
    func flowAndExtra() throws {
        // Line 0 needs 95 (regional 2000 may pay only it); line 3 needs 50; county 800 covers line 3.
        let s = try Self.scenario()
        var d = Self.demands(100)
        d[3] = (1...100).map { Double($0) / 2 }
        let p = Rebalance.propose(demands: [d], scenario: s, options: .init(alpha: 0.05, unit: 1, confidence: 0))
        #expect(p.feasible)
        // Regional money only on line 0, county never short of what it must cover.
        for l in 1..<7 { #expect(p.budgets[l][0] == 0) }
        #expect(p.budgets[3][1] >= 48)
        // Every source's money is placed or reported unallocated: nothing disappears.
        for j in 0..<2 {
            let placed = p.budgets.map { $0[j] }.reduce(0, +)
            #expect((placed + p.unallocated[j]).isApproximatelyEqual(to: s.funding[j].amount + p.extra[j], absoluteTolerance: 1e-6))
        }
        // Too little county money: the gap is reported as extra county money.
        let small = try Self.scenario(regional: 10, county: 20)
        let q = Rebalance.propose(demands: [d], scenario: small, options: .init(alpha: 0.05, unit: 1, confidence: 0))
        #expect(!q.feasible)
        // Needs: line 0 95 (10 regional + 85 county), line 3 48 → county needs 133, has 20.
        #expect(q.extra[1].isApproximatelyEqual(to: 85 + 48 - 20, absoluteTolerance: 1e-6) && q.extra[0] == 0, "\(q.extra) needs \(q.needs)")
    }

    @Test("held lines keep their budgets; joint target: P(any line short) ≤ α on the fitting trials")
    func holdAndJoint() throws {
        let s = try Self.scenario()
        var d = Self.demands(1000)
        d[3] = (1...1000).map { Double(($0 * 7919) % 1000) / 10 }   // independent-ish of line 0
        let held = Rebalance.propose(demands: [d], scenario: s, options: .init(alpha: 0.05, unit: 0, hold: [.cloud]))
        #expect(held.budgets[3] == s.funding.map { s.lines[3].budget[$0.id] ?? 0 })
        let j = Rebalance.propose(demands: [d], scenario: s, options: .init(alpha: 0.05, target: .joint, unit: 0))
        #expect(j.fittedAnyShort[0] <= 0.05 + 1e-12)
        let perLine = Rebalance.propose(demands: [d], scenario: s, options: .init(alpha: 0.05, unit: 0))
        // The joint target needs each line at least as high as the per-line one.
        #expect(j.needs[0] >= perLine.needs[0] && j.needs[3] >= perLine.needs[3])
        #expect(j.jointLevel != nil)
    }

    @Test("a known answer: 40 firms at the 10万 cap, each accepted with probability 0.7 — （一） needs 10 × the exact binomial quantile")
    func binomialKnownAnswer() throws {
        // X ~ Binomial(40, 0.7): P(X > 32) = 0.0553, P(X > 33) = 0.0238, so at α = 4% the need is 33 firms:
        // （一） 330万, （七）（八） 33 × 1 + 40 × 0.87 = 67.8万 (fees on accepted and on completed firms), （六） 3 × 5 = 15万.
        let loaded = try Fixture.load(Fixture.yaml(firms: ["40"], rates: [(0.5, 10)], pass: "0.7", investment: "1000"))
        let st = try Rebalance.study(loaded, options: .init(alpha: 0.04, unit: 0), trials: 10_000, checkTrials: 10_000, seed: 11,
                                     threads: 2, sampling: nil)
        let p = st.proposal
        #expect(p.needs[0] == 330, "\(p.needs)")
        #expect(p.needs[6].isApproximatelyEqual(to: 67.8, absoluteTolerance: 1e-9), "\(p.needs)")
        #expect(p.needs[5] == 15 && p.needs[1] == 0)
        // The check run (another seed) agrees: （一） short with P(X > b/10) where b is its final budget.
        let b = p.budgets[0].reduce(0, +)
        let a = try #require(st.after.first?.lines.first)
        #expect(a.overrunLow <= 0.04 && a.budget == b)
        #expect(st.checkSeed != st.fitSeed)
    }

    @Test("the draft: the proposal re-run on an independent seed keeps every line's P(short) at most α within its interval, under both readings")
    func draftMeetsTarget() throws {
        let loaded = try LoadedScenario.load(nil)
        let st = try Rebalance.study(loaded, options: .init(alpha: 0.05, unit: 5), trials: 8000, checkTrials: 8000, seed: 3,
                                     threads: 2, sampling: nil)
        for v in st.after {
            for l in v.lines { #expect(l.overrunLow <= 0.05, "\(v.id) \(l.clause): \(l.overrunProbability) [\(l.overrunLow), \(l.overrunHigh)]") }
        }
        // The draft's money cannot do it (（四）, （七）（八） and （一） under the text reading): extra county money, reported.
        #expect(!st.proposal.feasible && st.proposal.extra[1] > 0 && st.proposal.extra[0] == 0)
        #expect(st.proposed.scenario.funding[1].amount == 800 + st.proposal.extra[1])
        // Every budget is a multiple of the unit.
        for row in st.proposal.budgets { for x in row { #expect((x / 5).isApproximatelyEqual(to: (x / 5).rounded(), absoluteTolerance: 1e-9)) } }
    }

    @Test("--with-caps: the largest caps (one factor, 0.1万) with which the county's 800万 meets the target; 0.1万 more does not")
    func capsToFit() throws {
        let loaded = try LoadedScenario.load(nil)
        let opts = Rebalance.Options(alpha: 0.05, unit: 5)
        let r = try Rebalance.capsToFit(loaded, options: opts, variants: [], trials: 3000, seed: 5, threads: 2, sampling: nil)
        #expect(r.fits)
        let c1 = try #require(r.caps.first)
        #expect(c1 < 50 && c1 > 0)
        let at = try loaded.with(Rebalance.capOverridesFor(r.caps))
        #expect(try Rebalance.fit(at, options: opts, variants: [], trials: 3000, seed: 5, threads: 2, sampling: nil).feasible)
        let draft = loaded.scenario.policy.batches.map(\.cap)
        let above = draft.map { c in ((c / draft[0] * (c1 + 0.1)) * 10).rounded(.down) / 10 }
        let over = try loaded.with(Rebalance.capOverridesFor(above))
        #expect(!(try Rebalance.fit(over, options: opts, variants: [], trials: 3000, seed: 5, threads: 2, sampling: nil).feasible))
    }
}

@Suite("What drives a shortfall")
struct DriverTests {
    @Test("only the firm count can make （一） run short (every firm at the cap): it ranks first, the cloud uptake does not move")
    func onlyFirmsMatter() throws {
        let loaded = try Fixture.load(Fixture.yaml(firms: ["{dist: triangular, min: 20, mode: 40, max: 70}"], rates: [(0.6, 50)],
                                                   investment: "1000", cloud: "{dist: uniform, min: 0.2, max: 0.8}"))
        let r = try Fixture.run(loaded, trials: 6000)
        let d = Drivers.analyse(r)
        let t = try #require(d.first?.first { $0.line == .transformation })
        // Short when more than 52 firms (2600万 ÷ 50万): P(N ≥ 53) of the triangular law.
        let exact: Double = (17.5 * 17.5) / (50.0 * 30.0)   // (70 − 52.5)² / ((70 − 20)(70 − 40))
        let se: Double = (exact * (1 - exact) / 6000).squareRoot()
        #expect(t.pShort.isApproximatelyEqual(to: exact, absoluteTolerance: 4 * se), "\(t.pShort) vs \(exact)")
        #expect(t.drivers.first?.input.id == "firms_b1", "\(t.drivers.map { ($0.input.id, $0.shift) })")
        #expect((t.drivers.first?.shift ?? 0) > 1)
        let cloud = try #require(t.drivers.first { $0.input.id == "cloud_uptake" })
        #expect(cloud.shift.isApproximatelyEqual(to: 0, absoluteTolerance: 0.2))
        #expect(t.significant.map(\.input.id) == ["firms_b1"])
    }
}

@Suite("Compare scenarios and readings")
struct CompareTests {
    static func entries(_ loaded: LoadedScenario, prefix: String) -> [Compare.Entry] {
        loaded.variants.map { Compare.Entry(id: prefix + $0.id, label: $0.name, source: loaded.file, variant: $0) }
    }

    @Test("a scenario compared with itself: every difference exactly 0, the same firms")
    func withItself() throws {
        let l = try LoadedScenario.load(nil)
        let r = try Compare.run(Self.entries(l, prefix: "a/") + Self.entries(l, prefix: "b/"), trials: 1500, seed: 4, threads: 2, sampling: nil)
        let same = r.rows[2]
        #expect(same.sameFirms)
        for d in same.shortDifference + same.demandDifference + same.unspentDifference + same.sourceUnspentDifference + [same.anyShortDifference] {
            #expect(d.mean == 0 && d.low == 0 && d.high == 0)
        }
        // The table reading against the text reading: （一） is less often short (paired, significant).
        #expect(r.rows[1].shortDifference[0].mean < 0 && r.rows[1].shortDifference[0].significant)
    }

    @Test("readings: rejecting over-limit projects lowers （一）'s risk; the chain-case holder changes no firm and not （一）'s demand")
    func readings() throws {
        let l = try LoadedScenario.load(nil, only: ["text"])
        let v = l.variants[0]
        var entries = [Compare.Entry(id: "text", label: "正文", source: "", variant: v)]
        for r in Compare.readings(of: v.scenario) {
            let os = try r.overrides.map { try Override.parse("\($0.0)=\($0.1)").get() }
            entries.append(Compare.Entry(id: r.id, label: r.id, source: "", variant: try l.with(os).variants[0]))
        }
        #expect(entries.map(\.id).contains("hardware-reject") && entries.map(\.id).contains("ceiling-part2")
                && entries.map(\.id).contains("fees-pilot") && entries.map(\.id).contains("chain-top-firm")
                && entries.map(\.id).contains("overrun-reallocate"))
        let r = try Compare.run(entries, trials: 2000, seed: 9, threads: 2, sampling: nil)
        let reject = try #require(r.rows.first { $0.entry.id == "hardware-reject" })
        #expect(reject.shortDifference[0].mean < 0 && reject.shortDifference[0].significant)
        let chain = try #require(r.rows.first { $0.entry.id == "chain-top-firm" })
        #expect(chain.sameFirms && chain.demandDifference[0].mean.isApproximatelyEqual(to: 0, absoluteTolerance: 1e-9)
                && chain.demandDifference[0].high.isApproximatelyEqual(to: 0, absoluteTolerance: 1e-9), "\(chain.sameFirms) \(chain.demandDifference[0])")
        // The overrun rule changes how a shortfall is paid, never whether demand exceeds a budget.
        for row in r.rows where row.entry.id.hasPrefix("overrun-") { #expect(row.shortDifference.allSatisfy { $0.mean == 0 }) }
        // A change in a share stays a possible change: its interval within [−p, 1 − p] of the reference's p
        // (（四） is short in ~99% of trials, where the normal interval ran past −100 points).
        let ref = r.rows[0].summary
        for row in r.rows {
            for (i, d) in row.shortDifference.enumerated() {
                let p = ref.lines[i].overrunProbability
                #expect(d.low >= -p - 1e-12 && d.high <= 1 - p + 1e-12, "\(row.entry.id) line \(i): \(d) at p \(p)")
            }
        }
    }

    @Test("scenarios with other funding sources cannot share one table: a clear message")
    func incompatible() throws {
        let a = try LoadedScenario.load(nil)
        let text = String(decoding: try #require(LoadedScenario.builtinData()), as: UTF8.self).replacingOccurrences(of: "county", with: "xj")
        let b = try Fixture.load(text)
        let m = Compare.incompatibility(Self.entries(a, prefix: "a/") + Self.entries(b, prefix: "b/"))
        #expect(m?.zh.contains("资金来源") == true)
        #expect(throws: ScenarioError.self) { try Compare.run(Self.entries(a, prefix: "a/") + Self.entries(b, prefix: "b/"), trials: 100, seed: 1, threads: 1, sampling: nil) }
    }
}
