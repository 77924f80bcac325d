/// Paying one trial's budget lines (Scenarios/MODEL.md §4): each line under the overrun rule, the
/// money booked to its funding sources. The trial kernel calls `pay` once per variant and trial;
/// the payment rule cases (Tests/SubsidyModelTests/Rules/payment-*.yaml) drive the same function.
///
/// - prorate: paid = min(demand, budget), every award scaled alike;
/// - batch_order: the same line totals, （一） paid to batch 1 first;
/// - lottery: on lines with firm awards, whole awards in the trial's random order until one does not
///   fit (`lottery_stop: first_misfit`: that firm and everyone after it wait, the rest stays unspent;
///   `until_empty`: it is skipped and smaller ones are paid while money remains); other lines prorate;
/// - reallocate: county (unrestricted) money unspent on other lines, in clause order, covers
///   overruns; each donor line's unspent money shrinks by what it gave. Restricted money never
///   leaves its lines.
/// Within each line's own allocation, restricted money pays first (regional pays （一） first).
public struct PaymentTerms: Sendable {
    /// [line][source], 万元.
    public var budget: [[Double]] { didSet { refreshFlatBudget() } }
    /// `budget` line by line in one buffer (line i, source s at i × sources + s): `pay` reads it
    /// for every line and source of every trial, and one contiguous buffer per variant stays in
    /// cache where a buffer per line does not (a sweep cycles through hundreds of variants).
    public private(set) var flatBudget: [Double] = []
    /// Each line's budget over all sources.
    public var lineTotal: [Double]
    /// What each source holds, 万元 (its unspent money is this minus what it paid).
    public var sourceAmount: [Double] { didSet { refreshFlatBudget(); refreshSourceOrder() } }
    /// Sources restricted to some lines (`only_lines`): paid first on those lines, never reallocated.
    public var restricted: [Bool] { didSet { refreshSourceOrder() } }
    /// The order a line's money is taken in: the restricted sources, then the others, each in
    /// source order; the first `restrictedCount` are the restricted ones.
    public private(set) var sourceOrder: [Int] = []
    public private(set) var restrictedCount = 0
    public var rule: OverrunRule
    public var lotteryStop: LotteryStop
    /// The line whose payment splits over batches (（一）), if any.
    public var transformation: Int?

    public init(budget: [[Double]], sourceAmount: [Double], restricted: [Bool], rule: OverrunRule,
                lotteryStop: LotteryStop = .firstMisfit, transformation: Int?) {
        self.budget = budget
        lineTotal = budget.map { $0.reduce(0, +) }
        self.sourceAmount = sourceAmount
        flatBudget = PaymentTerms.flatten(budget, sources: sourceAmount.count)
        self.restricted = restricted
        self.rule = rule
        self.lotteryStop = lotteryStop
        self.transformation = transformation
        refreshSourceOrder()
    }
}

extension PaymentTerms {
    /// `budget` row by row, each row `sources` long (missing entries 0).
    static func flatten(_ budget: [[Double]], sources: Int) -> [Double] {
        var flat = [Double](repeating: 0, count: budget.count * sources)
        for (i, row) in budget.enumerated() { for (s, x) in row.prefix(sources).enumerated() { flat[i * sources + s] = x } }
        return flat
    }

    /// `sourceAmount` changes the row length: the flat copy follows.
    mutating func refreshFlatBudget() { flatBudget = PaymentTerms.flatten(budget, sources: sourceAmount.count) }

    /// `sourceOrder` and `restrictedCount` from `restricted` (a source it does not list is unrestricted).
    mutating func refreshSourceOrder() {
        let n = sourceAmount.count, r = restricted
        let first = (0..<n).filter { $0 < r.count && r[$0] }
        sourceOrder = first + (0..<n).filter { !($0 < r.count && r[$0]) }
        restrictedCount = first.count
    }
}

/// The firm awards a lottery pays whole: firm f's award on firm-level column k (`LineID.firmLevel`
/// order) is `awards[f * 5 + k]`, its batch `batch[batchBase + f]`; `order` lists the firms in the
/// trial's lottery order; `columns[line]` is the line's column, −1 for a line without firm awards.
public struct LotteryDraw: Sendable {
    public var order: [Int]
    public var awards: [Double]
    public var batch: [Int32]
    public var batchBase: Int
    public var columns: [Int]

