import Foundation
import SubsidyEngine
import SubsidyModel

/// Files of `subsidysim rebalance`: the proposed 资金概算表 in the draft's own layout beside the
/// draft's (budget_table.csv), the risks before and after on independent trials (risks.csv), the
/// proposal as a what-if scenario that `subsidysim run` accepts as it is (rebalanced.yaml), a chart,
/// summary.md and manifest.json.
public enum RebalanceReport {
    /// One row per line in the draft's order, a subtotal per part (一、二、) and the total; per
    /// source the draft's amount, the proposal and the proposal's share of the source; then the
    /// line totals.
    public static func budgetTable(_ st: Rebalance.Study, scenario s: Scenario) -> CSVTable {
        var header = ["支持方向 heading", "条款 clause", "预算行 line"]
        for f in s.funding {
            header += ["\(f.name)（草案，万元） \(f.id)_draft_wan", "\(f.name)（建议，万元） \(f.id)_proposed_wan",
                       "\(f.name)分配比例（建议） \(f.id)_proposed_share"]
        }
        header += ["合计（草案，万元） total_draft_wan", "合计（建议，万元） total_proposed_wan", "增减（万元） change_wan"]
        var t = CSVTable(header: header)
        let amounts = s.funding.enumerated().map { j, f in f.amount + st.proposal.extra[j] }
        func row(_ heading: String, _ clause: String, _ line: String, draft: [Double], proposed: [Double]) {
            var r: [CSVTable.Cell] = [.text(heading), .text(clause), .text(line)]
            for j in s.funding.indices {
                r += [.money(draft[j]), .money(proposed[j]), .fraction(amounts[j] > 0 ? proposed[j] / amounts[j] : 0)]
            }
            let d = draft.reduce(0, +), p = proposed.reduce(0, +)
            r += [.money(d), .money(p), .money(p - d)]
            t.add(r)
        }
        func draftRow(_ l: BudgetLine) -> [Double] { s.funding.map { l.budget[$0.id] ?? 0 } }
        var totalD = [Double](repeating: 0, count: s.funding.count), totalP = totalD
        for part in [1, 2] {
            let idx = s.lines.indices.filter { s.lines[$0].id.part == part }
            guard !idx.isEmpty else { continue }
            var subD = [Double](repeating: 0, count: s.funding.count), subP = subD
            for i in idx {
                let d = draftRow(s.lines[i]), p = st.proposal.budgets[i]
                row(LineID.partNames[part] ?? "", s.lines[i].clause, s.lines[i].name, draft: d, proposed: p)
                for j in d.indices { subD[j] += d[j]; subP[j] += p[j] }
            }
            row(LineID.partNames[part] ?? "", "小计", "小计 subtotal", draft: subD, proposed: subP)
            for j in subD.indices { totalD[j] += subD[j]; totalP[j] += subP[j] }
        }
        row("合计", "", "合计 total", draft: totalD, proposed: totalP)
        return t
    }

    /// Per variant and line: the chance of running short before and after, on the check trials,
    /// with 95% Wilson intervals, and on the fitting trials.
    public static func risksTable(_ st: Rebalance.Study) -> CSVTable {
        var t = CSVTable(header: ["方案 variant", "方案名称 label", "预算行 line", "条款 clause", "预算（草案，万元） budget_draft_wan",
                                  "预算（建议，万元） budget_proposed_wan", "不足概率（草案） p_short_draft", "下限 low", "上限 high",
                                  "不足概率（建议） p_short_proposed", "下限 low", "上限 high", "拟合试验中的不足比例 p_short_fitted",
                                  "平均结余（草案，万元） unspent_draft_wan", "平均结余（建议，万元） unspent_proposed_wan"])
        for (v, (b, a)) in zip(st.before, st.after).enumerated() {
            let fittedRow = st.fittedVariants.firstIndex(of: v)
            for (i, (lb, la)) in zip(b.lines, a.lines).enumerated() {
                t.add([.text(b.id), .text(st.comparedLabels[v]), .text(lb.line?.rawValue ?? ""), .text(lb.clause), .money(lb.budget), .money(la.budget),
                       .fraction(lb.overrunProbability), .fraction(lb.overrunLow), .fraction(lb.overrunHigh),
                       .fraction(la.overrunProbability), .fraction(la.overrunLow), .fraction(la.overrunHigh),
                       fittedRow.map { .fraction(st.proposal.fittedShort[$0][i]) } ?? .text(""),
                       .money(lb.unspentMean), .money(la.unspentMean)])
            }
            t.add([.text(b.id), .text(st.comparedLabels[v]), .text("any_line"), .text("任一预算行"), .money(b.allLines.budget), .money(a.allLines.budget),
                   .fraction(b.anyLineShort), .fraction(b.anyLineShortLow), .fraction(b.anyLineShortHigh),
                   .fraction(a.anyLineShort), .fraction(a.anyLineShortLow), .fraction(a.anyLineShortHigh),
                   fittedRow.map { .fraction(st.proposal.fittedAnyShort[$0]) } ?? .text(""),
                   .money(b.allLines.unspentMean), .money(a.allLines.unspentMean)])
        }
        return t
    }

