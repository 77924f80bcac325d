import Foundation
import SubsidyEngine
import SubsidyModel

/// Everything `subsidysim run` writes, assembled in memory and committed atomically.
public struct RunReport {
    public var loaded: LoadedScenario
    public var result: SimulationResult
    public var findings: [Finding]
    public var commandLine: [String]
    public var startTime: Date
    public var dumpTrials: Bool
    public var programVersion: String
    public var sampling: SamplingMethod
    /// Write 报告.docx (through pandoc) beside summary.md; `--no-docx` turns it off.
    public var writeDocx = true
    /// Write 结果.xlsx (the Excel workbook); `--no-xlsx` turns it off.
    public var writeWorkbook = true
    /// A two-level run's analysis (`run --two-level`): two_level.csv, its chart and section.
    public var twoLevel: TwoLevel?

    public init(loaded: LoadedScenario, result: SimulationResult, findings: [Finding], commandLine: [String], startTime: Date,
                dumpTrials: Bool, programVersion: String, sampling: SamplingMethod) {
        self.loaded = loaded
        self.result = result
        self.findings = findings
        self.commandLine = commandLine
        self.startTime = startTime
        self.dumpTrials = dumpTrials
        self.programVersion = programVersion
        self.sampling = sampling
    }

    static let chartNames = ["total_demand", "exceedance", "lines", "unspent", "variant_difference", "convergence", "two_level"]
    static let captions = ["total_demand": "总需求分布（竖线为总资金）", "exceedance": "总需求超过某金额的概率",
                           "lines": "各预算行需求占预算的比例（P5–P50–P95）", "unspent": "各资金来源的结余",
                           "variant_difference": "两种费率下总需求之差（同一批企业）",
                           "convergence": "模拟估计随试验次数的收敛（95%区间）",
                           "two_level": "各预算行资金不足概率在假设组合间的分布（两层模拟，P10–P90）"]

    /// The charts of a run, each with its script or the reason it cannot be drawn.
    func chartPlans(_ summaries: [VariantSummary], tables: [String: CSVTable], convergence: Convergence? = nil) -> [Charts.Plan] {
        let vs = Charts.series(ids: result.model.variantIDs, labels: result.model.variantLabels, loaded: loaded)
        let title = Charts.heading(loaded)
        let budget = loaded.scenario.totalFunding
        let nv = vs.count
        let L = result.layout
        let totals = (0..<nv).flatMap { result.column($0, L.total(.demand)) }
        let totalProblem = Charts.valuesProblem(totals, what: "总需求")
        func plan(_ name: String, _ script: String, _ skip: String?) -> Charts.Plan {
            Charts.Plan(name, caption: Self.captions[name] ?? name, script: script, skip: skip)
        }
        // Each line's largest P95 ÷ budget over the variants (as chart_lines.csv has it).
        let p95 = L.lines.indices.map { i in
            summaries.map { s in i < s.lines.count ? s.lines[i].p95 / Swift.max(s.lines[i].budget, 1e-9) : 0 }.max() ?? 0
        }
        var plans = [
            plan("total_demand", Charts.totalDemand(variants: vs, budget: budget, title: title),
                 totalProblem ?? Charts.dataProblem(tables["distribution"]!, columns: Array(3..<(3 + nv)))),
            plan("exceedance", Charts.exceedance(variants: vs, budget: budget, atBudget: summaries.map(\.total.overrunProbability),
                                                 upperRightClear: Charts.exceedanceCornerClear((0..<nv).map { result.column($0, L.total(.demand)) }), title: title),
                 Charts.dataProblem(tables["exceedance"]!, columns: [0], constant: "总需求和总资金都等于")
                    ?? Charts.dataProblem(tables["exceedance"]!, columns: Array(1..<(1 + nv)))),
            plan("lines", Charts.lines(variants: vs, lineNames: L.lines.map { (clause: $0.clause, name: $0.chineseName) }, p95: p95, title: title),
                 Charts.dataProblem(tables["chart_lines"]!, columns: [5, 6, 7])),
            plan("unspent", Charts.unspent(variants: vs, sources: summaries.first?.sources.map(\.name) ?? [], title: title),
                 Charts.dataProblem(tables["chart_unspent"]!, columns: Array(1..<(1 + 3 * nv)))),
        ]
        if nv > 1 {
            let a = result.column(0, L.total(.demand)), b = result.column(1, L.total(.demand))
            let d = zip(b, a).map { $0 - $1 }
            let mean = d.isEmpty ? nil : d.reduce(0, +) / Double(d.count)
            plans.append(plan("variant_difference", Charts.variantDifference(a: vs[0], b: vs[1], mean: mean, title: title),
                              Charts.valuesProblem(d, what: "两方案总需求之差")
                                ?? Charts.dataProblem(tables["variant_difference"]!, columns: [3])))
        }
        if let t2 = twoLevel, let t = tables["two_level"] {
            plans.append(plan("two_level", RunTwoLevel.chart(t2, variants: vs, lineNames: L.lines.map { (clause: $0.clause, name: $0.chineseName) }, title: title),
                              Charts.dataProblem(t, columns: [3])))
        }
        if let c = convergence, let t = tables["convergence"] {
            plans.append(plan("convergence", RunConvergence.chart(c, variants: vs, title: title),
                              c.checkpoints.count < 2 ? "试验次数太少，无法画收敛过程" : Charts.dataProblem(t, columns: [3])))
        }
        return plans
    }

