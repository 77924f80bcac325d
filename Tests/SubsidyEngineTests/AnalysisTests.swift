import Foundation
import Testing
import SubsidyEngine
import RealModule

/// Tests of Sources/SubsidyEngine/Analysis: Sobol indices, Iman–Conover, Latin hypercube,
/// ranks. Tolerances are statistical; exact comparisons appear only for the constant
/// model (indices are exactly 0 by definition) and, via bit patterns, for identity of
/// values (permutations, same-seed determinism).
@Suite("AnalysisTests")
struct AnalysisTests {

    // MARK: Helpers

    /// Runs the full design → evaluate → analyse pipeline on a model of the unit cube.
    static func sobol(n: Int, k: Int, bootstrap: Int = 200, model: ([Double]) -> Double) throws -> [SobolIndex] {
        let design = try Sobol.design(n: n, k: k)
        let fA = design.a.map(model)
        let fB = design.b.map(model)
        let fAB = (0..<k).map { design.ab($0).map(model) }
        return Sobol.indices(fA: fA, fB: fB, fAB: fAB, bootstrap: bootstrap, seed: 7)
    }

    static func ishigami(_ u: [Double]) -> Double {
        let x = u.map { -Double.pi + 2 * Double.pi * $0 }
        let a = 7.0, b = 0.1
        return sin(x[0]) + a * pow(sin(x[1]), 2) + b * pow(x[2], 4) * sin(x[0])
    }

    static let gA: [Double] = [78, 12, 0.5, 2, 97, 33]

    static func gFunction(_ u: [Double]) -> Double {
        var product = 1.0
        for (i, x) in u.enumerated() { product *= (abs(4 * x - 2) + gA[i]) / (1 + gA[i]) }
        return product
    }

    /// True when `a` is symmetric positive definite (a plain Cholesky succeeds with
    /// pivots above `floor`).
    static func isPositiveDefinite(_ a: [[Double]], floor: Double = 1e-12) -> Bool {
        let k = a.count
        var l = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
        for i in 0..<k {
            for j in 0...i {
                var sum = a[i][j]
                for m in 0..<j { sum -= l[i][m] * l[j][m] }
                if i == j {
                    guard sum > floor else { return false }
                    l[i][i] = sum.squareRoot()
                } else {
                    l[i][j] = sum / l[j][j]
                }
            }
        }
        return true
    }

    static func bits(_ columns: [[Double]]) -> [[UInt64]] {
        columns.map { $0.map(\.bitPattern) }
    }

    static func sortedBits(_ column: [Double]) -> [UInt64] {
        column.sorted().map(\.bitPattern)
    }

    static func checkIntervals(_ indices: [SobolIndex]) {
        for (i, x) in indices.enumerated() {
            #expect(x.s1Low <= x.s1 && x.s1 <= x.s1High, "S1[\(i)] = \(x.s1) outside [\(x.s1Low), \(x.s1High)]")
            #expect(x.stLow <= x.st && x.st <= x.stHigh, "ST[\(i)] = \(x.st) outside [\(x.stLow), \(x.stHigh)]")
            #expect(x.st >= x.s1 - 0.02, "ST[\(i)] = \(x.st) < S1 − 0.02 = \(x.s1 - 0.02)")
        }
    }

    // MARK: Sobol

    @Test func ishigamiIndices() throws {
        let result = try Self.sobol(n: 1 << 13, k: 3, model: Self.ishigami)
        let s1 = [0.3139, 0.4424, 0.0], st = [0.5576, 0.4424, 0.2437]
        #expect(result.count == 3)
        for i in 0..<3 {
            #expect(result[i].s1.isApproximatelyEqual(to: s1[i], absoluteTolerance: 0.05), "S1[\(i)] = \(result[i].s1), expected \(s1[i])")
            #expect(result[i].st.isApproximatelyEqual(to: st[i], absoluteTolerance: 0.05), "ST[\(i)] = \(result[i].st), expected \(st[i])")
        }
        Self.checkIntervals(result)
    }

    @Test func gFunctionFirstOrder() throws {
        let partial = Self.gA.map { 1 / (3 * (1 + $0) * (1 + $0)) }
        let variance = partial.reduce(1) { $0 * (1 + $1) } - 1
        let result = try Self.sobol(n: 1 << 14, k: 6, model: Self.gFunction)
        #expect(result.count == 6)
        for i in 0..<6 {
            let expected = partial[i] / variance
            #expect(result[i].s1.isApproximatelyEqual(to: expected, absoluteTolerance: 0.01), "S1[\(i)] = \(result[i].s1), expected \(expected)")
        }
        Self.checkIntervals(result)
    }