    /// YAML text a planner can read: always double-quoted, with every control character escaped.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where u.value < 0x20 || u.value == 0x7F || (0x80...0x9F).contains(u.value) || u.value == 0x2028 || u.value == 0x2029:
                out += String(format: "\\u%04X", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }

    /// A YAML value written back safely: numbers as they are, everything else double-quoted.
    static func yaml(_ n: YNode) -> String {
        switch n.value {
        case let .scalar(t, plain):
            if plain, Double(t.trimmingCharacters(in: .whitespaces)) != nil { return t.trimmingCharacters(in: .whitespaces) }
            return quoted(t)
        case let .mapping(ps): return "{" + ps.map { quoted($0.key) + ": " + yaml($0.value) }.joined(separator: ", ") + "}"
        case let .sequence(xs): return "[" + xs.map(yaml).joined(separator: ", ") + "]"
        }
    }

    /// The input's variants restated without the keys the proposal sets (line budgets, funding,
    /// and the caps when `--with-caps` changed them) or this run's `--set` set (restated at the top
    /// and meant for every variant), and with a change that holds a `--set` key written as it was
    /// evaluated (the variant's batch list with --set's rate in it); nil when no variant needs it:
    /// an inherited variant's change there would otherwise undo the proposal or the `--set`.
    static func restatedVariants(_ st: Rebalance.Study, loaded: LoadedScenario) -> String? {
        let specs = loaded.scenario.variantSpecs
        let capsChanged = st.caps.map { $0 != loaded.scenario.policy.batches.map(\.cap) } ?? false
        let commandLine = loaded.overrides.map(\.path.description)
        func dropped(_ p: ScenarioPath) -> Bool {
            let d = p.description
            if commandLine.contains(where: { ScenarioPath.key(d, liesWithin: $0) }) { return true }
            guard case let .key(k)? = p.steps.first else { return false }
            if k == "lines" || k == "funding" { return true }
            if capsChanged, p.steps.count == 4, case .key("batches") = p.steps[1], case .key("cap") = p.steps[3] { return true }
            return false
        }
        // A change holding a key this run's --set or the proposal's caps set is written as the
        // proposal evaluated it for that variant (its list with --set's rate and the new caps in it).
        let capKeys = capsChanged ? loaded.scenario.policy.batches.indices.map { "policy.batches[\($0)].cap" } : []
        func holdsSet(_ p: ScenarioPath) -> Bool {
            (commandLine + capKeys).contains { ScenarioPath.key($0, liesWithin: p.description) && $0 != p.description }
        }
        guard specs.contains(where: { $0.overrides.contains { dropped($0.path) || holdsSet($0.path) } }) else { return nil }
        var y = "# 原情景的方案重写于此：去掉了它们对预算行、资金来源\(capsChanged ? "、补助上限" : "")\(commandLine.isEmpty ? "" : "及本次 --set 所改之处")的改动，否则这些改动会覆盖建议表"
        y += commandLine.isEmpty && !capsChanged ? "。\n" : "；含这些键的改动按本次计算的取值写出。\n"
        y += "variants:\n"
        for v in specs {
            y += "  - id: \(v.id)\n    label: \(quoted(v.label))\n"
            let evaluated = st.proposed.variants.first { $0.id == v.id }?.changes ?? []
            let kept = v.overrides.filter { !dropped($0.path) }.map { o in
                (o.path, holdsSet(o.path) ? (evaluated.first { $0.path == o.path }?.value ?? o.value) : o.value)
            }
            if !kept.isEmpty {
                y += "    set:\n" + kept.map { "      \(quoted($0.0.description)): \(yaml($0.1))\n" }.joined()
            }
        }
        return y
    }

