/// The draft's clauses as rules, one function per clause. Every function is pure, works in
/// 万元, and is used both by the Monte Carlo engine (per firm, per trial) and by
/// `subsidysim award` (one firm, explained step by step), so there is one place per clause.
public enum Rules {

    // MARK: eligible costs (closing paragraph)

    /// Eligible investment under the hardware rule, or nil when the project is rejected.
    ///
    /// > 支持的试点项目补助用于企业数字化改造相关的软件、云服务支出，网关、路由等必要的数据采集传输设备支出，
    /// > 其中硬件占比不超过试点项目总价的30%。
    ///
    /// - `trim_total`: hardware counted = min(H, limit × (S + H)).
    /// - `trim_eligible`: hardware counted = min(H, limit/(1 − limit) × S), so hardware is `limit` of what is paid on.
    /// - `reject`: H > limit × (S + H) ⇒ nothing under （一）.
    /// - Parameters: software `S` (software and cloud services) and hardware `H`, 万元, both ≥ 0.
    @inlinable
    public static func eligibleInvestment(software s: Double, hardware h: Double, limit: Double, rule: HardwareRule) -> Double? {
        switch rule {
        case .trimTotal:
            return s + Swift.min(h, limit * (s + h))
        case .trimEligible:
            return s + Swift.min(h, limit / (1 - limit) * s)
        case .reject:
            // A small tolerance keeps "exactly 30%" (e.g. 30 of 100) on the allowed side despite rounding.
            return h <= limit * (s + h) * (1 + 1e-12) ? s + h : nil
        }
    }

    // MARK: （一） 支持企业数字化改造

    /// Acceptance (验收): finished by the measure's end date and at 二级 or above after the change.
    ///
    /// > 对改造后数字化水平达到二级及以上水平的试点企业进行补助 … 有效期至2026年9月30日
    @inlinable
    public static func accepted(completed: Bool, passes: Bool) -> Bool { completed && passes }

    /// The same rule on 0/1 flags, without a branch (the trial loop's tallies of accepted firms).
    @inlinable @inline(__always)
    public static func accepted(completed: Int, passes: Int) -> Int { completed & passes }

    /// The （一） award of an accepted firm: min(rate_b × eligible investment, cap_b).
    ///
    /// > 第一批改造补助比例不超过企业数字化改造实际投入资金的60%，最高不超过50万元；
    /// > 第二批改造企业补助比例不超过企业数字化改造实际投入资金的50%，最高不超过40万元。
    /// (The budget table says 50% and 40%: the `table` variant.)
    @inlinable
    public static func transformation(eligible: Double, batch: BatchPolicy) -> Double {
        transformation(eligible: eligible, rate: batch.rate, cap: batch.cap)
    }

    /// The same rule with the batch's rate and cap given directly (the engine's hot loop).
    @inlinable
    public static func transformation(eligible: Double, rate: Double, cap: Double) -> Double {
        Swift.min(rate * eligible, cap)
    }

    /// Whether an accepted firm's （一） award is at its batch cap (rate × eligible ≥ cap), for the
    /// reports' share of awards at the cap.
    @inlinable @inline(__always)
    public static func atCap(eligible: Double, rate: Double, cap: Double) -> Bool { rate * eligible >= cap }

    /// （一） over many firms of one batch: Σ min(rate·e, cap) over the eligible investments `e`, and
    /// how many of them are at the cap. The same arithmetic as `transformation` firm by firm.
    @inlinable @inline(__always)
    public static func transformationSum(eligible e: UnsafeBufferPointer<Double>, _ range: Range<Int>, rate: Double, cap: Double)
        -> (demand: Double, atCap: Double) {
        var demand = 0.0, at = 0.0
        for i in range {
            // transformation(eligible:rate:cap:) and atCap(eligible:rate:cap:) in one comparison
            // (the same values: min(a, cap) is a below the cap, the cap at or above it).
            let a = rate * e[i]
            if a < cap { demand += a } else { demand += cap; at += 1 }
        }
        return (demand, at)
    }