    /// Sub-folders carried over from an earlier run on a different scenario (by the hash in their
    /// manifest), each with a Chinese note for summary.md.
    func staleNotes(_ staging: OutputFolder.Staging) -> [(folder: String, note: String)] {
        staging.kept.compactMap { n in
            let rec = Manifest.recorded(in: staging.url.appendingPathComponent(n).path)
            if let sha = rec?.sha256, sha == loaded.sha256 { return nil }
            let when = rec?.start.map { "，生成于 \($0)" } ?? ""
            if let sha = rec?.sha256 {
                return (n, "文件夹 \(Markdown.code(n + "/")) 来自另一个情景（情景 SHA-256 `\(sha.prefix(12))…`，本次为 `\(loaded.sha256.prefix(12))…`\(Markdown.text(when))），不是本次运行的结果，请重新运行或删除。")
            }
            return (n, "文件夹 \(Markdown.code(n + "/")) 没有可读的 manifest.json，无法确认它来自哪个情景，不能当作本次运行的结果。")
        }
    }

    /// Writes the folder; returns warnings (charts that did not render, stale sub-folders).
    public func write(to path: String) throws -> [String] {
        // What drives each shortfall (quantile selections over every input and line) is worked out
        // on another core while the tables below are built; nothing else needs it before 结果.xlsx.
        let result = self.result
        nonisolated(unsafe) var drivers: [[Drivers.Line]] = []
        let driving = DispatchGroup()
        DispatchQueue.global().async(group: driving) { drivers = Drivers.analyse(result) }
        let summaries = result.summaries()
        var folder = OutputFolder(path)
        folder.keepSubfolders = { n in ["sweep-", "solve-", "sensitivity"].contains { n.hasPrefix($0) } }
        var tables: [String: CSVTable] = [
            "distribution": RunTables.distribution(result), "exceedance": RunTables.exceedance(result),
            "chart_lines": RunTables.lineChart(summaries), "chart_unspent": RunTables.unspentChart(summaries),
        ]
        folder.add("summary.csv", RunTables.summary(summaries).data)
        folder.add("sources.csv", RunTables.sources(summaries).data)
        folder.add("batches.csv", RunTables.batches(summaries).data)
        let variants = RunTables.variantDifferences(result)
        folder.add("variants.csv", variants.data)
        if dumpTrials { folder.add("trials.csv", RunTables.trials(result).data) }
        driving.wait()
        if !result.inputValues.isEmpty { folder.add("drivers.csv", RunDrivers.table(drivers, result: result).data) }
        if result.model.variantCount > 1 { tables["variant_difference"] = RunTables.variantDifferenceHistogram(result) }
        // Trials of one world are not independent: a two-level run has no convergence section.
        let convergence = twoLevel == nil ? result.convergence() : nil
        if let convergence { tables["convergence"] = RunConvergence.table(convergence, variantIDs: result.model.variantIDs) }
        if let t = twoLevel { tables["two_level"] = RunTwoLevel.table(t, variantIDs: result.model.variantIDs) }
        for (name, t) in tables { folder.add("\(name).csv", t.data) }
        let workbook = writeWorkbook ? RunWorkbook.build(self, summaries: summaries, variants: variants, drivers: drivers) : nil
        let plans = chartPlans(summaries, tables: tables, convergence: convergence)
        for p in plans { if let s = p.script { folder.add("charts/\(p.name).gp", text: s) } }
        var warnings: [String] = []
        try folder.commit { staging in
            // gnuplot draws the charts (processes of their own) while this thread works out the
            // 结论 and writes 结果.xlsx, which need no chart; the Markdown waits for the charts.
            let charting = DispatchGroup()
            nonisolated(unsafe) var drawn: (outcomes: [Charts.Outcome], warnings: [String]) = ([], [])
            DispatchQueue.global().async(group: charting) {
                drawn = Charts.render(folder: staging.url.appendingPathComponent("charts"), plans: plans)
            }
            defer { charting.wait() }
            let conclusion = self.conclusion(summaries)
            if let workbook { try self.saveWorkbook(workbook, in: staging) }
            charting.wait()
            warnings = drawn.warnings
            let stale = self.staleNotes(staging)
            warnings += stale.map { "注意：\($0.folder) 来自另一个情景或无法确认来源，不是本次结果 / note: \($0.folder) is not from this scenario" }
            try staging.write("summary.md", text: self.markdown(summaries, charts: drawn.outcomes, stale: stale.map(\.note), drivers: drivers,
                                                                convergence: convergence, conclusion: conclusion))
            if self.writeDocx {
                let source = self.markdown(summaries, charts: drawn.outcomes, stale: stale.map(\.note), drivers: drivers,
                                           convergence: convergence, printWidth: WordReport.printWidth, conclusion: conclusion)
                if let w = WordReport.write(markdown: source, in: staging) { warnings.append(w) }
            }
            try Manifest.write(self.manifestFields(), self.invocation, loaded: self.loaded, trials: self.result.trials, in: staging)
        }
        return warnings
    }