    /// A part of the file under construction: a value in flow style, a block (a key's comment and
    /// its lines), or a mapping of parts.
    indirect enum Part {
        case value(String)
        case block(comment: String, lines: [String])
        case map([(key: String, part: Part)])
    }

    /// `part` added at `keys` in `entries` (creating mappings on the way; an existing value there is replaced).
    static func insert(_ part: Part, at keys: ArraySlice<String>, into entries: inout [(key: String, part: Part)]) {
        guard let k = keys.first else { return }
        let i = entries.firstIndex { $0.key == k }
        if keys.count == 1 {
            if let i { entries[i].part = part } else { entries.append((k, part)) }
            return
        }
        var inner: [(key: String, part: Part)] = []
        if let i, case let .map(m) = entries[i].part { inner = m }
        insert(part, at: keys.dropFirst(), into: &inner)
        if let i { entries[i].part = .map(inner) } else { entries.append((k, .map(inner))) }
    }

    static func emit(_ entries: [(key: String, part: Part)], indent: Int) -> String {
        let pad = String(repeating: " ", count: indent)
        var y = ""
        for (k, p) in entries {
            switch p {
            case let .value(v): y += "\(pad)\(k): \(v)\n"
            case let .block(comment, lines): y += "\(pad)\(k):\(comment)\n" + lines.map { "\(pad)  \($0)\n" }.joined()
            case let .map(m): y += "\(pad)\(k):\n" + emit(m, indent: indent + 2)
            }
        }
        return y
    }

    /// This run's `--set` changes restated, so that the file evaluates what this run evaluated:
    /// each as the smallest part of the merged tree a file can set without losing its siblings
    /// (a mapping merges with the base; a list is replaced whole, so a change inside a list
    /// restates the list). Lines and funding are the proposal's own (already with the changes), id
    /// and title the file's header.
    static func restatedOverrides(_ loaded: LoadedScenario, into entries: inout [(key: String, part: Part)]) {
        var written: [[String]] = []
        for o in loaded.overrides {
            var keys: [String] = []
            for step in o.path.steps {
                guard case let .key(k) = step else { break }   // a list: restated whole
                keys.append(k)
            }
            // (id and title are written above, with the --set values; lines and funding by the proposal.)
            guard let top = keys.first, !["lines", "funding", "variants", "base", "id", "title"].contains(top),
                  !written.contains(where: { keys.starts(with: $0) }) else { continue }
            guard let path = ScenarioPath(keys.joined(separator: ".")), let node = loaded.tree.get(path) else { continue }
            written.removeAll { $0.starts(with: keys) }
            written.append(keys)
            insert(.value(yaml(node)), at: keys[...], into: &entries)
        }
    }

    /// `target` relative to `folder` (both absolute or both relative to the current folder).
    static func relativePath(_ target: String, from folder: String) -> String {
        let cwd = FileManager.default.currentDirectoryPath
        func parts(_ p: String) -> [String] {
            let abs = p.hasPrefix("/") ? p : cwd + "/" + p
            return URL(fileURLWithPath: abs).standardizedFileURL.pathComponents.filter { $0 != "/" }
        }
        let t = parts(target), f = parts(folder)
        var k = 0
        while k < t.count, k < f.count, t[k] == f[k] { k += 1 }
        return (Array(repeating: "..", count: f.count - k) + t[k...]).joined(separator: "/")
    }