    public init(order: [Int], awards: [Double], batch: [Int32], batchBase: Int = 0, columns: [Int]) {
        self.order = order
        self.awards = awards
        self.batch = batch
        self.batchBase = batchBase
        self.columns = columns
    }
}

/// What `pay` gives; buffers reused from call to call (one per trial kernel).
public struct Payment: Sendable {
    /// Per line, 万元.
    public private(set) var paid: [Double] = []
    public private(set) var unmet: [Double] = []
    public private(set) var unspent: [Double] = []
    /// County money the line gave to other lines (reallocate).
    public private(set) var reallocated: [Double] = []
    /// Per source: paid out, and left.
    public private(set) var used: [Double] = []
    public private(set) var sourceUnspent: [Double] = []
    /// （一）'s payment per batch.
    public private(set) var batchPaid: [Double] = []
    /// County money each line leaves unused (reallocate).
    var spare: [Double] = []

    public init() {}

    /// Pays `demand` (per line, 万元) under `terms`; `batchDemand` is （一）'s demand per batch;
    /// `lottery` the firm awards when the rule is lottery (lines without them prorate).
    public mutating func pay(demand: [Double], batchDemand: [Double], terms t: PaymentTerms, lottery: LotteryDraw? = nil) {
        let nL = demand.count, nS = t.sourceAmount.count, nb = batchDemand.count
        if paid.count != nL {
            paid = [Double](repeating: 0, count: nL)
            unmet = paid; unspent = paid; reallocated = paid; spare = paid
        }
        if used.count != nS { used = [Double](repeating: 0, count: nS); sourceUnspent = used }
        if batchPaid.count != nb { batchPaid = [Double](repeating: 0, count: nb) }
        // Buffer pointers throughout: a store into an array property costs a uniqueness check.
        paid.withUnsafeMutableBufferPointer { paid in
        unmet.withUnsafeMutableBufferPointer { unmet in
        unspent.withUnsafeMutableBufferPointer { unspent in
        reallocated.withUnsafeMutableBufferPointer { reallocated in
        spare.withUnsafeMutableBufferPointer { spare in
        used.withUnsafeMutableBufferPointer { used in
        sourceUnspent.withUnsafeMutableBufferPointer { sourceUnspent in
        batchPaid.withUnsafeMutableBufferPointer { batchPaid in
            Self.pay(demand: demand, batchDemand: batchDemand, terms: t, lottery: lottery, paid: paid, unmet: unmet, unspent: unspent,
                     reallocated: reallocated, spare: spare, used: used, sourceUnspent: sourceUnspent, batchPaid: batchPaid)
        } } } } } } } }
    }

