internal import CGSL

/// The Iman–Conover method (Iman & Conover 1982): reorders independently drawn columns
/// so that they acquire a target Spearman rank-correlation matrix, while each column keeps
/// exactly its own values (and so its marginal distribution).
public enum ImanConover {
    /// Smallest eigenvalue kept when repairing a matrix that is not positive definite.
    public static let eigenvalueFloor = 1e-6
    /// Tolerance for symmetry and for the unit diagonal of a target matrix.
    public static let targetTolerance = 1e-12

    /// Reorders `columns` (k columns of n values each) towards the Spearman matrix `target`.
    ///
    /// Maths, for n rows and k columns:
    /// 1. Scores: van der Waerden scores s_r = Φ⁻¹(r/(n + 1)), r = 1...n
    ///    (`gsl_cdf_ugaussian_Pinv`). Score matrix M (n×k): M[t][j] is the score whose
    ///    rank is the rank of columns[j][t] (ties broken by position), so M's columns are
    ///    the independent orderings of the input.
    /// 2. Normal-score target: for normal variables Spearman's ρ_s and Pearson's ρ satisfy
    ///    ρ = 2·sin(π·ρ_s/6), so P = 2·sin(π·target/6) elementwise (unit diagonal).
    /// 3. Choleskys (`gsl_linalg_cholesky_decomp1`): P = C·Cᵀ, and E = F·Fᵀ for E the
    ///    Pearson correlation of M's columns. T = M·(C·F⁻¹)ᵀ then has sample correlation
    ///    exactly P (correcting for M's own chance correlation).
    /// 4. Column j of the result lists the sorted values of columns[j] in the rank order
    ///    of T's column j: out[j][t] = sorted(columns[j])[rank of T[t][j]].
    ///
    /// The target must be k×k, finite, symmetric and with unit diagonal (to within
    /// `targetTolerance`), with entries in [−1, 1]; otherwise this throws.
    ///
    /// Positive definiteness is required of P (the correlation the normal scores must get;
    /// P is positive definite whenever some Gaussian copula has Spearman matrix `target`).
    /// If P is not positive definite: with `repair == false` this throws, reporting the
    /// smallest eigenvalues of `target` and of P; with `repair == true` P is repaired by
    /// eigenvalue clipping (`gsl_eigen_symmv`: eigenvalues below `eigenvalueFloor` raised
    /// to it, P rebuilt as V·Λ·Vᵀ and rescaled to unit diagonal, up to 20 rounds until
    /// its smallest eigenvalue is at least floor/2), and `repaired` is the Spearman
    /// matrix that the repaired P stands for, (6/π)·asin(P/2) elementwise with exact
    /// unit diagonal: positive definite, and the rank correlation the output will show.
    /// `repaired` is nil when no repair was needed.
    ///
    /// With k < 2 or n < 2 there is nothing to correlate: the columns come back unchanged
    /// (after checking, and if asked repairing, `target`). Also throws if the columns have different lengths or
    /// if E is singular (n ≤ k, or too few distinct values).
    ///
    /// Cost: O(k·n·log n) for the ranks and sorts, O(n·k²) for the transform, O(k³) for
    /// the factorisations (plus O(k³) per repair round); about 3·n·k doubles of work space.
    public static func apply(columns: [[Double]], target: [[Double]], repair: Bool) throws
        -> (columns: [[Double]], repaired: [[Double]]?)
    {
        let k = columns.count
        guard target.count == k, target.allSatisfy({ $0.count == k }) else {
            throw AnalysisError("Iman–Conover: target must be \(k)×\(k) for \(k) columns, got \(target.count) rows of lengths \(target.map(\.count))")
        }
        try validate(target)
        guard k > 0 else { return (columns, nil) }
        let n = columns[0].count
        guard columns.allSatisfy({ $0.count == n }) else {
            throw AnalysisError("Iman–Conover: columns must have equal lengths, got \(columns.map(\.count))")
        }
        if k < 2 { return (columns, nil) }

        GSL.prepare()

        // 2. Normal-score target P, and its repair when it is not positive definite.
        var p = target.map { row in row.map { 2 * sin(Double.pi * $0 / 6) } }
        for i in 0..<k { p[i][i] = 1 }
        var repaired: [[Double]]? = nil
        var c: [[Double]]
        if let factor = try choleskyLower(p) {
            c = factor
        } else {
            let smallestTarget = try eigenSymmetric(target).values.min() ?? .nan
            let smallestP = try eigenSymmetric(p).values.min() ?? .nan
            guard repair else {
                throw AnalysisError(
                    "Iman–Conover: target rank-correlation matrix is not positive definite " +
                    "(smallest eigenvalue \(smallestTarget); of its normal-score correlation " +
                    "2·sin(πρ/6): \(smallestP)); pass repair: true to clip its eigenvalues")
            }
            p = try clipEigenvalues(p)
            guard let factor = try choleskyLower(p) else {
                throw AnalysisError("Iman–Conover: eigenvalue repair did not give a positive definite matrix (smallest eigenvalue \(smallestP) before repair)")
            }
            c = factor
            var spearman = p.map { row in row.map { 6 / Double.pi * asin(min(1, max(-1, $0 / 2))) } }
            for i in 0..<k { spearman[i][i] = 1 }
            for i in 0..<k { for j in 0..<i { spearman[j][i] = spearman[i][j] } }
            repaired = spearman
        }

        if n < 2 { return (columns, repaired) }

        // 1. Van der Waerden scores laid out in each column's rank order.
        let scores = (1...n).map { gsl_cdf_ugaussian_Pinv(Double($0) / Double(n + 1)) }
        let positions = columns.map { Ranks.ordinalPositions($0) }
        // m is row-major n×k.
        var m = [Double](repeating: 0, count: n * k)
        for j in 0..<k {
            let pos = positions[j]
            for t in 0..<n { m[t * k + j] = scores[pos[t]] }
        }

        // 3. E = corr(M) = F·Fᵀ; S = C·F⁻¹; T = M·Sᵀ.
        let e = correlation(rowMajor: m, n: n, k: k)
        guard let f = try choleskyLower(e) else {
            throw AnalysisError("Iman–Conover: the scores' own correlation matrix is singular (n = \(n) rows for k = \(k) columns); use more rows")
        }
        let fInverse = invertLower(f)
        var s = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
        for i in 0..<k {
            for j in 0...i {
                var sum = 0.0
                for l in j...i { sum += c[i][l] * fInverse[l][j] }
                s[i][j] = sum
            }
        }
        var tColumns = [[Double]](repeating: [Double](repeating: 0, count: n), count: k)
        for t in 0..<n {
            let base = t * k
            for i in 0..<k {
                var sum = 0.0
                for j in 0...i { sum += s[i][j] * m[base + j] }
                tColumns[i][t] = sum
            }
        }

        // 4. Each column's sorted values, in T's rank order.
        var out: [[Double]] = []
        out.reserveCapacity(k)
        for j in 0..<k {
            let sorted = Ranks.sortedOrder(columns[j]).map { columns[j][$0] }
            let rank = Ranks.ordinalPositions(tColumns[j])
            out.append(rank.map { sorted[$0] })
        }
        return (out, repaired)
    }

