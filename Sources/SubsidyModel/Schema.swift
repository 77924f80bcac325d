// The scenario schema, written once: every key a scenario file may hold, with its type, unit,
// allowed range, default, Chinese name and the clause of the draft it comes from. The decoder
// reads each value through its entry here, `FieldInfo` names it for people, `--set`, sweep and
// solve axes take their names, units and whole-number rule from it, and the trial-level inputs
// that sensitivity analysis varies are declared on their fields.
import Foundation

/// The allowed range of a quantity, for checking numbers and distributions.
public enum Support: Sendable, Hashable {
    /// A probability, share or rate: [0, 1].
    case probability
    /// Money, sizes, factors: [0, 10⁹].
    case nonNegative
    /// A count: whole numbers ≥ 0.
    case count
    /// Anything finite in [-10⁹, 10⁹] (scores).
    case any
}

/// One key of the scenario schema.
public struct SchemaField: Sendable {
    /// What the key holds.
    public enum Value: Sendable {
        /// A plain number in `support`; `isRate` picks the message that explains fractions.
        case number(Support, isRate: Bool = false)
        /// A whole number in `range`.
        case whole(ClosedRange<Int>)
        /// A number, or `{dist: NAME, ...}`, whose values must lie in `support`. `maxCount`
        /// bounds a count's distribution (memory: firms are simulated one by one).
        case distribution(Support, maxCount: Int? = nil)
        /// One word of a fixed list (an enum's raw values).
        case word([String])
        /// Free text (at most `Limits.maxTextLength` characters).
        case text
        /// An ASCII id (`[A-Za-z0-9_-]+`), used in paths and file names.
        case identifier
        /// A 万元 amount, or `{amount, basis}` (a per-firm fee and the firms it is paid for).
        case fee
        /// A seed: a whole number 0…2⁶⁴−1.
        case seed
        /// `true` or `false`.
        case flag
        /// A mapping whose keys are the entries under this path.
        case mapping
        /// A list whose items are described by the entries under `path[]`.
        case list
        /// A mapping whose keys are not fixed (a line's budget per funding source, a variant's
        /// `set:`); the entry `path.*` describes its values.
        case openMapping
    }

    /// A default for a key that may be left out.
    public enum Default: Sendable {
        case number(Double)
        case whole(Int)
        case word(String)
        case distribution(Distribution)
        /// May be left out: the value is then derived (a name from its id) or there is none.
        case omittable
        /// Give either this key or the other one (`per_batch` or `total`).
        case alternative(to: String)
    }

    /// The key's path pattern: `policy.batches[].rate` (`[]` any item, `*` any key).
    public let path: String
    public let value: Value
    /// How a person reads the value (万元, a percentage, a count, …).
    public let kind: FieldInfo.Kind
    /// The unit shown after a value ("万元", "家", "个"; empty for fractions and plain numbers).
    public let unit: String
    /// Chinese name; `{batch}`, `{segment}`, `{source}`, `{line}` and `{key}` are filled in
    /// with the names of the item or key the path points at.
    public let name: String
    /// Nil: the key is required (when its parent is written).
    public let `default`: Default?
    /// The clause of the draft the key comes from, as the draft numbers it ("（一）", "末段" for its closing
    /// paragraph, "资金概算表" for its budget table); nil for keys of the model, not the draft.
    public let clause: String?
    /// The trial-level input this key is (Scenarios/MODEL.md §5), as an id template: `firms_b{n}`
    /// (`{n}` = item number from 1).
    public let trialInput: String?
    /// What the key reference says of the allowed values when the type alone does not say it all
    /// (a rule that spans the type, checked by the decoder with its own message).
    public let note: String?

    init(_ path: String, _ value: Value, _ kind: FieldInfo.Kind = .text, _ unit: String = "", _ name: String,
         default def: Default? = nil, clause: String? = nil, trialInput: String? = nil, note: String? = nil) {
        self.path = path
        self.value = value
        self.kind = kind
        self.unit = unit
        self.name = name
        self.default = def
        self.clause = clause
        self.trialInput = trialInput
        self.note = note
    }

