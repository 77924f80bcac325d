import Foundation

extension Schema {
    /// The key reference as a Markdown table, generated from `fields` (so it cannot drift from what
    /// the decoder accepts): key, Chinese name, what it holds and its allowed range, unit, default,
    /// and the clause of the draft. `Scenarios/KEYS.md` is this text (a test compares them);
    /// `subsidysim scenario keys` prints it.
    public static func reference() -> String {
        var out = """
            # 情景文件的键 / Scenario keys

            由程序的模式表（`Sources/SubsidyModel/Schema.swift`）生成，与程序接受的写法完全一致；
            请勿手改，运行 `subsidysim scenario keys > Scenarios/KEYS.md` 重新生成。
            Generated from the schema table the decoder reads; do not edit by hand.

            `[]` 表示列表的每一项（`policy.batches[0]` 为第一批），`*` 表示任一资金来源的标识。
            金额以万元计，比例写成小数（0.60 表示 60%）。“分布”可写一个数（固定值），
            或 `{dist: 名称, 参数…}`（见文末“分布”）。各资金来源、各批次、各行业分组的
            `name` 须互不相同（结果表和图表以名称区分它们）；标识 `id` 同样不能重复。

            | 键 key | 名称 | 取值 | 单位 | 默认 | 条款 |
            |---|---|---|---|---|---|

            """
        for f in fields {
            let name = f.name.replacingOccurrences(of: "{batch}", with: "某批")
                .replacingOccurrences(of: "{segment}", with: "某行业").replacingOccurrences(of: "{source}", with: "某资金来源")
                .replacingOccurrences(of: "{line}", with: "某预算行").replacingOccurrences(of: "{key}", with: "该资金来源")
            let cells = ["`\(f.path)`", name, valueText(f), f.unit, defaultText(f), f.clause ?? ""]
            out += "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |\n"
        }
        // The distribution families, from their own table (DistributionFamilies.swift).
        out += "\n## 分布 / Distributions\n\n写法：`{dist: 名称, 参数…}`；带 ? 的参数可省略；同一分布的几种写法任选其一。\n\n" +
            "每个分布还可写 `basis:`（依据：数据来源或理由，文字）与 `confidence:`（置信度：`高`、`中` 或 `低`），" +
            "例如 `{dist: lognormal, median: 45, p90: 120, basis: 杭州平均补助22万元, confidence: 低}`；固定值写成 " +
            "`{dist: fixed, value: 3, basis: …, confidence: 中}`。它们不改变任何计算结果，只进入报告的“主要假设”表；`subsidysim check` 列出没有写它们的输入。\n\n"
        out += DistributionFamily.reference(.zh).split(separator: "\n").map { "- `" + $0.prefix { $0 != " " } + "`" + $0.drop { $0 != " " } }.joined(separator: "\n") + "\n"
        return out
    }

    static func rangeText(_ s: Support, isRate: Bool = false) -> String {
        switch s {
        case .probability: return isRate ? "比例，0 到 1" : "0 到 1"
        case .nonNegative: return "0 到 10⁹"
        case .count: return "非负整数"
        case .any: return "−10⁹ 到 10⁹"
        }
    }

    static func valueText(_ f: SchemaField) -> String {
        if let note = f.note { return note }
        switch f.value {
        case let .number(s, isRate): return "数，" + rangeText(s, isRate: isRate)
        case let .whole(r): return "整数，\(r.lowerBound) 到 \(r.upperBound)"
        case let .distribution(s, maxCount):
            return "分布，取值 " + rangeText(s) + (maxCount.map { "，至多 \($0)" } ?? "")
        case let .word(ws): return "其一：" + ws.map { "`\($0)`" }.joined(separator: " ")
        case .text: return "文字"
        case .identifier: return "标识（ASCII 字母、数字、_、-）"
        case .fee: return "金额，或 `{amount, basis}`"
        case .seed: return "整数，0 到 2⁶⁴−1"
        case .flag: return "`true` 或 `false`"
        case .mapping: return "映射"
        case .list: return "列表"
        case .openMapping: return "映射"
        }
    }

    static func defaultText(_ f: SchemaField) -> String {
        if f.path.hasSuffix("[]") { return "" }   // a list item: the list says how many
        switch f.default {
        case nil: return "必填"
        case let .number(x)?: return exactNumber(x)
        case let .whole(n)?: return String(n)
        case let .word(w)?: return "`\(w)`"
        case let .distribution(d)?:
            if case let .fixed(v) = d.kind { return exactNumber(v) }
            if case let .uniform(a, b) = d.kind { return "uniform \(exactNumber(a))–\(exactNumber(b))" }
            return "分布"
        case .omittable?: return "可省略"
        case let .alternative(other)?: return "与 `\(other)` 二选一"
        }
    }
}
