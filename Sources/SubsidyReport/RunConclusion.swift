import Foundation
import SubsidyEngine
import SubsidyModel

/// The 结论 a director reads first: per variant a verdict (够 / 不够, and for which lines), the one
/// or two sentences that matter (money left idle on one line while others run short, and how much
/// to move), then the headline probabilities. The move is `Rebalance.propose` on the run's own
/// trials at the default risk target, so it costs no new simulation; `subsidysim rebalance`
/// re-estimates it on independent trials.
public struct RunConclusion: Sendable {
    /// The risk target a line's chance of running short is judged against (and fitted to).
    public static let target = 0.05

    public struct Verdict: Sendable {
        public var label: String
        /// Lines whose chance of running short exceeds the target, the likeliest first.
        public var short: [LineSummary]
        public var enough: Bool { short.isEmpty }
    }

    /// Money moved, within the total, from the line that leaves most idle to the short lines: the
    /// short lines get what they need to meet the target (from `proposal.needs`); the donor's
    /// chance of running short is then read off the same trials.
    public struct Move: Sendable {
        public var donor: LineID
        /// Per receiving line, the money added (万元).
        public var adds: [(line: LineID, amount: Double)]
        public var amount: Double { adds.map(\.amount).reduce(0, +) }
        /// Per variant: the donor's chance of running short before and after the move.
        public var donorBefore: [Double]
        public var donorAfter: [Double]
        /// Per variant, per receiving line: its chance of running short after the move.
        public var receiversAfter: [[Double]]
        /// The donor's money of the sources that may pay the receivers was not enough for all they need.
        public var partial: Bool
    }

    public var verdicts: [Verdict]
    public var move: Move?
    /// The budget table fitted to the target on this run's trials (every variant); nil when the
    /// run has too few trials for the target at 95% confidence, or every line already meets it.
    public var proposal: Rebalance.Proposal?
    public var scenario: Scenario
    public var summaries: [VariantSummary]
    /// Each variant's short name (正文费率), for figures given per reading; the labels by default.
    public var names: [String]
    /// Trials the proposal was fitted on.
    public var trials: Int
    /// The `subsidysim rebalance` command that fits the same table on the same trials (the run's
    /// scenario, changes, seed, trial count and sampling), when there is one (not after a
    /// two-level run); the report names it so the planner can check the table on new trials.
    public var rebalanceCommand: String?

    public init(result: SimulationResult, summaries: [VariantSummary], scenario: Scenario) {
        self.scenario = scenario
        self.summaries = summaries
        trials = result.trials
        names = summaries.map(\.label)
        verdicts = summaries.map { v in
            Verdict(label: v.label, short: v.lines.filter { $0.overrunProbability > Self.target }
                .sorted { $0.overrunProbability > $1.overrunProbability })
        }
        let enoughTrials = result.trials >= Rebalance.trialsNeeded(alpha: Self.target, confidence: 0.95)
        if enoughTrials, verdicts.contains(where: { !$0.enough }) {
            let p = Rebalance.propose(from: result, scenario: scenario, options: Rebalance.Options(alpha: Self.target))
            proposal = p
            move = Self.move(result: result, summaries: summaries, scenario: scenario, proposal: p)
        }
    }

    /// The donor is the line with the most money left over on average (the smallest mean over the
    /// variants); the receivers are the other lines over the target. Only money of sources that
    /// may pay every receiver moves (regional money, which pays （一） only, stays).
    static func move(result r: SimulationResult, summaries: [VariantSummary], scenario s: Scenario, proposal p: Rebalance.Proposal) -> Move? {
        let L = r.layout
        func demand(_ v: Int, _ id: LineID) -> [Double] {
            guard let i = L.lines.firstIndex(of: id) else { return [] }
            return r.column(v, L.line(i, .demand))
        }
        func chance(_ d: [Double], _ budget: Double) -> Double {
            d.isEmpty ? 0 : Double(d.filter { $0 > budget + 1e-9 }.count) / Double(d.count)
        }
        let unspent = s.lines.map { l in summaries.compactMap { $0.lines.first { $0.line == l.id }?.unspentMean }.min() ?? 0 }
        guard let di = unspent.indices.max(by: { unspent[$0] < unspent[$1] }), unspent[di] > 0.5 else { return nil }
        let donor = s.lines[di]
        let receivers = s.lines.indices.filter { i in
            i != di && summaries.contains { v in (v.lines.first { $0.line == s.lines[i].id }?.overrunProbability ?? 0) > target }
        }
        guard !receivers.isEmpty else { return nil }
        let movable = s.funding.filter { f in f.onlyLines.map { only in receivers.allSatisfy { only.contains(s.lines[$0].id) } } ?? true }
        let available = movable.map { donor.budget[$0.id] ?? 0 }.reduce(0, +)
        var adds = receivers.map { i in (line: s.lines[i].id, amount: Swift.max(0, p.needs[i] - s.lines[i].total)) }
        let wanted = adds.map(\.amount).reduce(0, +)
        guard wanted > 0.005, available > 0.005 else { return nil }
        let partial = wanted > available + 1e-9
        if partial { adds = adds.map { ($0.line, $0.amount * available / wanted) } }
        let moved = adds.map(\.amount).reduce(0, +)
        let nv = r.model.variantCount
        let before = (0..<nv).map { chance(demand($0, donor.id), donor.total) }
        let after = (0..<nv).map { chance(demand($0, donor.id), donor.total - moved) }
        let recAfter = (0..<nv).map { v in
            zip(receivers, adds).map { i, a in chance(demand(v, s.lines[i].id), s.lines[i].total + a.amount) }
        }
        return Move(donor: donor.id, adds: adds, donorBefore: before, donorAfter: after, receiversAfter: recAfter, partial: partial)
    }

