import Foundation
import Testing
@testable import SubsidyEngine
import SubsidyModel
import RealModule

@Suite("Engine against closed forms and known answers")
struct EngineTests {
    /// E[min(rX, c)] for ln X ~ N(μ, σ²): e^{m+σ²/2}·Φ((ln c − m − σ²)/σ) + c·(1 − Φ((ln c − m)/σ)), m = μ + ln r.
    static func expectedCappedAward(mu: Double, sigma: Double, rate r: Double, cap c: Double) -> Double {
        let m = mu + log(r)
        return exp(m + sigma * sigma / 2) * normalCDF((log(c) - m - sigma * sigma) / sigma) + c * (1 - normalCDF((log(c) - m) / sigma))
    }

    @Test("mean transformation demand = N·p·E[min(rX, c)] within the Hoeffding bound", arguments: [
        (3.8, 0.9, 0.6, 50.0, 0.9), (3.2, 0.5, 0.5, 40.0, 0.75), (4.5, 1.2, 0.3, 20.0, 1.0),
    ])
    func closedForm(mu: Double, sigma: Double, rate: Double, cap: Double, pass: Double) throws {
        let n = 80
        let text = Fixture.yaml(firms: ["\(n)"], rates: [(rate, cap)], pass: "\(pass)",
                                investment: "{dist: lognormal, mu: \(mu), sigma: \(sigma)}")
        let loaded = try Fixture.load(text)
        let trials = 4000
        let r = try Fixture.run(loaded, trials: trials)
        let L = r.layout
        let ti = L.lines.firstIndex(of: .transformation)!
        let estimate = r.moments[0][L.line(ti, .demand)].mean / Double(n)   // mean award per firm-draw
        let exact = pass * Self.expectedCappedAward(mu: mu, sigma: sigma, rate: rate, cap: cap)
        let draws = Double(trials * n)
        let bound = cap * (log(2e6) / (2 * draws)).squareRoot()
        #expect(estimate.isApproximatelyEqual(to: exact, absoluteTolerance: bound), "estimate \(estimate), exact \(exact), bound \(bound)")
    }

