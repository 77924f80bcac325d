// Firm draws of the trial kernel: every firm's facts, the ranking, chain cases, the lottery order.
internal import CGSL
internal import CKernel
import Foundation
import SubsidyModel

extension TrialKernel {
    /// Step 2 of Scenarios/MODEL.md §6: every firm's facts, from its own stream (seed, trial, batch, index).
    /// The number and order of draws never depend on the policy: a firm's stream gives, in order,
    /// segment, investment, completion, pass, cloud, smart-factory and score uniforms, then the
    /// hardware share (one uniform for every law with a quantile table; GSL's own samplers, which
    /// may take more, read the same stream from there). The first eight outputs of every firm's
    /// stream come from one vectorised Philox call per batch.
    ///
    /// Also tallies the policy-free counts (firms, completed, accepted, investment per batch; firms
    /// and accepted per segment; accepted smart factories; cloud firms) and lists accepted firms.
    /// Cost: O(n), three table look-ups per firm.
    mutating func drawFirms(trial t: Int, group g: CompiledGroup) {
        let nb = g.batches
        if perBatch.count != nb { perBatch = [Int](repeating: 0, count: nb) }
        if g.perBatchCounts {
            for b in 0..<nb { perBatch[b] = count(value(g.index.firms[b])) }
        } else {
            let total = count(value(g.index.total))
            let share = Swift.min(Swift.max(value(g.index.share, 1), 0), 1)
            for b in 0..<nb { perBatch[b] = 0 }
            if nb == 1 { perBatch[0] = total } else {
                perBatch[0] = Swift.min(total, count(Double(total) * share))
                perBatch[1] = total - perBatch[0]
            }
        }
        var n = 0
        for b in 0..<nb { n += perBatch[b] }
        // Never empty, so the column buffers below always have a base address (a trial may have no
        // firms); three spare entries, as `ck_firm_facts` may write past the last accepted firm.
        if firmCapacity < n + 4 {
            firmCapacity = Swift.max(n, 64) * 2
            real = [Double](repeating: 0, count: firmCapacity * FirmColumn.realCount)
            small = [Int32](repeating: 0, count: firmCapacity * FirmColumn.smallCount)
            flags = [UInt8](repeating: 0, count: firmCapacity)
            uniforms = [Double](repeating: 0, count: firmCapacity * 8)
            acceptedFirms = [Int32](repeating: 0, count: firmCapacity)
            slowFirms = [Int32](repeating: 0, count: firmCapacity)
        }
        firmCount = n
        let price = value(g.index.price, 1)
        let cloudP = value(g.index.cloud)
        // Investment of a firm of segment s: X = f_s·price·Y, Y ~ the investment law, X truncated to
        // [min, max]: Y = F⁻¹(F(min/scale) + u·(F(max/scale) − F(min/scale))).
        let inv = g.investment
        let law = g.investmentLaw
        let ns = g.segmentFactor.count
        if segScale.count != ns {
            segScale = [Double](repeating: 1, count: ns); segLow = [Double](repeating: 0, count: ns); segHigh = segScale
            segmentTally = [Int64](repeating: 0, count: 2 * ns)
        }
        for s in 0..<ns {
            let sc = Swift.max(g.segmentFactor[s] * price, 1e-300)
            segScale[s] = sc
            // Segments with equal investment factors have equal scales, hence equal truncation
            // masses: taken from such a segment among the previous eight (two CDFs, ~250
            // instructions, saved each; the window keeps this linear in the number of segments).
            var same = -1
            for j in Swift.max(0, s - 8)..<s where segScale[j] == sc { same = j; break }
            if same >= 0 {
                segLow[s] = segLow[same]; segHigh[s] = segHigh[same]
            } else {
                segLow[s] = inv.lower.map { law.cdfBelow($0 / sc) } ?? 0
                segHigh[s] = inv.upper.map { PreparedDistribution.cdf(inv.kind, $0 / sc) } ?? 1
            }
        }
        if batchCompletion.count != nb { batchCompletion = [Double](repeating: 0, count: nb); batchPass = batchCompletion }
        for b in 0..<nb {
            batchCompletion[b] = Swift.min(Swift.max(value(g.index.completion[b]), 0), 1)
            batchPass[b] = Swift.min(Swift.max(value(g.index.pass[b]), 0), 1)
        }
        let lower = inv.lower ?? -.infinity, upper = inv.upper ?? .infinity
        let fallbackInvestment = inv.lower ?? inv.upper ?? 0
        let lowerFill = lower.isFinite ? lower : 0
        // Locals, so the loop does not retain and release the group's arrays on every access.
        let hardware = g.hardware, score = g.score, smartP = g.segmentSmart
        let hardwareFromWord = !hardware.usesGSLSampler
        let stream = self.stream, acceptance = acceptanceTable
        let L = offsets
        let segBase = L.batches * 4
        for i in 0..<groupCounts.count { groupCounts[i] = 0 }
        var completed = 0, smartCount = 0, cloudCount = 0
        let cap = firmCapacity
        uniforms.withUnsafeMutableBufferPointer { U in
            var f0 = 0
            for b in 0..<nb where perBatch[b] > 0 {
                stream.firstEightUniforms(.firm, trial: t, firstID: UInt32(b) << 24, count: perBatch[b], into: U.baseAddress! + f0, stride: cap)
                f0 += perBatch[b]
            }
        }
        // Pass by pass over all firms (short loops with independent iterations: table look-ups
        // overlap, no loop-carried branches). The first eight uniforms of firm f's stream are
        // columns 0…7 at f: segment, investment, completion, pass, cloud, smart factory, score, hardware.
        var accepted = 0
        uniforms.withUnsafeBufferPointer { W in
        real.withUnsafeMutableBufferPointer { R in
        small.withUnsafeMutableBufferPointer { S in
        flags.withUnsafeMutableBufferPointer { FL in
        acceptedFirms.withUnsafeMutableBufferPointer { AC in
        groupCounts.withUnsafeMutableBufferPointer { G in
        g.segmentCumulative.withUnsafeBufferPointer { cum in
        segScale.withUnsafeBufferPointer { scale in
        segLow.withUnsafeBufferPointer { low in
        segHigh.withUnsafeBufferPointer { high in
        smartP.withUnsafeBufferPointer { smart in
        slowFirms.withUnsafeMutableBufferPointer { SL in
        segmentTally.withUnsafeMutableBufferPointer { ST in
            let investment = R.baseAddress! + FirmColumn.investment * cap
            let hardwareShare = R.baseAddress! + FirmColumn.hardware * cap
            let scores = R.baseAddress! + FirmColumn.score * cap
            let batchOf = S.baseAddress! + FirmColumn.batch * cap
            let segmentOf = S.baseAddress! + FirmColumn.segment * cap
            let U = W.baseAddress!
            let uSegment = U, uInvestment = U + cap, uCompletion = U + 2 * cap, uPass = U + 3 * cap
            let uCloud = U + 4 * cap, uSmart = U + 5 * cap, uScore = U + 6 * cap, uHardware = U + 7 * cap
            let slow = SL.baseAddress!
            let tally = ST.baseAddress!
            // Segment: how many cumulative shares lie below the uniform (shares are ≥ 0, so cum
            // increases); the sign bit of cum − u counts without a branch. Investment probability
            // p inside the segment's truncation range, clamped to [1e-300, 1 − 1e-16]. (CKernel,
            // vectorised; the same arithmetic as the loop it replaced.)
            ck_segments(cum.baseAddress!, Int64(Swift.max(ns - 1, 0)), low.baseAddress!, high.baseAddress!, uSegment, uInvestment,
                        Int64(n), segmentOf, investment, 1e-300, 1 - 1e-16)
            // Investment X = scale_s · F⁻¹(p), clamped to [min, max].
            // (CKernel: x = high[s] > low[s] ? scale[s] · q : fallback, then the clamps, four firms at a time.)
            law.fastQuantiles(investment, into: investment, count: n, slow: slow)
            ck_scale_clamp(Int64(n), investment, segmentOf, scale.baseAddress!, low.baseAddress!, high.baseAddress!,
                           fallbackInvestment, lower, lowerFill, upper, investment)
            score.fastQuantiles(uScore, into: scores, count: n, slow: slow)
            if hardwareFromWord {
                hardware.fastQuantiles(uHardware, into: hardwareShare, count: n, slow: slow)
                for f in 0..<n { hardwareShare[f] = Swift.min(Swift.max(hardwareShare[f], 0), 1) }
            } else {
                // Variable-length draws: the same stream, after the seven fixed uniforms.
                var f = 0
                for b in 0..<nb {
                    for i in 0..<perBatch[b] {
                        stream.select(.firm, trial: t, id: UInt32(b) << 24 | UInt32(i))
                        for _ in 0..<7 { _ = stream.open01() }
                        hardwareShare[f] = Swift.min(Swift.max(hardware.sample(stream), 0), 1)
                        f += 1
                    }
                }
            }
            // Yes/no facts and the policy-free tallies, without branches (cloud uptake near 50%
            // makes a branch a coin toss), batch by batch (CKernel, four firms at a time): a fact is
            // 1 when its uniform is below its probability (the sign of u − p), acceptance is
            // `Rules.accepted` of completion and pass (as a truth table), accepted firms are listed
            // in order. Counts per batch and per segment (firms, accepted) go to the record's fields
            // once: whole numbers, so the same doubles; investment is summed in firm order.
            for k in 0..<(2 * ns) { tally[k] = 0 }
            var f = 0
            for b in 0..<nb {
                let count = perBatch[b]
                var totals = ck_facts()
                for i in f..<(f + count) { batchOf[i] = Int32(truncatingIfNeeded: b) }
                ck_firm_facts(Int64(count), uCompletion + f, uPass + f, uCloud + f, uSmart + f, batchCompletion[b], batchPass[b], cloudP,
                              segmentOf + f, smart.baseAddress!, acceptance, investment + f, Int32(truncatingIfNeeded: f),
                              FL.baseAddress! + f, AC.baseAddress! + accepted, tally, &totals)
                f += count
                accepted &+= Int(totals.accepted)
                completed &+= Int(totals.done)
                cloudCount &+= Int(totals.cloud)
                smartCount &+= Int(totals.smart_accepted)
                G[b * 4] = Double(count)
                G[b * 4 + 1] = Double(totals.done)
                G[b * 4 + 2] = Double(totals.accepted)
                G[b * 4 + 3] = totals.invested
            }
            for s in 0..<ns {
                G[segBase + s * 2] = Double(tally[2 * s])
                G[segBase + s * 2 + 1] = Double(tally[2 * s + 1])
            }
        } } } } } } } } } } } } }
        acceptedCount = accepted
        completedCount = completed
        smartAccepted = smartCount
        cloudFirms = cloudCount
        cellKeys.removeAll(keepingCapacity: true)
    }