    /// The proposal as a what-if file: `base:` the input, the seven lines (a list is written whole)
    /// with the proposed budgets, the funding sources when money had to be added or left
    /// unallocated or `--set` changed them, and this run's other `--set` changes (`restatedOverrides`). `folder` is where the file is written (for a relative `base:`).
    public static func scenarioText(_ st: Rebalance.Study, loaded: LoadedScenario, folder: String) -> String {
        let s = loaded.scenario
        let base = loaded.file == LoadedScenario.builtinName ? loaded.file : relativePath(loaded.file, from: folder)
        let goal = st.options.target == .joint
            ? "任一预算行资金不足的概率不超过 \(formatNumber(st.options.alpha * 100))%"
            : "每条预算行资金不足的概率不超过 \(formatNumber(st.options.alpha * 100))%"
        var y = "# 由 subsidysim rebalance 生成的资金概算表建议：\(goal)（\(st.fitTrials) 次模拟拟合，种子 \(st.fitSeed)）。\n"
        let capsChanged = st.caps.map { $0 != s.policy.batches.map(\.cap) } ?? false
        var changed = ["各预算行的金额"]
        if capsChanged { changed.append("补助上限") }
        if !st.proposal.feasible { changed.append("资金来源的金额（原有资金不够，见 summary.md）") }
        if !loaded.overrides.isEmpty { changed.append("本次 --set 所改之处") }
        y += "# 只改" + changed.joined(separator: "、") + "；其余一律取自 base。\n"
        y += "# 运行：subsidysim run 本文件（或 check 本文件）。\n"
        y += "base: \(quoted(base))\n"
        // Within the text limit even when the input's id or title is already near it.
        let id = s.id.count + 11 <= Limits.maxTextLength ? s.id + "-rebalanced" : s.id
        let title = s.title.count + 7 <= Limits.maxTextLength ? s.title + "（建议概算表）" : s.title
        y += "id: \(id)\n"
        y += "title: \(quoted(title))\n"
        // The sources are written when money is added or left over, or when --set changed one (its
        // name, amount or restriction must be the one evaluated).
        let fundingSet = loaded.overrides.contains { if case .key("funding")? = $0.path.steps.first { return true } else { return false } }
        if fundingSet || !st.proposal.feasible || st.proposal.unallocated.contains(where: { $0 > 0.005 }) {
            y += "funding:\n"
            for (j, f) in st.proposed.scenario.funding.enumerated() {
                var parts = ["id: \(f.id)", "name: \(quoted(f.name))", "amount: \(exactNumber(f.amount))"]
                if let only = f.onlyLines { parts.append("only_lines: [\(only.map(\.rawValue).joined(separator: ", "))]") }
                if f.allowUnallocated { parts.append("allow_unallocated: true") }
                y += "  - {\(parts.joined(separator: ", "))}"
                if st.proposal.extra[j] > 1e-9 { y += "   # 增加 \(formatNumber(st.proposal.extra[j])) 万元" }
                y += "\n"
            }
        }
        var parts: [(key: String, part: Part)] = []
        if !loaded.overrides.isEmpty {
            y += "# 本次运行的 --set 修改照写于下（与本次计算的取值相同）：" + loaded.overrides.map { loaded.describe($0) }.joined(separator: "；") + "。\n"
            restatedOverrides(loaded, into: &parts)
        }
        if let caps = st.caps, caps != s.policy.batches.map(\.cap) {
            let lines = zip(s.policy.batches, caps).map { b, c in
                "- {name: \(quoted(b.name)), rate: \(exactNumber(b.rate)), cap: \(exactNumber(c))}   # 草案上限 \(formatNumber(b.cap)) 万元"
            }
            insert(.block(comment: "   # 补助上限按同一比例降低（rebalance --with-caps），比例不变", lines: lines), at: ["policy", "batches"], into: &parts)
        }
        y += emit(parts, indent: 0)
        if let v = restatedVariants(st, loaded: loaded) { y += v }
        y += "lines:\n"
        for (i, l) in s.lines.enumerated() {
            let budget = s.funding.enumerated().map { j, f in "\(f.id): \(exactNumber(st.proposal.budgets[i][j]))" }.joined(separator: ", ")
            let before = l.total, after = st.proposal.budgets[i].reduce(0, +)
            y += "  - {id: \(l.id.rawValue), name: \(quoted(l.name)), clause: \(quoted(l.clause)), budget: {\(budget)}}"
            y += abs(after - before) < 0.005 ? "   # 与草案相同\n"
                : "   # 草案 \(formatNumber(before))，\(after > before ? "增加" : "减少") \(formatNumber(abs(after - before)))\n"
        }
        return y
    }

    static func pct(_ p: Double) -> String { percentText(p) }

