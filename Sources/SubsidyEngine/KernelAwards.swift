// Awards of the trial kernel: one variant's per-firm awards and line demands.
import Foundation
import SubsidyModel

extension TrialKernel {
    /// Steps 3–4 of Scenarios/MODEL.md §6 for one variant: awards per firm, demand per line, payment.
    mutating func apply(variant cv: CompiledVariant, group g: CompiledGroup, record r: UnsafeMutableBufferPointer<Double>) {
        let L = model.layout
        for i in 0..<r.count { r[i] = 0 }
        let n = firmCount
        if awards.count < n * 5 { awards = [Double](repeating: 0, count: Swift.max(n, 64) * 10) }
        let funded = Swift.min(cv.chainCaseCount, caseAwards.count)
        var outsideChain = 0.0
        if !g.holderIsTopFirm {
            for c in 0..<funded { outsideChain += Rules.chainCase(merit: caseAwards[c], policy: cv.policy) }
        } else if g.unheldOutside && rank.count < funded {
            // Cases no accepted firm can hold (fewer accepted than funded; rankDepth ≥ funded), funded as held outside.
            for c in rank.count..<funded { outsideChain += Rules.chainCase(merit: caseAwards[c], policy: cv.policy) }
        }
        var sums = (t: 0.0, b: 0.0, s: 0.0, c: 0.0, cc: outsideChain)
        var misc = (cuts: 0.0, cutAmount: 0.0, bench: 0.0, smart: 0.0, cloud: 0.0)
        if canSkipFirms(cv, group: g, funded: funded) {
            applyByCells(cv, group: g, funded: funded, sums: &sums, misc: &misc, record: r)
            finish(cv, group: g, funded: funded, sums: sums, misc: misc, record: r)
            return
        }
        let terms = cv.terms, benchmarkCount = cv.benchmarkCount
        let topFirmHolds = g.holderIsTopFirm
        let cap = firmCapacity
        real.withUnsafeBufferPointer { R in
        small.withUnsafeBufferPointer { S in
        flags.withUnsafeBufferPointer { FL in
            awards.withUnsafeMutableBufferPointer { A in
                rankOf.withUnsafeBufferPointer { RK in
                    for f in 0..<n {
                        let b = Int(S[FirmColumn.batch * cap + f]), s = Int(S[FirmColumn.segment * cap + f])
                        let inv = R[FirmColumn.investment * cap + f], hs = R[FirmColumn.hardware * cap + f]
                        let bits = FL[f]
                        let pos = Int(RK[f])
                        let held = topFirmHolds && pos >= 0 && pos < funded
                        let x = Rules.firmAwards(completed: bits & FirmColumn.completed != 0, passes: bits & FirmColumn.passes != 0, batch: b,
                                                 software: inv * (1 - hs), hardware: inv * hs,
                                                 cloud: bits & FirmColumn.cloud != 0, smartFactory: bits & FirmColumn.smart != 0,
                                                 benchmark: Rules.selected(rank: pos, count: benchmarkCount),
                                                 chainCase: held ? caseAwards[pos] : 0, terms: terms)
                        let a = x.paid, cut = x.cut, accepted = x.accepted, eligible = x.eligible
                        if cut > 0 { misc.cuts += 1; misc.cutAmount += cut }
                        if a.benchmark > 0 { misc.bench += 1 }
                        if a.smartFactory > 0 { misc.smart += 1 }
                        if a.cloud > 0 { misc.cloud += 1 }
                        let ar = f * 5
                        A[ar] = a.transformation; A[ar + 1] = a.benchmark; A[ar + 2] = a.smartFactory
                        A[ar + 3] = a.cloud; A[ar + 4] = a.chainCase
                        sums.t += a.transformation; sums.b += a.benchmark; sums.s += a.smartFactory
                        sums.c += a.cloud; sums.cc += a.chainCase

                        if accepted {
                            r[L.batch(b, .demand)] += a.transformation
                            r[L.batch(b, .eligible)] += eligible
                            r[L.segment(s, .demand)] += a.transformation
                            r[L.segment(s, .eligible)] += eligible
                            if a.transformation > 0 { r[L.batch(b, .awarded)] += 1 }
                            if x.atCap {
                                r[L.batch(b, .atCap)] += 1
                                r[L.segment(s, .atCap)] += 1
                            }
                        }
                    }
                }
            }
        } } }
        finish(cv, group: g, funded: funded, sums: sums, misc: misc, record: r)
    }

    /// Policy-free counts, misc fields, line demands, then payment.
    mutating func finish(_ cv: CompiledVariant, group g: CompiledGroup, funded: Int,
                         sums: (t: Double, b: Double, s: Double, c: Double, cc: Double),
                         misc: (cuts: Double, cutAmount: Double, bench: Double, smart: Double, cloud: Double),
                         record r: UnsafeMutableBufferPointer<Double>) {
        let L = model.layout
        let n = firmCount
        // Policy-free counts, tallied once per trial in `drawFirms`.
        for (i, x) in groupCounts.enumerated() { r[countFields[i]] = x }
        r[L.misc(.ceilingCuts)] = misc.cuts
        r[L.misc(.ceilingCutAmount)] = misc.cutAmount
        r[L.misc(.benchmarkFirms)] = misc.bench
        r[L.misc(.smartFactories)] = misc.smart
        r[L.misc(.cloudFirms)] = misc.cloud
        r[L.misc(.chainCasesFunded)] = Double(funded)

        for (i, l) in L.lines.enumerated() {
            switch l {
            case .transformation: demand[i] = sums.t
            case .benchmark: demand[i] = sums.b
            case .smartFactory: demand[i] = sums.s
            case .cloud: demand[i] = sums.c
            case .chainCase: demand[i] = sums.cc
            case .serviceProvider:
                demand[i] = Rules.serviceProviders(qualifying: count(value(g.index.providers, 0)), policy: cv.policy)
            case .professionalServices:
                demand[i] = Rules.professionalServices(pilot: n, completed: completedCount, accepted: acceptedCount, policy: cv.policy)
            }
        }
        pay(cv, group: g, record: r)
    }
}
