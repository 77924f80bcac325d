internal import CGSL
internal import CKernel

/// Saltelli's sampling design for Sobol indices: two n×k matrices A and B of points in
/// (0, 1)^k, and the k "radial" matrices AB_i (A with column i taken from B).
///
/// Evaluate the model on the rows of A, B and every `ab(i)`, then pass the three result
/// vectors to `Sobol.indices(fA:fB:fAB:)`: n·(k + 2) model runs in all.
public struct SaltelliDesign: Sendable {
    /// Rows per matrix (a power of two).
    public let n: Int
    /// Inputs (columns).
    public let k: Int
    /// A: n rows of k coordinates, columns 0..<k of the 2k-dimensional Sobol points.
    public let a: [[Double]]
    /// B: n rows of k coordinates, columns k..<2k of the same points.
    public let b: [[Double]]

    public init(n: Int, k: Int, a: [[Double]], b: [[Double]]) {
        self.n = n
        self.k = k
        self.a = a
        self.b = b
    }

    /// AB_i: the rows of A with coordinate i replaced by B's. `i` must be in 0..<k.
    /// Cost: O(n·k) time and memory (a copy of A).
    public func ab(_ i: Int) -> [[Double]] {
        precondition(i >= 0 && i < k, "SaltelliDesign.ab(\(i)): column out of 0..<\(k)")
        var m = a
        for r in 0..<n { m[r][i] = b[r][i] }
        return m
    }
}

/// One input's Sobol indices with bootstrap percentile intervals.
public struct SobolIndex: Sendable {
    /// First-order index S1 and its interval.
    public var s1, s1Low, s1High: Double
    /// Total-order index ST and its interval.
    public var st, stLow, stHigh: Double

    public init(s1: Double, s1Low: Double, s1High: Double, st: Double, stLow: Double, stHigh: Double) {
        self.s1 = s1
        self.s1Low = s1Low
        self.s1High = s1High
        self.st = st
        self.stLow = stLow
        self.stHigh = stHigh
    }

    static let zero = SobolIndex(s1: 0, s1Low: 0, s1High: 0, st: 0, stLow: 0, stHigh: 0)
}

/// Variance-based (Sobol) sensitivity analysis in three separate stages, as in SALib:
/// `design(n:k:)` → evaluate the model → `indices(fA:fB:fAB:)`.
public enum Sobol {
    /// Largest k: the design uses 2k Sobol dimensions and GSL's generator has 40.
    public static let maxInputs = 20
    /// Largest n: GSL's Sobol generator stops after 2^30 points, and the first is skipped.
    public static let maxRows = 1 << 29

    /// Draws n + 1 points of the 2k-dimensional Sobol sequence
    /// (`gsl_qrng_alloc(ss_qrng_sobol(), 2k)`), drops the first (all zeros) and splits
    /// each remaining point into A (coordinates 0..<k) and B (k..<2k). Every coordinate
    /// is a nonzero multiple of 2^−30 below 1, so the points lie in (0, 1)^k.
    ///
    /// Throws unless n is a power of two in 1...2^29 (Sobol balance properties hold on
    /// power-of-two prefixes) and 1 ≤ k ≤ 20.
    ///
    /// Cost: O(n·k) time, 2·n·k doubles.
    public static func design(n: Int, k: Int) throws -> SaltelliDesign {
        guard n > 0, n & (n - 1) == 0 else {
            throw AnalysisError("Sobol design: n = \(n) must be a positive power of two (e.g. 1024, 8192)")
        }
        guard n <= maxRows else {
            throw AnalysisError("Sobol design: n = \(n) exceeds \(maxRows), the most GSL's Sobol generator can give")
        }
        guard k >= 1, k <= maxInputs else {
            throw AnalysisError("Sobol design: k = \(k) inputs must be in 1...\(maxInputs) (the design uses 2k Sobol dimensions, GSL supports 40)")
        }
        let sequence = try AnalysisQRNG(dimensions: 2 * k)
        var point = [Double](repeating: 0, count: 2 * k)
        try sequence.next(&point)  // the first Sobol point is all zeros: skip it
        var a: [[Double]] = []
        var b: [[Double]] = []
        a.reserveCapacity(n)
        b.reserveCapacity(n)
        for _ in 0..<n {
            try sequence.next(&point)
            a.append(Array(point[0..<k]))
            b.append(Array(point[k..<(2 * k)]))
        }
        return SaltelliDesign(n: n, k: k, a: a, b: b)
    }