    /// The 结论 of this run, naming the `rebalance` command that fits its table on the same trials.
    func conclusion(_ summaries: [VariantSummary]) -> RunConclusion {
        var c = RunConclusion(result: result, summaries: summaries, scenario: loaded.scenario)
        if loaded.variants.count == summaries.count { c.names = loaded.variants.map { $0.name.isEmpty ? $0.id : $0.name } }
        // rebalance refuses a --set of a whole mapping that leaves out keys of the file's (it could
        // not write it into rebalanced.yaml): then no command is named.
        if twoLevel == nil, loaded.replacedMappings().isEmpty, reproduceCommand.hasPrefix("subsidysim run") {
            c.rebalanceCommand = "subsidysim rebalance" + reproduceCommand.dropFirst("subsidysim run".count)
        }
        return c
    }

    /// Writes 结果.xlsx into the staging folder (before the manifest, which lists it).
    func saveWorkbook(_ wb: Workbook, in staging: OutputFolder.Staging) throws {
        try wb.write(in: staging, title: loaded.scenario.title, subject: "资金需求测算结果", name: RunWorkbook.fileName)
    }

    /// The run's own manifest fields (beside the common header).
    func manifestFields() -> Manifest.RunFields {
        Manifest.RunFields(sampling: sampling.rawValue, reproduce: reproduceCommand,
                           simulationSeconds: Manifest.milliseconds(result.wallSeconds))
    }

    var invocation: Manifest.Invocation {
        Manifest.Invocation(version: programVersion, commandLine: commandLine, start: startTime, seed: result.model.seed,
                            threads: result.threads)
    }

    /// The command that gives byte-identical CSVs.
    public var reproduceCommand: String {
        var parts = ["subsidysim", "run"]
        if loaded.file != LoadedScenario.builtinName { parts.append(Shell.file(loaded.file)) }
        parts += ["--seed", String(result.model.seed)]
        parts += twoLevel.map { ["--two-level", "\($0.worlds)x\($0.perWorld)"] } ?? ["--trials", String(result.trials)]
        for o in loaded.overrides { parts += ["--set", shellQuote(o.text)] }
        for v in result.model.variantIDs where loaded.scenario.variantSpecs.count != result.model.variantCount {
            parts += ["--variant", v]
        }
        if sampling != .random { parts += ["--sampling", sampling.rawValue] }
        return parts.joined(separator: " ")
    }

