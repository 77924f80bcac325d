import Foundation
@testable import SubsidyEngine
import SubsidyModel
import Testing
import RealModule

/// The table (`DistributionFamily.all`, SubsidyModel) against the engine's maths, family by family,
/// on each form's example law: the declared support is where the CDF goes from 0 to 1 (and is
/// tight at a finite end), quantile(1) reaches the declared upper end, every draw lies inside it
/// (whole numbers for a law on whole numbers), and the declared mean and sd are those of the
/// quantile function. A family whose entry and maths disagree fails here.
@Suite("Distribution families: the table agrees with the maths")
struct DistributionFamilyMathsTests {
    static var laws: [(String, Distribution.Kind)] {
        DistributionFamily.all.flatMap { f in
            f.forms.enumerated().compactMap { i, form in form.example.map { ("\(f.name)#\(i)", $0) } }
        }
    }

    static func law(_ name: String) throws -> Distribution.Kind {
        try #require(laws.first { $0.0 == name }?.1)
    }

    @Test("the declared support is where the CDF rises from 0 to 1, tight at a finite end", arguments: laws.map(\.0))
    func supportMatchesCDF(_ name: String) throws {
        let k = try Self.law(name)
        let x = k.facts
        let F = { (t: Double) in PreparedDistribution.cdf(k, t) }
        let width = x.highest.isFinite && x.lowest.isFinite ? Swift.max(x.highest - x.lowest, 1e-9) : Swift.max(x.sd, 1e-9)
        if x.highest.isFinite {
            #expect(F(x.highest) >= 1 - 1e-12, "\(name): F(highest = \(x.highest)) = \(F(x.highest)) < 1: the law goes above its declared end")
            #expect(F(x.highest - 1e-2 * width) < 1, "\(name): F is already 1 below the declared end \(x.highest): the end is not tight")
        } else {
            #expect(F(x.mean + 6 * x.sd) < 1, "\(name): F(mean + 6 sd) = 1 although the table says unbounded above")
        }
        if x.lowest.isFinite {
            #expect(PreparedDistribution.cdfBelow(k, x.lowest) <= 1e-12, "\(name): mass below the declared lowest value \(x.lowest)")
            #expect(F(x.lowest + 1e-2 * width) > 0, "\(name): F is still 0 above the declared lowest value: not tight")
        } else {
            #expect(F(x.mean - 6 * x.sd) > 0, "\(name): F(mean − 6 sd) = 0 although the table says unbounded below")
        }
        // A law on whole numbers has a CDF that is flat between integers; any other law's is not
        // (the table's examples of fixed and empirical laws are not whole numbers, so this tells).
        let start = Swift.max(x.lowest, x.mean - 3 * x.sd).rounded(.down)
        let flat = stride(from: start, through: x.mean + 3 * x.sd, by: 1).map { F($0 + 0.5) == F($0) }
        if k.takesWholeNumbers {
            #expect(flat.allSatisfy { $0 }, "\(name): F rises between integers although the table says whole numbers")
        } else {
            #expect(flat.contains(false), "\(name): F is flat between integers although the table does not say whole numbers")
        }
    }

    @Test("quantile(1) reaches the declared upper end and quantile(0) the lower; draws stay inside", arguments: laws.map(\.0))
    func quantileEndsAndDraws(_ name: String) throws {
        let k = try Self.law(name)
        let x = k.facts
        let p = PreparedDistribution(Distribution(k))
        let (q0, q1) = (p.exactQuantile(0), p.exactQuantile(1))
        #expect(q1 <= x.highest && q0 >= x.lowest, "\(name): quantiles [\(q0), \(q1)] outside [\(x.lowest), \(x.highest)]")
        if x.highest.isFinite, x.lowest.isFinite {
            let range = Swift.max(x.highest - x.lowest, 1e-300)
            #expect(x.highest - q1 <= 0.01 * range, "\(name): quantile(1) = \(q1), the table's upper end \(x.highest)")
            #expect(q0 - x.lowest <= 0.01 * range, "\(name): quantile(0) = \(q0), the table's lower end \(x.lowest)")
        }
        // Unbounded: the quantile function still rises as u → 1 (falls as u → 0), where a bounded
        // law has stopped at its end (a binomial reaches n by u = 1 − 10⁻¹²).
        let tails = [1e-8, 1e-12, 1e-16]
        if !x.highest.isFinite {
            let q = tails.map { p.exactQuantile(1 - $0) }
            #expect(q[0] < q[1] && q[1] < q[2], "\(name): quantiles \(q) at 1 − \(tails) stop rising for a law declared unbounded above")
        }
        if !x.lowest.isFinite {
            let q = tails.map { p.exactQuantile($0) }
            #expect(q[0] > q[1] && q[1] > q[2], "\(name): quantiles \(q) at \(tails) stop falling for a law declared unbounded below")
        }
        let r = RandomStream(seed: 20251201)
        r.select(.firm, trial: 0, id: 1)
        var outside: [Double] = [], fractional: [Double] = []
        for _ in 0..<20_000 {
            for v in [p.sample(r), p.quantile(r.open01())] {
                if !(v >= x.lowest && v <= x.highest) { outside.append(v) }
                if k.takesWholeNumbers, v != v.rounded() { fractional.append(v) }
            }
        }
        #expect(outside.isEmpty, "\(name): draws outside [\(x.lowest), \(x.highest)]: \(outside.prefix(5))")
        #expect(fractional.isEmpty, "\(name): draws of a law on whole numbers that are not whole: \(fractional.prefix(5))")
    }

    @Test("the declared mean and sd are the quantile function's (midpoint quadrature)", arguments: laws.map(\.0))
    func meanAndSD(_ name: String) throws {
        let k = try Self.law(name)
        let x = k.facts
        let p = PreparedDistribution(Distribution(k))
        let n = 40_000
        var s1 = 0.0, s2 = 0.0
        for i in 0..<n {
            let q = p.exactQuantile((Double(i) + 0.5) / Double(n))
            s1 += q; s2 += q * q
        }
        let mean = s1 / Double(n), sd = (s2 / Double(n) - mean * mean).squareRoot()
        let tol = Swift.max(x.sd, 1e-12)
        #expect(mean.isApproximatelyEqual(to: x.mean, absoluteTolerance: 0.01 * tol), "\(name): quadrature mean \(mean), table \(x.mean)")
        #expect(sd.isApproximatelyEqual(to: x.sd, absoluteTolerance: 0.03 * tol), "\(name): quadrature sd \(sd), table \(x.sd)")
    }
}