    /// `transformationSum` for the firms of many groups (cells) at once, firm by firm in the given
    /// order: firm j adds to its cell's demand and at-cap count with cell `cell[j]`'s rate and cap
    /// (`rate[c]`, `cap[c]`). The same arithmetic in the same order per cell, so each cell's sums
    /// are `transformationSum` over its firms. `demand` and `atCap` are added to, not reset.
    @inlinable @inline(__always)
    public static func transformationSums(eligible e: UnsafePointer<Double>, cell: UnsafePointer<Int32>, count n: Int,
                                          rate: UnsafePointer<Double>, cap: UnsafePointer<Double>,
                                          demand: UnsafeMutablePointer<Double>, atCap: UnsafeMutablePointer<Double>) {
        for j in 0..<n {
            let c = Int(cell[j])
            let a = rate[c] * e[j], k = cap[c]
            let below = a < k
            demand[c] += below ? a : k
            atCap[c] += below ? 0 : 1
        }
    }

    /// One firm's term of `transformationSums` for `lanes` policies at once (a trial's variants
    /// that share its cells): lane v of the firm's cell reads `rate[base + v]`, `cap[base + v]`
    /// and adds to `demand[base + v]`, `atCap[base + v]`. The same arithmetic as
    /// `transformationSums`, so over the firms in the same order each lane's sums are its.
    @inlinable @inline(__always)
    public static func transformationTerms(eligible e: Double, base: Int, lanes: Int,
                                           rate: UnsafePointer<Double>, cap: UnsafePointer<Double>,
                                           demand: UnsafeMutablePointer<Double>, atCap: UnsafeMutablePointer<Double>) {
        // Two or four lanes as SIMD vectors: lane-wise the same multiply, comparison and additions.
        if lanes == 2 || lanes == 4 {
            @inline(__always) func terms<V: SIMD>(_: V.Type, at i: Int) where V.Scalar == Double {
                let r = UnsafeRawPointer(rate + i).loadUnaligned(as: V.self), k = UnsafeRawPointer(cap + i).loadUnaligned(as: V.self)
                let a = r * V(repeating: e)
                let below = a .< k
                let d = UnsafeRawPointer(demand + i).loadUnaligned(as: V.self) + k.replacing(with: a, where: below)
                let n = UnsafeRawPointer(atCap + i).loadUnaligned(as: V.self) + V(repeating: 1).replacing(with: 0, where: below)
                UnsafeMutableRawPointer(demand + i).storeBytes(of: d, as: V.self)
                UnsafeMutableRawPointer(atCap + i).storeBytes(of: n, as: V.self)
            }
            if lanes == 2 { terms(SIMD2<Double>.self, at: base) } else { terms(SIMD4<Double>.self, at: base) }
            return
        }
        for v in 0..<lanes {
            let a = rate[base &+ v] * e, k = cap[base &+ v]
            let below = a < k
            demand[base &+ v] += below ? a : k
            atCap[base &+ v] += below ? 0 : 1
        }
    }

    /// `transformationSum` over eligible investments sorted ascending, with `prefix[i]` = Σ e[0..<i]:
    /// the firms below the cap (rate·e < cap, found by binary search) contribute rate × their sum,
    /// the rest the cap each. O(log n); equal to the firm-by-firm sum up to rounding (a test checks it).
    @inlinable @inline(__always)
    public static func transformationSum(sorted e: UnsafeBufferPointer<Double>, prefix pre: UnsafeBufferPointer<Double>, _ range: Range<Int>,
                                         rate: Double, cap: Double) -> (demand: Double, atCap: Double) {
        var lo = range.lowerBound, hi = range.upperBound
        while lo < hi {
            let mid = (lo + hi) / 2
            if rate * e[mid] < cap { lo = mid + 1 } else { hi = mid }
        }
        return (rate * (pre[lo] - pre[range.lowerBound]) + cap * Double(range.upperBound - lo), Double(range.upperBound - lo))
    }

    // MARK: （二）–（五） awards

    /// （二） 打造数字化转型标杆: > 遴选3家数字化转型标杆企业，每家最高给予5万元一次性奖励。
    /// The bureau picks up to `benchmarkCount` accepted firms (highest score).
    @inlinable
    public static func benchmark(selected: Bool, policy: Policy) -> Double { selected ? policy.benchmarkAmount : 0 }

    /// （三） 培育先进级智能工厂: > 对试点期内获评自治区先进级智能工厂的试点企业，每家给予最高不超过4万元一次性奖励。
    @inlinable
    public static func smartFactory(rated: Bool, policy: Policy) -> Double { rated ? policy.smartFactoryAmount : 0 }

    /// （四） 鼓励企业上云用云: > 对于试点企业在基础设施、办公管理、生产制造、供应链等环节部署上云用云的企业，每家企业最高给予1万元奖励。
    @inlinable
    public static func cloud(deployed: Bool, policy: Policy) -> Double { deployed ? policy.cloudAmount : 0 }

