import Foundation

/// What a settable key of the scenario means to a person: its Chinese name, its unit, and the
/// precision a policy text states it at. Used wherever a key path would otherwise reach a reader
/// (variant labels, sweep and solve axes, what a what-if changed).
public struct FieldInfo: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// 万元.
        case money
        /// A fraction in files, a percentage for people.
        case fraction
        /// A whole number of firms, cases or providers.
        case count
        /// A plain number (a factor, a seed).
        case number
        /// Text or a word from a fixed list.
        case text
    }

    /// Chinese name, e.g. "第一批补助上限".
    public var name: String
    public var kind: Kind
    /// The unit shown after a value ("万元", "家", "个"; empty for fractions and plain numbers).
    public var unit: String

    /// The step a policy text states this kind of value at: caps and awards to 0.1万元, rates to
    /// 0.1 percentage point, counts whole. Nil for plain numbers and text.
    public var resolution: Double? {
        switch kind {
        case .money: return 0.1
        case .fraction: return 0.001
        case .count: return 1
        case .number, .text: return nil
        }
    }

    /// `value` as a person reads it: 0.55 → "55%", 30 → "30万元", 60 → "60家"; a distribution
    /// (a mapping) → its YAML flow text.
    public func format(_ value: YNode) -> String {
        guard case let .scalar(text, _) = value.value else { return value.flowText }
        guard let x = Double(text), x.isFinite else { return FieldInfo.wordName(text) }
        switch kind {
        case .fraction: return formatNumber((x * 100 * 1e9).rounded() / 1e9) + "%"
        case .money, .count: return formatNumber(x) + unit
        case .number, .text: return formatNumber(x)
        }
    }

    /// A number of this field as a person reads it, at the field's precision when it has one:
    /// 0.553 → "55.3%", 39.2 → "39.2万元", 61 → "61家".
    public func format(number x: Double) -> String {
        guard x.isFinite else { return formatNumber(x) }
        let r = resolution.map { ($0 * (kind == .fraction ? 100 : 1)) }
        func tidy(_ v: Double) -> String {
            guard let r, r > 0 else { return formatNumber(v) }
            let digits = Swift.max(0, Int((-log10(r)).rounded(.up)))
            return formatNumber(Double(String(format: "%.\(digits)f", v)) ?? v)
        }
        switch kind {
        case .fraction: return tidy(x * 100) + "%"
        case .money, .count: return tidy(x) + unit
        case .number, .text: return tidy(x)
        }
    }

    /// Chinese names of the words a scenario may set (rules, bases, holders).
    public static func wordName(_ w: String) -> String {
        switch w {
        case "trim_total": return "按项目总价核减超出的硬件"
        case "trim_eligible": return "按可补助投入核减超出的硬件"
        case "reject": return "硬件超限的项目不予补助"
        case "prorate": return "按比例兑付"
        case "batch_order": return "先兑付第一批"
        case "lottery": return "随机顺序整额兑付"
        case "reallocate": return "县级结余调剂"
        case "pilot": return "按试点企业数"
        case "completed": return "按完成改造企业数"
        case "accepted": return "按验收通过企业数"
        case "outside": return "试点以外的企业"
        case "top_firm": return "评分最高的验收企业"
        case "first_misfit": return "遇到第一笔放不下的奖补即停止"
        case "until_empty": return "跳过放不下的奖补、直到资金用完"
        case "unfunded": return "不予资助"
        case "random": return "随机抽样"
        case "lhs": return "拉丁超立方抽样"
        default: return w
        }
    }

    /// The field at `path`, named with the batch, source and line names of `scenario` when given.
    /// Unknown paths get their key path as the name (so nothing is ever unnamed).
    public static func of(_ path: KeyPath, in scenario: Scenario? = nil) -> FieldInfo {
        var keys: [String] = []
        var idx: [Int] = []
        for s in path.steps {
            switch s {
            case let .key(k): keys.append(k)
            case let .index(i): keys.append("[]"); idx.append(i)
            }
        }
        let pattern = keys.joined(separator: ".").replacingOccurrences(of: ".[]", with: "[]")
        let i0 = idx.first ?? 0
        func batch(_ i: Int) -> String {
            if let b = scenario?.policy.batches, i < b.count { return b[i].name }
            return Self.batchName(i)
        }
        func source(_ i: Int) -> String {
            if let f = scenario?.funding, i < f.count { return f[i].name }
            return "资金来源\(i + 1)"
        }
        func line(_ i: Int) -> String {
            if let l = scenario?.lines, i < l.count { return l[i].clause + l[i].id.chineseName }
            return "预算行\(i + 1)"
        }
        func segment(_ i: Int) -> String {
            if let s = scenario?.population.segments, i < s.count { return s[i].name }
            return "行业\(i + 1)"
        }
        let f: (String, Kind, String)
        switch pattern {
        case "policy.batches[].rate": f = (batch(i0) + "补助比例", .fraction, "")
        case "policy.batches[].cap": f = (batch(i0) + "补助上限", .money, "万元")
        case "policy.batches[].name": f = (batch(i0) + "名称", .text, "")
        case "policy.hardware.limit": f = ("硬件占比上限", .fraction, "")
        case "policy.hardware.rule": f = ("硬件超限的处理", .text, "")
        case "policy.benchmark.count": f = ("标杆企业数", .count, "家")
        case "policy.benchmark.amount": f = ("标杆企业奖励", .money, "万元")
        case "policy.smart_factory.amount": f = ("先进级智能工厂奖励", .money, "万元")
        case "policy.cloud.amount": f = ("上云用云奖励", .money, "万元")
        case "policy.chain_case.count": f = ("链式转型案例数", .count, "个")
        case "policy.chain_case.amount": f = ("链式转型案例奖励上限", .money, "万元")
        case "policy.service_provider.count": f = ("优质服务商数", .count, "家")
        case "policy.service_provider.amount": f = ("优质服务商奖励", .money, "万元")
        case "policy.services.process_management", "policy.services.process_management.amount": f = ("过程管理服务费（每家）", .money, "万元")
        case "policy.services.acceptance", "policy.services.acceptance.amount": f = ("验收服务费（每家）", .money, "万元")
        case "policy.services.audit", "policy.services.audit.amount": f = ("审计费（每家）", .money, "万元")
        case "policy.services.process_management.basis": f = ("过程管理服务费的计费企业", .text, "")
        case "policy.services.acceptance.basis": f = ("验收服务费的计费企业", .text, "")
        case "policy.services.audit.basis": f = ("审计费的计费企业", .text, "")
        case "policy.services.research": f = ("转型路径研究费用", .money, "万元")
        case "policy.ceiling.amount": f = ("单个项目奖补上限", .money, "万元")
        case "policy.ceiling.lines": f = ("计入单个项目上限的条款", .text, "")
        case "policy.overrun": f = ("资金不足时的兑付规则", .text, "")
        case "policy.lottery_stop": f = ("随机兑付的停止规则", .text, "")
        case "funding[].amount": f = (source(i0) + "金额", .money, "万元")
        case "lines[].budget":
            f = (line(i0) + "预算", .text, "")
        case let p where p.hasPrefix("lines[].budget."):
            let src = String(p.dropFirst("lines[].budget.".count))
            let srcName = scenario?.funding.first { $0.id == src }?.name ?? src
            f = (line(i0) + "预算（" + srcName + "）", .money, "万元")
        case "population.firms.per_batch[]": f = (batch(i0) + "试点企业数", .count, "家")
        case "population.firms.total": f = ("试点企业总数", .count, "家")
        case "population.firms.batch1_share": f = ("第一批企业占比", .fraction, "")
        case "population.batches[].completion": f = (batch(i0) + "按期完成率", .fraction, "")
        case "population.batches[].pass": f = (batch(i0) + "二级达标率", .fraction, "")
        case "population.segments[].share": f = (segment(i0) + "企业占比", .fraction, "")
        case "population.segments[].investment_factor": f = (segment(i0) + "投资系数", .number, "")
        case "population.segments[].smart_factory": f = (segment(i0) + "新评先进级概率", .fraction, "")
        case "population.investment": f = ("项目总投入", .money, "万元")
        case "population.hardware_share": f = ("硬件占比", .fraction, "")
        case "population.score": f = ("标杆评分", .number, "")
        case "population.price_factor": f = ("投资价格水平", .number, "")
        case "population.cloud_uptake": f = ("上云比例", .fraction, "")
        case "population.chain_cases": f = ("合格链式案例数", .count, "个")
        case "population.chain_case_award": f = ("链式案例应得奖励", .money, "万元")
        case "population.chain_case_holder": f = ("链式案例的承担企业", .text, "")
        case "population.chain_case_unheld": f = ("无验收企业时的链式案例", .text, "")
        case "population.service_providers": f = ("合格服务商数", .count, "家")
        case "population.correlations": f = ("输入间的相关性", .text, "")
        case "simulation.trials": f = ("试验次数", .count, "次")
        case "simulation.seed": f = ("随机种子", .number, "")
        case "simulation.sampling": f = ("抽样方法", .text, "")
        case "title": f = ("标题", .text, "")
        default: f = (path.description, .number, "")
        }
        return FieldInfo(name: f.0, kind: f.1, unit: f.2)
    }

    /// 第一批, 第二批, … (Chinese numerals up to 99).
    public static func batchName(_ i: Int) -> String { "第" + chineseNumeral(i + 1) + "批" }

    /// 1 → 一, 10 → 十, 12 → 十二, 20 → 二十; beyond 99 the Arabic digits.
    public static func chineseNumeral(_ n: Int) -> String {
        let d = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"]
        guard n > 0, n < 100 else { return String(n) }
        if n < 10 { return d[n] }
        let tens = n / 10, ones = n % 10
        return (tens == 1 ? "" : d[tens]) + "十" + (ones == 0 ? "" : d[ones])
    }

    /// "第一批补助比例改为55%": one change, as a person says it.
    public static func describeChange(_ path: KeyPath, _ value: YNode, in scenario: Scenario? = nil) -> String {
        let f = of(path, in: scenario)
        return f.name + "改为" + f.format(value)
    }
}