    static func pct(_ x: Double) -> String { percentText(x) }
    /// The target as people write it: "5%".
    static var targetText: String { formatNumber(target * 100) + "%" }
    static func money(_ x: Double) -> String { CSVTable.fixed(x, 2) }
    static func name(_ l: LineSummary) -> String { l.line.map { "\($0.clause)\($0.chineseName)" } ?? Markdown.text(l.name) }

    /// "（四）上云用云、（七）（八）专业支撑服务几乎一定不够（不足概率 98.8%、99.2%）；（一）数字化改造有 9.8% 的可能不够".
    public static func verdictText(_ v: Verdict) -> String {
        guard !v.enough else { return "够。各预算行资金不足的概率都不超过 \(targetText)。" }
        var parts: [String] = []
        let groups: [(String, (Double) -> Bool)] = [("几乎一定不够", { $0 >= 0.9 }), ("多半不够", { $0 >= 0.5 && $0 < 0.9 })]
        for (word, test) in groups {
            let ls = v.short.filter { test($0.overrunProbability) }
            if !ls.isEmpty {
                parts.append(ls.map(name).joined(separator: "、") + word + "（不足概率 " + ls.map { pct($0.overrunProbability) }.joined(separator: "、") + "）")
            }
        }
        for l in v.short where l.overrunProbability < 0.5 {
            var s = "\(name(l))有 \(pct(l.overrunProbability)) 的可能不够"
            if l.unmetGivenOverrun > 0 { s += "（不够时平均缺 \(money(l.unmetGivenOverrun)) 万元）" }
            parts.append(s)
        }
        return "不够。" + parts.joined(separator: "；") + "；其余各行资金不足的概率不超过 \(targetText)。"
    }

    /// What to change: the money left idle, how much to move to the short lines and what that
    /// does to the line it comes from; then what meeting the target on every line would take.
    public func moveText() -> String? {
        guard let p = proposal else { return nil }
        let s = scenario
        var text = ""
        var idle: [String] = []
        for (j, f) in s.funding.enumerated() {
            let xs = summaries.compactMap { $0.sources.indices.contains(j) ? $0.sources[j].unspentMean : nil }
            guard let lo = xs.min(), let hi = xs.max(), hi >= 1 else { continue }
            let only = f.onlyLines.map { "（只能用于" + $0.map(\.clause).joined() + "）" } ?? ""
            // One figure when the readings agree, else each reading's by name (never a range that
            // reads as an interval).
            let amount = abs(hi - lo) < 0.005 ? "\(Self.money(hi)) 万元"
                : zip(names, xs).map { "\(Self.money($1)) 万元（\(Markdown.text($0))）" }.joined(separator: "、")
            idle.append("\(Markdown.text(f.name))\(only)平均有 \(amount)用不完")
        }
        if !idle.isEmpty { text += idle.joined(separator: "，") + "。" }
        if let m = move {
            let adds = m.adds.map { "\($0.line.clause)增加 \(formatNumber(($0.amount * 100).rounded() / 100)) 万元" }
            let labels = self.names.map(Markdown.text)
            let donorRisk = zip(m.donorBefore, m.donorAfter).enumerated().map { v, ba in
                "从 \(Self.pct(ba.0)) 升到 \(Self.pct(ba.1))" + (labels.count > 1 ? "（\(labels[v])）" : "")
            }
            let worstAfter = m.receiversAfter.flatMap { $0 }.max() ?? 0
            text += "在总资金不变的前提下，从\(m.donor.clause)调出 \(formatNumber((m.amount * 100).rounded() / 100)) 万元：" + adds.joined(separator: "，")
            text += m.partial ? "（\(m.donor.clause)可调剂的资金不够它们全部所需，按比例分配）" : ""
            text += "，这些行资金不足的概率降到 \(Self.pct(worstAfter)) 以内；\(m.donor.clause)资金不足的概率" + donorRisk.joined(separator: "，") + "。"
        }
        let goal = "若要各预算行在所有方案下资金不足的概率都不超过 \(Self.targetText)"
        if p.feasible {
            text += goal + "，现有资金重新分配即可做到（建议的概算表见下表）。"
        } else {
            text += goal + "，现有资金不够，还需增加 \(Self.money(p.extra.reduce(0, +))) 万元（见下表）。"
        }
        return text
    }

