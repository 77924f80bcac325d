internal import CGSL

/// Latin hypercube sampling on the unit cube.
public enum LatinHypercube {
    /// `k` columns of `n` values in (0, 1). Column j is
    ///
    ///     x_t = (π_j(t) + U_t) / n,   t = 0..<n,
    ///
    /// with π_j a uniformly random permutation of 0..<n (`gsl_ran_shuffle`) and
    /// U_t ~ U(0, 1) (`gsl_rng_uniform_pos`), so every stratum [s/n, (s+1)/n) holds exactly
    /// one value of each column, and the columns are independent of each other.
    ///
    /// Randomness: Philox4x32-10 keyed by `ss_mix64(seed)`; column j uses stream counters
    /// (`stream`, j, 0x4C48), drawing the permutation first, then the n jitters. The output
    /// is a pure function of (n, k, seed, stream), and column j does not depend on k.
    ///
    /// Strata are exact while n ≤ 2^21; beyond that a jitter that rounds the top value up
    /// to 1 is pulled back to the largest double below 1, so values stay in (0, 1).
    /// `n ≤ 0` gives k empty columns, `k ≤ 0` gives no columns. Columns beyond 2^32
    /// would repeat counter words; k is expected to be small.
    ///
    /// Cost: O(n·k) time (n shuffle steps and n uniforms per column), n·k doubles of output.
    public static func sample(n: Int, k: Int, seed: UInt64, stream: UInt32) -> [[Double]] {
        guard k > 0 else { return [] }
        guard n > 0 else { return Array(repeating: [], count: k) }
        let generator = RandomStream(seed: seed, counters: stream, 0, 0x4C48)
        let rng = generator.rng
        let count = Double(n)
        let belowOne = (1.0).nextDown
        var columns: [[Double]] = []
        columns.reserveCapacity(k)
        var permutation = [Int](repeating: 0, count: n)
        for j in 0..<k {
            generator.select(counters: stream, UInt32(truncatingIfNeeded: j), 0x4C48)
            for t in 0..<n { permutation[t] = t }
            permutation.withUnsafeMutableBytes { bytes in
                gsl_ran_shuffle(rng, bytes.baseAddress, n, MemoryLayout<Int>.stride)
            }
            var column = [Double](repeating: 0, count: n)
            for t in 0..<n {
                let u = gsl_rng_uniform_pos(rng)
                column[t] = min((Double(permutation[t]) + u) / count, belowOne)
            }
            columns.append(column)
        }
        return columns
    }
}