    @Test func constantModelGivesExactZeros() throws {
        let result = try Self.sobol(n: 256, k: 4) { _ in 3.7 }
        #expect(result.count == 4)
        for x in result {
            #expect(x.s1 == 0 && x.s1Low == 0 && x.s1High == 0)
            #expect(x.st == 0 && x.stLow == 0 && x.stHigh == 0)
        }
    }

    @Test func emptyOrMismatchedInputGivesNoIndices() {
        #expect(Sobol.indices(fA: [], fB: [], fAB: []).isEmpty)
        #expect(Sobol.indices(fA: [], fB: [], fAB: [[], []]).isEmpty)
        #expect(Sobol.indices(fA: [1, 2], fB: [3, 4], fAB: []).isEmpty)
        #expect(Sobol.indices(fA: [1, 2], fB: [3], fAB: [[1, 2]]).isEmpty)
        #expect(Sobol.indices(fA: [1, 2], fB: [3, 4], fAB: [[1]]).isEmpty)
    }

    @Test func bootstrapIsDeterministicForASeed() throws {
        let design = try Sobol.design(n: 512, k: 3)
        let fA = design.a.map(Self.ishigami), fB = design.b.map(Self.ishigami)
        let fAB = (0..<3).map { design.ab($0).map(Self.ishigami) }
        let one = Sobol.indices(fA: fA, fB: fB, fAB: fAB, bootstrap: 100, seed: 42)
        let two = Sobol.indices(fA: fA, fB: fB, fAB: fAB, bootstrap: 100, seed: 42)
        let other = Sobol.indices(fA: fA, fB: fB, fAB: fAB, bootstrap: 100, seed: 43)
        let flatten = { (x: [SobolIndex]) in x.flatMap { [$0.s1Low, $0.s1High, $0.stLow, $0.stHigh].map(\.bitPattern) } }
        #expect(flatten(one) == flatten(two))
        #expect(flatten(one) != flatten(other))
    }

    @Test func designShapeAndRange() throws {
        let design = try Sobol.design(n: 64, k: 5)
        #expect(design.n == 64 && design.k == 5)
        #expect(design.a.count == 64 && design.b.count == 64)
        for row in design.a + design.b {
            #expect(row.count == 5)
            #expect(row.allSatisfy { $0 > 0 && $0 < 1 })
        }
        let ab2 = design.ab(2)
        for r in 0..<64 {
            for j in 0..<5 {
                let source = j == 2 ? design.b[r][j] : design.a[r][j]
                #expect(ab2[r][j].bitPattern == source.bitPattern)
            }
        }
    }

    @Test func designRejectsBadSizes() {
        for n in [0, -8, 3, 1000, (1 << 13) + 1] {
            #expect(throws: AnalysisError.self, "n = \(n)") { try Sobol.design(n: n, k: 3) }
        }
        for k in [0, -1, 21, 40] {
            #expect(throws: AnalysisError.self, "k = \(k)") { try Sobol.design(n: 1024, k: k) }
        }
        #expect(throws: Never.self) { try Sobol.design(n: 1024, k: 20) }
    }

    // MARK: Iman–Conover

    static let target: [[Double]] = [[1, 0.6, -0.3], [0.6, 1, 0.2], [-0.3, 0.2, 1]]
    static let notPD: [[Double]] = [[1, 0.9, 0.9], [0.9, 1, -0.9], [0.9, -0.9, 1]]

    /// Three independent columns with different marginals (exponential, uniform, cubic).
    static func marginals(n: Int = 10_000, seed: UInt64 = 11) -> [[Double]] {
        let u = LatinHypercube.sample(n: n, k: 3, seed: seed, stream: 1)
        return [u[0].map { -log(1 - $0) }, u[1], u[2].map { 5 * $0 * $0 * $0 }]
    }

    @Test func imanConoverReachesTarget() throws {
        let input = Self.marginals()
        let (output, repaired) = try ImanConover.apply(columns: input, target: Self.target, repair: false)
        #expect(repaired == nil)
        #expect(output.count == 3)
        for i in 0..<3 {
            #expect(Self.sortedBits(output[i]) == Self.sortedBits(input[i]), "column \(i) values changed")
            for j in 0..<i {
                let rho = Ranks.spearman(output[i], output[j])
                #expect(rho.isApproximatelyEqual(to: Self.target[i][j], absoluteTolerance: 0.02), "ρ[\(i)][\(j)] = \(rho), target \(Self.target[i][j])")
            }
        }
    }

    @Test func imanConoverRejectsNonPositiveDefinite() throws {
        do {
            _ = try ImanConover.apply(columns: Self.marginals(n: 1000), target: Self.notPD, repair: false)
            Issue.record("expected a not-positive-definite error")
        } catch let error as AnalysisError {
            #expect(error.description.contains("not positive definite"))
            #expect(error.description.contains("smallest eigenvalue"))
        }
    }