    /// summary.md before the charts.
    public static func summary(_ st: Rebalance.Study, loaded: LoadedScenario) -> String {
        let s = loaded.scenario
        let o = st.options
        let names = st.fittedVariants.map { loaded.variants[$0].label }
        var md = "# \(Markdown.text(s.title))：资金概算表调整建议\n\n"
        let goal = formatNumber(o.alpha * 100) + "%"
        md += "> 目标：" + (o.target == .joint ? "任一预算行资金不足的概率不超过 \(goal)" : "每条预算行资金不足的概率不超过 \(goal)")
        md += names.count > 1 ? "，在 \(names.count) 种读法下都满足（\(names.map(Markdown.text).joined(separator: "；"))）。" : "（\(Markdown.text(names.first ?? ""))）。"
        md += "各预算行金额取\(o.unit > 0 ? " \(formatNumber(o.unit)) 万元的整倍数" : "模拟所得的最小值")"
        if !o.hold.isEmpty { md += "；保持不变的预算行：" + s.lines.filter { o.hold.contains($0.id) }.map(\.clause).joined(separator: "、") }
        if o.confidence > 0 && o.target == .perLine {
            md += "；按 \(CSVTable.fixed(o.confidence * 100, 0))% 的置信度满足目标（分布无关的容许限：允许超出的试验数取满足该置信度的最大值，"
            md += "而不是恰好 \(pct(o.alpha))，以免预算只适合这一组模拟）"
        }
        md += "。建议按 \(st.fitTrials) 次模拟（种子 \(st.fitSeed)）求得；下表的不足概率另用 \(st.checkTrials) 次独立模拟（种子 \(st.checkSeed)）核验，"
        md += "以免建议只适合它自己的模拟误差（因此草案各行的不足概率与 run 报告中的数字在模拟误差内略有不同）。"
        md += "概率后括号为 95% 区间，只反映模拟误差，不反映假设的不确定性。\n\n"

        // The table in the draft's layout.
        md += "## 建议的资金概算表（万元）\n\n"
        var table = MarkdownTable(["支持方向", "条款"] + s.funding.map { "\(Markdown.text($0.name))（草案 → 建议）" } + ["合计（草案 → 建议）"],
                                  rightAligned: [false, false] + [Bool](repeating: true, count: s.funding.count + 1))
        for part in [1, 2] {
            let idx = s.lines.indices.filter { s.lines[$0].id.part == part }
            guard !idx.isEmpty else { continue }
            table.add(["**\(LineID.partNames[part] ?? "")**"])
            for i in idx {
                let l = s.lines[i]
                let cells = s.funding.enumerated().map { j, f in arrow(l.budget[f.id] ?? 0, st.proposal.budgets[i][j]) }
                table.add([Markdown.text(l.name), Markdown.text(l.clause)] + cells + [arrow(l.total, st.proposal.budgets[i].reduce(0, +))])
            }
            let sub = s.funding.enumerated().map { j, f in
                arrow(idx.map { s.lines[$0].budget[f.id] ?? 0 }.reduce(0, +), idx.map { st.proposal.budgets[$0][j] }.reduce(0, +))
            }
            table.add(["小计", ""] + sub + [arrow(idx.map { s.lines[$0].total }.reduce(0, +), idx.map { st.proposal.budgets[$0].reduce(0, +) }.reduce(0, +))])
        }
        let tot = s.funding.enumerated().map { j, f in arrow(f.amount, f.amount + st.proposal.extra[j]) }
        table.add(["**合计**", ""] + tot + [arrow(s.totalFunding, s.totalFunding + st.proposal.extra.reduce(0, +))])
        md += table.text + "\n"

        // Risks before and after.
        md += "## 调整前后的资金不足概率（独立核验）\n\n"
        for (v, (b, a)) in zip(st.before, st.after).enumerated() {
            // The reading as the proposal evaluates it (its budgets are in the table above).
            md += "**\(Markdown.text(st.comparedLabels[v]))**\n\n"
            var t = MarkdownTable(numbers: ["预算行", "草案预算", "不足概率", "建议预算", "不足概率"])
            for (lb, la) in zip(b.lines, a.lines) {
                t.add(["\(Markdown.text(lb.clause)) \(Markdown.text(lb.name))", formatNumber(lb.budget),
                       "\(pct(lb.overrunProbability))（\(percentInterval(lb.overrunLow, lb.overrunHigh))）", formatNumber(la.budget),
                       "\(pct(la.overrunProbability))（\(percentInterval(la.overrunLow, la.overrunHigh))）"])
            }
            t.add(["任一预算行不足", "", "\(pct(b.anyLineShort))（\(percentInterval(b.anyLineShortLow, b.anyLineShortHigh))）", "",
                   "\(pct(a.anyLineShort))（\(percentInterval(a.anyLineShortLow, a.anyLineShortHigh))）"])
            t.add(["平均结余（万元）", "", CSVTable.fixed(b.allLines.unspentMean, 1), "", CSVTable.fixed(a.allLines.unspentMean, 1)])
            md += t.text + "\n"
        }

        md += "## 说明\n\n"
        for line in notes(st, loaded: loaded) { md += "- " + line + "\n\n" }
        md += "\n建议表已写成情景文件 `rebalanced.yaml`（以原情景为 base，只写出建议改动之处），可直接运行、比较或转给同事："
        md += "`subsidysim run rebalanced.yaml`。\n"
        return md
    }

