// Awards of the trial kernel: one variant's per-firm awards and line demands.
import Foundation
import SubsidyModel

/// Per-variant tallies of a trial's awards (record fields `MiscField`): firms the ceiling cut and
/// the amount cut, benchmark firms, smart factories and cloud firms awarded.
struct AwardTallies {
    var ceilingCuts = 0.0, ceilingCutAmount = 0.0, benchmarkFirms = 0.0, smartFactories = 0.0, cloudFirms = 0.0
}

extension TrialKernel {
    /// Steps 3–4 of Scenarios/MODEL.md §6 for one variant: awards per firm, demand per line, payment.
    mutating func apply(variant cv: CompiledVariant, index v: Int, group g: CompiledGroup, record r: UnsafeMutableBufferPointer<Double>) {
        let L = offsets
        for i in 0..<r.count { r[i] = 0 }
        let n = firmCount
        if awards.count < n * 5 { awards = [Double](repeating: 0, count: Swift.max(n, 64) * 10) }
        let funded = Swift.min(cv.chainCaseCount, caseAwards.count)
        var outsideChain = 0.0
        if !g.holderIsTopFirm {
            for c in 0..<funded { outsideChain += Rules.chainCase(merit: caseAwards[c], amount: cv.chainCaseAmount) }
        } else if g.unheldOutside && rank.count < funded {
            // Cases no accepted firm can hold (fewer accepted than funded; rankDepth ≥ funded), funded as held outside.
            for c in rank.count..<funded { outsideChain += Rules.chainCase(merit: caseAwards[c], amount: cv.chainCaseAmount) }
        }
        // Line demands on （一）–（五） (summed awards after the ceiling), and the tallies the reports show.
        var sums = FirmLevelAwards()
        sums.chainCase = outsideChain
        var misc = AwardTallies()
        if TrialKernel.canSkipFirms(cv, group: g, funded: funded, topCase: caseAwards.first ?? 0, forceFirmLoop: forceFirmLoop) {
            applyByCells(cv, index: v, group: g, funded: funded, sums: &sums, misc: &misc, record: r)
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
                        if cut > 0 { misc.ceilingCuts += 1; misc.ceilingCutAmount += cut }
                        if a.benchmark > 0 { misc.benchmarkFirms += 1 }
                        if a.smartFactory > 0 { misc.smartFactories += 1 }
                        if a.cloud > 0 { misc.cloudFirms += 1 }
                        let ar = f * 5
                        A[ar] = a.transformation; A[ar + 1] = a.benchmark; A[ar + 2] = a.smartFactory
                        A[ar + 3] = a.cloud; A[ar + 4] = a.chainCase
                        sums.transformation += a.transformation; sums.benchmark += a.benchmark; sums.smartFactory += a.smartFactory
                        sums.cloud += a.cloud; sums.chainCase += a.chainCase

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
                         sums: FirmLevelAwards,
                         misc: AwardTallies,
                         record r: UnsafeMutableBufferPointer<Double>) {
        let L = offsets
        let n = firmCount
        // Policy-free counts, tallied once per trial in `drawFirms`.
        for (i, x) in groupCounts.enumerated() { r[countFields[i]] = x }
        r[L.misc(.ceilingCuts)] = misc.ceilingCuts
        r[L.misc(.ceilingCutAmount)] = misc.ceilingCutAmount
        r[L.misc(.benchmarkFirms)] = misc.benchmarkFirms
        r[L.misc(.smartFactories)] = misc.smartFactories
        r[L.misc(.cloudFirms)] = misc.cloudFirms
        r[L.misc(.chainCasesFunded)] = Double(funded)

        for (i, l) in lineIDs.enumerated() {
            switch l {
            case .transformation: demand[i] = sums.transformation
            case .benchmark: demand[i] = sums.benchmark
            case .smartFactory: demand[i] = sums.smartFactory
            case .cloud: demand[i] = sums.cloud
            case .chainCase: demand[i] = sums.chainCase
            case .serviceProvider:
                demand[i] = Rules.serviceProviders(qualifying: count(value(g.index.providers, 0)), policy: cv.policy)
            case .professionalServices:
                demand[i] = Rules.professionalServices(pilot: n, completed: completedCount, accepted: acceptedCount, policy: cv.policy)
            }
        }
        pay(cv, group: g, record: r)
    }
}
