internal import CGSL
import Foundation

/// Shapley effects (Owen 2014) of k inputs, by the random-permutation estimator of Song, Nelson &
/// Staum (2016, Algorithm 1 with N_o = 1 outer and N_i inner samples) with exact conditional
/// sampling in a Gaussian copula — which is how the scenario's rank correlations are imposed
/// (Spearman ρ_s ↦ normal-score correlation 2·sin(π·ρ_s/6)). Unlike Sobol indices, Shapley effects
/// stay meaningful when inputs are correlated: they share out the output variance among the inputs
/// (Σ Sh_i = Var Y) and a correlated pair shares what either explains.
///
/// Stages with explicit seeds: `plan` draws every row to evaluate (in the unit cube, one column per
/// input) and the firm-stream index each row must use; the caller evaluates them (in one parallel
/// batch); `analyse` turns the outputs into effects. Rows of one conditional variance share a
/// firm-stream index, and so do the variance rows in groups, so firm-level noise is counted as no
/// input's effect (as the Sobol design shares a row's firms): the effects share out E[Var(Y | firms)],
/// the variance the inputs explain. Cost: `varianceRows` + m·(k − 1)·N_i evaluations; intervals by
/// a bootstrap over the permutations.
public enum Shapley {
    /// The most permutations `sensitivity` uses by default (it uses `--sobol-n` up to this).
    public static let defaultMaxPermutations = 4096

    public struct Plan: Sendable {
        public var k: Int
        public var permutations: [[Int]]
        public var inner: Int
        public var varianceRows: Int
        /// Variance rows per firm stream: the full set's cost E[Var(Y | firms)] is the mean of the
        /// variances within these groups, so firm-level variation counts for no input (as in every
        /// other step, whose inner draws share one stream).
        public var varianceGroup: Int
        /// Rows to evaluate (values in (0, 1)) and the firm-stream index of each.
        public var rows: [[Double]]
        public var streams: [Int]
    }

    public struct Result: Sendable {
        /// Shapley effects (in the output's units squared), input by input; Σ = `variance`.
        public var effects: [Double]
        /// Effects ÷ variance, with bootstrap 95% intervals (over the permutations).
        public var shares: [Double]
        public var shareLow: [Double]
        public var shareHigh: [Double]
        public var variance: Double
        public var permutations: Int
        /// True when the output did not vary (every share is then 0).
        public var constant: Bool
    }

    /// The normal score Φ⁻¹(u) of a row value (tests map rows back to Gaussian inputs with it).
    public static func normalScore(_ u: Double) -> Double { gsl_cdf_ugaussian_Pinv(u) }

    /// Normal-score correlations of a Gaussian copula whose Spearman correlations are `rank`.
    public static func normalCorrelation(fromRank rank: [[Double]]) -> [[Double]] {
        rank.enumerated().map { i, row in row.enumerated().map { j, r in i == j ? 1 : 2 * sin(Double.pi * r / 6) } }
    }