    /// Accepted firms by score, deep enough for every variant's benchmark count (policy-free).
    mutating func rankFirms(_ g: CompiledGroup) {
        let n = firmCount
        // rankOf is -1 everywhere but at the ranked firms: undo the last ranking only.
        for f in rank { rankOf[f] = -1 }
        rank.removeAll(keepingCapacity: true)
        if rankOf.count < n { rankOf = [Int32](repeating: -1, count: Swift.max(n, 64) * 2) }
        guard g.rankDepth > 0 else { return }
        let depth = g.rankDepth
        if rankScratch.count < depth + 1 { rankScratch = [Int](repeating: 0, count: depth + 1) }
        // Insertion into the top `depth` (ties keep the earlier firm ahead), in a scratch buffer:
        // a firm that does not beat the last of a full list is skipped with one comparison.
        var m = 0
        real.withUnsafeBufferPointer { R in
        acceptedFirms.withUnsafeBufferPointer { AC in
        rankScratch.withUnsafeMutableBufferPointer { RB in
            let scores = R.baseAddress! + FirmColumn.score * firmCapacity
            let top = RB.baseAddress!
            // `floor`: the score a firm must beat to enter (the last listed one's once the list is
            // full; -∞ before, so every firm enters, as the comparison below would let it).
            var floor = -Double.infinity
            for j in 0..<acceptedCount {
                let f = Int(AC[j])
                let sc = scores[f]
                if m == depth && !(floor < sc) { continue }
                var pos = m
                while pos > 0 && scores[top[pos - 1]] < sc { top[pos] = top[pos - 1]; pos -= 1 }
                top[pos] = f
                if m < depth { m += 1 }
                if m == depth { floor = scores[top[m - 1]] }
            }
        } } }
        for i in 0..<m { rank.append(rankScratch[i]) }
        for (i, f) in rank.enumerated() { rankOf[f] = Int32(i) }
    }

    /// Chain cases: how many qualify is trial-level; each case's merit comes from its own stream.
    mutating func drawCases(trial t: Int, group g: CompiledGroup) {
        caseAwards.removeAll(keepingCapacity: true)
        let cases = Swift.min(count(value(g.index.chainCases, 0)), 1000)
        for c in 0..<cases {
            stream.select(.chainCase, trial: t, id: UInt32(c))
            caseAwards.append(g.chainAward.quantile(stream.open01()))
        }
        caseAwards.sort(by: >)
    }


    /// A random order of the trial's firms, from the trial's own lottery stream (drawn only when a
    /// variant pays by lottery; other streams are unaffected).
    mutating func lotteryOrder(trial t: Int) {
        let n = firmCount
        order = Array(0..<n)
        stream.select(.lottery, trial: t, id: 0)
        order.withUnsafeMutableBufferPointer { p in
            if let base = p.baseAddress, n > 1 { gsl_ran_shuffle(stream.rng, base, n, MemoryLayout<Int>.stride) }
        }
    }
}
