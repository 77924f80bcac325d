import Foundation
import SubsidyModel
import Testing
import RealModule

// Payment rule cases (Rules/payment-*.yaml): one trial's demand per line, budgets per line and
// source, the overrun rule, and what `Payment.pay` must pay, leave unmet and leave unspent.
// The format is in Rules/README.md.

/// One trial's payment, as a rule file gives it.
struct PaymentCase: Sendable {
    /// Lines named anywhere in the case, in clause order (the order `reallocate` visits them).
    var lines: [LineID]
    /// Sources in the order the case names them.
    var sources: [String]
    var budget: [[Double]]
    var sourceAmount: [Double]
    var restricted: [Bool]
    var demand: [Double]
    /// （一） demand per batch (batch_order, and the split of any rule).
    var batches: [Double]
    var rule: OverrunRule
    var lotteryStop: LotteryStop
    /// Per line: the awards in lottery order, with their 1-based batch.
    var lottery: [LineID: [(award: Double, batch: Int)]]

    var terms: PaymentTerms {
        PaymentTerms(budget: budget, sourceAmount: sourceAmount, restricted: restricted, rule: rule, lotteryStop: lotteryStop,
                     transformation: lines.firstIndex(of: .transformation))
    }

    /// The lottery's awards as `Payment.pay` reads them: one pseudo-firm per listed award, in order.
    var draw: LotteryDraw? {
        guard rule == .lottery else { return nil }
        var awards: [Double] = [], batch: [Int32] = []
        for l in lines {
            guard let k = LineID.firmLevel.firstIndex(of: l) else { continue }
            for (a, b) in lottery[l] ?? [] {
                var row = [Double](repeating: 0, count: 5)
                row[k] = a
                awards += row
                batch.append(Int32(b - 1))
            }
        }
        let columns = lines.map { l in lottery[l] != nil ? LineID.firmLevel.firstIndex(of: l) ?? -1 : -1 }
        return LotteryDraw(order: Array(0..<batch.count), awards: awards, batch: batch, columns: columns)
    }
}

extension RuleCaseParser {
    static let paymentKeys = ["overrun", "lottery_stop", "budget", "sources", "restricted", "demand", "batches", "lottery"]
    static let paymentLineExpect = ["paid", "unmet", "unspent", "reallocated"]
    static let paymentSourceExpect = ["used", "source_unspent"]
    static let paymentExpectKeys = paymentLineExpect + paymentSourceExpect + ["batch_paid"]