    static func arrow(_ a: Double, _ b: Double) -> String {
        abs(a - b) < 0.005 ? formatNumber(a) : "\(formatNumber(a)) → **\(formatNumber(b))**"
    }

    /// Plain sentences: what moved, what could not be met, what stays idle.
    static func notes(_ st: Rebalance.Study, loaded: LoadedScenario) -> [String] {
        let s = loaded.scenario
        var out: [String] = []
        let moves = s.lines.enumerated().map { i, l in (l, st.proposal.budgets[i].reduce(0, +) - l.total) }
        let up = moves.filter { $0.1 > 0.005 }.sorted { $0.1 > $1.1 }, down = moves.filter { $0.1 < -0.005 }.sorted { $0.1 < $1.1 }
        if !up.isEmpty { out.append("增加：" + up.map { "\($0.0.clause)\($0.0.id.chineseName) +\(formatNumber($0.1)) 万元" }.joined(separator: "，") + "。") }
        if !down.isEmpty { out.append("减少：" + down.map { "\($0.0.clause)\($0.0.id.chineseName) \(formatNumber($0.1)) 万元" }.joined(separator: "，") + "。") }
        if up.isEmpty && down.isEmpty { out.append("草案的概算表已满足目标，无需调整。") }
        if let caps = st.caps {
            let draft = s.policy.batches.map(\.cap)
            let text = zip(s.policy.batches, zip(draft, caps)).map { "\($0.name) \(formatNumber($1.0)) → \(formatNumber($1.1)) 万元" }.joined(separator: "，")
            if !st.capsFit {
                out.append("降低补助上限无济于事：即使把上限降到 0，其余预算行也无法在现有资金内满足目标，所以上限保持草案的取值，下面的概算表按草案的上限求得。")
            } else if caps == draft {
                out.append("按现有补助上限即可在现有资金内满足目标，上限无需调整。")
            } else {
                out.append("**补助上限须降低**才能在现有资金内满足目标（各批按同一比例，精确到 0.1 万元）：\(text)；补助比例不变。")
            }
        }
        if !st.proposal.feasible {
            let extra = s.funding.enumerated().filter { st.proposal.extra[$0.offset] > 1e-9 }
                .map { "\(Markdown.text($0.element.name))至少增加 \(formatNumber(st.proposal.extra[$0.offset])) 万元" }
            out.append("**现有资金达不到目标**：即使各预算行只留满足目标所需的最少金额，仍差 \(formatNumber(st.proposal.extra.reduce(0, +))) 万元；"
                       + extra.joined(separator: "，") + "才能满足（建议表已按增加后的金额编制）。"
                       + (st.caps != nil && !st.capsFit ? "降低补助上限无济于事，否则只能缩小试点规模、降低其他奖补标准，或放宽风险目标。"
                                                         : "否则须降低补助上限或比例、缩小试点规模，或放宽风险目标。"))
        }
        for (j, f) in s.funding.enumerated() where st.proposal.unallocated[j] > 0.005 {
            out.append("\(Markdown.text(f.name))有 \(formatNumber(st.proposal.unallocated[j])) 万元没有任何预算行需要（\(f.onlyLines.map { "只能用于" + $0.map(\.clause).joined() } ?? "各行都已满足")），"
                       + "建议表把它列为未分配资金（allow_unallocated: true）。")
        }
        for f in s.funding where f.onlyLines != nil {
            let lines = s.lines.indices.filter { f.onlyLines!.contains(s.lines[$0].id) }
            let need = lines.map { st.proposal.needs[$0] }.reduce(0, +)
            if need < f.amount - 0.005 {
                out.append("\(Markdown.text(f.name)) \(formatNumber(f.amount)) 万元只能用于\(f.onlyLines!.map(\.clause).joined())，"
                           + "而按目标这些预算行只需 \(formatNumber(need)) 万元：多出的部分必然结余（见结余一栏），除非放宽用途限制。")
            }
        }
        if !st.proposal.unpayable.isEmpty {
            out.append("**没有资金来源可以支付**：" + st.proposal.unpayable.map { "\($0.clause)\($0.chineseName)" }.joined(separator: "、")
                       + "（各资金来源的 only_lines 都不含这些预算行），这些预算行只能保持现有金额；须调整资金来源的用途。")
        }
        // The independent check is the judge: say so when it finds the target missed.
        let a = st.options.alpha
        for (b, af) in zip(st.before, st.after) {
            if st.options.target == .perLine {
                let missed = af.lines.filter { $0.overrunLow > a }
                if !missed.isEmpty {
                    out.append("**核验未达标**（\(Markdown.text(b.id))）：" + missed.map { "\($0.clause) \(pct($0.overrunProbability))（95%区间下限 \(pct($0.overrunLow)) 已高于 \(pct(a))）" }.joined(separator: "，")
                               + "；请用更多试验（--trials）重新求解。")
                }
            } else if af.anyLineShortLow > a {
                out.append("**核验未达标**（\(Markdown.text(b.id))）：任一预算行不足的概率 \(pct(af.anyLineShort))，95%区间下限 \(pct(af.anyLineShortLow)) 已高于 \(pct(a))；请用更多试验重新求解或降低目标。")
            }
        }
        if let lv = st.proposal.jointLevel {
            out.append("联合目标：各预算行取同一分位点（第 \(CSVTable.fixed(lv * 100, 2)) 百分位）的需求，再把剩余资金分给最能减少“任一预算行不足”的预算行。"
                       + "联合目标只在拟合的试验上满足，不附置信度保证：以上面的独立核验为准。")
        }
        return out
    }

