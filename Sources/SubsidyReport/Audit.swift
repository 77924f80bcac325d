import Foundation
import SubsidyEngine
import SubsidyModel

/// A finding of `subsidysim check`: what a reviewer of the draft should look at.
public struct Finding: Sendable, Codable {
    public enum Severity: String, Sendable, Codable, Comparable {
        case error, warning, note
        public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
        var rank: Int { self == .error ? 0 : self == .warning ? 1 : 2 }
        public var chinese: String { self == .error ? "错误" : self == .warning ? "警告" : "提示" }
    }
    public var severity: Severity
    public var clauses: [String]
    public var zh: String
    public var en: String

    /// The clauses as the draft writes them: "（七）（八）" (bracketed numbers run together, as
    /// everywhere else), "末段 （一）" otherwise spaced.
    public var clauseText: String {
        var s = ""
        for c in clauses {
            if !s.isEmpty && !(s.hasSuffix("）") && c.hasPrefix("（")) { s += " " }
            s += c
        }
        return s
    }
}

/// `subsidysim check`: the budget table's arithmetic, the counts the budget implies against what
/// the population expects, and contradictions between variants of the same document.
public enum Audit {
    /// Expected counts from a short simulation of the base scenario (no variant differences in counts).
    public struct Expectations: Sendable {
        public var pilotFirms: Double
        public var acceptedFirms: Double
        public var completedFirms: Double
        public var cloudFirms: Double
        public var smartFactories: Double
        public var chainCases: Double
        /// （一） demand mean per variant.
        public var transformationDemand: [(id: String, label: String, mean: Double, pOverrun: Double)]
        public var trials: Int
    }

    /// Expected counts from a short simulation (what `check` runs).
    public static func expectations(_ loaded: LoadedScenario, trials: Int = 4000, threads: Int) throws -> Expectations {
        let model = CompiledModel(loaded, seed: loaded.scenario.simulation.seed)
        var opts = RunOptions(trials: trials, threads: threads, keepInputs: false)
        opts.storedFields = []
        let r = try Simulator.run(model, options: opts, design: TrialDesign(method: .random, seed: loaded.scenario.simulation.seed))
        return expectations(from: r, loaded: loaded)
    }

    /// Expected counts from a finished run (what `run` reports, without simulating again).
    public static func expectations(from r: SimulationResult, loaded: LoadedScenario) -> Expectations {
        let model = r.model
        let L = model.layout
        let m = r.moments[0]
        var pilot = 0.0, accepted = 0.0, completed = 0.0
        for b in 0..<L.batches {
            pilot += m[L.batch(b, .firms)].mean
            accepted += m[L.batch(b, .accepted)].mean
            completed += m[L.batch(b, .completed)].mean
        }
        let ti = L.lines.firstIndex(of: .transformation) ?? 0
        let demand = (0..<model.variantCount).map { v in
            (model.variantIDs[v], model.variantLabels[v], r.moments[v][L.line(ti, .demand)].mean, r.moments[v][L.line(ti, .overrun)].mean)
        }
        let cases = PreparedDistribution(loaded.scenario.population.chainCases).mean
        return Expectations(pilotFirms: pilot, acceptedFirms: accepted, completedFirms: completed,
                            cloudFirms: m[L.misc(.cloudFirms)].mean, smartFactories: m[L.misc(.smartFactories)].mean,
                            chainCases: cases, transformationDemand: demand, trials: r.trials)
    }