    @Test("a bounded-support award: hardware trimmed at exactly 30% under trim_total is an identity")
    func hardwareShareAtLimit() throws {
        // Hardware share fixed at 0.30: trim_total keeps everything, so award = min(r·X, c) as without hardware.
        let text = Fixture.yaml(firms: ["50"], rates: [(0.6, 50)], investment: "{dist: lognormal, mu: 3.5, sigma: 0.6}", hardware: "0.3")
        let base = try Fixture.run(try Fixture.load(text), trials: 500)
        let none = try Fixture.run(try Fixture.load(Fixture.yaml(firms: ["50"], rates: [(0.6, 50)],
                                                               investment: "{dist: lognormal, mu: 3.5, sigma: 0.6}", hardware: "0")), trials: 500)
        let L = base.layout
        let a = base.column(0, L.line(0, .demand)), b = none.column(0, L.line(0, .demand))
        for i in a.indices { #expect(a[i].isApproximatelyEqual(to: b[i], absoluteTolerance: 1e-9 * Swift.max(1, b[i]))) }
    }

    @Test("overrun rules on a population with known demand")
    func overrunRules() throws {
        // 10 firms per batch, investment 100, no hardware, all accepted: batch 1 awards 50 each (500), batch 2 40 each (400).
        func run(_ rule: String, transformationCounty: Double = 0, regional: Double = 600, county: Double = 100) throws -> (SimulationResult, RecordLayout) {
            let text = Fixture.yaml(firms: ["10", "10"], rates: [(0.6, 50), (0.5, 40)], investment: "100",
                                    regional: regional, county: county, transformationCounty: transformationCounty, overrun: rule)
            let r = try Fixture.run(try Fixture.load(text), trials: 20)
            return (r, r.layout)
        }
        let (p, L) = try run("prorate")
        let m = p.moments[0]
        #expect(m[L.line(0, .demand)].mean.isApproximatelyEqual(to: 900, absoluteTolerance: 1e-9))
        #expect(m[L.line(0, .paid)].mean.isApproximatelyEqual(to: 600, absoluteTolerance: 1e-9))
        #expect(m[L.batch(0, .paid)].mean.isApproximatelyEqual(to: 500 * 600 / 900, absoluteTolerance: 1e-9))
        #expect(m[L.batch(1, .paid)].mean.isApproximatelyEqual(to: 400 * 600 / 900, absoluteTolerance: 1e-9))
        #expect(m[L.line(0, .overrun)].mean == 1)

        let (bo, _) = try run("batch_order")
        #expect(bo.moments[0][L.batch(0, .paid)].mean.isApproximatelyEqual(to: 500, absoluteTolerance: 1e-9))
        #expect(bo.moments[0][L.batch(1, .paid)].mean.isApproximatelyEqual(to: 100, absoluteTolerance: 1e-9))

        // Lottery: whole awards (50 or 40) in random order until one does not fit; the rest wait.
        let lotteryText = Fixture.yaml(firms: ["10", "10"], rates: [(0.6, 50), (0.5, 40)], investment: "100",
                                       regional: 600, county: 100, transformationCounty: 0, overrun: "lottery")
        let lotteryModel = CompiledModel(try Fixture.load(lotteryText), seed: 7)
        var lotteryOptions = RunOptions(trials: 20, threads: 2)
        lotteryOptions.storedFields = [L.line(0, .paid)]
        let lo = try Simulator.run(lotteryModel, options: lotteryOptions, design: TrialDesign(method: .random, seed: 7))
        let paidColumn = lo.column(0, L.line(0, .paid))
        #expect(paidColumn.count == lo.trials)
        for t in paidColumn.indices {
            let paid = paidColumn[t]
            #expect(paid <= 600 + 1e-9 && paid > 600 - 50 - 1e-9, "trial \(t): paid \(paid)")
            #expect((0...12).contains { i in (0...15).contains { j in (Double(i) * 50 + Double(j) * 40).isApproximatelyEqual(to: paid, absoluteTolerance: 1e-9) } })
        }
        let lm = lo.moments[0]
        #expect((lm[L.batch(0, .paid)].mean + lm[L.batch(1, .paid)].mean).isApproximatelyEqual(to: lm[L.line(0, .paid)].mean, absoluteTolerance: 1e-9))
        #expect(lm[L.line(0, .unspent)].mean.isApproximatelyEqual(to: 600 - lm[L.line(0, .paid)].mean, absoluteTolerance: 1e-9))

        // reallocate: county money not needed elsewhere covers （一）'s overrun; regional never leaves （一）.
        let (ra, _) = try run("reallocate", county: 500)
        let rm = ra.moments[0]
        let countyOthers = rm[L.line(5, .demand)].mean + rm[L.line(6, .demand)].mean  // provider + services fees
        _ = countyOthers
        #expect(rm[L.line(0, .paid)].mean > 600 + 1e-9)
        #expect(rm[L.source(0, .unspent)].mean == 0)     // regional fully used on （一）
        #expect(rm[L.total(.paid)].mean <= 600 + 500 + 1e-9)
        // Money moved is booked against the lines that gave it: line unspent adds up to total unspent.
        let lineUnspent = L.lines.indices.map { rm[L.line($0, .unspent)].mean }.reduce(0, +)
        #expect(lineUnspent.isApproximatelyEqual(to: rm[L.total(.unspent)].mean, absoluteTolerance: 1e-9))
        #expect(L.lines.indices.map { rm[L.line($0, .reallocated)].mean }.reduce(0, +) > 0)
        // The total row's gap given an overrun is the pooled gap, never more than demand − funding.
        #expect(rm[L.total(.gapIfOverrun)].mean <= Swift.max(rm[L.total(.demand)].mean - 1100, 0) + 1e-9)
    }

    @Test("regional money pays （一） first; county money is left over")
    func sourceOrder() throws {
        // Demand 900 on （一） with 2000 regional + 600 county: regional pays all 900.
        let text = Fixture.yaml(firms: ["10", "10"], rates: [(0.6, 50), (0.5, 40)], investment: "100")
        let r = try Fixture.run(try Fixture.load(text), trials: 10)
        let L = r.layout
        #expect(r.moments[0][L.source(0, .used)].mean.isApproximatelyEqual(to: 900, absoluteTolerance: 1e-9))
        #expect(r.moments[0][L.source(0, .unspent)].mean.isApproximatelyEqual(to: 1100, absoluteTolerance: 1e-9))
        #expect(r.moments[0][L.source(0, .notFullyUsed)].mean == 1)
    }

    @Test("the per-project ceiling trims chain case first, then transformation")
    func ceilingInTheLoop() throws {
        // One firm at cap 50 plus a chain case of 30 held by the top firm, ceiling 70: 80 → 70.
        let text = Fixture.yaml(firms: ["1"], rates: [(0.6, 50)], investment: "100", chainCases: "1",
                                extraPolicy: "")
            .replacingOccurrences(of: "ceiling: {amount: 1000}", with: "ceiling: {amount: 70}")
            .replacingOccurrences(of: "  chain_cases: 1", with: "  chain_cases: 1\n  chain_case_award: 30\n  chain_case_holder: top_firm")
        let loaded = try Fixture.load(text)
        let r = try Fixture.run(loaded, trials: 5)
        let L = r.layout
        #expect(r.moments[0][L.line(0, .demand)].mean.isApproximatelyEqual(to: 50, absoluteTolerance: 1e-9))
        #expect(r.moments[0][L.line(4, .demand)].mean.isApproximatelyEqual(to: 20, absoluteTolerance: 1e-9))
        #expect(r.moments[0][L.misc(.ceilingCuts)].mean == 1)
    }
}

@Suite("The cell shortcut agrees with the per-firm loop")
struct CellShortcutTests {
    static func compare(_ loaded: LoadedScenario, trials: Int = 400) throws {
        try compare(CompiledModel(loaded, seed: 17), trials: trials)
    }