    /// （五） 鼓励打造链式转型案例: > 对…“链式”转型优秀案例，每个给予最高不超过30万元的奖励。
    /// `merit` is what the case deserves (万元); the award is capped at the policy's amount.
    @inlinable
    public static func chainCase(merit: Double, policy: Policy) -> Double { chainCase(merit: merit, amount: policy.chainCaseAmount) }

    /// The same rule with the clause's amount given directly (the engine's hot loop).
    @inlinable @inline(__always)
    public static func chainCase(merit: Double, amount: Double) -> Double { Swift.min(Swift.max(merit, 0), amount) }

    /// （二）（五） who is picked: the bureau picks the `count` highest-scored accepted firms; `rank`
    /// is a firm's place among the accepted by score (0 = highest), −1 when not accepted or not ranked.
    @inlinable @inline(__always)
    public static func selected(rank: Int, count: Int) -> Bool { rank >= 0 && rank < count }

    /// （六） 培育优质服务商: > 遴选3家优质服务商，一次性给予5万元奖励。 `qualifying` providers compete for `count` awards.
    @inlinable
    public static func serviceProviders(qualifying: Int, policy: Policy) -> Double {
        Double(Swift.min(Swift.max(qualifying, 0), policy.serviceProviderCount)) * policy.serviceProviderAmount
    }

    // MARK: （七）（八） fees

    /// （七）（八） professional services: per-firm fees by their basis, plus the fixed research cost.
    ///
    /// > （七）…按照其服务且验收通过的中小企业数量，给予不超过1万元/家的服务费用。
    /// > （八）…给予不超过0.8万元/家验收服务费用。…每家企业审计费用不超过0.07万元。
    /// - Parameters: counts of pilot, completed and accepted firms.
    @inlinable
    public static func professionalServices(pilot: Int, completed: Int, accepted: Int, policy: Policy) -> Double {
        func count(_ b: FeeBasis) -> Double {
            switch b {
            case .pilot: return Double(pilot)
            case .completed: return Double(completed)
            case .accepted: return Double(accepted)
            }
        }
        return policy.processManagementFee.amount * count(policy.processManagementFee.basis)
            + policy.acceptanceFee.amount * count(policy.acceptanceFee.basis)
            + policy.auditFee.amount * count(policy.auditFee.basis)
            + policy.researchCost
    }

    // MARK: per-project ceiling (closing paragraph)

    /// Applies the per-project ceiling to one firm's awards, in place, and returns the amount cut.
    ///
    /// > 每个企业只能申报一个项目，同一项目享受数转供给质效奖补资金不超过70万元。
    ///
    /// Which lines count is ambiguous in the draft; the scenario names them (`policy.ceiling.lines`).
    /// The excess comes off in reverse clause order: （五） first, （一） last.
    /// `awards` is indexed like `LineID.firmLevel`.
    @inlinable
    public static func applyCeiling(_ awards: inout FirmLevelAwards, policy: Policy) -> Double {
        applyCeiling(&awards, ceiling: policy.ceiling, counts: CeilingLines(policy.ceilingLines))
    }

    /// The most one firm can receive on the lines the ceiling covers: the largest batch cap, a
    /// benchmark award (when any are given), a smart-factory and a cloud award, and `chainCase`
    /// (what a chain case held by a pilot firm can bring; 0 when cases are held outside the pilot).
    /// When this is within the ceiling, the ceiling can never cut anything.
    public static func mostUnderCeiling(policy p: Policy, chainCase: Double) -> Double {
        let c = CeilingLines(p.ceilingLines)
        var most = c.transformation ? (p.batches.map(\.cap).max() ?? 0) : 0
        if c.benchmark && p.benchmarkCount > 0 { most += p.benchmarkAmount }
        if c.smartFactory { most += p.smartFactoryAmount }
        if c.cloud { most += p.cloudAmount }
        if c.chainCase { most += Self.chainCase(merit: chainCase, amount: p.chainCaseAmount) }
        return most
    }

    /// The same bound from its part without a chain case (`mostUnderCeiling(policy:chainCase: 0)`)
    /// and a chain case's merit: the trial loop adds the chain case's part each trial.
    @inlinable @inline(__always)
    public static func mostUnderCeiling(withoutChain: Double, countsChain: Bool, chainCase merit: Double, chainCaseAmount: Double) -> Double {
        withoutChain + (countsChain ? chainCase(merit: merit, amount: chainCaseAmount) : 0)
    }

