import Testing
@testable import SubsidyModel

/// `PaymentTerms.flatBudget` is what `Payment.pay` reads: it must follow `budget` and
/// `sourceAmount` through every change, or payment would use stale budgets silently.
@Suite("PaymentTerms keeps its flat budget in step")
struct PaymentTermsTests {
    @Test("flatBudget equals budget row by row after init, after a budget change and after a source change")
    func flatFollows() {
        var t = PaymentTerms(budget: [[10, 5], [0, 7]], sourceAmount: [10, 12], restricted: [true, false], rule: .prorate, transformation: 0)
        #expect(t.flatBudget == [10, 5, 0, 7])
        t.budget = [[1, 2], [3, 4], [5, 6]]
        #expect(t.flatBudget == [1, 2, 3, 4, 5, 6])
        t.sourceAmount = [4, 5, 6]
        #expect(t.flatBudget == [1, 2, 0, 3, 4, 0, 5, 6, 0])
        // What pay books on a line comes from the current budget.
        var p = Payment()
        t.budget = [[1, 2], [3, 4]]
        t.lineTotal = [3, 7]
        t.sourceAmount = [4, 5]
        t.restricted = [false, false]
        p.pay(demand: [3, 0], batchDemand: [3], terms: t)
        #expect(p.used == [1, 2] && p.paid == [3, 0])
    }
}