    static func compare(_ fast: CompiledModel, trials: Int = 400) throws {
        var slow = fast
        slow.forceFirmLoop = true
        let design = TrialDesign(method: .random, seed: 17)
        let a = try Simulator.run(fast, options: RunOptions(trials: trials, threads: 2), design: design)
        let b = try Simulator.run(slow, options: RunOptions(trials: trials, threads: 2), design: design)
        for v in a.moments.indices {
            for f in a.moments[v].indices {
                let x = a.moments[v][f].mean, y = b.moments[v][f].mean
                #expect(x.isApproximatelyEqual(to: y, absoluteTolerance: 1e-9 * Swift.max(1, abs(y))), "variant \(v) field \(f): \(x) vs \(y)")
            }
            for (c, col) in a.stored[v].enumerated() {
                for i in col.indices { #expect(col[i].isApproximatelyEqual(to: b.stored[v][c][i], absoluteTolerance: 1e-9 * Swift.max(1, abs(b.stored[v][c][i])))) }
            }
        }
    }

    @Test("the draft, both variants")
    func draft() throws { try Self.compare(try LoadedScenario.load(nil)) }

    @Test("many variants on one population (sorted cells, binary search)")
    func sweepPoints() throws {
        let loaded = try LoadedScenario.load(nil)
        let axis = try SweepAxis.parse("policy.batches[0].cap=20,35,50,65").get()
        let (_, variants) = try WhatIf.resolve(loaded, axes: [axis])
        try Self.compare(CompiledModel(variants: variants, seed: 17), trials: 300)
    }

    @Test("reject rule, trim_eligible, batch_order, reallocate, top-firm chain cases, zero rate", arguments: [
        "policy.hardware.rule=reject", "policy.hardware.rule=trim_eligible", "policy.overrun=batch_order", "policy.overrun=reallocate",
        "population.chain_case_holder=top_firm", "policy.batches[1].rate=0", "policy.batches[0].cap=0", "policy.benchmark.count=0",
    ])
    func variants(_ set: String) throws {
        try Self.compare(try LoadedScenario.load(nil, overrides: [try Override.parse(set).get()]))
    }
}

@Suite("Quantiles by selection")
struct QuantileTests {
    @Test("selection quantiles equal GSL's on sorted data, with ties and odd sizes")
    func matchesSorted() {
        let r = RandomStream(seed: 3)
        for n in [1, 2, 3, 10, 101, 1000, 4097] {
            r.select(.bootstrap, trial: n, id: 0)
            let xs = (0..<n).map { i in (r.open01() * 50).rounded() + (i % 7 == 0 ? 0.5 : 0) }   // many ties
            let ps = [0, 0.05, 0.25, 0.5, 0.95, 0.999, 1]
            let a = Statistics.quantiles(xs, ps), b = Statistics.quantilesSorted(xs.sorted(), ps)
            #expect(a.map(\.bitPattern) == b.map(\.bitPattern), "n = \(n): \(a) vs \(b)")
        }
    }
}

extension QuantileTests {
    @Test("the tabulated investment law (lognormal) agrees with GSL's inverse within 1e-6 relative from 1e-10 to 1 − 1e-10; fastQuantile is quantile")
    func lognormalTable() {
        // The draft's investment law: median 45, p90 120.
        let sigma = Foundation.log(120.0 / 45) / 1.2815515655446004
        let t = PreparedDistribution(Distribution(.lognormal(mu: Foundation.log(45), sigma: sigma)), tabulate: true)
        var us: [Double] = [1e-10, 3e-9, 1e-7, 1e-5, 1e-3, 0.0699, 0.07, 0.0701, 0.3, 0.5, 0.7, 0.93, 0.999, 1 - 1e-7, 1 - 1e-10]
        us += (1..<2000).map { Double($0) / 2000 + 1.0 / 7919 }
        for u in us where u < 1 {
            let a = t.quantile(u), b = t.exactQuantile(u)
            #expect(a.isApproximatelyEqual(to: b, absoluteTolerance: 1e-6 * b), "u = \(u): \(a) vs \(b)")
            #expect(t.fastQuantile(u).bitPattern == a.bitPattern, "u = \(u)")
        }
    }
}

@Suite("RunOptions.momentFields")
struct MomentFieldsTests {
    /// Sweeps and solves accumulate the moments of the fields they read only: those must be the
    /// same numbers as a full run's (same sums in the same order), for any thread count, and the
    /// other fields stay visibly empty (n = 0), never a plausible-looking wrong value.
    @Test("listed fields equal a full run's moments bit for bit; the others stay empty")
    func sameBitsOthersEmpty() throws {
        let loaded = try LoadedScenario.load(nil)
        let axis = try SweepAxis.parse("policy.batches[0].cap=20,35,50,65,80,95").get()
        let (_, variants) = try WhatIf.resolve(loaded, axes: [axis])
        let model = CompiledModel(variants: variants, seed: 5)
        let L = model.layout
        let design = TrialDesign(method: .random, seed: 5)
        let full = try Simulator.run(model, options: RunOptions(trials: 2500, threads: 2), design: design)
        let listed = [L.line(0, .demand), L.total(.overrun), L.source(L.restrictedSource, .unspent)]
        for threads in [1, 3] {
            var opts = RunOptions(trials: 2500, threads: threads)
            opts.momentFields = listed
            // Stored columns too: with listed fields each variant's record is taken in as it is
            // written (one record buffer), and must store what the full record holds.
            let kept = [L.total(.demand), L.line(0, .demand)]
            opts.storedFields = kept
            let some = try Simulator.run(model, options: opts, design: design)
            for v in 0..<model.variantCount {
                for f in kept where !full.column(v, f).isEmpty {
                    #expect(some.column(v, f) == full.column(v, f), "variant \(v) stored field \(f), \(threads) threads")
                }
                #expect(some.column(v, kept[0]).count == 2500 && !full.column(v, kept[0]).isEmpty)
            }
            for v in 0..<model.variantCount {
                for f in 0..<L.count {
                    if listed.contains(f) {
                        #expect(some.moments[v][f] == full.moments[v][f], "variant \(v) field \(f), \(threads) threads")
                    } else {
                        #expect(some.moments[v][f].n == 0, "variant \(v) field \(f) should be empty")
                    }
                }
            }
        }
    }

    @Test("a precision target adds the fields it watches")
    func precisionFieldsKept() throws {
        let loaded = try LoadedScenario.load(nil)
        let model = CompiledModel(loaded, seed: 9)
        let L = model.layout
        var opts = RunOptions(trials: 2000, threads: 2, precision: 0.5)
        opts.momentFields = [L.total(.demand)]
        let r = try Simulator.run(model, options: opts, design: TrialDesign(method: .random, seed: 9))
        for f in PrecisionEstimate.headline.fields(L) { #expect(r.moments[0][f].n == r.trials) }
        #expect(r.moments[0][L.total(.demand)].n == r.trials)
    }
}