    /// The same rule with the covered lines as flags (the engine's hot loop).
    @inlinable @inline(__always)
    public static func applyCeiling(_ a: inout FirmLevelAwards, ceiling: Double, counts c: CeilingLines) -> Double {
        var total = 0.0
        if c.transformation { total += a.transformation }
        if c.benchmark { total += a.benchmark }
        if c.smartFactory { total += a.smartFactory }
        if c.cloud { total += a.cloud }
        if c.chainCase { total += a.chainCase }
        var excess = total - ceiling
        guard excess > 0 else { return 0 }
        let cut = excess
        // Reverse clause order: （五） first, （一） last.
        @inline(__always) func take(_ x: inout Double, _ on: Bool) {
            guard on, excess > 0 else { return }
            let t = Swift.min(x, excess)
            x -= t
            excess -= t
        }
        take(&a.chainCase, c.chainCase)
        take(&a.cloud, c.cloud)
        take(&a.smartFactory, c.smartFactory)
        take(&a.benchmark, c.benchmark)
        take(&a.transformation, c.transformation)
        return cut
    }
}

/// Which firm-level lines count toward the per-project ceiling.
public struct CeilingLines: Sendable, Hashable {
    public var transformation, benchmark, smartFactory, cloud, chainCase: Bool

    public init(_ lines: [LineID]) {
        transformation = lines.contains(.transformation)
        benchmark = lines.contains(.benchmark)
        smartFactory = lines.contains(.smartFactory)
        cloud = lines.contains(.cloud)
        chainCase = lines.contains(.chainCase)
    }
}

/// One firm's awards on the firm-level lines （一）–（五）, 万元.
public struct FirmLevelAwards: Sendable, Hashable {
    public var transformation = 0.0
    public var benchmark = 0.0
    public var smartFactory = 0.0
    public var cloud = 0.0
    public var chainCase = 0.0

    public init() {}

    @inlinable
    public subscript(_ l: LineID) -> Double {
        get {
            switch l {
            case .transformation: return transformation
            case .benchmark: return benchmark
            case .smartFactory: return smartFactory
            case .cloud: return cloud
            case .chainCase: return chainCase
            default: return 0
            }
        }
        set {
            switch l {
            case .transformation: transformation = newValue
            case .benchmark: benchmark = newValue
            case .smartFactory: smartFactory = newValue
            case .cloud: cloud = newValue
            case .chainCase: chainCase = newValue
            default: break
            }
        }
    }

    public var total: Double { transformation + benchmark + smartFactory + cloud + chainCase }
}

/// The facts of one firm that the rules need (what `subsidysim award` asks, what the engine draws).
public struct FirmFacts: Sendable, Hashable {
    /// 0-based batch index.
    public var batch: Int
    /// Software and cloud services, 万元.
    public var software: Double
    /// Data-collection and transmission hardware, 万元.
    public var hardware: Double
    public var completed: Bool
    public var passes: Bool
    public var cloud: Bool
    public var smartFactory: Bool
    public var benchmark: Bool
    /// What the firm's chain case merits (万元), 0 for none.
    public var chainCase: Double

    public init(batch: Int, software: Double, hardware: Double, completed: Bool = true, passes: Bool = true, cloud: Bool = false,
                smartFactory: Bool = false, benchmark: Bool = false, chainCase: Double = 0) {
        self.batch = batch
        self.software = software
        self.hardware = hardware
        self.completed = completed
        self.passes = passes
        self.cloud = cloud
        self.smartFactory = smartFactory
        self.benchmark = benchmark
        self.chainCase = chainCase
    }
}


/// A policy's per-firm terms as plain values: what `Rules.firmAwards` reads for every firm.
public struct AwardTerms: Sendable {
    /// Per batch: （一） rate and cap.
    public var rates: [Double]
    public var caps: [Double]
    public var hardwareLimit: Double
    public var hardwareRule: HardwareRule
    /// （二）–（五） amounts (（五）: the most a case gets).
    public var benchmarkAmount: Double
    public var smartFactoryAmount: Double
    public var cloudAmount: Double
    public var chainCaseAmount: Double
    /// The per-project ceiling and the lines it counts.
    public var ceiling: Double
    public var ceilingLines: CeilingLines

    public init(_ p: Policy) {
        rates = p.batches.map(\.rate)
        caps = p.batches.map(\.cap)
        hardwareLimit = p.hardwareLimit
        hardwareRule = p.hardwareRule
        benchmarkAmount = p.benchmarkAmount
        smartFactoryAmount = p.smartFactoryAmount
        cloudAmount = p.cloudAmount
        chainCaseAmount = p.chainCaseAmount
        ceiling = p.ceiling
        ceilingLines = CeilingLines(p.ceilingLines)
    }
}