    /// True for counts: solve searches whole numbers, sensitivity rounds its low/high values.
    public var isWhole: Bool {
        switch value {
        case .whole: return true
        case let .distribution(s, _), let .number(s, _): return s == .count
        default: return kind == .count
        }
    }

    /// True when the key holds a number (or a distribution, which a number fixes).
    public var isNumeric: Bool {
        switch value {
        case .number, .whole, .distribution, .fee, .seed: return true
        default: return false
        }
    }
}

/// The table of every key of a scenario file, in the order the keys are listed in messages.
public enum Schema {
    public static let fields: [SchemaField] = [
        SchemaField("base", .text, .text, "", "所依据的情景文件", default: .omittable),
        SchemaField("id", .identifier, .text, "", "情景标识"),
        SchemaField("title", .text, .text, "", "标题", default: .omittable),
        SchemaField("source", .text, .text, "", "依据", default: .omittable),
        SchemaField("funding", .list, .text, "", "资金来源", clause: "资金概算表"),
        SchemaField("funding[].id", .identifier, .text, "", "{source}标识"),
        SchemaField("funding[].name", .text, .text, "", "{source}名称", default: .omittable),
        SchemaField("funding[].amount", .number(.nonNegative), .money, "万元", "{source}金额", clause: "资金概算表"),
        SchemaField("funding[].only_lines", .list, .text, "", "{source}可用于的预算行", default: .omittable),
        SchemaField("funding[].allow_unallocated", .flag, .text, "", "{source}允许留有未分配资金", default: .word("false"),
                    note: "`true` 或 `false`：为 true 时，各预算行中该来源的金额之和可以小于其金额（差额作为未分配资金，不兑付，计入结余，并给出提示）；不能大于"),
        SchemaField("funding[].only_lines[]", .word(LineID.allCases.map(\.rawValue)), .text, "", "{source}可用于的预算行"),
        SchemaField("lines", .list, .text, "", "预算行", clause: "资金概算表"),
        SchemaField("lines[].id", .word(LineID.allCases.map(\.rawValue)), .text, "", "{line}标识"),
        SchemaField("lines[].name", .text, .text, "", "{line}名称", default: .omittable),
        SchemaField("lines[].clause", .text, .text, "", "{line}所属条款", default: .omittable),
        SchemaField("lines[].budget", .openMapping, .text, "", "{line}预算", note: "映射：资金来源标识 → 金额（下一行）；各来源的预算行之和应等于其金额"),
        SchemaField("lines[].budget.*", .number(.nonNegative), .money, "万元", "{line}预算（{key}）", default: .number(0), clause: "资金概算表"),

        SchemaField("policy", .mapping, .text, "", "奖补政策"),
        SchemaField("policy.batches", .list, .text, "", "批次", clause: "（一）"),
        SchemaField("policy.batches[].name", .text, .text, "", "{batch}名称", default: .omittable),
        SchemaField("policy.batches[].rate", .number(.probability, isRate: true), .fraction, "", "{batch}补助比例", clause: "（一）"),
        SchemaField("policy.batches[].cap", .number(.nonNegative), .money, "万元", "{batch}补助上限", clause: "（一）"),
        SchemaField("policy.hardware", .mapping, .text, "", "硬件投入"),
        SchemaField("policy.hardware.limit", .number(.probability), .fraction, "", "硬件占比上限", clause: "末段",
                    note: "数，0 到 1，不含 1"),
        SchemaField("policy.hardware.rule", .word(HardwareRule.allCases.map(\.rawValue)), .text, "", "硬件超限的处理",
                    default: .word(HardwareRule.trimTotal.rawValue)),
        SchemaField("policy.benchmark", .mapping, .text, "", "标杆企业奖励"),
        SchemaField("policy.benchmark.count", .whole(0...100_000), .count, "家", "标杆企业数", clause: "（二）"),
        SchemaField("policy.benchmark.amount", .number(.nonNegative), .money, "万元", "标杆企业奖励", clause: "（二）"),
        SchemaField("policy.smart_factory", .mapping, .text, "", "智能工厂奖励"),
        SchemaField("policy.smart_factory.amount", .number(.nonNegative), .money, "万元", "先进级智能工厂奖励", clause: "（三）"),
        SchemaField("policy.cloud", .mapping, .text, "", "上云用云奖励"),
        SchemaField("policy.cloud.amount", .number(.nonNegative), .money, "万元", "上云用云奖励", clause: "（四）"),
        SchemaField("policy.chain_case", .mapping, .text, "", "链式转型案例奖励"),
        SchemaField("policy.chain_case.count", .whole(0...1000), .count, "个", "链式转型案例数", clause: "（五）"),
        SchemaField("policy.chain_case.amount", .number(.nonNegative), .money, "万元", "链式转型案例奖励上限", clause: "（五）"),
        SchemaField("policy.service_provider", .mapping, .text, "", "优质服务商奖励"),
        SchemaField("policy.service_provider.count", .whole(0...1000), .count, "家", "优质服务商数", clause: "（六）"),
        SchemaField("policy.service_provider.amount", .number(.nonNegative), .money, "万元", "优质服务商奖励", clause: "（六）"),
        SchemaField("policy.services", .mapping, .text, "", "服务费用"),
        SchemaField("policy.services.process_management", .fee, .money, "万元", "过程管理服务费（每家）", clause: "（七）"),
        SchemaField("policy.services.process_management.amount", .number(.nonNegative), .money, "万元", "过程管理服务费（每家）", clause: "（七）"),
        SchemaField("policy.services.process_management.basis", .word(FeeBasis.allCases.map(\.rawValue)), .text, "", "过程管理服务费的计费企业",
                    default: .word(FeeBasis.accepted.rawValue)),
        SchemaField("policy.services.acceptance", .fee, .money, "万元", "验收服务费（每家）", clause: "（八）"),
        SchemaField("policy.services.acceptance.amount", .number(.nonNegative), .money, "万元", "验收服务费（每家）", clause: "（八）"),
        SchemaField("policy.services.acceptance.basis", .word(FeeBasis.allCases.map(\.rawValue)), .text, "", "验收服务费的计费企业",
                    default: .word(FeeBasis.completed.rawValue)),
        SchemaField("policy.services.audit", .fee, .money, "万元", "审计费（每家）", clause: "（八）"),
        SchemaField("policy.services.audit.amount", .number(.nonNegative), .money, "万元", "审计费（每家）", clause: "（八）"),
        SchemaField("policy.services.audit.basis", .word(FeeBasis.allCases.map(\.rawValue)), .text, "", "审计费的计费企业",
                    default: .word(FeeBasis.completed.rawValue)),
        SchemaField("policy.services.research", .number(.nonNegative), .money, "万元", "转型路径研究费用", default: .number(0), clause: "资金概算表"),
        SchemaField("policy.ceiling", .mapping, .text, "", "单个项目奖补上限"),
        SchemaField("policy.ceiling.amount", .number(.nonNegative), .money, "万元", "单个项目奖补上限", clause: "末段"),
        SchemaField("policy.ceiling.lines", .list, .text, "", "计入单个项目上限的条款", default: .omittable),
        SchemaField("policy.ceiling.lines[]", .word(LineID.firmLevel.map(\.rawValue)), .text, "", "计入单个项目上限的条款"),
        SchemaField("policy.overrun", .word(OverrunRule.allCases.map(\.rawValue)), .text, "", "资金不足时的兑付规则",
                    default: .word(OverrunRule.prorate.rawValue)),
        SchemaField("policy.lottery_stop", .word(LotteryStop.allCases.map(\.rawValue)), .text, "", "随机兑付的停止规则",
                    default: .word(LotteryStop.firstMisfit.rawValue)),

        SchemaField("population", .mapping, .text, "", "试点企业与不确定因素"),
        SchemaField("population.firms", .mapping, .text, "", "试点企业数"),
        SchemaField("population.firms.per_batch", .list, .text, "", "各批试点企业数", default: .alternative(to: "population.firms.total")),
        SchemaField("population.firms.per_batch[]", .distribution(.count, maxCount: Population.maxFirmsPerBatch), .count, "家",
                    "{batch}试点企业数", trialInput: "firms_b{n}"),
        SchemaField("population.firms.total", .distribution(.count, maxCount: Population.maxFirmsPerBatch), .count, "家", "试点企业总数",
                    default: .alternative(to: "population.firms.per_batch"), trialInput: "firms_total"),
        SchemaField("population.firms.batch1_share", .distribution(.probability), .fraction, "", "第一批企业占比",
                    default: .distribution(.fixed(1)), trialInput: "batch1_share"),
        SchemaField("population.batches", .list, .text, "", "各批完成与达标情况"),
        SchemaField("population.batches[].completion", .distribution(.probability), .fraction, "", "{batch}按期完成率",
                    trialInput: "completion_b{n}"),
        SchemaField("population.batches[].pass", .distribution(.probability), .fraction, "", "{batch}二级达标率", trialInput: "pass_b{n}"),
        SchemaField("population.segments", .list, .text, "", "行业分组"),
        SchemaField("population.segments[].id", .identifier, .text, "", "{segment}标识"),
        SchemaField("population.segments[].name", .text, .text, "", "{segment}名称", default: .omittable),
        SchemaField("population.segments[].share", .number(.probability), .fraction, "", "{segment}企业占比"),
        SchemaField("population.segments[].investment_factor", .number(.nonNegative), .number, "", "{segment}投资系数", default: .number(1)),
        SchemaField("population.segments[].smart_factory", .number(.probability), .fraction, "", "{segment}新评先进级概率", default: .number(0)),
        SchemaField("population.segments[].basis", .text, .text, "", "{segment}取值的依据", default: .omittable,
                    note: "文字：份额与系数的来源或理由（进入报告的主要假设表）；每个 `{dist: …}` 也可写 basis"),
        SchemaField("population.segments[].confidence", .word(Confidence.allCases.map(\.rawValue)), .text, "", "{segment}取值的置信度",
                    default: .omittable, note: "高、中 或 低（也可写 high、medium、low）；每个 `{dist: …}` 也可写 confidence"),
        SchemaField("population.investment", .distribution(.nonNegative), .money, "万元", "项目总投入"),
        SchemaField("population.hardware_share", .distribution(.probability), .fraction, "", "硬件占比"),
        SchemaField("population.score", .distribution(.any), .number, "", "标杆评分",
                    default: .distribution(Distribution(.uniform(min: 0, max: 1)))),
        SchemaField("population.price_factor", .distribution(.nonNegative), .number, "", "投资价格水平",
                    default: .distribution(.fixed(1)), trialInput: "price_factor"),
        SchemaField("population.cloud_uptake", .distribution(.probability), .fraction, "", "上云比例", trialInput: "cloud_uptake"),
        SchemaField("population.chain_cases", .distribution(.count, maxCount: 1000), .count, "个", "合格链式案例数",
                    default: .distribution(.fixed(1)), trialInput: "chain_cases"),
        SchemaField("population.chain_case_award", .distribution(.nonNegative), .money, "万元", "链式案例应得奖励",
                    default: .distribution(.fixed(30))),
        SchemaField("population.chain_case_holder", .word(ChainCaseHolder.allCases.map(\.rawValue)), .text, "", "链式案例的承担企业",
                    default: .word(ChainCaseHolder.outside.rawValue)),
        SchemaField("population.chain_case_unheld", .word(ChainCaseUnheld.allCases.map(\.rawValue)), .text, "", "无验收企业时的链式案例",
                    default: .word(ChainCaseUnheld.unfunded.rawValue)),
        SchemaField("population.service_providers", .distribution(.count, maxCount: 1000), .count, "家", "合格服务商数",
                    default: .distribution(.fixed(3)), trialInput: "service_providers"),
        SchemaField("population.correlations", .list, .text, "", "输入间的相关性", default: .omittable),
        SchemaField("population.correlations[].a", .text, .text, "", "相关的第一个输入", note: "试验级输入的标识（如 `price_factor`）"),
        SchemaField("population.correlations[].b", .text, .text, "", "相关的第二个输入", note: "试验级输入的标识，不同于 a"),
        SchemaField("population.correlations[].rho", .number(.any), .number, "", "秩相关系数", note: "数，−1 到 1（同一对输入只写一次）"),

        SchemaField("simulation", .mapping, .text, "", "模拟设置", default: .omittable),
        SchemaField("simulation.trials", .whole(1...100_000_000), .count, "次", "试验次数", default: .whole(100_000)),
        SchemaField("simulation.seed", .seed, .number, "", "随机种子", default: .whole(20_251_201)),
        SchemaField("simulation.sampling", .word(SamplingMethod.allCases.map(\.rawValue)), .text, "", "抽样方法",
                    default: .word(SamplingMethod.random.rawValue)),

        SchemaField("variants", .list, .text, "", "方案", default: .omittable),
        SchemaField("variants[].id", .identifier, .text, "", "方案标识"),
        SchemaField("variants[].label", .text, .text, "", "方案名称", default: .omittable),
        SchemaField("variants[].set", .openMapping, .text, "", "方案修改的取值", default: .omittable,
                    note: "映射：键路径 → 值，如 `policy.batches[0].rate: 0.50`；只写与本文件 policy 不同之处"),
    ]