    // MARK: - Checks and linear algebra

    private static func validate(_ target: [[Double]]) throws {
        let k = target.count
        for i in 0..<k {
            for j in 0..<k {
                let x = target[i][j]
                guard x.isFinite, x >= -1, x <= 1 else {
                    throw AnalysisError("Iman–Conover: target[\(i)][\(j)] = \(x) is not a correlation in [-1, 1]")
                }
            }
            guard abs(target[i][i] - 1) <= targetTolerance else {
                throw AnalysisError("Iman–Conover: target[\(i)][\(i)] = \(target[i][i]); the diagonal must be 1")
            }
            for j in 0..<i where abs(target[i][j] - target[j][i]) > targetTolerance {
                throw AnalysisError("Iman–Conover: target is not symmetric: target[\(i)][\(j)] = \(target[i][j]) but target[\(j)][\(i)] = \(target[j][i])")
            }
        }
    }

    /// Pearson correlation matrix of the k columns of a row-major n×k matrix.
    private static func correlation(rowMajor m: [Double], n: Int, k: Int) -> [[Double]] {
        var mean = [Double](repeating: 0, count: k)
        for t in 0..<n { for j in 0..<k { mean[j] += m[t * k + j] } }
        for j in 0..<k { mean[j] /= Double(n) }
        var cov = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
        for t in 0..<n {
            for i in 0..<k {
                let x = m[t * k + i] - mean[i]
                for j in 0...i { cov[i][j] += x * (m[t * k + j] - mean[j]) }
            }
        }
        var corr = cov
        for i in 0..<k {
            for j in 0...i {
                let denominator = (cov[i][i] * cov[j][j]).squareRoot()
                let r = i == j ? 1 : (denominator > 0 ? cov[i][j] / denominator : 0)
                corr[i][j] = r
                corr[j][i] = r
            }
        }
        return corr
    }

