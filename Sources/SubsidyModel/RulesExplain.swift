// `subsidysim award`: one firm's awards step by step, each step citing its clause; the amounts
// come from `Rules.firmAwards`, so the explanation and the engine cannot disagree.

/// One step of an explained award: what was computed, under which clause.
public struct RuleStep: Sendable, Hashable, Codable {
    public var clause: String
    public var zh: String
    public var en: String
    /// The amount this step arrives at (万元), if it yields one.
    public var amount: Double?
}

/// One firm's awards with the reasoning, for `subsidysim award`.
public struct ExplainedAward: Sendable {
    public var facts: FirmFacts
    public var eligible: Double?
    public var accepted: Bool
    /// Before the ceiling.
    public var demand: FirmLevelAwards
    /// After the ceiling.
    public var awards: FirmLevelAwards
    public var ceilingCut: Double
    public var steps: [RuleStep]
}

extension Rules {
    /// The same computation as `firmAwards`, with every step written out and its clause cited.
    public static func explain(_ f: FirmFacts, policy: Policy) -> ExplainedAward {
        var steps: [RuleStep] = []
        func n(_ x: Double) -> String { formatNumber((x * 10_000).rounded() / 10_000) }
        let result = firmAwards(f, policy: policy)
        let ok = accepted(completed: f.completed, passes: f.passes)
        steps.append(RuleStep(clause: "（一）",
            zh: ok ? "验收：按期完成且达到二级及以上，可获改造补助" : "验收：\(f.completed ? "已完成但未达到二级" : "未在2026年9月30日前完成")，不予改造补助",
            en: ok ? "acceptance: finished on time and at level 2 or above, eligible under (1)"
                   : "acceptance: \(f.completed ? "finished but below level 2" : "not finished by 2026-09-30"), nothing under (1)",
            amount: nil))
        var eligible: Double?
        if f.batch < 0 || f.batch >= policy.batches.count {
            steps.append(RuleStep(clause: "（一）", zh: "没有\(f.batch >= 0 ? FieldInfo.batchName(f.batch) : "第 \(f.batch + 1) 批")", en: "there is no batch \(f.batch + 1)", amount: 0))
        } else {
            let b = policy.batches[f.batch]
            let total = f.software + f.hardware
            eligible = eligibleInvestment(software: f.software, hardware: f.hardware, limit: policy.hardwareLimit, rule: policy.hardwareRule)
            let share = total > 0 ? f.hardware / total : 0
            switch (policy.hardwareRule, eligible) {
            case (_, nil):
                steps.append(RuleStep(clause: "末段（硬件≤30%）",
                    zh: "硬件 \(n(f.hardware)) 占项目总价 \(n(share * 100))%，超过 \(n(policy.hardwareLimit * 100))%，按 reject 规则不予补助",
                    en: "hardware \(n(f.hardware)) is \(n(share * 100))% of the project, above \(n(policy.hardwareLimit * 100))%; rejected under rule reject",
                    amount: 0))
            case (.trimTotal, let e?):
                steps.append(RuleStep(clause: "末段（硬件≤30%）",
                    zh: "可补助投入 = 软件及云 \(n(f.software)) + min(硬件 \(n(f.hardware)), \(n(policy.hardwareLimit)) × 总价 \(n(total))) = \(n(e))",
                    en: "eligible = software \(n(f.software)) + min(hardware \(n(f.hardware)), \(n(policy.hardwareLimit)) × total \(n(total))) = \(n(e))",
                    amount: e))
            case (.trimEligible, let e?):
                steps.append(RuleStep(clause: "末段（硬件≤30%）",
                    zh: "可补助投入 = 软件及云 \(n(f.software)) + min(硬件 \(n(f.hardware)), \(n(policy.hardwareLimit))/\(n(1 - policy.hardwareLimit)) × \(n(f.software))) = \(n(e))",
                    en: "eligible = software \(n(f.software)) + min(hardware \(n(f.hardware)), \(n(policy.hardwareLimit))/\(n(1 - policy.hardwareLimit)) × \(n(f.software))) = \(n(e))",
                    amount: e))
            case (.reject, let e?):
                steps.append(RuleStep(clause: "末段（硬件≤30%）",
                    zh: "硬件占比 \(n(share * 100))% 未超过 \(n(policy.hardwareLimit * 100))%，可补助投入 = \(n(e))",
                    en: "hardware share \(n(share * 100))% is within \(n(policy.hardwareLimit * 100))%; eligible = \(n(e))",
                    amount: e))
            }
            if let e = eligible, ok {
                let raw = b.rate * e
                steps.append(RuleStep(clause: "（一）",
                    zh: "\(b.name)：min(\(n(b.rate)) × \(n(e)) = \(n(raw)), 上限 \(n(b.cap))) = \(n(result.demand.transformation))",
                    en: "\(b.name): min(\(n(b.rate)) × \(n(e)) = \(n(raw)), cap \(n(b.cap))) = \(n(result.demand.transformation))",
                    amount: result.demand.transformation))
            }
        }
        if f.benchmark {
            steps.append(RuleStep(clause: "（二）", zh: ok ? "标杆企业奖励 \(n(result.demand.benchmark))" : "标杆企业须先通过验收，奖励 0",
                                  en: ok ? "benchmark award \(n(result.demand.benchmark))" : "a benchmark firm must be accepted first: 0",
                                  amount: result.demand.benchmark))
        }
        if f.smartFactory {
            steps.append(RuleStep(clause: "（三）", zh: ok ? "先进级智能工厂奖励 \(n(result.demand.smartFactory))" : "须先通过验收，奖励 0",
                                  en: ok ? "smart factory award \(n(result.demand.smartFactory))" : "must be accepted first: 0",
                                  amount: result.demand.smartFactory))
        }
        if f.cloud {
            steps.append(RuleStep(clause: "（四）", zh: "上云用云奖励 \(n(result.demand.cloud))", en: "cloud award \(n(result.demand.cloud))",
                                  amount: result.demand.cloud))
        }
        if f.chainCase > 0 {
            steps.append(RuleStep(clause: "（五）", zh: "链式转型案例：min(\(n(f.chainCase)), 最高 \(n(policy.chainCaseAmount))) = \(n(result.demand.chainCase))",
                                  en: "chain case: min(\(n(f.chainCase)), at most \(n(policy.chainCaseAmount))) = \(n(result.demand.chainCase))",
                                  amount: result.demand.chainCase))
        }
        let counted = policy.ceilingLines.map { result.demand[$0] }.reduce(0, +)
        if result.cut > 0 {
            steps.append(RuleStep(clause: "末段（单个项目≤\(n(policy.ceiling))万元）",
                zh: "计入上限的奖补合计 \(n(counted)) 超过 \(n(policy.ceiling))，按条款倒序（先（五）后（一））扣减 \(n(result.cut))，合计 \(n(result.paid.total))",
                en: "awards under the ceiling total \(n(counted)), above \(n(policy.ceiling)); \(n(result.cut)) cut in reverse clause order ((5) first, (1) last), total \(n(result.paid.total))",
                amount: result.paid.total))
        } else {
            steps.append(RuleStep(clause: "末段（单个项目≤\(n(policy.ceiling))万元）",
                zh: "计入上限的奖补合计 \(n(counted)) 未超过 \(n(policy.ceiling))，合计 \(n(result.paid.total))",
                en: "awards under the ceiling total \(n(counted)), within \(n(policy.ceiling)); total \(n(result.paid.total))",
                amount: result.paid.total))
        }
        return ExplainedAward(facts: f, eligible: eligible, accepted: ok, demand: result.demand, awards: result.paid,
                              ceilingCut: result.cut, steps: steps)
    }
}
