/// Ranks and Spearman rank correlation.
///
/// Ordering used throughout: ascending by value, NaN after every number (all NaNs tie
/// with each other), −0 ties with +0. Ties get the average of the ranks they span.
public enum Ranks {
    /// 1-based average ranks: `ranks([10, 30, 20, 20]) == [1, 4, 2.5, 2.5]`.
    ///
    /// Cost: O(n log n) time (one sort of the indices), O(n) memory.
    public static func ranks(_ x: [Double]) -> [Double] {
        let n = x.count
        if n == 0 { return [] }
        let order = sortedOrder(x)
        var r = [Double](repeating: 0, count: n)
        var start = 0
        while start < n {
            var end = start + 1
            while end < n && tied(x[order[end]], x[order[start]]) { end += 1 }
            // Positions start..<end (0-based) hold equal values: ranks start+1 ... end.
            let average = Double(start + 1 + end) / 2
            for p in start..<end { r[order[p]] = average }
            start = end
        }
        return r
    }

    /// Spearman's rank correlation ρ_s: Pearson's correlation of the average ranks
    /// (`ranks(_:)`), so ties are handled exactly,
    ///
    ///     ρ_s = Σ (r_t − r̄)(s_t − s̄) / √(Σ (r_t − r̄)² · Σ (s_t − s̄)²),
    ///
    /// clamped to [−1, 1]. Returns 0 when either sample is constant (a zero rank variance)
    /// or has fewer than two values, and NaN when the lengths differ.
    ///
    /// Cost: O(n log n) time, O(n) memory.
    public static func spearman(_ x: [Double], _ y: [Double]) -> Double {
        guard x.count == y.count else { return .nan }
        let n = x.count
        if n < 2 { return 0 }
        let rx = ranks(x), ry = ranks(y)
        let mean = Double(n + 1) / 2   // the mean of any set of average ranks
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for t in 0..<n {
            let dx = rx[t] - mean, dy = ry[t] - mean
            sxy += dx * dy
            sxx += dx * dx
            syy += dy * dy
        }
        if sxx == 0 || syy == 0 { return 0 }
        return min(1, max(-1, sxy / (sxx * syy).squareRoot()))
    }

    /// Indices of `x` in ascending order (NaN last); equal values keep their index
    /// order, so the result is a deterministic permutation of 0..<n.
    static func sortedOrder(_ x: [Double]) -> [Int] {
        x.indices.sorted { i, j in
            let a = x[i], b = x[j]
            if precedes(a, b) { return true }
            if precedes(b, a) { return false }
            return i < j
        }
    }

    /// Ordinal ranks 0..<n (ties broken by index): `position[t]` is where x[t] sorts.
    static func ordinalPositions(_ x: [Double]) -> [Int] {
        let order = sortedOrder(x)
        var position = [Int](repeating: 0, count: x.count)
        for (p, t) in order.enumerated() { position[t] = p }
        return position
    }

    @inline(__always)
    private static func precedes(_ a: Double, _ b: Double) -> Bool {
        a < b || (!a.isNaN && b.isNaN)
    }

    @inline(__always)
    private static func tied(_ a: Double, _ b: Double) -> Bool {
        a == b || (a.isNaN && b.isNaN)
    }
}
