// Payment in the trial kernel: lines paid under the overrun rule, money booked to sources.
import Foundation
import SubsidyModel

extension TrialKernel {
    /// Pays every line under the overrun rule and books the money to its sources: `Payment.pay`
    /// (SubsidyModel), then the line, total and source fields of the record.
    mutating func pay(_ cv: CompiledVariant, group g: CompiledGroup, record r: UnsafeMutableBufferPointer<Double>) {
        let L = offsets
        let nL = L.lineCount, nS = L.sourceCount, nb = L.batches
        if batchDemand.count != nb { batchDemand = [Double](repeating: 0, count: nb) }
        for b in 0..<nb { batchDemand[b] = r[L.batch(b, .demand)] }
        if cv.overrun == .lottery {
            if lotteryColumns.count != nL { lotteryColumns = [Int](repeating: -1, count: nL) }
            for (i, l) in lineIDs.enumerated() {
                // （五） has firm awards only when a pilot firm holds the case.
                lotteryColumns[i] = l != .chainCase || g.holderIsTopFirm ? LineID.firmLevel.firstIndex(of: l) ?? -1 : -1
            }
            let draw = LotteryDraw(order: order, awards: awards, batch: small, batchBase: FirmColumn.batch * firmCapacity, columns: lotteryColumns)
            payment.pay(demand: demand, batchDemand: batchDemand, terms: cv.payment, lottery: draw)
        } else {
            payment.pay(demand: demand, batchDemand: batchDemand, terms: cv.payment)
        }
        let paid = payment.paid
        if cv.transformationIndex != nil { for b in 0..<nb { r[L.batch(b, .paid)] = payment.batchPaid[b] } }
        for i in 0..<nL { r[L.line(i, .reallocated)] = payment.reallocated[i] }
        var tot = (d: 0.0, p: 0.0, short: 0.0, unspent: 0.0)
        for i in 0..<nL {
            let over = cv.lineShort(i, demand: demand[i])
            let unmet = payment.unmet[i]
            let unspent = payment.unspent[i]
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
        let over = cv.totalShort(demand: tot.d)
        r[L.total(.demand)] = tot.d
        r[L.total(.paid)] = tot.p
        r[L.total(.unmet)] = Swift.max(tot.d - tot.p, 0)
        r[L.total(.unspent)] = Swift.max(cv.totalFunding - tot.p, 0)
        r[L.total(.overrun)] = over ? 1 : 0
        r[L.total(.gapIfOverrun)] = over ? tot.d - cv.totalFunding : 0
        r[L.total(.anyLineShort)] = tot.short
        for s in 0..<nS {
            let u = payment.sourceUnspent[s]
            r[L.source(s, .used)] = payment.used[s]
            r[L.source(s, .unspent)] = u
            r[L.source(s, .notFullyUsed)] = u > 0.005 ? 1 : 0
        }
    }
}
