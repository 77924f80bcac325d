import Foundation
import Testing
@testable import SubsidyEngine
import SubsidyModel

@Suite("Shapley effects: closed forms with correlated and independent inputs")
struct ShapleyTests {
    static func effects(k: Int, correlation: [[Double]]?, permutations: Int = 3000, seed: UInt64 = 5,
                        _ f: ([Double]) -> Double) throws -> Shapley.Result {
        let plan = try Shapley.plan(k: k, correlation: correlation, permutations: permutations, inner: 3, varianceRows: 20_000, seed: seed)
        let y = plan.rows.map { f($0.map(Shapley.normalScore)) }
        return Shapley.analyse(plan, outputs: y, bootstrap: 300, seed: seed + 1)
    }

    @Test("Y = X1 + X2 + X3, unit Gaussians, corr(X2, X3) = ρ (Iooss & Prieur 2019): Sh1 = 1, Sh2 = Sh3 = 1 + ρ, Σ = 3 + 2ρ; within 4 bootstrap standard errors (m = 3000 permutations)",
          arguments: [0.5, -0.3, 0.0])
    func linearGaussian(rho: Double) throws {
        let R = [[1, 0, 0], [0, 1, rho], [0, rho, 1]]
        let r = try Self.effects(k: 3, correlation: R) { $0[0] + $0[1] + $0[2] }
        let variance = 3 + 2 * rho
        #expect(abs(r.variance - variance) < 0.05 * variance, "variance \(r.variance)")
        let truth = [1 / variance, (1 + rho) / variance, (1 + rho) / variance]
        for i in 0..<3 {
            let se = (r.shareHigh[i] - r.shareLow[i]) / (2 * 1.96)
            #expect(se > 0 && se < 0.05, "SE \(se)")
            #expect(abs(r.shares[i] - truth[i]) < 4 * se + 0.01, "Sh\(i + 1) share \(r.shares[i]) vs \(truth[i]) ± \(se)")
            // The interval covers the truth (a 95% interval: allowed to miss by a little).
            #expect(r.shareLow[i] - 0.02 <= truth[i] && truth[i] <= r.shareHigh[i] + 0.02)
        }
        #expect(abs(r.shares.reduce(0, +) - 1) < 1e-9)
    }

    @Test("independent inputs reproduce the Sobol split: additive Y = X1 + 2·X2 (Sh = S1 = 1/5, 4/5) and with an interaction Y = X1 + X2 + X1·X2 (Sh_i = S_i + half the shared part: 1/2 each)")
    func independent() throws {
        let a = try Self.effects(k: 2, correlation: nil) { $0[0] + 2 * $0[1] }
        #expect(abs(a.shares[0] - 0.2) < 0.03 && abs(a.shares[1] - 0.8) < 0.03, "\(a.shares)")
        let b = try Self.effects(k: 2, correlation: nil) { $0[0] + $0[1] + $0[0] * $0[1] }
        // Var = 1 + 1 + 1: S1 = S2 = 1/3, the interaction 1/3 split evenly.
        #expect(abs(b.shares[0] - 0.5) < 0.04 && abs(b.shares[1] - 0.5) < 0.04, "\(b.shares)")
        // A three-input additive case against Sobol's own first-order indices on the same function.
        let c = try Self.effects(k: 3, correlation: nil) { 3 * $0[0] + 2 * $0[1] + $0[2] }
        for (i, s) in [9.0 / 14, 4.0 / 14, 1.0 / 14].enumerated() { #expect(abs(c.shares[i] - s) < 0.03, "\(c.shares)") }
    }

    @Test("firm-level noise (a function of the firm stream, as the kernel's firms are) is no input's effect: Y = X1 + 2·X2 + 0·X3 + 3·ε(stream) shares 1/5, 4/5, 0")
    func noiseExcluded() throws {
        let plan = try Shapley.plan(k: 3, correlation: nil, permutations: 3000, inner: 3, varianceRows: 20_000, seed: 11)
        // ε: a fixed standard normal per stream (the same firms give the same noise).
        func noise(_ stream: Int) -> Double {
            var x = UInt64(truncatingIfNeeded: stream) &* 0x9E37_79B9_7F4A_7C15 &+ 0xD1B5_4A32_D192_ED03
            x = (x ^ (x >> 31)) &* 0xBF58_476D_1CE4_E5B9
            x ^= x >> 27
            return Shapley.normalScore((Double(x >> 11) + 0.5) / 9_007_199_254_740_992)
        }
        let y = zip(plan.rows, plan.streams).map { row, st in
            let z = row.map(Shapley.normalScore)
            return z[0] + 2 * z[1] + 0 * z[2] + 3 * noise(st)
        }
        let r = Shapley.analyse(plan, outputs: y, bootstrap: 300, seed: 12)
        #expect(abs(r.variance - 5) < 0.25, "E[Var(Y | firms)] \(r.variance), want 5 (the noise's 9 left out)")
        #expect(abs(r.shares[0] - 0.2) < 0.03 && abs(r.shares[1] - 0.8) < 0.03 && abs(r.shares[2]) < 0.02, "\(r.shares)")
    }

    @Test("a constant output is flagged, every share 0; the same seed gives the same effects")
    func constantAndSeeded() throws {
        let z = try Self.effects(k: 3, correlation: nil, permutations: 50) { _ in 7 }
        #expect(z.constant && z.shares.allSatisfy { $0 == 0 })
        let a = try Self.effects(k: 3, correlation: [[1, 0.4, 0], [0.4, 1, 0], [0, 0, 1]], permutations: 200) { $0[0] * $0[1] + $0[2] }
        let b = try Self.effects(k: 3, correlation: [[1, 0.4, 0], [0.4, 1, 0], [0, 0, 1]], permutations: 200) { $0[0] * $0[1] + $0[2] }
        #expect(a.shares == b.shares && a.shareLow == b.shareLow)
    }
}