    /// P(short) per line before and after, per variant: grouped bars with their 95% intervals.
    static func chartTable(_ st: Rebalance.Study) -> CSVTable {
        var header = ["预算行 line"]
        for a in st.after { header += ["\(a.id) 草案 draft %", "low", "high", "\(a.id) 建议 proposed %", "low", "high"] }
        var t = CSVTable(header: header)
        guard let first = st.before.first else { return t }
        for i in first.lines.indices {
            var r: [CSVTable.Cell] = [.text(first.lines[i].clause)]
            for (b, a) in zip(st.before, st.after) {
                let lb = b.lines[i], la = a.lines[i]
                r += [.number(lb.overrunProbability * 100, decimals: 3), .number(lb.overrunLow * 100, decimals: 3), .number(lb.overrunHigh * 100, decimals: 3),
                      .number(la.overrunProbability * 100, decimals: 3), .number(la.overrunLow * 100, decimals: 3), .number(la.overrunHigh * 100, decimals: 3)]
            }
            t.add(r)
        }
        return t
    }

    /// Writes the rebalance folder in one atomic commit, its manifest with `manifest` and the
    /// fitting run's `trials`. Returns warnings (charts that could not be drawn).
    public static func write(_ st: Rebalance.Study, loaded: LoadedScenario, to path: String, manifest: Manifest.RebalanceFields,
                             trials: Int, invocation: Manifest.Invocation, docx: Bool = true, xlsx: Bool = true) throws -> [String] {
        let s = loaded.scenario
        var folder = OutputFolder(path)
        folder.add("budget_table.csv", budgetTable(st, scenario: s).data)
        folder.add("risks.csv", risksTable(st).data)
        folder.add("rebalanced.yaml", text: scenarioText(st, loaded: loaded, folder: path))
        let ct = chartTable(st)
        folder.add("chart_risk.csv", ct.data)
        // Short legends: the reading's name (its full label, with rates and caps, is in summary.md).
        let series = loaded.variants.flatMap { ["\($0.name)：草案", "\($0.name)：建议"] }
        let script = Charts.riskBeforeAfter(series: series, lineNames: s.lines.map { (clause: $0.clause, name: $0.id.chineseName) },
                                            alpha: st.options.target == .perLine ? st.options.alpha : nil, title: Charts.heading(loaded))
        let plan = Charts.Plan("risk_before_after", caption: "调整前后各预算行资金不足的概率", script: script,
                               skip: Charts.dataProblem(ct, columns: Array(1..<ct.header.count)))
        if let sc = plan.script { folder.add("charts/risk_before_after.gp", text: sc) }
        var warnings: [String] = []
        let md = summary(st, loaded: loaded)
        let workbook = xlsx ? RebalanceWorkbook.build(st, loaded: loaded) : nil
        try folder.commit { staging in
            let drawn = Charts.render(folder: staging.url.appendingPathComponent("charts"), plans: [plan])
            warnings = drawn.warnings
            try staging.write("summary.md", text: md + "\n" + Charts.markdown(drawn.outcomes))
            if docx, let w = WordReport.write(markdown: md + "\n" + Charts.markdown(drawn.outcomes, printWidth: WordReport.printWidth), in: staging) {
                warnings.append(w)
            }
            if let workbook { try workbook.write(in: staging, title: s.title, subject: "资金概算调整建议") }
            try Manifest.write(manifest, invocation, loaded: loaded, trials: trials, in: staging)
        }
        return warnings
    }
}