    /// Every row the estimator needs. `correlation`: the inputs' normal-score correlation matrix
    /// (k × k, positive definite), nil for independent inputs. `permutations`: m random
    /// permutations (all k! when that is fewer). `seed`: the rows and permutations' own.
    public static func plan(k: Int, correlation: [[Double]]?, permutations m: Int, inner: Int = 3, varianceRows: Int = 2000,
                            varianceGroup: Int = 20, seed: UInt64) throws -> Plan {
        precondition(k >= 1 && m >= 1 && inner >= 2 && varianceGroup >= 2)
        let R = correlation ?? (0..<k).map { i in (0..<k).map { $0 == i ? 1.0 : 0.0 } }
        let r = RandomStream(seed: seed)
        var n: UInt32 = 0
        func normal() -> Double {
            r.select(.design, trial: 1_000_003, id: n); n &+= 1
            return gsl_cdf_ugaussian_Pinv(r.open01())
        }
        let full = try ImanConover.choleskyLower(R).map { $0 } ?? { throw AnalysisError("the correlation matrix is not positive definite", zh: "相关矩阵不是正定的") }()
        func joint() -> [Double] {
            let z = (0..<k).map { _ in normal() }
            return (0..<k).map { i in (0...i).reduce(0) { $0 + full[i][$1] * z[$1] } }
        }
        func uniform(_ z: [Double]) -> [Double] { z.map { Swift.min(Swift.max(gsl_cdf_ugaussian_P($0), 1e-12), 1 - 1e-12) } }
        // Permutations: when k! ≤ m, all of them, each ⌈m / k!⌉ times (stratified); else m drawn
        // uniformly (Fisher–Yates). Each (permutation, position) gets its own outer draw.
        var perms: [[Int]] = []
        let factorial = (1...Swift.max(k, 1)).reduce(1) { $0 > m ? $0 : $0 * $1 }
        if factorial <= m {
            var one: [[Int]] = []
            func all(_ p: [Int], _ rest: [Int]) { if rest.isEmpty { one.append(p) } else { for (i, x) in rest.enumerated() { var q = rest; q.remove(at: i); all(p + [x], q) } } }
            all([], Array(0..<k))
            for _ in 0..<((m + factorial - 1) / factorial) { perms += one }
        } else {
            for _ in 0..<m {
                var p = Array(0..<k)
                for i in stride(from: k - 1, to: 0, by: -1) {
                    r.select(.design, trial: 1_000_004, id: n); n &+= 1
                    let j = Int(r.open01() * Double(i + 1)) % (i + 1)
                    p.swapAt(i, j)
                }
                perms.append(p)
            }
        }
        var rows: [[Double]] = [], streams: [Int] = []
        // Whole groups of variance rows, each group on one firm stream.
        let groups = Swift.max(1, (varianceRows + varianceGroup - 1) / varianceGroup)
        for t in 0..<(groups * varianceGroup) { rows.append(uniform(joint())); streams.append(t / varianceGroup) }
        var stream = groups
        for p in perms {
            for j in 0..<(k - 1) {
                // J = p[0…j] vary; the rest (c) is fixed at one draw from its marginal.
                let J = Array(p[0...j]), c = Array(p[(j + 1)...])
                let x = joint()
                let (mean, chol) = try conditional(R, free: J, fixed: c, at: c.map { x[$0] })
                for _ in 0..<inner {
                    var z = x
                    let e = J.map { _ in normal() }
                    for (a, i) in J.enumerated() { z[i] = mean[a] + (0...a).reduce(0) { $0 + chol[a][$1] * e[$1] } }
                    rows.append(uniform(z)); streams.append(stream)
                }
                stream += 1
            }
        }
        return Plan(k: k, permutations: perms, inner: inner, varianceRows: groups * varianceGroup, varianceGroup: varianceGroup,
                    rows: rows, streams: streams)
    }