    public static func findings(_ loaded: LoadedScenario, expectations e: Expectations) -> [Finding] {
        let s = loaded.scenario
        var out: [Finding] = []
        func f(_ sev: Finding.Severity, _ clauses: [String], _ zh: String, _ en: String) {
            out.append(Finding(severity: sev, clauses: clauses, zh: zh, en: en))
        }
        func n(_ x: Double, _ d: Int = 2) -> String { CSVTable.fixed(x, d) }
        /// Percent with two decimals, rounded half away from zero as the draft's table does (13.125 → 13.13).
        func pct(_ x: Double) -> String { n(((x * 10_000) + (x >= 0 ? 1e-9 : -1e-9)).rounded() / 100, 2) + "%" }

        // 0. What the loader warned about (a change in a what-if file that an inherited variant undoes …).
        for w in loaded.warnings {
            f(.warning, [], w.render(.zh), w.render(.en))
        }

        // 1. Budget table arithmetic.
        for src in s.funding {
            let sum = s.lines.map { $0.budget[src.id] ?? 0 }.reduce(0, +)
            let shares = s.lines.map { l -> String in
                let a = l.budget[src.id] ?? 0
                return "\(l.clause)\(n(a, 0))（\(src.amount > 0 ? pct(a / src.amount) : "-")）"
            }.joined(separator: "、")
            let equal = abs(sum - src.amount) < 0.005
            // Less than the source, on purpose (allow_unallocated): the rest is a reserve, a warning.
            let reserve = !equal && src.allowUnallocated && sum < src.amount
            f(equal ? .note : reserve ? .warning : .error, ["概算表"],
              "\(src.name)列合计 \(n(sum)) 万元，\(equal ? "等于" : "不等于")来源金额 \(n(src.amount)) 万元"
                + (reserve ? "（\(n(src.amount - sum)) 万元未分配，allow_unallocated: true）" : "") + "；各行：\(shares)",
              "\(src.id) column sums to \(n(sum)) 万元 against the source's \(n(src.amount)) 万元" + (reserve ? " (the rest unallocated on purpose)" : ""))
        }
        // Subtotals as the table groups them: 一、(（一）–（四）) and 二、(（五）–（八）).
        let groupA = LineID.allCases.filter { $0.part == 1 }
        let groupB = LineID.allCases.filter { $0.part == 2 }
        let total = s.totalFunding
        for src in s.funding where src.amount > 0 {
            let a = groupA.compactMap { s.line($0)?.budget[src.id] }.reduce(0, +)
            let b = groupB.compactMap { s.line($0)?.budget[src.id] }.reduce(0, +)
            // Shares rounded one by one to 2 decimals, as the table prints them, against the rounded subtotal.
            let roundedSum = { (ls: [LineID]) -> Double in
                ls.compactMap { s.line($0)?.budget[src.id] }.map { (($0 / src.amount) * 10_000).rounded() / 100 }.reduce(0, +)
            }
            let ra = roundedSum(groupA), rb = roundedSum(groupB)
            let sa = (a / src.amount * 10_000).rounded() / 100, sb = (b / src.amount * 10_000).rounded() / 100
            f(.note, ["概算表"], "\(src.name)小计：一、\(n(a)) 万元（\(n(sa))%），二、\(n(b)) 万元（\(n(sb))%），合计 \(n(a + b)) 万元",
              "\(src.id) subtotals: part 1 \(n(a)) 万元 (\(n(sa))%), part 2 \(n(b)) 万元 (\(n(sb))%), total \(n(a + b)) 万元")
            if abs(ra - sa) > 0.001 || abs(rb - sb) > 0.001 {
                f(.note, ["概算表"],
                  "\(src.name)各行比例逐项四舍五入后相加（一、\(n(ra))%，二、\(n(rb))%）与小计比例（\(n(sa))%、\(n(sb))%）差 0.01 个百分点：属舍入差，建议表注说明",
                  "\(src.id): shares rounded one by one add to \(n(ra))% and \(n(rb))%, against subtotals \(n(sa))% and \(n(sb))%: a rounding difference worth a footnote")
            }
        }
        // The total column (总资金预算): shares of 2800 rounded one by one against the rounded subtotal.
        if total > 0 {
            func rounded(_ x: Double) -> Double { (x / total * 10_000 + 1e-9).rounded() / 100 }
            let amounts: [Double] = groupA.compactMap { s.line($0)?.total }
            let a: Double = amounts.reduce(0, +)
            let ra: Double = amounts.map(rounded).reduce(0, +)
            let sa: Double = rounded(a)
            if abs(ra - sa) > 0.001 {
                f(.note, ["概算表"],
                  "总资金列（一）至（四）比例逐项四舍五入后相加为 \(n(ra))%，与小计 \(n(sa))% 相差 \(n(abs(ra - sa))) 个百分点：属舍入差，建议表注说明",
                  "total column: shares of part 1 rounded one by one add to \(n(ra))%, against the subtotal \(n(sa))%: a rounding difference")
            }
        }
        let all = s.lines.map(\.total).reduce(0, +)
        let reserveOnly = all < total && s.funding.allSatisfy { src in
            let sum = s.lines.map { $0.budget[src.id] ?? 0 }.reduce(0, +)
            return abs(sum - src.amount) < 0.005 || (src.allowUnallocated && sum < src.amount)
        }
        f(abs(all - total) < 0.005 ? .note : reserveOnly ? .warning : .error, ["概算表"],
          "总资金 \(n(all)) 万元" + (abs(all - total) < 0.005 ? "" : "（资金来源合计 \(n(total)) 万元）") + "；（一）占 \(pct((s.line(.transformation)?.total ?? 0) / Swift.max(total, 1)))",
          "all lines total \(n(all)) 万元; （一） takes \(pct((s.line(.transformation)?.total ?? 0) / Swift.max(total, 1)))")

        // 2. Counts the budget implies against what the population expects.
        let p = s.policy
        let perFirmFees = p.processManagementFee.amount + p.acceptanceFee.amount + p.auditFee.amount
        if let ps = s.line(.professionalServices), perFirmFees > 0 {
            let whole = ps.total / perFirmFees
            let implied = Swift.max(ps.total - p.researchCost, 0) / perFirmFees   // research may take it all: none left
            let sev: Finding.Severity = e.acceptedFirms > implied ? .warning : .note
            f(sev, ["（七）", "（八）"],
              "专业支撑服务 \(n(ps.total)) 万元 ÷ 每家 \(n(p.processManagementFee.amount))+\(n(p.acceptanceFee.amount))+\(n(p.auditFee.amount)) = \(n(perFirmFees)) 万元 ≈ \(n(whole, 1)) 家\(p.researchCost > 0 ? "（扣除路径研究 \(n(p.researchCost)) 万元后约 \(n(implied, 1)) 家）" : "")；按情景预期试点 \(n(e.pilotFirms, 1)) 家、完成 \(n(e.completedFirms, 1)) 家、验收通过 \(n(e.acceptedFirms, 1)) 家\(sev == .warning ? "，服务费预算不足" : "")",
              "professional services \(n(ps.total)) 万元 at \(n(perFirmFees)) 万元 per firm ≈ \(n(whole, 1)) firms\(p.researchCost > 0 ? " (\(n(implied, 1)) after \(n(p.researchCost)) of research)" : ""); the scenario expects \(n(e.pilotFirms, 1)) pilot, \(n(e.completedFirms, 1)) completed, \(n(e.acceptedFirms, 1)) accepted firms")
        }
        if let t = s.line(.transformation), let cap = p.batches.map(\.cap).max(), cap > 0 {
            f(.note, ["（一）"],
              "数字化改造 \(n(t.total)) 万元按最高上限 \(n(cap)) 万元计可补 \(n(t.total / cap, 1)) 家；预期验收通过 \(n(e.acceptedFirms, 1)) 家",
              "transformation \(n(t.total)) 万元 at the highest cap \(n(cap)) covers \(n(t.total / cap, 1)) firms; \(n(e.acceptedFirms, 1)) accepted firms expected")
            for d in e.transformationDemand {
                f(d.pOverrun > 0.05 ? .warning : .note, ["（一）"],
                  "方案 \(d.label)：（一）预期需求 \(n(d.mean)) 万元，预算 \(n(t.total)) 万元，资金不足的概率约 \(pct(d.pOverrun))（\(e.trials) 次模拟）",
                  "variant \(d.id): expected （一） demand \(n(d.mean)) 万元 against \(n(t.total)); overrun probability about \(pct(d.pOverrun)) (\(e.trials) trials)")
            }
        }
        if let sf = s.line(.smartFactory), p.smartFactoryAmount > 0 {
            let implied = sf.total / p.smartFactoryAmount
            f(e.smartFactories > implied ? .warning : .note, ["（三）"],
              "先进级智能工厂 \(n(sf.total)) 万元 ÷ \(n(p.smartFactoryAmount)) 万元 = \(n(implied, 1)) 家；预期新评 \(n(e.smartFactories, 1)) 家",
              "smart factories \(n(sf.total)) / \(n(p.smartFactoryAmount)) = \(n(implied, 1)); \(n(e.smartFactories, 1)) expected")
        }
        if let c = s.line(.cloud), p.cloudAmount > 0 {
            let implied = c.total / p.cloudAmount
            f(e.cloudFirms > implied ? .warning : .note, ["（四）"],
              "上云用云 \(n(c.total)) 万元 ÷ \(n(p.cloudAmount)) 万元 = \(n(implied, 1)) 家；按情景上云比例预期 \(n(e.cloudFirms, 1)) 家\(e.cloudFirms > implied ? "，预算明显不足" : "")",
              "cloud \(n(c.total)) / \(n(p.cloudAmount)) = \(n(implied, 1)) awards; \(n(e.cloudFirms, 1)) firms expected to deploy\(e.cloudFirms > implied ? ": the line is short" : "")")
        }
        if let b = s.line(.benchmark) {
            let need = Double(p.benchmarkCount) * p.benchmarkAmount
            f(abs(need - b.total) < 0.005 ? .note : .warning, ["（二）"],
              "标杆企业 \(p.benchmarkCount) 家 × \(n(p.benchmarkAmount)) 万元 = \(n(need)) 万元，预算 \(n(b.total)) 万元",
              "benchmark \(p.benchmarkCount) × \(n(p.benchmarkAmount)) = \(n(need)) against \(n(b.total))")
        }
        if let cc = s.line(.chainCase) {
            let need = Double(p.chainCaseCount) * p.chainCaseAmount
            f(abs(need - cc.total) < 0.005 ? .note : .warning, ["（五）"],
              "链式案例 \(p.chainCaseCount) 个 × 最高 \(n(p.chainCaseAmount)) 万元 = \(n(need)) 万元，预算 \(n(cc.total)) 万元；预期合格案例 \(n(e.chainCases, 2)) 个（正文“每个”未限数量，概算表只安排1个）",
              "chain cases \(p.chainCaseCount) × \(n(p.chainCaseAmount)) = \(n(need)) against \(n(cc.total)); \(n(e.chainCases, 2)) qualifying cases expected (the text sets no number; the table funds one)")
        }
        if let sp = s.line(.serviceProvider) {
            let need = Double(p.serviceProviderCount) * p.serviceProviderAmount
            f(abs(need - sp.total) < 0.005 ? .note : .warning, ["（六）"],
              "优质服务商 \(p.serviceProviderCount) 家 × \(n(p.serviceProviderAmount)) 万元 = \(n(need)) 万元，预算 \(n(sp.total)) 万元",
              "service providers \(p.serviceProviderCount) × \(n(p.serviceProviderAmount)) = \(n(need)) against \(n(sp.total))")
        }

        // 3. Contradictions between variants of the same document.
        let vs = loaded.variants
        if vs.count > 1 {
            // Each pair of batch terms once: a third reading with the text's rates (硬件从严, say)
            // is no second contradiction with the table.
            var reported: Set<[[Double]]> = []
            func terms(_ p: Policy) -> [Double] { p.batches.flatMap { [$0.rate, $0.cap] } }
            for i in 0..<vs.count {
                for j in (i + 1)..<vs.count {
                    let a = vs[i].scenario.policy, b = vs[j].scenario.policy
                    guard reported.insert([terms(a), terms(b)].sorted { $0.lexicographicallyPrecedes($1) }).inserted else { continue }
                    var diffs: [String] = []
                    for k in 0..<Swift.min(a.batches.count, b.batches.count) {
                        let x = a.batches[k], y = b.batches[k]
                        if x.rate != y.rate || x.cap != y.cap {
                            diffs.append("\(x.name)：\(pct(x.rate))/\(formatNumber(x.cap))万 对 \(pct(y.rate))/\(formatNumber(y.cap))万")
                        }
                    }
                    if !diffs.isEmpty {
                        f(.warning, ["（一）", "概算表"],
                          "同一文件的两种读法不一致：「\(vs[i].label)」与「\(vs[j].label)」—— \(diffs.joined(separator: "；"))。定稿前须统一正文与概算表",
                          "the document contradicts itself: '\(vs[i].id)' and '\(vs[j].id)' differ: \(diffs.joined(separator: "; ")); text and budget table must agree before the measure is final")
                    }
                }
            }
        }
        // 4. Readings the draft leaves open (the scenario chose one).
        f(.note, ["末段"], "“硬件占比不超过试点项目总价的30%”有三种读法（trim_total / trim_eligible / reject），本情景取 \(p.hardwareRule.rawValue)",
          "'hardware ≤ 30% of the project total' has three readings; this scenario uses \(p.hardwareRule.rawValue)")
        f(.note, ["末段"], "“同一项目享受数转供给质效奖补资金不超过\(n(p.ceiling, 0))万元”未写明计入哪些条款，本情景计入：\(p.ceilingLines.map { $0.clause }.joined())",
          "the per-project ceiling does not say which clauses count; this scenario counts \(p.ceilingLines.map(\.rawValue).joined(separator: ", "))")
        let most = Rules.mostUnderCeiling(policy: p, chainCase: s.population.chainCaseHolder == .topFirm ? p.chainCaseAmount : 0)
        if most <= p.ceiling {
            f(.note, ["末段"],
              "按本情景，一家企业计入上限的奖补最多 \(n(most)) 万元（最高补助上限\(s.population.chainCaseHolder == .topFirm ? "＋链式案例" : "")＋标杆＋智能工厂＋上云），达不到 \(n(p.ceiling, 0)) 万元上限：该条款在本情景下不起作用\(s.population.chainCaseHolder == .outside ? "（若链式案例奖励给试点企业，见 population.chain_case_holder: top_firm，则可能起作用）" : "")",
              "a firm can get at most \(n(most)) 万元 under the ceiling's lines, below the \(n(p.ceiling, 0)) ceiling: the clause never binds in this scenario")
        }
        if p.researchCost > 0 {
            f(.note, ["概算表"], "路径研究费用草案未列金额，本情景假设 \(n(p.researchCost)) 万元", "the draft gives no amount for path research; this scenario assumes \(n(p.researchCost)) 万元")
        }
        f(.note, ["（八）"], "（八）“根据所服务试点企业的梳理”疑为“数量”之误", "(8) reads 梳理 ('sorting') where 数量 ('number') seems meant")
        // 5. Inputs whose basis or confidence the scenario does not state (the assumptions register).
        if let undocumented = AssumptionRegister.finding(loaded) { out.append(undocumented) }
        return out.sorted { $0.severity < $1.severity }
    }

    public static func render(_ fs: [Finding], format: String, lang: Language, title: String) -> String {
        switch format {
        case "json":
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            return (try? String(decoding: enc.encode(fs), as: UTF8.self)) ?? "[]"
        case "markdown":
            // Every cell is text: names from the scenario (and trim_total's underscores) stay literal.
            var s = "# \(lang == .zh ? "草案审查" : "Audit of the draft")：\(Markdown.text(title))\n\n"
            s += lang == .zh ? "| 级别 | 条款 | 发现 |\n|---|---|---|\n" : "| severity | clauses | finding |\n|---|---|---|\n"
            for x in fs {
                s += "| \(lang == .zh ? x.severity.chinese : x.severity.rawValue) | \(Markdown.text(x.clauseText)) | \(Markdown.text(lang == .zh ? x.zh : x.en)) |\n"
            }
            return s
        default:
            return fs.map { x in
                "[\(lang == .zh ? x.severity.chinese : x.severity.rawValue)] \(x.clauseText) \(lang == .zh ? x.zh : x.en)"
            }.joined(separator: "\n") + "\n"
        }
    }
}