/// One firm's awards on （一）–（五） as `Rules.firmAwards` composes them.
public struct FirmAwardResult: Sendable, Hashable {
    /// Before the per-project ceiling.
    public var demand: FirmLevelAwards
    /// After the ceiling: what the firm is awarded.
    public var paid: FirmLevelAwards
    /// What the ceiling took off.
    public var cut: Double
    /// Acceptance (completed and passes).
    public var accepted: Bool
    /// The eligible investment the （一） award was computed on; 0 when none was (not accepted,
    /// no such batch, or the hardware rule rejects the project).
    public var eligible: Double
    /// The （一） award is its batch's cap, before and after the ceiling.
    public var atCap: Bool

    @inlinable
    public init(demand: FirmLevelAwards, paid: FirmLevelAwards, cut: Double, accepted: Bool, eligible: Double, atCap: Bool) {
        self.demand = demand
        self.paid = paid
        self.cut = cut
        self.accepted = accepted
        self.eligible = eligible
        self.atCap = atCap
    }
}

extension Rules {
    /// A firm's awards on （一）–（五）, with the ceiling applied: the one composition of the per-firm
    /// rules. The trial kernel calls this for every firm (`TrialKernel.apply`), `subsidysim award`
    /// and the rule cases through `firmAwards(_:policy:)`.
    ///
    /// Acceptance gates （一）–（三）; the hardware rule gives （一）'s eligible investment (or
    /// rejects the project); （四） needs no acceptance; （五） goes to the firm holding a case
    /// (`chainCase` = its merit, 0 for none), which must be accepted (the holder read as
    /// `top_firm` is the top-scoring accepted firm; a firm not accepted holds none); then the per-project ceiling, excess off in reverse
    /// clause order. `benchmark` says the firm is picked (`selected(rank:count:)`).
    @inlinable @inline(__always)
    public static func firmAwards(completed: Bool, passes: Bool, batch: Int, software: Double, hardware: Double,
                                  cloud: Bool, smartFactory: Bool, benchmark: Bool, chainCase merit: Double,
                                  terms t: AwardTerms) -> FirmAwardResult {
        var a = FirmLevelAwards()
        let ok = accepted(completed: completed, passes: passes)
        var eligible = 0.0
        var atTheCap = false
        if ok, batch >= 0, batch < t.rates.count,
           let e = eligibleInvestment(software: software, hardware: hardware, limit: t.hardwareLimit, rule: t.hardwareRule) {
            a.transformation = transformation(eligible: e, rate: t.rates[batch], cap: t.caps[batch])
            eligible = e
            atTheCap = atCap(eligible: e, rate: t.rates[batch], cap: t.caps[batch])
        }
        if ok {
            if benchmark { a.benchmark = t.benchmarkAmount }
            if smartFactory { a.smartFactory = t.smartFactoryAmount }
        }
        if cloud { a.cloud = t.cloudAmount }
        if ok, merit > 0 { a.chainCase = chainCase(merit: merit, amount: t.chainCaseAmount) }
        var paid = a
        let cut = applyCeiling(&paid, ceiling: t.ceiling, counts: t.ceilingLines)
        // At the cap after the ceiling too (the ceiling may have cut the （一） award below it).
        if atTheCap { atTheCap = paid.transformation >= t.caps[batch] - 1e-12 }
        return FirmAwardResult(demand: a, paid: paid, cut: cut, accepted: ok, eligible: eligible, atCap: atTheCap)
    }

    /// `firmAwards` for one firm's facts under a policy (`subsidysim award`, the rule cases).
    @inlinable
    public static func firmAwards(_ f: FirmFacts, policy: Policy) -> (demand: FirmLevelAwards, paid: FirmLevelAwards, cut: Double) {
        let r = firmAwards(f, terms: AwardTerms(policy))
        return (r.demand, r.paid, r.cut)
    }

    /// `firmAwards` for one firm's facts, with everything it computes.
    @inlinable
    public static func firmAwards(_ f: FirmFacts, terms: AwardTerms) -> FirmAwardResult {
        firmAwards(completed: f.completed, passes: f.passes, batch: f.batch, software: f.software, hardware: f.hardware,
                   cloud: f.cloud, smartFactory: f.smartFactory, benchmark: f.benchmark, chainCase: f.chainCase, terms: terms)
    }
}