    static let byPath: [String: SchemaField] = Dictionary(uniqueKeysWithValues: fields.map { ($0.path, $0) })

    /// The field at a pattern (`policy.batches[].rate`), or at a concrete path
    /// (`policy.batches[0].rate`, `lines[2].budget.county`); nil for a key the schema does not have.
    public static func field(_ path: String) -> SchemaField? {
        let p = pattern(path)
        if let f = byPath[p] { return f }
        if let dot = p.lastIndex(of: "."), let f = byPath[p[..<dot] + ".*"] { return f }
        return nil
    }

    public static func field(_ path: ScenarioPath) -> SchemaField? { field(path.description) }

    /// `policy.batches[0].rate` → `policy.batches[].rate`.
    static func pattern(_ path: String) -> String {
        guard path.utf8.contains(UInt8(ascii: "[")) else { return path }
        // Bytes, not Characters: `[` and `]` are ASCII and never part of a multi-byte sequence.
        var out: [UInt8] = []
        out.reserveCapacity(path.utf8.count)
        var inIndex = false
        for c in path.utf8 {
            if c == UInt8(ascii: "[") { inIndex = true; out.append(c) } else if c == UInt8(ascii: "]") { inIndex = false; out.append(c) } else if !inIndex { out.append(c) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The keys a mapping at `pattern` may hold, in table order ("" for the top level).
    public static func keys(under pattern: String) -> [String] { keysByParent[pattern] ?? [] }

    /// Each mapping's keys, by the pattern of the mapping: a field belongs to the pattern before its
    /// last `.` when what follows holds no `[` and is not `*` (built once; the decoder asks at every
    /// mapping of every scenario it reads, and a sweep reads one per point).
    static let keysByParent: [String: [String]] = {
        var out: [String: [String]] = [:]
        for f in fields {
            let dot = f.path.lastIndex(of: ".")
            let parent = dot.map { String(f.path[..<$0]) } ?? ""
            let rest = dot.map { f.path[f.path.index(after: $0)...] } ?? f.path[...]
            if !rest.utf8.contains(UInt8(ascii: "[")), rest != "*" { out[parent, default: []].append(String(rest)) }
        }
        return out
    }()

    /// The trial-level inputs' fields, in the order their columns appear.
    public static var trialInputFields: [SchemaField] { fields.filter { $0.trialInput != nil } }
}
