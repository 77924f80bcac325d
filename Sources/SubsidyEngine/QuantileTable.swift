// Tabulated quantile functions: look-ups in the tables `PreparedDistribution` builds (centre, log-spaced tails, discrete steps).
internal import CKernel
import Foundation

extension PreparedDistribution {
    /// The first index whose cumulative probability in `table` reaches p (the last when none does).
    @inline(__always)
    func firstAtLeast(_ p: Double) -> Int {
        var lo = 0, hi = Swift.max(table.count - 1, 0)
        while lo < hi {
            let mid = (lo + hi) / 2
            if table[mid] >= p { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    /// A tail quantile from the log-spaced tail table; `e` is u (lower) or 1 − u (upper).
    @inline(__always)
    func tailQuantile(_ e: Double, upper: Bool) -> Double {
        let g = upper ? highTail : lowTail
        guard !g.isEmpty, e >= PreparedDistribution.tailMin else { return exactQuantile(upper ? 1 - e : e) }
        let t0 = Foundation.log(PreparedDistribution.tailMin), t1 = Foundation.log(PreparedDistribution.tableTail)
        let x = (Foundation.log(e) - t0) / (t1 - t0) * Double(PreparedDistribution.tailSize)
        let i = Swift.min(Swift.max(Int(x), 0), PreparedDistribution.tailSize - 1)
        let w = x - Double(i)
        let v = g[i] + w * (g[i + 1] - g[i])
        if upper { return highEnd.map { $0 - Foundation.exp(v) } ?? v }
        return lowEnd.map { $0 + Foundation.exp(v) } ?? v
    }

    /// Linear interpolation in `table` at u (for u in [centreLow, centreHigh]).
    @inline(__always)
    func tableCentre(_ u: Double) -> Double {
        let x = u * Double(PreparedDistribution.tableSize)
        let i = Int(x)
        let w = x - Double(i)
        return table.withUnsafeBufferPointer { t in t[i] + w * (t[i + 1] - t[i]) }
    }

    /// `quantile(u)` with the common cases inline (the centre of a table, an untruncated uniform);
    /// the same arithmetic, so the same result. For per-firm draws in the trial loop.
    @inline(__always)
    func fastQuantile(_ u: Double) -> Double {
        if fast == .table, u >= centreLow, u <= centreHigh, !table.isEmpty {
            return tableCentre(u)
        }
        if fast == .uniform, distribution.lower == nil, distribution.upper == nil { return a + u * (b - a) }
        return quantile(u)
    }

    /// `fastQuantile(u[i])` into `out[i]` for i < count (`out` may be `u`): a table's centre for
    /// all draws at once (CKernel, vectorised: the same arithmetic as `tableCentre`), then the
    /// draws in its tails one by one; an untruncated uniform in one loop. `slow` is scratch for
    /// `count` indices. The per-firm passes of the trial loop.
    @inline(__always)
    func fastQuantiles(_ u: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, count n: Int, slow: UnsafeMutablePointer<Int32>) {
        guard n > 0 else { return }
        if fast == .table, !table.isEmpty {
            let m = table.withUnsafeBufferPointer { t in
                ck_table_centre(t.baseAddress!, Double(PreparedDistribution.tableSize), centreLow, centreHigh, u, Int64(n), out, slow)
            }
            // ck_table_centre left out[i] = u[i] for these.
            for j in 0..<Int(m) {
                let i = Int(slow[j])
                out[i] = quantile(out[i])
            }
        } else if fast == .uniform, distribution.lower == nil, distribution.upper == nil {
            let a = self.a, b = self.b
            for i in 0..<n { out[i] = a + u[i] * (b - a) }
        } else {
            for i in 0..<n { out[i] = fastQuantile(u[i]) }
        }
    }
}