    /// First- and total-order Sobol indices from the model outputs on A, B and AB_i
    /// (`fAB[i][r]` = f(row r of `design.ab(i)`)), one `SobolIndex` per input i.
    ///
    /// With V the (population) variance of the 2n values concat(fA, fB):
    ///
    ///     S1_i = mean_r( fB[r] · (fAB_i[r] − fA[r]) ) / V          (Saltelli et al. 2010)
    ///     ST_i = mean_r( (fA[r] − fAB_i[r])² ) / (2V)               (Jansen 1999)
    ///
    /// The outputs are first centred on the mean of concat(fA, fB), as SALib does: this
    /// leaves ST unchanged and S1's expectation unchanged (E[fAB_i − fA] = 0) but removes
    /// the mean²-sized noise term from S1's estimator. If every value of fA and fB is the
    /// same (V = 0) every index and bound is exactly 0.
    ///
    /// Intervals: `bootstrap` resamples of the n rows with replacement (the same rows for
    /// every input), each giving S1_i and ST_i with its own V; the bounds are the
    /// (1 − c)/2 and (1 + c)/2 percentiles (linear interpolation) with c = `confidence`
    /// clamped to [0, 1]. Resampling draws from Philox4x32-10 keyed by `ss_mix64(seed)`,
    /// stream (0x536F626C, 0, 0), via `gsl_rng_uniform_int`, so results are a pure function
    /// of the inputs and `seed`. Rows are treated as independent: for a Sobol design this
    /// overstates the estimators' spread, so the intervals are conservative.
    /// `bootstrap ≤ 0` (or n ≥ 2^32) gives degenerate intervals [estimate, estimate].
    ///
    /// Returns [] if n or k is zero or the lengths disagree (fB.count and every
    /// fAB[i].count must equal fA.count). Non-finite outputs propagate as NaN.
    ///
    /// Cost: O(n·k·(bootstrap + 1)) time plus `bootstrap` · O(n) draws; n·k + 2n doubles of
    /// work space and 2·k·bootstrap doubles for the replicates.
    public static func indices(
        fA: [Double], fB: [Double], fAB: [[Double]],
        bootstrap: Int = 500, seed: UInt64 = 1, confidence: Double = 0.95
    ) -> [SobolIndex] {
        let n = fA.count
        let k = fAB.count
        guard n > 0, k > 0, fB.count == n, fAB.allSatisfy({ $0.count == n }) else { return [] }

        // Constant model: V = 0 exactly, and by definition every index is 0.
        let first = fA[0]
        if fA.allSatisfy({ $0 == first }) && fB.allSatisfy({ $0 == first }) {
            return Array(repeating: .zero, count: k)
        }

        // Centre on the mean of concat(fA, fB); d[r·k + i] = fAB_i[r] − fA[r] (row-major).
        var total = 0.0
        for r in 0..<n { total += fA[r] + fB[r] }
        let centre = total / Double(2 * n)
        let a = fA.map { $0 - centre }
        let b = fB.map { $0 - centre }
        var d = [Double](repeating: 0, count: n * k)
        for i in 0..<k {
            let column = fAB[i]
            for r in 0..<n { d[r * k + i] = column[r] - fA[r] }
        }

        return a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                d.withUnsafeBufferPointer { d in
                    var s1Sum = [Double](repeating: 0, count: k)
                    var stSum = [Double](repeating: 0, count: k)
                    // Point estimates: every row once.
                    var estimate = [SobolIndex](repeating: .zero, count: k)
                    do {
                        var vSum = 0.0
                        for r in 0..<n { vSum += a[r] * a[r] + b[r] * b[r] }
                        // Two-pass variance: `a`, `b` are already centred; the correction
                        // term is the residual mean from rounding.
                        var residual = 0.0
                        for r in 0..<n { residual += a[r] + b[r] }
                        let count = Double(2 * n)
                        let v = vSum / count - (residual / count) * (residual / count)
                        accumulate(rows: 0..<n, index: { $0 }, a: a, b: b, d: d, k: k,
                                   s1: &s1Sum, st: &stSum)
                        for i in 0..<k {
                            let s1 = v > 0 ? s1Sum[i] / Double(n) / v : 0
                            let st = v > 0 ? stSum[i] / Double(n) / (2 * v) : 0
                            estimate[i] = SobolIndex(s1: s1, s1Low: s1, s1High: s1, st: st, stLow: st, stHigh: st)
                        }
                    }
                    guard bootstrap > 0, n <= 0xFFFF_FFFF else { return estimate }

                    let c = confidence.isNaN ? 0.95 : min(1, max(0, confidence))
                    var s1Boot = [[Double]](repeating: [], count: k)
                    var stBoot = [[Double]](repeating: [], count: k)
                    for i in 0..<k {
                        s1Boot[i].reserveCapacity(bootstrap)
                        stBoot[i].reserveCapacity(bootstrap)
                    }
                    // The resamples' rows come from one stream, in order (CKernel draws them as
                    // gsl_rng_uniform_int would from the same Philox state; a test checks it), 64
                    // resamples at a time; each resample's indices are then computed on its own, on
                    // all cores, and kept in resample order: the same values as one by one.
                    let key = ss_mix64(seed)
                    let per = Swift.max(1, Swift.min(64, bootstrap, 8_388_608 / n))   // at most 32 MB of indices
                    var rows = [UInt32](repeating: 0, count: per * n)
                    var position: UInt64 = 0
                    var done = 0
                    while done < bootstrap {
                        let m = Swift.min(per, bootstrap - done)
                        position = rows.withUnsafeMutableBufferPointer {
                            ck_philox_uniform_int(key, 0x536F_626C, 0, 0, position, UInt32(n), Int64(m * n), $0.baseAddress!)
                        }
                        let replicates = rows.withUnsafeBufferPointer { rb in
                            let rp = UnsafeSendable(rb), ap = UnsafeSendable(a), bp = UnsafeSendable(b), dp = UnsafeSendable(d)
                            return concurrentMap(m) { j in
                                replicate(rows: UnsafeBufferPointer(rebasing: rp.value[(j * n)..<((j + 1) * n)]), a: ap.value, b: bp.value, d: dp.value, k: k)
                            }
                        }
                        for r in replicates {
                            for i in 0..<k {
                                s1Boot[i].append(r.s1[i])
                                stBoot[i].append(r.st[i])
                            }
                        }
                        done += m
                    }
                    let lowQ = (1 - c) / 2, highQ = (1 + c) / 2
                    for i in 0..<k {
                        (estimate[i].s1Low, estimate[i].s1High) = percentiles(&s1Boot[i], lowQ, highQ)
                        (estimate[i].stLow, estimate[i].stHigh) = percentiles(&stBoot[i], lowQ, highQ)
                    }
                    return estimate
                }
            }
        }
    }

    /// One bootstrap replicate: S1_i and ST_i over the resampled rows, with the resample's own
    /// variance (0 for a constant resample, and then every index 0).
    private static func replicate(rows: UnsafeBufferPointer<UInt32>, a: UnsafeBufferPointer<Double>, b: UnsafeBufferPointer<Double>,
                                  d: UnsafeBufferPointer<Double>, k: Int) -> (s1: [Double], st: [Double]) {
        let n = rows.count
        var lo = Double.infinity, hi = -Double.infinity
        var sum = 0.0, sumSq = 0.0
        for t in 0..<n {
            let r = Int(rows[t])
            let x = a[r], y = b[r]
            lo = min(lo, x, y)
            hi = max(hi, x, y)
            sum += x + y
            sumSq += x * x + y * y
        }
        let count = Double(2 * n)
        let mean = sum / count
        let v = lo == hi ? 0 : max(0, sumSq / count - mean * mean)
        var s1Sum = [Double](repeating: 0, count: k), stSum = [Double](repeating: 0, count: k)
        accumulate(rows: 0..<n, index: { Int(rows[$0]) }, a: a, b: b, d: d, k: k, s1: &s1Sum, st: &stSum)
        return ((0..<k).map { v > 0 ? s1Sum[$0] / Double(n) / v : 0 }, (0..<k).map { v > 0 ? stSum[$0] / Double(n) / (2 * v) : 0 })
    }

    /// s1[i] += Σ b[r]·d[r,i] and st[i] += Σ d[r,i]² over the rows r = index(t), t ∈ rows.
    @inline(__always)
    private static func accumulate(
        rows: Range<Int>, index: (Int) -> Int,
        a: UnsafeBufferPointer<Double>, b: UnsafeBufferPointer<Double>, d: UnsafeBufferPointer<Double>,
        k: Int, s1: inout [Double], st: inout [Double]
    ) {
        s1.withUnsafeMutableBufferPointer { s1 in
            st.withUnsafeMutableBufferPointer { st in
                for t in rows {
                    let r = index(t)
                    let base = r * k
                    let br = b[r]
                    for i in 0..<k {
                        let x = d[base + i]
                        s1[i] += br * x
                        st[i] += x * x
                    }
                }
            }
        }
    }

    /// Sorts `values` and returns its `low` and `high` quantiles (GSL's linear interpolation).
    private static func percentiles(_ values: inout [Double], _ low: Double, _ high: Double) -> (Double, Double) {
        values.sort { $0 < $1 || (!$0.isNaN && $1.isNaN) }
        return values.withUnsafeBufferPointer { p in
            (gsl_stats_quantile_from_sorted_data(p.baseAddress, 1, p.count, low),
             gsl_stats_quantile_from_sorted_data(p.baseAddress, 1, p.count, high))
        }
    }
}

/// A GSL quasi-random (Sobol) sequence; owns the `gsl_qrng` and frees it.
final class AnalysisQRNG {
    private let q: UnsafeMutablePointer<gsl_qrng>
    let dimensions: Int

    init(dimensions: Int) throws {
        GSL.prepare()
        guard let q = gsl_qrng_alloc(ss_qrng_sobol(), UInt32(dimensions)) else {
            throw AnalysisError("gsl_qrng_alloc(sobol, \(dimensions)) failed (GSL supports 1...40 dimensions)")
        }
        self.q = q
        self.dimensions = dimensions
    }

    /// Writes the next point into `point` (which must hold `dimensions` values).
    func next(_ point: inout [Double]) throws {
        precondition(point.count >= dimensions)
        let status = point.withUnsafeMutableBufferPointer { gsl_qrng_get(q, $0.baseAddress) }
        guard status == GSL_SUCCESS else {
            throw AnalysisError("gsl_qrng_get failed with GSL status \(status) (sequence exhausted?)")
        }
    }

    deinit { gsl_qrng_free(q) }
}