    /// The proposed table (lines × sources, draft in brackets) with each line's chance of running
    /// short before and after (the largest over the variants), as Markdown.
    public func proposalTable() -> String? {
        guard let p = proposal else { return nil }
        let s = scenario
        var t = MarkdownTable(numbers: ["预算行"] + s.funding.map { "\(Markdown.text($0.name))（草案→建议）" } + ["合计（草案→建议）", summaries.count > 1 ? "不足概率（草案→建议；各方案中最高）" : "不足概率（草案→建议）"])
        for (i, l) in s.lines.enumerated() {
            let draft = s.funding.map { l.budget[$0.id] ?? 0 }
            let cells = zip(draft, p.budgets[i]).map { "\(formatNumber($0)) → \(formatNumber($1))" }
            let before = summaries.compactMap { $0.lines.first { $0.line == l.id }?.overrunProbability }.max() ?? 0
            let after = p.fittedShort.map { $0[i] }.max() ?? 0
            t.add(["\(l.clause)\(l.id.chineseName)"] + cells + ["\(formatNumber(draft.reduce(0, +))) → \(formatNumber(p.lineTotals[i]))",
                                                                  "\(Self.pct(before)) → \(Self.pct(after))"])
        }
        let draftTotal = s.funding.map(\.amount).reduce(0, +)
        t.add(["**合计**"] + s.funding.enumerated().map { j, f in "\(formatNumber(f.amount)) → \(formatNumber(p.budgets.map { $0[j] }.reduce(0, +)))" }
              + ["\(formatNumber(draftTotal)) → \(formatNumber(p.lineTotals.reduce(0, +)))", ""])
        var md = t.text
        md += "\n建议的概算表是在本次模拟的 \(trials) 次试验上求得的（按 95% 的置信度留出余量\(summaries.count > 1 ? "，各方案中取最大需要" : "")）。"
        if let cmd = rebalanceCommand {
            md += "运行 \(Markdown.code(cmd)) 会在同样的试验上得到这张表，并另用一组独立的试验核验各行的不足概率；"
            let byDefault = scenario.simulation.trials
            if byDefault != trials { md += "不写 --trials 时 rebalance 用 \(byDefault) 次试验，金额会因模拟误差而与此略有不同。" }
        } else {
            md += "`subsidysim rebalance` 会在它自己的试验上重新求这张表（金额会因模拟误差略有不同），并另用一组独立的试验核验。"
        }
        md += "rebalance 还可同时调整补助上限（`--with-caps`）。"
        if p.unallocated.contains(where: { $0 > 0.005 }) {
            let left = zip(s.funding, p.unallocated).filter { $0.1 > 0.005 }.map { "\(Markdown.text($0.0.name)) \(formatNumber($0.1)) 万元" }
            md += "按来源的使用限制，" + left.joined(separator: "、") + "没有可用的预算行，未分配。"
        }
        return md + "\n"
    }

    /// The 结论 section: verdicts, what to change, the proposed table, then the headline numbers
    /// (`headline`, the run's existing bullets).
    public func markdown(headline: String) -> String {
        var md = "## 结论\n\n"
        for v in verdicts {
            let text = Self.verdictText(v)
            let word = text.prefix { $0 != "。" }
            md += "**\(Markdown.text(v.label))：\(word)。**" + text.dropFirst(word.count + 1) + "\n\n"
        }
        if let move = moveText() { md += move + "\n\n" }
        if let table = proposalTable() { md += "**建议的资金概算表**（万元；各行不足概率不超过 \(Self.targetText)）\n\n" + table + "\n" }
        md += "### 主要概率\n\n" + headline + "\n"
        return md
    }
}