    /// Z_J | Z_c = z_c for Z ~ N(0, R): its mean and the Cholesky factor of its covariance
    /// R_JJ − R_Jc R_cc⁻¹ R_cJ.
    static func conditional(_ R: [[Double]], free J: [Int], fixed c: [Int], at zc: [Double]) throws -> ([Double], [[Double]]) {
        let rJJ = J.map { i in J.map { R[i][$0] } }
        guard !c.isEmpty else { return (J.map { _ in 0 }, try ImanConover.choleskyLower(rJJ) ?? rJJ) }
        let rcc = c.map { i in c.map { R[i][$0] } }
        guard let L = try ImanConover.choleskyLower(rcc) else { throw AnalysisError("the correlation matrix is not positive definite", zh: "相关矩阵不是正定的") }
        // Solve R_cc·w = v by forward and back substitution with L.
        func solve(_ v: [Double]) -> [Double] {
            let n = v.count
            var y = v
            for i in 0..<n { for j in 0..<i { y[i] -= L[i][j] * y[j] }; y[i] /= L[i][i] }
            for i in stride(from: n - 1, through: 0, by: -1) { for j in (i + 1)..<Swift.max(n, i + 1) { y[i] -= L[j][i] * y[j] }; y[i] /= L[i][i] }
            return y
        }
        let w = solve(zc)
        let mean = J.map { i in zip(c, w).reduce(0) { $0 + R[i][$1.0] * $1.1 } }
        var cov = rJJ
        let cols = J.map { i in solve(c.map { R[$0][i] }) }
        for (a, i) in J.enumerated() { for b in J.indices { cov[a][b] -= zip(c, cols[b]).reduce(0) { $0 + R[i][$1.0] * $1.1 } } }
        // Symmetrise and keep it positive definite against rounding (a variable fully determined by the rest).
        for a in J.indices { for b in J.indices where b > a { let s = (cov[a][b] + cov[b][a]) / 2; cov[a][b] = s; cov[b][a] = s }; cov[a][a] = Swift.max(cov[a][a], 1e-12) }
        return (mean, try ImanConover.choleskyLower(cov) ?? J.indices.map { a in J.indices.map { $0 == a ? cov[a][a].squareRoot() : 0 } })
    }

    /// Effects from the outputs of `plan.rows` (in order). `bootstrap`: resamples of the permutations.
    public static func analyse(_ plan: Plan, outputs y: [Double], bootstrap: Int = 500, seed: UInt64) -> Result {
        let k = plan.k, nv = plan.varianceRows, ni = plan.inner
        // c(all inputs) = E[Var(Y | firms)]: the mean of the within-group variances (each group of
        // variance rows shares one firm stream), as every other c(J) holds the firms fixed.
        let g = plan.varianceGroup
        var within = 0.0
        var groups = 0
        for start in stride(from: 0, to: nv - g + 1, by: g) {
            var vm = Moments()
            for t in start..<(start + g) { vm.add(y[t]) }
            within += vm.sd * vm.sd
            groups += 1
        }
        let variance = groups > 0 ? within / Double(groups) : 0
        // Per permutation, each input's increment of c(J) = E[Var(Y | X_−J)].
        var contributions: [[Double]] = []
        var at = nv
        for p in plan.permutations {
            var d = [Double](repeating: 0, count: k)
            var previous = 0.0
            for j in 0..<k {
                var c = variance
                if j < k - 1 {
                    var m = Moments()
                    for h in 0..<ni { m.add(y[at + h]) }
                    c = m.sd * m.sd
                    at += ni
                }
                d[p[j]] = c - previous
                previous = c
            }
            contributions.append(d)
        }
        let m = Double(contributions.count)
        let effects = (0..<k).map { i in contributions.reduce(0) { $0 + $1[i] } / m }
        guard variance > 0 else {
            let z = [Double](repeating: 0, count: k)
            return Result(effects: z, shares: z, shareLow: z, shareHigh: z, variance: 0, permutations: contributions.count, constant: true)
        }
        let shares = effects.map { $0 / variance }
        // Bootstrap over permutations (percentile intervals).
        let r = RandomStream(seed: seed)
        var boot = Array(repeating: [Double](), count: k)
        for b in 0..<bootstrap {
            var s = [Double](repeating: 0, count: k)
            for q in 0..<contributions.count {
                r.select(.bootstrap, trial: b, id: UInt32(truncatingIfNeeded: q))
                let pick = Int(r.open01() * m) % contributions.count
                for i in 0..<k { s[i] += contributions[pick][i] }
            }
            for i in 0..<k { boot[i].append(s[i] / m / variance) }
        }
        let lo = boot.map { Statistics.quantiles($0, [0.025])[0] }, hi = boot.map { Statistics.quantiles($0, [0.975])[0] }
        return Result(effects: effects, shares: shares, shareLow: lo, shareHigh: hi, variance: variance, permutations: contributions.count, constant: false)
    }
}