    /// Lower Cholesky factor L (A = L·Lᵀ) by `gsl_linalg_cholesky_decomp1`; nil when A is
    /// not positive definite (GSL_EDOM). Other GSL failures throw.
    static func choleskyLower(_ a: [[Double]]) throws -> [[Double]]? {
        let k = a.count
        let matrix = try AnalysisMatrix(a)
        let status = gsl_linalg_cholesky_decomp1(matrix.m)
        if status == GSL_EDOM { return nil }
        guard status == GSL_SUCCESS else {
            throw AnalysisError("gsl_linalg_cholesky_decomp1 failed with GSL status \(status)")
        }
        var l = matrix.rows()
        for i in 0..<k { for j in (i + 1)..<max(k, i + 1) { l[i][j] = 0 } }
        return l
    }

    /// Eigenvalues and eigenvectors (columns of `vectors`) of a symmetric matrix,
    /// by `gsl_eigen_symmv`.
    static func eigenSymmetric(_ a: [[Double]]) throws -> (values: [Double], vectors: [[Double]]) {
        let k = a.count
        let matrix = try AnalysisMatrix(a)
        let vectors = try AnalysisMatrix(rows: k, columns: k)
        guard let values = gsl_vector_alloc(k) else { throw AnalysisError("gsl_vector_alloc(\(k)) failed") }
        defer { gsl_vector_free(values) }
        guard let workspace = gsl_eigen_symmv_alloc(k) else { throw AnalysisError("gsl_eigen_symmv_alloc(\(k)) failed") }
        defer { gsl_eigen_symmv_free(workspace) }
        let status = gsl_eigen_symmv(matrix.m, values, vectors.m, workspace)
        guard status == GSL_SUCCESS else {
            throw AnalysisError("gsl_eigen_symmv failed with GSL status \(status)")
        }
        return ((0..<k).map { gsl_vector_get(values, $0) }, vectors.rows())
    }

    /// Eigenvalue clipping: raise eigenvalues below `eigenvalueFloor` to it, rebuild,
    /// rescale to unit diagonal; repeat until the smallest eigenvalue is ≥ floor/2.
    private static func clipEigenvalues(_ start: [[Double]]) throws -> [[Double]] {
        let k = start.count
        var p = start
        for _ in 0..<20 {
            let (values, v) = try eigenSymmetric(p)
            if let smallest = values.min(), smallest >= eigenvalueFloor / 2 { break }
            let clipped = values.map { max($0, eigenvalueFloor) }
            var rebuilt = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
            for i in 0..<k {
                for j in 0...i {
                    var sum = 0.0
                    for l in 0..<k { sum += v[i][l] * clipped[l] * v[j][l] }
                    rebuilt[i][j] = sum
                    rebuilt[j][i] = sum
                }
            }
            let scale = (0..<k).map { 1 / rebuilt[$0][$0].squareRoot() }
            for i in 0..<k {
                for j in 0..<k { rebuilt[i][j] *= scale[i] * scale[j] }
                rebuilt[i][i] = 1
            }
            p = rebuilt
        }
        return p
    }

    /// Inverse of a lower-triangular matrix with a nonzero diagonal, by forward substitution.
    private static func invertLower(_ l: [[Double]]) -> [[Double]] {
        let k = l.count
        var inverse = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
        for j in 0..<k {
            inverse[j][j] = 1 / l[j][j]
            if j + 1 < k {
                for i in (j + 1)..<k {
                    var sum = 0.0
                    for m in j..<i { sum += l[i][m] * inverse[m][j] }
                    inverse[i][j] = -sum / l[i][i]
                }
            }
        }
        return inverse
    }
}

/// A `gsl_matrix` copied from / to nested Swift arrays; owns and frees it.
final class AnalysisMatrix {
    let m: UnsafeMutablePointer<gsl_matrix>
    let rowCount: Int
    let columnCount: Int

    init(rows: Int, columns: Int) throws {
        guard rows > 0, columns > 0, let m = gsl_matrix_calloc(rows, columns) else {
            throw AnalysisError("gsl_matrix_calloc(\(rows), \(columns)) failed")
        }
        self.m = m
        rowCount = rows
        columnCount = columns
    }

    convenience init(_ a: [[Double]]) throws {
        try self.init(rows: a.count, columns: a.first?.count ?? 0)
        for i in 0..<rowCount { for j in 0..<columnCount { gsl_matrix_set(m, i, j, a[i][j]) } }
    }

    func rows() -> [[Double]] {
        (0..<rowCount).map { i in (0..<columnCount).map { j in gsl_matrix_get(m, i, j) } }
    }

    deinit { gsl_matrix_free(m) }
}