extension Charts {
    /// `chart_risk.csv`: one row per line; per series three columns (P, low, high, in %).
    public static func riskBeforeAfter(series: [String], lineNames: [LineName], alpha: Double?, title: String) -> String {
        shortBars(name: "risk_before_after", csv: "chart_risk.csv", series: series, lineNames: lineNames, target: alpha, title: title,
                  heading: "调整前后的资金不足概率 / P(short) before and after",
                  subtitle: "各预算行资金不足的概率：草案与建议概算表（柱：独立核验，竖线：95%区间）", paired: true)
    }

    /// Grouped bars of P(short) per line, one bar per series, with 95% intervals; `csv` has one row
    /// per line and per series three columns (P, low, high, in %). A dashed line at `target`.
    /// `paired`: the series come in pairs (a reading's draft and proposal), drawn in one colour,
    /// light and full. The chart grows taller with its legend, so that the frame keeps its height.
    public static func shortBars(name: String, csv: String, series: [String], lineNames: [LineName], target: Double?, title: String,
                                 heading: String, subtitle: String, paired: Bool = false) -> String {
        let key = legendLines(series, at: "below center horizontal maxcols \(paired ? 2 : 1)", columns: paired ? 2 : 1)
        let h = height + Swift.max(0, key.height - 2) * 45
        var s = head(name, title: heading, height: h)
        s += setTitle(title, subtitle)
        s += """
        set ylabel '资金不足的概率'
        set format y "%g%%"
        set style data histogram
        set style histogram errorbars gap 2 lw 1.5
        set style fill solid 0.75 border -1
        set yrange [0:105]
        \(lineTics("xtics", lineNames, ems: slotEms(lineNames.count, fraction: 0.84), extra: " nomirror"))\(key.set)
        set bmargin \(2 + lineTicRows(lineNames, ems: slotEms(lineNames.count, fraction: 0.84)) + key.height)
        set xrange [-0.6:\(Double(lineNames.count) - 0.4)]

        """
        if let a = target, let n = num(a * 100) {
            s += "set arrow 1 from graph 0, first \(n) to graph 1, first \(n) nohead ls 9 front\n"
            s += "set y2tics (\(ticLiteral("目标 \(formatNumber(a * 100))%")) \(n)) tc rgb \"#444444\" nomirror noenhanced\nset link y2\nset ytics nomirror\n"
        }
        let plots = series.enumerated().map { i, _ -> String in
            // Paired: the reading's colour, light for the draft and full for the proposal.
            let style = paired ? "lc rgb \"\(colors[(i / 2) % colors.count])\" fs solid \(i % 2 == 0 ? "0.3" : "0.85") border -1"
                : "ls \(i % 8 + 1)"
            return (i == 0 ? literal("../" + csv) : "''") + " skip 1 using \(2 + 3 * i):\(3 + 3 * i):\(4 + 3 * i) \(style) title \(key.titles[i]) noenhanced"
        }
        s += "plot " + plots.joined(separator: ", \\\n     ") + "\n"
        return s + tail(name, height: h)
    }
}
