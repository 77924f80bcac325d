// Payment in the trial kernel: lines paid under the overrun rule, money booked to sources.
import Foundation
import SubsidyModel

extension TrialKernel {
    /// Pays every line under the overrun rule and books the money to its sources (Scenarios/MODEL.md §4).
    ///
    /// - prorate: paid = min(demand, budget), every award scaled alike;
    /// - batch_order: the same line totals, （一） paid to batch 1 first;
    /// - lottery: on firm-level lines, whole awards in the trial's random order until one does not
    ///   fit; that firm and everyone after it wait (the rest of the money stays unspent);
    /// - reallocate: county money unspent on other lines (clause order) covers overruns; each
    ///   donor line's unspent money shrinks by what it gave. Regional money never leaves （一）.
    mutating func pay(_ cv: CompiledVariant, group g: CompiledGroup, record r: UnsafeMutableBufferPointer<Double>) {
        let L = model.layout
        let nL = L.lines.count, nS = L.sources.count
        for i in 0..<nL { paid[i] = Swift.min(demand[i], cv.lineTotal[i]) }
        if cv.overrun == .lottery {
            for (i, l) in L.lines.enumerated() where demand[i] > cv.lineTotal[i] {
                guard let k = LineID.firmLevel.firstIndex(of: l), l != .chainCase || g.holderIsTopFirm else { continue }
                var sum = 0.0
                for f in order {
                    let a = awards[f * 5 + k]
                    guard a > 0 else { continue }
                    // The draft names no rationing rule: policy.lottery_stop says whether the first award
                    // that does not fit stops the line (default) or is skipped for smaller ones.
                    if sum + a > cv.lineTotal[i] + 1e-9 { if cv.policy.lotteryStop == .firstMisfit { break } else { continue } }
                    sum += a
                    if k == 0 { r[L.batch(Int(small[FirmColumn.batch * firmCapacity + f]), .paid)] += a }
                }
                paid[i] = sum
            }
        }
        for s in 0..<nS { used[s] = 0 }
        // Within each line's own allocation, restricted money pays first (regional pays （一） first);
        // what each line leaves of unrestricted (county) money can be reallocated.
        if spare.count != nL { spare = [Double](repeating: 0, count: nL) } else { for i in 0..<nL { spare[i] = 0 } }
        for i in 0..<nL {
            var rest = paid[i]
            for round in 0..<2 {
                let pass = round == 0
                for s in 0..<nS where cv.restricted[s] == pass {
                    let take = Swift.min(rest, cv.budget[i][s])
                    used[s] += take
                    rest -= take
                    if !pass { spare[i] += cv.budget[i][s] - take }
                }
            }
        }
        if cv.overrun == .reallocate {
            for i in 0..<nL where demand[i] > paid[i] {
                var need = demand[i] - paid[i]
                for j in 0..<nL where j != i && spare[j] > 0 && need > 0 {
                    let give = Swift.min(spare[j], need)
                    spare[j] -= give
                    need -= give
                    paid[i] += give
                    r[L.line(j, .reallocated)] += give
                    var rest = give
                    for s in 0..<nS where !cv.restricted[s] {
                        let take = Swift.min(rest, cv.budget[j][s])
                        used[s] += take
                        rest -= take
                    }
                }
            }
        }
        // How （一）'s payment splits over batches (lottery booked it above).
        if let ti = cv.transformationIndex {
            let nb = L.batches
            switch cv.overrun {
            case .batchOrder:
                var left = paid[ti]
                for b in 0..<nb {
                    let p = Swift.min(r[L.batch(b, .demand)], left)
                    r[L.batch(b, .paid)] = p
                    left -= p
                }
            case .lottery where demand[ti] > cv.lineTotal[ti]:
                break
            default:
                let ratio = demand[ti] > 0 ? paid[ti] / demand[ti] : 1
                for b in 0..<nb { r[L.batch(b, .paid)] = r[L.batch(b, .demand)] * ratio }
            }
        }
        var tot = (d: 0.0, p: 0.0, short: 0.0, unspent: 0.0)
        for i in 0..<nL {
            let over = demand[i] > cv.lineTotal[i] + 1e-9
            let unmet = Swift.max(demand[i] - paid[i], 0)
            let unspent = Swift.max(cv.lineTotal[i] - paid[i] - r[L.line(i, .reallocated)], 0)
            r[L.line(i, .demand)] = demand[i]
            r[L.line(i, .paid)] = paid[i]
            r[L.line(i, .unmet)] = unmet
            r[L.line(i, .unspent)] = unspent
            r[L.line(i, .payoutRatio)] = demand[i] > 0 ? paid[i] / demand[i] : 1
            r[L.line(i, .overrun)] = over ? 1 : 0
            r[L.line(i, .unmetIfOverrun)] = over ? unmet : 0
            if over { tot.short = 1 }
            tot.d += demand[i]
            tot.p += paid[i]
            tot.unspent += unspent
        }
        let over = tot.d > cv.totalFunding + 1e-9
        r[L.total(.demand)] = tot.d
        r[L.total(.paid)] = tot.p
        r[L.total(.unmet)] = Swift.max(tot.d - tot.p, 0)
        r[L.total(.unspent)] = Swift.max(cv.totalFunding - tot.p, 0)
        r[L.total(.overrun)] = over ? 1 : 0
        r[L.total(.gapIfOverrun)] = over ? tot.d - cv.totalFunding : 0
        r[L.total(.anyLineShort)] = tot.short
        for s in 0..<nS {
            let u = Swift.max(cv.sourceAmount[s] - used[s], 0)
            r[L.source(s, .used)] = used[s]
            r[L.source(s, .unspent)] = u
            r[L.source(s, .notFullyUsed)] = u > 0.005 ? 1 : 0
        }
    }
}