    static func parsePayment(_ node: YNode, name: String, _ r: CaseReader) -> PaymentCase? {
        let what = "case '\(name)': payment"
        guard let m = r.pairs(node, what, allowed: paymentKeys) else { return nil }
        var ok = true
        func bad(_ n: YNode, _ message: String) { r.fail(n, "\(what).\(message)"); ok = false }
        func line(_ section: String, _ k: String, _ n: YNode) -> LineID? {
            guard let l = LineID(rawValue: k) else {
                bad(n, "\(section).\(k): not a budget line (one of: \(LineID.allCases.map(\.rawValue).joined(separator: ", ")))")
                return nil
            }
            return l
        }
        guard let ruleNode = m["overrun"], let rule = ruleNode.scalar.flatMap(OverrunRule.init(rawValue:)) else {
            r.fail(m["overrun"] ?? node, "\(what): overrun: expected one of \(OverrunRule.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        var stop = LotteryStop.firstMisfit
        if let s = m["lottery_stop"] {
            if let v = s.scalar.flatMap(LotteryStop.init(rawValue:)) { stop = v } else {
                bad(s, "lottery_stop: expected one of \(LotteryStop.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        var lineSet: Set<LineID> = []
        var sources: [String] = []
        var budget: [LineID: [String: Double]] = [:]
        if let b = m["budget"], b.pairs != nil {
            for (k, v) in r.orderedPairs(b) {
                guard let l = line("budget", k, v) else { continue }
                lineSet.insert(l)
                guard v.pairs != nil else { bad(v, "budget.\(k): expected {SOURCE: 万元}"); continue }
                for (src, amount) in r.orderedPairs(v) {
                    if !sources.contains(src) { sources.append(src) }
                    if let x = r.number(amount, "\(what).budget.\(k).\(src)") { budget[l, default: [:]][src] = x } else { ok = false }
                }
            }
        } else { bad(m["budget"] ?? node, "budget: expected {LINE: {SOURCE: 万元}}") }
        var amounts: [String: Double] = [:]
        if let s = m["sources"] {
            if s.pairs == nil { bad(s, "sources: expected {SOURCE: 万元}") }
            for (src, amount) in r.orderedPairs(s) {
                if !sources.contains(src) { sources.append(src) }
                if let x = r.number(amount, "\(what).sources.\(src)") { amounts[src] = x } else { ok = false }
            }
        }
        var restricted: Set<String> = []
        if let rn = m["restricted"] {
            if let xs = rn.items {
                for x in xs {
                    if let s = x.scalar, sources.contains(s) { restricted.insert(s) } else { bad(x, "restricted: \(x.scalar ?? "?") is not a source of the budget") }
                }
            } else { bad(rn, "restricted: expected a list of sources") }
        }
        var demand: [LineID: Double] = [:]
        if let d = m["demand"], d.pairs != nil {
            for (k, v) in r.orderedPairs(d) {
                guard let l = line("demand", k, v) else { continue }
                lineSet.insert(l)
                if let x = r.number(v, "\(what).demand.\(k)") { demand[l] = x } else { ok = false }
            }
        } else { bad(m["demand"] ?? node, "demand: expected {LINE: 万元}") }
        var batches: [Double] = []
        if let b = m["batches"] {
            if let xs = b.items {
                for x in xs { if let v = r.number(x, "\(what).batches") { batches.append(v) } else { ok = false } }
            } else { bad(b, "batches: expected （一）'s demand per batch, e.g. [500, 400]") }
        }
        var lottery: [LineID: [(award: Double, batch: Int)]] = [:]
        if let lo = m["lottery"] {
            if lo.pairs == nil { bad(lo, "lottery: expected {LINE: [[award, batch], ...]} in lottery order") }
            for (k, v) in r.orderedPairs(lo) {
                guard let l = line("lottery", k, v) else { continue }
                guard LineID.firmLevel.contains(l) else { bad(v, "lottery.\(k): only lines with firm awards （一）–（五） have a lottery"); continue }
                lineSet.insert(l)
                var list: [(award: Double, batch: Int)] = []
                for pair in v.items ?? [] {
                    guard let xs = pair.items, xs.count == 2,
                          let a = r.number(xs[0], "\(what).lottery.\(k)"), let b = r.number(xs[1], "\(what).lottery.\(k)"),
                          b >= 1, b == b.rounded(), Int(b) <= Swift.max(batches.count, 2) else {
                        bad(pair, "lottery.\(k): expected [award, batch] with a 1-based batch")
                        continue
                    }
                    list.append((a, Int(b)))
                }
                if v.items == nil { bad(v, "lottery.\(k): expected a list of [award, batch]") }
                lottery[l] = list
            }
        }
        guard ok else { return nil }
        let lines = LineID.allCases.filter { lineSet.contains($0) }
        let table = lines.map { l in sources.map { budget[l]?[$0] ?? 0 } }
        let sourceAmount = sources.enumerated().map { j, s in amounts[s] ?? table.map { $0[j] }.reduce(0, +) }
        if rule == .lottery && lottery.isEmpty { r.fail(node, "\(what): lottery: the overrun rule is lottery, so give the awards in lottery order") }
        return PaymentCase(lines: lines, sources: sources, budget: table, sourceAmount: sourceAmount,
                           restricted: sources.map { restricted.contains($0) }, demand: lines.map { demand[$0] ?? 0 },
                           batches: batches, rule: rule, lotteryStop: stop, lottery: lottery)
    }

    static func parsePaymentExpect(_ node: YNode, name: String, payment: PaymentCase?, _ r: CaseReader) -> [(key: String, value: Expected)] {
        let what = "case '\(name)': expect"
        guard r.pairs(node, what, allowed: paymentExpectKeys) != nil else { return [] }
        var out: [(key: String, value: Expected)] = []
        for (k, v) in r.orderedPairs(node) {
            if k == "batch_paid" {
                guard let xs = v.items else { r.fail(v, "\(what).batch_paid: expected a list, one amount per batch"); continue }
                for (b, x) in xs.enumerated() { if let a = r.number(x, "\(what).batch_paid") { out.append(("batch_paid.\(b + 1)", .amount(a))) } }
                continue
            }
            guard v.pairs != nil else { r.fail(v, "\(what).\(k): expected a mapping"); continue }
            for (name, x) in r.orderedPairs(v) {
                if paymentLineExpect.contains(k), let p = payment, !p.lines.contains(where: { $0.rawValue == name }) {
                    r.fail(x, "\(what).\(k).\(name): not a line of this case (\(p.lines.map(\.rawValue).joined(separator: ", ")))")
                    continue
                }
                if paymentSourceExpect.contains(k), let p = payment, !p.sources.contains(name) {
                    r.fail(x, "\(what).\(k).\(name): not a source of this case (\(p.sources.joined(separator: ", ")))")
                    continue
                }
                if let a = r.number(x, "\(what).\(k).\(name)") { out.append(("\(k).\(name)", .amount(a))) }
            }
        }
        if out.isEmpty { r.fail(node, "\(what): give at least one expected value") }
        return out
    }
}

extension RuleCaseRunner {
    /// Runs a payment case through `Payment.pay`: what differs, and the invariants every payment keeps.
    static func checkPayment(_ c: RuleCase, _ p: PaymentCase) -> [String] {
        var pay = Payment()
        pay.pay(demand: p.demand, batchDemand: p.batches, terms: p.terms, lottery: p.draw)
        var failures: [String] = []
        for (key, want) in c.expect {
            let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
            let got: Double
            switch parts[0] {
            case "batch_paid":
                let b = Int(parts[1])! - 1
                guard b < pay.batchPaid.count else { failures.append("\(key): the case gives no demand for batch \(b + 1)"); continue }
                got = pay.batchPaid[b]
            case "used", "source_unspent":
                let j = p.sources.firstIndex(of: parts[1])!
                got = parts[0] == "used" ? pay.used[j] : pay.sourceUnspent[j]
            default:
                let i = p.lines.firstIndex { $0.rawValue == parts[1] }!
                switch parts[0] {
                case "paid": got = pay.paid[i]
                case "unmet": got = pay.unmet[i]
                case "unspent": got = pay.unspent[i]
                default: got = pay.reallocated[i]
                }
            }
            if case let .amount(a) = want, !a.isApproximatelyEqual(to: got, absoluteTolerance: c.tolerance) {
                failures.append("\(key): expected \(want), got \(show(got)) (tolerance \(c.tolerance))")
            }
        }
        // Invariants: money paid is money some source gave; no source gives more than it holds;
        // nothing is paid beyond demand; a line's money is paid, unspent or given away.
        let tol = 1e-9
        let paid = pay.paid.reduce(0, +), used = pay.used.reduce(0, +)
        if !paid.isApproximatelyEqual(to: used, absoluteTolerance: tol) { failures.append("invariant: lines paid \(show(paid)) but sources gave \(show(used))") }
        for (j, s) in p.sources.enumerated() where pay.used[j] > p.sourceAmount[j] + tol {
            failures.append("invariant: source \(s) gave \(show(pay.used[j])), more than its \(show(p.sourceAmount[j]))")
        }
        for (i, l) in p.lines.enumerated() {
            if pay.paid[i] > p.demand[i] + tol || pay.paid[i] < -tol {
                failures.append("invariant: \(l.rawValue) paid \(show(pay.paid[i])) is not within [0, demand \(show(p.demand[i]))]")
            }
            if !(pay.paid[i] + pay.unmet[i]).isApproximatelyEqual(to: p.demand[i], absoluteTolerance: tol) {
                failures.append("invariant: \(l.rawValue) paid + unmet ≠ demand")
            }
        }
        if let ti = p.lines.firstIndex(of: .transformation), !p.batches.isEmpty, p.batches.reduce(0, +).isApproximatelyEqual(to: p.demand[ti], absoluteTolerance: 1e-9) {
            let split = pay.batchPaid.reduce(0, +)
            if !split.isApproximatelyEqual(to: pay.paid[ti], absoluteTolerance: 1e-6) { failures.append("invariant: （一） paid \(show(pay.paid[ti])) but its batches \(show(split))") }
        }
        return failures
    }
}