    func shellQuote(_ s: String) -> String { Shell.word(s) }

    func overrunText(_ r: OverrunRule) -> String {
        switch r {
        case .prorate: return "按比例兑付（prorate）"
        case .batchOrder: return "先兑付第一批（batch_order）"
        case .lottery: return "随机顺序整额兑付（lottery）"
        case .reallocate: return "县级结余资金调剂（reallocate）"
        }
    }

    /// summary.md, and with `printWidth` the source of 报告.docx (charts as numbered figures at
    /// that width). Sections: 结论 first (verdicts, what to move, headline numbers), then the
    /// tables per variant, charts, causes of shortfalls, the draft audit, the assumptions register,
    /// and method and reproducibility. Every text from the scenario goes through `Markdown.text`.
    /// `conclusion`: the 结论 section's analysis when the caller has it already (summary.md and
    /// 报告.docx share one; it sorts every line's demands), else computed here.
    func markdown(_ s: [VariantSummary], charts: [Charts.Outcome], stale: [String] = [], drivers: [[Drivers.Line]] = [],
                  convergence: Convergence? = nil, printWidth: String? = nil, conclusion: RunConclusion? = nil) -> String {
        func n(_ x: Double) -> String { CSVTable.fixed(x, 2) }
        func pct(_ x: Double) -> String { percentText(x) }
        func label(_ v: VariantSummary) -> String { Markdown.text(v.label) }
        let sc = loaded.scenario
        let total = formatNumber(sc.totalFunding)
        var md = "# \(Markdown.text(sc.title))：资金需求测算\n\n"
        md += "> 蒙特卡洛模拟 \(result.trials) 次（种子 \(result.model.seed)，\(sampling == .lhs ? "拉丁超立方抽样" : "独立抽样")）；各方案使用同一批模拟企业。"
        md += "金额单位：万元；概率以百分比表示（CSV 文件中为小数）。情景：\(Markdown.text(loaded.file))（SHA-256 \(loaded.sha256.prefix(12))…）"
        md += loaded.overrides.isEmpty ? "。\n\n"
            : "，另作以下修改：" + loaded.overrides.map { Markdown.text(loaded.describe($0)) }.joined(separator: "；") + "（方案名称后的括号写明实际计算的取值）。\n\n"
        md += "> 自治区资金只能用于（一），各预算行按“\(overrunText(sc.policy.overrun))”处理超支；因此“总需求超过总资金”的概率只在资金可以统筹时才有意义，请先看各预算行。\n\n"
        if !stale.isEmpty {
            md += "## 注意：旧结果\n\n" + stale.map { "- \($0)\n" }.joined() + "\n"
        }
        if result.precisionMissed, let e = result.precisionTarget, let got = result.precisionReached {
            md += "> **注意：未达到精度目标。** --precision \(formatNumber(e)) 要求\(Markdown.text(result.precisionEstimate.chinese))的标准误低于 \(formatNumber(e))；模拟到试验上限 \(result.trials) 次时标准误仍为 \(String(format: "%.2g", got))。以下结果的精度低于所要求的。\n\n"
        }
        var headline = ""
        for v in s {
            let t = v.total
            let tr = v.lines.first { $0.line == .transformation }
            let regional = v.sources.indices.contains(result.layout.restrictedSource) ? v.sources[result.layout.restrictedSource] : nil
            headline += "- **\(label(v))**："
            if let tr {
                headline += "（一）数字化改造资金不足的概率为 **\(pct(tr.overrunProbability))**（95%区间 \(percentInterval(tr.overrunLow, tr.overrunHigh))），不足时平均缺口 \(n(tr.unmetGivenOverrun)) 万元；"
            }
            headline += "至少一条预算行资金不足的概率为 \(pct(v.anyLineShort))。"
            headline += "若\(total)万元可全部统筹使用（各行之间、自治区与县级资金之间可调剂），总需求超过\(total)万元的概率为 **\(pct(t.overrunProbability))**（95%区间 \(percentInterval(t.overrunLow, t.overrunHigh))）；"
            headline += "总需求均值 \(n(t.demandMean)) 万元（P5 \(n(t.p5))，P95 \(n(t.p95))）。"
            if let r = regional {
                headline += "\(Markdown.text(r.name))未用完的概率 \(pct(r.notFullyUsedProbability))，平均结余 \(n(r.unspentMean)) 万元。"
            }
            headline += "\n\n"
        }
        if s.count > 1 {
            let L = result.layout
            let a = result.column(0, L.total(.demand)), b = result.column(1, L.total(.demand))
            let d = zip(b, a).map { $0 - $1 }
            var m = Moments()
            d.forEach { m.add($0) }
            let q = Statistics.quantiles(d, [0.05, 0.95])
            // Signed differences with the minus sign, and the words after them ("少" before −340 read as a double negative).
            func signed(_ x: Double) -> String { (x < 0 ? "−" : x > 0 ? "+" : "") + n(abs(x)) }
            headline += "- **方案差异**：「\(label(s[1]))」减「\(label(s[0]))」的总需求之差（逐次试验配对）平均 \(signed(m.mean)) 万元"
                + "（P5 \(signed(q[0]))，P95 \(signed(q[1]))），即平均\(m.mean < 0 ? "少" : "多") \(n(abs(m.mean))) 万元。\n"
        }
        md += (conclusion ?? self.conclusion(s)).markdown(headline: headline)
        md += "\n## 测算结果\n\n"
        for v in s {
            md += "### \(label(v))\n\n"
            md += "**各预算行**（万元）\n\n"
            var lines = MarkdownTable(numbers: ["预算行", "预算", "需求均值", "P5", "P50", "P95", "不足概率（95%区间）", "不足时缺口", "平均结余", "兑付率"])
            for l in v.lines + [v.total, v.allLines] {
                let name = l.line.map { "\($0.clause)\($0.chineseName)" } ?? "**\(Markdown.text(l.name))**"
                lines.add([name, n(l.budget), n(l.demandMean), n(l.p5), n(l.p50), n(l.p95),
                           "\(pct(l.overrunProbability))（\(percentInterval(l.overrunLow, l.overrunHigh))）",
                           l.overrunProbability > 0 ? n(l.unmetGivenOverrun) : "—", n(l.unspentMean), pct(l.payoutRatioMean)])
            }
            md += lines.text
            md += "\n合计两行各答一个问题：“\(Markdown.text(v.total.name))”一行是总需求超过总资金的概率，以及统筹后的缺口与结余；"
            md += "“\(Markdown.text(v.allLines.name))”一行是至少一条预算行不足的概率，以及各行缺口、结余之和。"
            md += "不足时缺口是资金不足的那些试验中平均缺多少（结论中的数字）；全部试验平均的缺口在 summary.csv 和 结果.xlsx 中。\n\n"
            md += "**资金来源**（万元）\n\n"
            var sources = MarkdownTable(numbers: ["资金来源", "金额", "平均使用", "平均结余（P5–P95）", "未用完的概率"])
            for x in v.sources {
                sources.add([Markdown.text(x.name), n(x.amount), n(x.usedMean), "\(n(x.unspentMean))（\(n(x.unspentP5))–\(n(x.unspentP95))）", pct(x.notFullyUsedProbability)])
            }
            md += sources.text
            md += "\n**批次与行业**\n\n"
            var groups = MarkdownTable(numbers: ["批次/行业", "企业数", "验收通过", "（一）需求（万元）", "户均补助（万元）", "达上限比例", "实际补助比例"])
            for g in v.batches + v.segments {
                groups.add([Markdown.text(g.name), CSVTable.fixed(g.firms, 1), CSVTable.fixed(g.accepted, 1), n(g.demand), n(g.meanAward),
                            pct(g.atCapShare), pct(g.effectiveRate)])
            }
            md += groups.text
            md += "\n"
        }
        if let t = twoLevel { md += RunTwoLevel.markdown(t, labels: s.map(\.label)) }
        if let c = convergence { md += RunConvergence.markdown(c, result: result, labels: s.map(\.label)) }
        md += Charts.markdown(charts, printWidth: printWidth)
        md += RunDrivers.markdown(drivers, labels: s.map { Markdown.text($0.label) })
        if !findings.isEmpty {
            md += "## 草案审查\n\n> subsidysim check 对草案的核对：概算表的算术、预算能支持的企业数与情景的预期、同一文件两种读法的矛盾，以及草案留下的解释空间。\n\n"
            var t = MarkdownTable(["级别", "条款", "发现"], rightAligned: [false, false, false])
            for f in findings { t.add([f.severity.chinese, f.clauseText, Markdown.text(f.zh)]) }
            md += t.text
            md += "\n"
        }
        md += AssumptionRegister.markdown(AssumptionRegister.entries(loaded, drivers: drivers))
        md += methodMarkdown()
        return md
    }