extension ResolvedVariant {
    /// The batch terms actually evaluated: "第一批60%/50万，第二批50%/40万". Keys in `omitting`
    /// (sweep or solve axes, which vary) are left out of the text.
    public static func batchTerms(_ policy: Policy, omitting: Set<String> = []) -> String {
        policy.batches.enumerated().map { i, b in
            var parts: [String] = []
            if !omitting.contains("policy.batches[\(i)].rate") { parts.append(formatNumber((b.rate * 100 * 1e9).rounded() / 1e9) + "%") }
            if !omitting.contains("policy.batches[\(i)].cap") { parts.append(formatNumber(b.cap) + "万") }
            return parts.isEmpty ? "" : b.name + parts.joined(separator: "/")
        }.filter { !$0.isEmpty }.joined(separator: "，")
    }

    /// The label of what was evaluated: the name as written, then the batch terms of the resolved
    /// policy, then every other change this variant and the command line made, in Chinese.
    /// `omitting` leaves out keys that a sweep or solve varies.
    public func label(omitting: Set<String>) -> String {
        var parts: [String] = []
        let terms = Self.batchTerms(scenario.policy, omitting: omitting)
        if !terms.isEmpty { parts.append(terms) }
        for c in changes where !omitting.contains(c.path.description) && !Self.isBatchTerm(c.path) {
            let d = FieldInfo.describeChange(c.path, c.value, in: scenario)
            if !parts.contains(d) { parts.append(d) }
        }
        return parts.isEmpty ? name : name + "（" + parts.joined(separator: "；") + "）"
    }

    static func isBatchTerm(_ p: KeyPath) -> Bool {
        guard p.steps.count == 4, case .key("policy") = p.steps[0], case .key("batches") = p.steps[1], case .index = p.steps[2],
              case let .key(k) = p.steps[3] else { return false }
        return k == "rate" || k == "cap"
    }
}
