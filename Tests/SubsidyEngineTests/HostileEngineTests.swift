import Foundation
import SubsidyModel
import Testing
@testable import SubsidyEngine

/// Hostile input at the engine (issue 9): truncation windows without probability, discrete
/// searches that walked millions of steps, and shapes at the ends of their allowed ranges.
@Suite("Hostile input: engine")
struct HostileEngineTests {
    static func loaded(_ sets: [String]) throws -> LoadedScenario {
        try LoadedScenario.load(nil, overrides: sets.map { try Override.parse($0).get() })
    }

    @Test("a truncation window that holds no probability is a located error",
          arguments: ["population.firms.per_batch[0]={dist: normal, mean: 1e6, sd: 1, min: 0, max: 100}",
                      "population.firms.per_batch[0]={dist: poisson, mean: 1e7, max: 5000}",
                      "population.price_factor={dist: normal, mean: 0, sd: 1, min: 40}",
                      "population.price_factor={dist: gamma, shape: 2, scale: 1, min: 1e6}"])
    func emptyWindow(_ set: String) throws {
        let l = try Self.loaded([set])
        do {
            try ScenarioChecks.check(l)
            Issue.record("accepted: \(set)")
        } catch {
            let d = try #require(error.diagnostics.first)
            #expect(d.location.file == "--set")
            #expect(d.message.en.contains("holds (numerically) no probability"))
            #expect(d.message.zh.contains("截断区间"))
        }
    }

    @Test("windows with probability in them pass: the draft, a far but reachable tail")
    func windowsWithMass() throws {
        try ScenarioChecks.check(try Self.loaded([]))
        try ScenarioChecks.check(try Self.loaded(["population.price_factor={dist: normal, mean: 0, sd: 1, min: 5}"]))
        #expect(ScenarioChecks.windowMass(Distribution(.normal(mean: 0, sd: 1), lower: 5)) > 2e-7)
    }

    /// The search the galloping one replaced: unit steps from the normal approximation.
    static func walk(_ k: Distribution.Kind, _ p: Double) -> Double {
        var x = 0.0
        while PreparedDistribution.cdf(k, x) < p { x += 1 }
        return x
    }

    @Test("discrete inverse CDF: the same k as a unit-step walk",
          arguments: [Distribution.Kind.poisson(mean: 3), .poisson(mean: 250), .negativeBinomial(n: 2, p: 0.3),
                      .negativeBinomial(n: 0.5, p: 0.05), .binomial(n: 50, p: 0.2)])
    func discreteMatchesWalk(_ k: Distribution.Kind) {
        for p in stride(from: 0.001, to: 1, by: 0.0137) {
            #expect(PreparedDistribution.discreteInverse(k, p) == Self.walk(k, p), "p = \(p)")
        }
    }

    @Test("a negative binomial far from its normal approximation is quick to invert")
    func skewedNegativeBinomialIsQuick() {
        let k = Distribution.Kind.negativeBinomial(n: 1, p: Limits.minNegativeBinomialP)
        let t0 = Date()
        var last = -1.0
        for p in [0.001, 0.01, 0.1, 0.5, 0.9, 0.99, 0.999999] {
            let x = PreparedDistribution.discreteInverse(k, p)
            #expect(x >= last)
            #expect(PreparedDistribution.cdf(k, x) >= p && (x == 0 || PreparedDistribution.cdf(k, x - 1) < p))
            last = x
        }
        #expect(Date().timeIntervalSince(t0) < 2)
    }

    @Test("beta shapes at the ends of the allowed range prepare in bounded time with finite quantiles",
          arguments: [(Limits.betaShape.upperBound, Limits.betaShape.upperBound), (Limits.betaShape.lowerBound, Limits.betaShape.lowerBound),
                      (Limits.betaShape.lowerBound, Limits.betaShape.upperBound)])
    func betaEnds(_ ab: (Double, Double)) {
        let t0 = Date()
        let d = PreparedDistribution(Distribution(.beta(a: ab.0, b: ab.1), lower: 0, upper: 1))
        for u in stride(from: 0.0005, to: 1, by: 0.01) {
            let x = d.quantile(u)
            #expect(x.isFinite && x >= 0 && x <= 1)
        }
        #expect(Date().timeIntervalSince(t0) < 20)
    }

    @Test("gamma shapes at the ends of the allowed range prepare in bounded time with finite quantiles",
          arguments: [Limits.gammaShape.lowerBound, Limits.gammaShape.upperBound])
    func gammaEnds(_ k: Double) {
        let t0 = Date()
        let d = PreparedDistribution(Distribution(.gamma(shape: k, scale: 1), lower: 0, upper: 1e9))
        for u in stride(from: 0.0005, to: 1, by: 0.01) { #expect(d.quantile(u).isFinite) }
        #expect(Date().timeIntervalSince(t0) < 20)
    }
}