    /// 方法与重现: what was simulated and how, and how to get the same numbers again.
    func methodMarkdown() -> String {
        let sc = loaded.scenario
        var md = "## 方法与重现\n\n"
        md += "本测算用蒙特卡洛模拟：每次试验先抽取一组“试验级”输入（两批企业数、完成率与达标率、价格水平、上云比例、链式案例数等，"
        md += "代表对实际情况的不确定），再逐家模拟试点企业的投入、硬件占比与验收结果，按草案各条款计算每家企业应得的奖补，"
        md += "汇总为各预算行的需求，与概算表的预算比较。各方案（对草案的不同读法）在每次试验中使用同一批模拟企业，因此方案之间的差异只来自政策本身。"
        md += "每条规则与草案条款的对应见模型说明（Scenarios/MODEL.zh.md），草案原文见 Scenarios/pingluo-measures-draft.txt。\n\n"
        md += "结果表中的 95% 区间是模拟精度（试验次数有限带来的误差），不是对假设的不确定性；后者见“主要假设”与 subsidysim sensitivity。\n\n"
        var t = MarkdownTable(["项目", "取值"], rightAligned: [false, false])
        t.add(["程序版本", "subsidysim \(Markdown.text(programVersion))"])
        t.add(["情景", "\(Markdown.text(loaded.file))（\(Markdown.text(sc.id))）"])
        t.add(["情景 SHA-256", loaded.sha256])
        t.add(["随机种子", String(result.model.seed)])
        t.add(["试验次数", String(result.trials)])
        t.add(["抽样方法", sampling == .lhs ? "拉丁超立方抽样（lhs）" : "独立抽样（random）"])
        t.add(["重现命令", Markdown.text(reproduceCommand)])
        md += t.text + "\n"
        md += "相同的情景、种子与试验次数，在任意线程数下给出逐字节相同的 CSV。manifest.json 记录程序版本、情景哈希、种子、线程数、GSL 版本与每个输出文件的 SHA-256。\n"
        return md
    }
}