    private static func pay(demand demandArray: [Double], batchDemand batchDemandArray: [Double], terms t: PaymentTerms, lottery: LotteryDraw?,
                            paid: UnsafeMutableBufferPointer<Double>, unmet: UnsafeMutableBufferPointer<Double>,
                            unspent: UnsafeMutableBufferPointer<Double>, reallocated: UnsafeMutableBufferPointer<Double>,
                            spare: UnsafeMutableBufferPointer<Double>, used: UnsafeMutableBufferPointer<Double>,
                            sourceUnspent: UnsafeMutableBufferPointer<Double>, batchPaid: UnsafeMutableBufferPointer<Double>) {
        let nL = demandArray.count, nS = t.sourceAmount.count, nb = batchDemandArray.count
        precondition(t.lineTotal.count >= nL && t.flatBudget.count >= nL * nS && t.sourceOrder.count == nS
                        && (t.transformation.map { $0 >= 0 && $0 < nL } ?? true),
                     "payment terms for \(t.lineTotal.count) lines and \(t.sourceOrder.count) sources, paying \(nL) and \(nS)")
        // The terms' arrays through buffer pointers: this runs once per variant and trial.
        demandArray.withUnsafeBufferPointer { demand in
        batchDemandArray.withUnsafeBufferPointer { batchDemand in
        t.lineTotal.withUnsafeBufferPointer { lineTotal in
        t.flatBudget.withUnsafeBufferPointer { budget in
        t.sourceOrder.withUnsafeBufferPointer { order in
        t.sourceAmount.withUnsafeBufferPointer { sourceAmount in
            let rc = t.restrictedCount
            for i in 0..<nL { reallocated[i] = 0; spare[i] = 0 }
            for b in 0..<nb { batchPaid[b] = 0 }
            for s in 0..<nS { used[s] = 0 }

            for i in 0..<nL { paid[i] = Swift.min(demand[i], lineTotal[i]) }
            var lotteryPaidTransformation = false
            if t.rule == .lottery, let lottery {
                for i in 0..<nL where demand[i] > lineTotal[i] {
                    let k = lottery.columns[i]
                    guard k >= 0 else { continue }
                    var sum = 0.0
                    for f in lottery.order {
                        let a = lottery.awards[f * 5 + k]
                        guard a > 0 else { continue }
                        // The draft names no rationing rule: policy.lottery_stop says whether the first award
                        // that does not fit stops the line (default) or is skipped for smaller ones.
                        if sum + a > lineTotal[i] + 1e-9 { if t.lotteryStop == .firstMisfit { break } else { continue } }
                        sum += a
                        if k == 0 { batchPaid[Int(lottery.batch[lottery.batchBase + f])] += a }
                    }
                    paid[i] = sum
                    if i == t.transformation { lotteryPaidTransformation = true }
                }
            }
            // Within each line's own allocation, restricted money pays first (regional pays （一） first);
            // what each line leaves of unrestricted (county) money can be reallocated.
            for i in 0..<nL {
                var rest = paid[i]
                for o in 0..<nS {
                    let s = order[o], b = budget[i &* nS &+ s]
                    let take = Swift.min(rest, b)
                    used[s] += take
                    rest -= take
                    if o >= rc { spare[i] += b - take }
                }
            }
            if t.rule == .reallocate {
                for i in 0..<nL where demand[i] > paid[i] {
                    var need = demand[i] - paid[i]
                    for j in 0..<nL where j != i && spare[j] > 0 && need > 0 {
                        let give = Swift.min(spare[j], need)
                        spare[j] -= give
                        need -= give
                        paid[i] += give
                        reallocated[j] += give
                        var rest = give
                        for o in rc..<nS {
                            let s = order[o]
                            let take = Swift.min(rest, budget[j &* nS &+ s])
                            used[s] += take
                            rest -= take
                        }
                    }
                }
            }
            Self.finish(demand: demand, batchDemand: batchDemand, lineTotal: lineTotal, sourceAmount: sourceAmount, terms: t,
                        lotteryPaidTransformation: lotteryPaidTransformation, paid: paid, unmet: unmet, unspent: unspent,
                        reallocated: reallocated, used: used, sourceUnspent: sourceUnspent, batchPaid: batchPaid)
        } } } } } }
    }

    /// （一）'s split over batches, and what each line and source leaves.
    @inline(__always)
    private static func finish(demand: UnsafeBufferPointer<Double>, batchDemand: UnsafeBufferPointer<Double>, lineTotal: UnsafeBufferPointer<Double>,
                               sourceAmount: UnsafeBufferPointer<Double>, terms t: PaymentTerms, lotteryPaidTransformation: Bool,
                               paid: UnsafeMutableBufferPointer<Double>, unmet: UnsafeMutableBufferPointer<Double>,
                               unspent: UnsafeMutableBufferPointer<Double>, reallocated: UnsafeMutableBufferPointer<Double>,
                               used: UnsafeMutableBufferPointer<Double>, sourceUnspent: UnsafeMutableBufferPointer<Double>,
                               batchPaid: UnsafeMutableBufferPointer<Double>) {
        let nL = demand.count, nS = sourceAmount.count, nb = batchDemand.count
        // How （一）'s payment splits over batches (a lottery booked it above).
        if let ti = t.transformation {
            switch t.rule {
            case .batchOrder:
                var left = paid[ti]
                for b in 0..<nb {
                    let p = Swift.min(batchDemand[b], left)
                    batchPaid[b] = p
                    left -= p
                }
            case .lottery where lotteryPaidTransformation:
                break
            default:
                let ratio = demand[ti] > 0 ? paid[ti] / demand[ti] : 1
                for b in 0..<nb { batchPaid[b] = batchDemand[b] * ratio }
            }
        }
        for i in 0..<nL {
            unmet[i] = Swift.max(demand[i] - paid[i], 0)
            unspent[i] = Swift.max(lineTotal[i] - paid[i] - reallocated[i], 0)
        }
        for s in 0..<nS { sourceUnspent[s] = Swift.max(sourceAmount[s] - used[s], 0) }
    }
}
