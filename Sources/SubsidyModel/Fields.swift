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
        case "true": return "是"
        case "false": return "否"
        default: return w
        }
    }

    /// Whether solve searches whole numbers and sensitivity rounds (counts); from the schema.
    public var isWhole: Bool
    /// The clause of the draft the key comes from ("（一）", "末段", "资金概算表"); nil for model keys.
    public var clause: String?

    public init(name: String, kind: Kind, unit: String, isWhole: Bool = false, clause: String? = nil) {
        self.name = name
        self.kind = kind
        self.unit = unit
        self.isWhole = isWhole || kind == .count
        self.clause = clause
    }

    /// The field at `path` (its entry in `Schema.fields`), named with the batch, source, line and
    /// segment names of `scenario` when given. A path the schema does not have gets its key path
    /// as the name (so nothing is ever unnamed).
    public static func of(_ path: ScenarioPath, in scenario: Scenario? = nil) -> FieldInfo {
        of(path, in: scenario, named: nil)
    }

    /// `of(_:in:)`, with the batch, source or segment slot filled by `named` when given (the name a
    /// thing had before a change renamed it).
    static func of(_ path: ScenarioPath, in scenario: Scenario?, named: String?) -> FieldInfo {
        guard let field = Schema.field(path) else { return FieldInfo(name: path.description, kind: .number, unit: "") }
        var idx: [Int] = []
        var lastKey = ""
        for s in path.steps {
            switch s {
            case let .key(k): lastKey = k
            case let .index(i): idx.append(i)
            }
        }
        let i0 = idx.first ?? 0
        var name = field.name
        func fill(_ slot: String, _ value: @autoclosure () -> String) {
            if name.contains(slot) { name = name.replacingOccurrences(of: slot, with: value()) }
        }
        // Most names have no slot: one byte scan instead of five Foundation searches.
        if name.utf8.contains(UInt8(ascii: "{")) {
            fill("{batch}", named ?? scenario.flatMap { i0 < $0.policy.batches.count ? $0.policy.batches[i0].name : nil } ?? Self.batchName(i0))
            fill("{source}", named ?? scenario.flatMap { i0 < $0.funding.count ? $0.funding[i0].name : nil } ?? "资金来源\(i0 + 1)")
            fill("{line}", scenario.flatMap { i0 < $0.lines.count ? $0.lines[i0].clause + $0.lines[i0].id.chineseName : nil } ?? "预算行\(i0 + 1)")
            fill("{segment}", named ?? scenario.flatMap { i0 < $0.population.segments.count ? $0.population.segments[i0].name : nil } ?? "行业\(i0 + 1)")
            fill("{key}", scenario?.funding.first { $0.id == lastKey }?.name ?? lastKey)
        }
        return FieldInfo(name: name, kind: field.kind, unit: field.unit, isWhole: field.isWhole, clause: field.clause)
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

    /// "第一批补助比例改为55%": one change, as a person says it. `scenario` (the one evaluated)
    /// names the batch, source, line or segment. A change of a batch's, source's or segment's own
    /// name (what names it elsewhere) is named by what it was called before, `was` (its value in the file), so that renaming
    /// 制造业 reads "制造业名称改为装备制造业", not the new name twice; without `was`, by its
    /// place ("行业1名称改为装备制造业").
    public static func describeChange(_ path: ScenarioPath, _ value: YNode, in scenario: Scenario? = nil, was: YNode? = nil) -> String {
        var renames = false
        if case .key("name") = path.steps.last, let slots = Schema.field(path)?.name {
            renames = ["{batch}", "{source}", "{segment}"].contains { slots.contains($0) }
            // A line keeps its clause: "（四）深度上云用云企业名称改为上云" (its name in the file, else its kind's).
            if slots.contains("{line}"), path.steps.count == 3, case let .index(i) = path.steps[1], let sc = scenario, i < sc.lines.count {
                let l = sc.lines[i]
                return l.clause + (was?.scalar ?? l.id.chineseName) + "名称改为" + FieldInfo.of(path).format(value)
            }
        }
        let f = renames ? of(path, in: nil, named: was?.scalar) : of(path, in: scenario)
        // "改为" only for a change: a value restated as it was (or as its default, when the file
        // leaves the key out) is said as it is, so no label claims a change that was not made.
        if isRestatement(path, value, was: was) {
            return f.name + "为" + f.format(value) + (was == nil ? "（即默认值，未改变）" : "（与原值相同，未改变）")
        }
        return f.name + "改为" + f.format(value)
    }

    /// True when `value` at `path` is what was already in effect: the file's value `was` (the
    /// same text, or the same number: 0.6 and 0.60), or, when the file has none, the key's
    /// default in the schema.
    public static func isRestatement(_ path: ScenarioPath, _ value: YNode, was: YNode?) -> Bool {
        if let was { return value.canonicalText == was.canonicalText || LoadedScenario.sameNumber(value, was) }
        guard let text = value.scalar?.trimmedWhitespace, let d = Schema.field(path)?.default else { return false }
        switch d {
        case let .number(x): return Double(text) == x
        case let .whole(n): return Double(text) == Double(n)
        case let .word(w): return text == w
        case .distribution, .omittable, .alternative: return false
        }
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
        // Only the changes in effect: a later one at the same key, or at a key holding it (the
        // command line's `--set` after the variant's own `set`), replaces an earlier one.
        let keys = changes.map(\.path.description)
        let effective = changes.indices.filter { i in
            !keys[(i + 1)...].contains { ScenarioPath.key(keys[i], liesWithin: $0) }
        }.map { changes[$0] }
        // A change that restates the value in effect changed nothing and is not named.
        for c in effective where !omitting.contains(c.path.description) && !Self.isBatchTerm(c.path)
            && !FieldInfo.isRestatement(c.path, c.value, was: c.was) {
            let d = FieldInfo.describeChange(c.path, c.value, in: scenario, was: c.was)
            if !parts.contains(d) { parts.append(d) }
        }
        return parts.isEmpty ? name : name + "（" + parts.joined(separator: "；") + "）"
    }

    /// A change the batch terms state: a batch's rate or cap, a batch, or the whole list (its
    /// names, rates and caps are all in the terms).
    static func isBatchTerm(_ p: ScenarioPath) -> Bool {
        guard p.steps.count >= 2, case .key("policy") = p.steps[0], case .key("batches") = p.steps[1] else { return false }
        if p.steps.count == 2 { return true }
        guard case .index = p.steps[2] else { return false }
        if p.steps.count == 3 { return true }
        guard p.steps.count == 4, case let .key(k) = p.steps[3] else { return false }
        return k == "rate" || k == "cap"
    }
}
