import Foundation
import SubsidyModel
import Testing
import RealModule

// The cell shortcut's batched （一）: `Rules.transformationSum` over a cell, straight or sorted with
// prefix sums, is the firm-by-firm Σ `Rules.transformation` and counts the same firms at the cap.
@Suite("（一） summed over a cell")
struct TransformationSumTests {
    @Test("straight and sorted sums equal the per-firm sum", arguments: [(0.6, 50.0), (0.5, 40.0), (0.3, 0.0), (0.0, 50.0), (1.0, 1e9)])
    func sums(rate: Double, cap: Double) {
        var g = SystemRandomNumberGenerator()
        for n in [0, 1, 2, 7, 100] {
            var e = (0..<n).map { _ in Double.random(in: 0...200, using: &g).rounded() / 2 }   // ties and exact caps happen
            if n > 3 { e[0] = cap / Swift.max(rate, 1e-300); e[1] = 0 }
            let direct = e.reduce(0) { $0 + Rules.transformation(eligible: $1, rate: rate, cap: cap) }
            let atCap = Double(e.filter { Rules.atCap(eligible: $0, rate: rate, cap: cap) }.count)
            let sorted = e.sorted()
            var prefix = [0.0]
            for x in sorted { prefix.append(prefix.last! + x) }
            let straight = e.withUnsafeBufferPointer { Rules.transformationSum(eligible: $0, 0..<n, rate: rate, cap: cap) }
            let bySearch = sorted.withUnsafeBufferPointer { s in
                prefix.withUnsafeBufferPointer { Rules.transformationSum(sorted: s, prefix: $0, 0..<n, rate: rate, cap: cap) }
            }
            #expect(straight.demand == direct && straight.atCap == atCap, "n = \(n)")
            #expect(bySearch.demand.isApproximatelyEqual(to: direct, absoluteTolerance: 1e-9 * Swift.max(1, direct)) && bySearch.atCap == atCap, "n = \(n): \(bySearch) vs \(direct), \(atCap)")
        }
    }

    /// The search finds the same split as a scan inside any cell of a sorted buffer (cells sit at
    /// offsets, not at 0), for every cell length up to 33 and a few longer ones, and caps that fall on, between and
    /// beyond the firms' values: the count at the cap is exact, so the split is.
    @Test("the split of a cell inside the buffer is the scan's, at every length")
    func splitInsideBuffer() {
        var g = SystemRandomNumberGenerator()
        for n in Array(0...33) + [63, 64, 65, 66, 100, 257] {
            let before = Int.random(in: 0...5, using: &g), after = Int.random(in: 0...5, using: &g)
            let cell = (0..<n).map { _ in Double(Int.random(in: 0...40, using: &g)) }.sorted()
            let e = [Double](repeating: -1, count: before) + cell + [Double](repeating: 1e9, count: after)
            var prefix = [0.0]
            for x in e { prefix.append(prefix.last! + x) }
            let range = before..<(before + n)
            for (rate, cap) in [(0.5, 0.0), (0.5, 7.0), (0.5, 7.25), (1.0, 20.0), (0.25, 100.0), (0.0, 1.0), (1.0, -1.0)] {
                let scanAt = Double(cell.filter { !(rate * $0 < cap) }.count)
                let r = e.withUnsafeBufferPointer { s in
                    prefix.withUnsafeBufferPointer { Rules.transformationSum(sorted: s, prefix: $0, range, rate: rate, cap: cap) }
                }
                let direct = cell.reduce(0) { $0 + Swift.min(rate * $1, cap) }
                #expect(r.atCap == scanAt, "n = \(n), rate \(rate), cap \(cap)")
                #expect(r.demand.isApproximatelyEqual(to: direct, absoluteTolerance: 1e-9 * Swift.max(1, abs(direct))), "n = \(n): \(r.demand) vs \(direct)")
            }
        }
    }
}