/// A probability as a percentage with one decimal; "<0.1%" / ">99.9%" where one decimal would show 0.0% or 100.0%.
public func percentText(_ x: Double) -> String {
    let shown = CSVTable.fixed(x * 100, 1)
    // Only a probability that is exactly 0 or 1 reads as 0.0% or 100.0%: one that rounds there
    // (0.9995 would print 100.0%) is shown as beyond the last digit.
    if x > 0 && shown == "0.0" { return "<0.1%" }
    if x < 1 && shown == "100.0" { return ">99.9%" }
    return shown + "%"
}

/// A 95% interval of probabilities as people read it: "9.2%–9.6%"; with an end beyond the last
/// digit written out with 至 (to), so "–>" is never read as an arrow: "99.9% 至 >99.9%".
public func percentInterval(_ low: Double, _ high: Double, en: Bool = false) -> String {
    let a = percentText(low), b = percentText(high)
    let beyond = [a, b].contains { $0.hasPrefix("<") || $0.hasPrefix(">") }
    return beyond ? a + (en ? " to " : " 至 ") + b : a + "–" + b
}

/// Text for a shell command line the program prints (the reproduce command, `new`'s hint).
public enum Shell {
    /// `s` as one shell word: as it is when it has only letters, digits and `-_./=:` (no glob
    /// character: `policy.batches[0].cap=45` unquoted matches a file named `policy.batches0.cap=45`),
    /// else in single quotes.
    public static func word(_ s: String) -> String {
        !s.isEmpty && s.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:".contains($0) } ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// A file as one shell word for a command: "./" before a name that starts with "-" (else an option).
    public static func file(_ path: String) -> String { word(path.hasPrefix("-") ? "./" + path : path) }
}