    @Test func imanConoverRepairsNonPositiveDefinite() throws {
        let input = Self.marginals()
        let (output, repaired) = try ImanConover.apply(columns: input, target: Self.notPD, repair: true)
        let r = try #require(repaired)
        #expect(r.count == 3 && r.allSatisfy { $0.count == 3 })
        for i in 0..<3 {
            #expect(r[i][i].isApproximatelyEqual(to: 1, absoluteTolerance: 1e-12))
            for j in 0..<3 { #expect(r[i][j].isApproximatelyEqual(to: r[j][i], absoluteTolerance: 1e-12) && abs(r[i][j]) <= 1) }
        }
        #expect(Self.isPositiveDefinite(r))
        for i in 0..<3 {
            #expect(Self.sortedBits(output[i]) == Self.sortedBits(input[i]))
            for j in 0..<i {
                let rho = Ranks.spearman(output[i], output[j])
                #expect(rho.isApproximatelyEqual(to: r[i][j], absoluteTolerance: 0.02), "ρ[\(i)][\(j)] = \(rho), repaired target \(r[i][j])")
            }
        }
    }

    @Test func imanConoverRejectsInvalidTargets() {
        let columns = Self.marginals(n: 100)
        let asymmetric: [[Double]] = [[1, 0.5, 0], [0.4, 1, 0], [0, 0, 1]]
        let badDiagonal: [[Double]] = [[1, 0.5, 0], [0.5, 0.9, 0], [0, 0, 1]]
        let outOfRange: [[Double]] = [[1, 1.5, 0], [1.5, 1, 0], [0, 0, 1]]
        let wrongSize: [[Double]] = [[1, 0], [0, 1]]
        for target in [asymmetric, badDiagonal, outOfRange, wrongSize] {
            for repair in [false, true] {
                #expect(throws: AnalysisError.self) {
                    try ImanConover.apply(columns: columns, target: target, repair: repair)
                }
            }
        }
    }

    // MARK: Latin hypercube

    @Test func latinHypercubeStrata() {
        for n in [1, 7, 100, 1000] {
            let columns = LatinHypercube.sample(n: n, k: 4, seed: 3, stream: 0)
            #expect(columns.count == 4)
            for column in columns {
                #expect(column.count == n)
                #expect(column.allSatisfy { $0 > 0 && $0 < 1 })
                let strata = column.map { Int($0 * Double(n)) }
                #expect(Set(strata) == Set(0..<n), "n = \(n): strata \(strata.sorted().prefix(10))…")
            }
        }
    }

    @Test func latinHypercubeIsDeterministic() {
        let one = LatinHypercube.sample(n: 500, k: 3, seed: 99, stream: 2)
        let two = LatinHypercube.sample(n: 500, k: 3, seed: 99, stream: 2)
        let otherSeed = LatinHypercube.sample(n: 500, k: 3, seed: 100, stream: 2)
        let otherStream = LatinHypercube.sample(n: 500, k: 3, seed: 99, stream: 3)
        #expect(Self.bits(one) == Self.bits(two))
        #expect(Self.bits(one) != Self.bits(otherSeed))
        #expect(Self.bits(one) != Self.bits(otherStream))
        // Columns are distinct streams, so not copies of one another.
        #expect(Self.bits([one[0]]) != Self.bits([one[1]]))
    }

    @Test func latinHypercubeDegenerateSizes() {
        #expect(LatinHypercube.sample(n: 10, k: 0, seed: 1, stream: 0).isEmpty)
        let empty = LatinHypercube.sample(n: 0, k: 2, seed: 1, stream: 0)
        #expect(empty.count == 2 && empty.allSatisfy(\.isEmpty))
    }

    // MARK: Ranks

    @Test func spearmanOfMonotoneData() {
        let x = (0..<200).map { Double($0) * 0.37 - 20 }
        let increasing = x.map { exp($0 / 10) }
        let decreasing = x.map { -$0 * $0 * $0 }
        #expect(Ranks.spearman(x, increasing).isApproximatelyEqual(to: 1, absoluteTolerance: 1e-12))
        #expect(Ranks.spearman(x, decreasing).isApproximatelyEqual(to: -1, absoluteTolerance: 1e-12))
        #expect(Ranks.spearman(x, Array(repeating: 2, count: 200)).isApproximatelyEqual(to: 0, absoluteTolerance: 1e-15))
    }

    @Test func averageRanksForTies() {
        let r = Ranks.ranks([10, 30, 20, 20, -0.0, 0.0])
        let expected: [Double] = [3, 6, 4.5, 4.5, 1.5, 1.5]
        #expect(zip(r, expected).allSatisfy { $0.isApproximatelyEqual(to: $1, absoluteTolerance: 1e-12) })
        #expect(Ranks.ranks([]).isEmpty)
    }
}
