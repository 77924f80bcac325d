import Foundation

extension TreeDecoder {
    /// Decodes a whole scenario tree (after `base:` merging and overrides). Nil when any problem was found.
    mutating func scenario(_ root: YNode) -> Scenario? {
        guard let top = mapping(root, schema: "") else { return nil }
        let id = identifier(top["id"], "id", parent: root)
        let title = string(top["title"], "title", parent: root, default: id ?? "")
        let source = string(top["source"], "source", parent: root, default: "")
        var funding: [FundingSource]?, lines: [BudgetLine]?, policy: Policy?, population: Population?
        var variants: [VariantSpec] = []
        let beforeMoney = bag.items.count
        if let n = top["funding"] { funding = fundingSources(n) } else { missing(root, "funding", Self.aList) }
        // Budget keys are checked against the sources only when the sources could be read.
        let sources = bag.items.count == beforeMoney ? funding : nil
        if let n = top["lines"] { lines = budgetLines(n, funding: sources) } else { missing(root, "lines", Self.aList) }
        // Sums are only meaningful when every source and line was read: a bad line would make them disagree too.
        let moneyRead = bag.items.count == beforeMoney
        if let n = top["policy"] { policy = self.policy(n) } else { missing(root, "policy", Self.aMapping) }
        // More batches than the limit is an error of policy.batches itself (only so many are read):
        // no second message comparing per-batch lists with those.
        let nb = (top["policy"]?["batches"]?.items?.count ?? 0) > Limits.maxBatches ? nil : policy?.batches.count
        if let n = top["population"] { population = self.population(n, batches: nb) } else { missing(root, "population", Self.aMapping) }
        let simulation = self.simulation(top["simulation"], parent: root)
        if let n = top["variants"] { variants = variantSpecs(n) ?? [] }
        if moneyRead, let funding, let lines { checkFunding(funding, lines, root: root, top: top) }
        // Batches and segments share one table (批次与行业): a segment named as a batch is a second row of that name.
        if let policy, let population {
            let batchNames = policy.batches.map(\.name)
            for (i, sg) in population.segments.enumerated() {
                guard let b = batchNames.firstIndex(of: sg.name) else { continue }
                let p = "population.segments[\(i)]", q = "policy.batches[\(b)]"
                let node = top["population"]?["segments"]?.items.flatMap { i < $0.count ? $0[i] : nil }
                let batchNode = top["policy"]?["batches"]?.items.flatMap { b < $0.count ? $0[b] : nil }
                // At the one an override just renamed (the batch, say), else at the segment.
                let atBatch = isOverridden(q + ".name") && !isOverridden(p + ".name")
                let at = atBatch ? (batchNode?["name"] ?? batchNode ?? root) : (node?["name"] ?? node ?? root)
                bag.add(at.location, (atBatch ? q : p) + ".name", Message(
                    zh: "批次 \(q) 与行业分组 \(p) 都叫 “\(sg.name)”；批次和行业在“批次与行业”表中并列，名称须不同",
                    en: "the batch \(q) and the segment \(p) are both named '\(sg.name)'; batches and segments share one table, so their names must differ"))
            }
        }
        guard bag.isEmpty, let id, let title, let source, let funding, let lines, let policy, let population, let simulation
        else { return nil }
        return Scenario(id: id, title: title, source: source, funding: funding, lines: lines, policy: policy,
                        population: population, simulation: simulation, variantSpecs: variants)
    }

    mutating func fundingSources(_ node: YNode) -> [FundingSource]? {
        guard let xs = list(node, "funding") else { return nil }
        if xs.isEmpty { bag.add(node.location, "funding", Message(zh: "至少要有一个资金来源", en: "at least one funding source is needed")) }
        var out: [FundingSource] = []
        var names: [SeenName] = []
        for (i, x) in xs.enumerated() {
            let p = "funding[\(i)]"
            guard let m = mapping(x, schema: p) else { continue }
            let id = identifier(m["id"], p + ".id", parent: x)
            let name = string(m["name"], p + ".name", parent: x, default: id ?? "")
            // (A repeated id is its own error, whose default names would repeat too.)
            if let name, !(id.map { id in out.contains { $0.id == id } } ?? false) {
                uniqueName(name, kind: Message(zh: "资金来源", en: "funding sources"), seen: &names, at: p, node: m["name"], entry: x)
            }
            let amount = number(m, "amount", at: p, node: x)
            var only: [LineID]?
            if let o = m["only_lines"], let ys = list(o, p + ".only_lines") {
                only = ys.enumerated().compactMap { j, y in lineID(y, p + ".only_lines[\(j)]") }
                repeatedLines(ys, p + ".only_lines")
                if ys.isEmpty {
                    bag.add(o.location, p + ".only_lines", Message(zh: "only_lines 至少要列出一条预算行（资金可用于任何预算行时，不写 only_lines）",
                                                                 en: "only_lines must name at least one line (leave it out if the money may pay any line)"))
                }
            }
            if let id, out.contains(where: { $0.id == id }) {
                bag.add(m["id"]!.location, p + ".id", Message(zh: "资金来源 “\(id)” 重复", en: "funding source '\(id)' appears twice"))
            }
            let allow = flag(m, "allow_unallocated", at: p, node: x)
            if let id, let name, let amount, let allow {
                out.append(FundingSource(id: id, name: name, amount: amount, onlyLines: only, allowUnallocated: allow))
            }
        }
        return out
    }

    mutating func lineID(_ node: YNode, _ path: String) -> LineID? {
        guard let s = string(node, path, parent: node) else { return nil }
        if let l = LineID(rawValue: s) { return l }
        let all = LineID.allCases.map(\.rawValue)
        let hint = suggestion(for: s, in: all)
        bag.add(node.location, path, Message(
            zh: "未知的预算行 “\(s)”\(hint.map { "；是否想写 “\($0)”？" } ?? "")（可用：\(all.joined(separator: ", "))）",
            en: "unknown budget line '\(s)'\(hint.map { "; did you mean '\($0)'?" } ?? "") (expected one of: \(all.joined(separator: ", ")))"))
        return nil
    }

    /// A list of budget lines names each line once: a repeat is a slip (a line counted twice
    /// toward the ceiling, say). Items that are not line ids were reported by `lineID`.
    mutating func repeatedLines(_ items: [YNode], _ path: String) {
        var seen: [String: Int] = [:]
        for (i, y) in items.enumerated() {
            guard case let .scalar(s, _) = y.value, LineID(rawValue: s) != nil else { continue }
            if let first = seen[s] {
                bag.add(y.location, "\(path)[\(i)]", Message(zh: "预算行 “\(s)” 写了两次（第 \(first + 1) 项与第 \(i + 1) 项）；每条预算行只写一次",
                                                          en: "the line '\(s)' is listed twice (items \(first + 1) and \(i + 1)); list each line once"))
            } else { seen[s] = i }
        }
    }

    /// `funding` nil: the sources could not be read, so budget keys are not checked against them.
    mutating func budgetLines(_ node: YNode, funding: [FundingSource]?) -> [BudgetLine]? {
        guard let xs = list(node, "lines") else { return nil }
        var out: [BudgetLine] = []
        let sourceIDs = funding?.map(\.id) ?? []
        for (i, x) in xs.enumerated() {
            let p = "lines[\(i)]"
            guard let m = mapping(x, schema: p) else { continue }
            guard let idNode = m["id"] else { missing(x, p + ".id", Self.aText); continue }
            guard let id = lineID(idNode, p + ".id") else { continue }
            if out.contains(where: { $0.id == id }) {
                bag.add(idNode.location, p + ".id", Message(zh: "预算行 “\(id.rawValue)” 重复", en: "budget line '\(id.rawValue)' appears twice"))
                continue
            }
            let name = string(m["name"], p + ".name", parent: x, default: id.chineseName) ?? id.chineseName
            let clause = string(m["clause"], p + ".clause", parent: x, default: id.clause) ?? id.clause
            var budget: [String: Double] = [:]
            if let b = m["budget"] {
                if case .scalar = b.value {
                    bag.add(b.location, p + ".budget", Message(zh: "应为各资金来源的金额，如 {regional: 2000, county: 600}",
                                                              en: "expected an amount per funding source, e.g. {regional: 2000, county: 600}"))
                } else if let bm = mapping(b, p + ".budget", allowed: funding == nil ? (b.pairs?.map(\.key) ?? []) : sourceIDs) {
                    for k in bm.keys.sorted() {
                        if let a = number(bm, k, at: p + ".budget", node: b) { budget[k] = a }
                    }
                    for s in funding ?? [] {
                        if let only = s.onlyLines, !only.contains(id), let a = budget[s.id], a > 0 {
                            bag.add(bm[s.id]!.location, p + ".budget." + s.id, Message(
                                zh: "资金来源 “\(s.name)” 只能用于 \(only.map { $0.clause }.joined())，不能安排给 \(id.clause)",
                                en: "funding source '\(s.id)' may only pay \(only.map(\.rawValue).joined(separator: ", ")), not \(id.rawValue)"))
                        }
                    }
                }
            } else { missing(x, p + ".budget", Self.aMapping) }
            out.append(BudgetLine(id: id, name: name, clause: clause, budget: budget, sourceOrder: sourceIDs))
        }
        let absent = LineID.allCases.filter { l in !out.contains { $0.id == l } }
        if !absent.isEmpty, out.count == xs.count {
            bag.add(node.location, "lines", Message(
                zh: "缺少预算行：\(absent.map { "\($0.rawValue)\($0.clause)" }.joined(separator: ", "))（七条预算行都要写出，没有预算的写 0）",
                en: "missing budget lines: \(absent.map(\.rawValue).joined(separator: ", ")) (list all seven lines; write 0 for a line without money)"))
        }
        return out
    }

    /// Budget lines must add up to each funding source's amount.
    mutating func checkFunding(_ funding: [FundingSource], _ lines: [BudgetLine], root: YNode, top: [String: YNode]) {
        guard let fnode = top["funding"]?.items else { return }
        for (i, s) in funding.enumerated() {
            let sum = lines.map { $0.budget[s.id] ?? 0 }.reduce(0, +)
            // With allow_unallocated the lines may hold less (the loader warns of the rest), never more.
            if abs(sum - s.amount) > 0.005 && !(s.allowUnallocated && sum < s.amount) {
                var loc = fnode.indices.contains(i) ? (fnode[i]["amount"]?.location ?? fnode[i].location) : root.location
                var key = "funding[\(i)].amount"
                // When the amount comes from another file (a base) and lines' shares of this source
                // were written in this one (or by a variant's set:), the mismatch is their doing:
                // point at the one such line, or at the list when there are several, not at a base
                // file the planner never opened.
                // Nearness to the planner: a value typed on the command line (--set, line 0), then
                // this file (or its variants), then a base.
                func near(_ l: SourceLocation) -> Int { l.line == 0 ? 2 : l.file == root.location.file ? 1 : 0 }
                if let lnode = top["lines"], let ls = lnode.items {
                    let at = ls.indices.compactMap { k in ls[k]["budget"]?[s.id].map { (k, $0.location) } }
                    let best = at.map { near($0.1) }.max() ?? 0
                    let here = at.filter { near($0.1) == best }
                    if best > near(loc), let first = here.first {
                        if here.count == 1 || best == 2 || near(lnode.location) != best {
                            (loc, key) = (first.1, "lines[\(first.0)].budget.\(s.id)")
                        } else {
                            (loc, key) = (lnode.location, "lines")
                        }
                    }
                }
                bag.add(loc, key, Message(
                    zh: "预算行中 “\(s.id)” 的金额合计 \(formatNumber(sum)) 万元，与该资金来源的 \(formatNumber(s.amount)) 万元不符" + (sum > s.amount
                        ? "（多出 \(formatNumber(sum - s.amount)) 万元：请减少其他预算行，或同时改 funding[\(i)].amount）"
                        : "（少 \(formatNumber(s.amount - sum)) 万元：有意留作未分配资金时，在该资金来源写 allow_unallocated: true）"),
                    en: "the budget lines give '\(s.id)' \(formatNumber(sum)) 万元 in all, but the source has \(formatNumber(s.amount)) 万元" + (sum > s.amount
                        ? " (\(formatNumber(sum - s.amount)) 万元 too much: lower other lines, or change funding[\(i)].amount with them)"
                        : " (\(formatNumber(s.amount - sum)) 万元 short: to leave it unallocated on purpose, write allow_unallocated: true on the source)")))
            }
        }
    }

    mutating func policy(_ node: YNode) -> Policy? {
        guard let m = mapping(node, schema: "policy") else { return nil }
        var batches: [BatchPolicy] = []
        var batchesWritten = 0
        if let bn = m["batches"], let xs = list(bn, "policy.batches") {
            batchesWritten = Swift.min(xs.count, Limits.maxBatches)
            if xs.isEmpty { bag.add(bn.location, "policy.batches", Message(zh: "至少要有一个批次", en: "at least one batch is needed")) }
            if xs.count > Limits.maxBatches {
                bag.add(bn.location, "policy.batches", Message(zh: "批次有 \(xs.count) 个，最多 \(Limits.maxBatches) 个", en: "\(xs.count) batches; at most \(Limits.maxBatches)"))
            }
            var names: [SeenName] = []
            for (i, x) in xs.prefix(Limits.maxBatches).enumerated() {
                let p = "policy.batches[\(i)]"
                guard let bm = mapping(x, schema: p) else { continue }
                let name = string(bm["name"], p + ".name", parent: x, default: FieldInfo.batchName(i))
                if let name { uniqueName(name, kind: Message(zh: "批次", en: "batches"), seen: &names, at: p, node: bm["name"], entry: x) }
                let rate = number(bm, "rate", at: p, node: x)
                let cap = number(bm, "cap", at: p, node: x)
                if let name, let rate, let cap { batches.append(BatchPolicy(name: name, rate: rate, cap: cap)) }
            }
        } else if m["batches"] == nil { missing(node, "policy.batches", Self.aList) }

        func sub(_ key: String) -> (YNode, [String: YNode])? {
            guard let n = m[key] else { missing(node, "policy." + key, Self.aMapping); return nil }
            guard let mm = mapping(n, schema: "policy." + key) else { return nil }
            return (n, mm)
        }
        var limit: Double?, rule = HardwareRule.trimTotal
        if let (n, hm) = sub("hardware") {
            limit = number(hm, "limit", at: "policy.hardware", node: n)
            if let l = limit, l >= 1 {
                bag.add(hm["limit"]!.location, "policy.hardware.limit", Message(zh: "硬件占比上限必须小于 1", en: "the hardware limit must be below 1"))
            }
            rule = word(hm, "rule", at: "policy.hardware", node: n)
        }
        var bCount: Int?, bAmount: Double?
        if let (n, bm) = sub("benchmark") {
            bCount = whole(bm, "count", at: "policy.benchmark", node: n)
            bAmount = number(bm, "amount", at: "policy.benchmark", node: n)
        }
        var sfAmount: Double?
        if let (n, sm) = sub("smart_factory") { sfAmount = number(sm, "amount", at: "policy.smart_factory", node: n) }
        var cloudAmount: Double?
        if let (n, cm) = sub("cloud") { cloudAmount = number(cm, "amount", at: "policy.cloud", node: n) }
        var ccCount: Int?, ccAmount: Double?
        if let (n, cm) = sub("chain_case") {
            ccCount = whole(cm, "count", at: "policy.chain_case", node: n)
            ccAmount = number(cm, "amount", at: "policy.chain_case", node: n)
        }
        var spCount: Int?, spAmount: Double?
        if let (n, sm) = sub("service_provider") {
            spCount = whole(sm, "count", at: "policy.service_provider", node: n)
            spAmount = number(sm, "amount", at: "policy.service_provider", node: n)
        }
        var pm: Fee?, acc: Fee?, audit: Fee?, research: Double?
        if let (n, sm) = sub("services") {
            pm = fee(sm, "process_management", at: "policy.services", node: n)
            acc = fee(sm, "acceptance", at: "policy.services", node: n)
            audit = fee(sm, "audit", at: "policy.services", node: n)
            research = number(sm, "research", at: "policy.services", node: n)
        }
        var ceiling: Double?, ceilingLines: [LineID] = LineID.firmLevel
        if let (n, cm) = sub("ceiling") {
            ceiling = number(cm, "amount", at: "policy.ceiling", node: n)
            if let ln = cm["lines"], let xs = list(ln, "policy.ceiling.lines") {
                let read = xs.enumerated().compactMap { i, x in lineID(x, "policy.ceiling.lines[\(i)]").map { (i, $0) } }
                ceilingLines = read.map(\.1)
                repeatedLines(xs, "policy.ceiling.lines")
                for (i, l) in read where !LineID.firmLevel.contains(l) {
                    bag.add(xs[i].location, "policy.ceiling.lines[\(i)]", Message(
                        zh: "\(l.rawValue) 不是按企业发放的奖补，不能计入单个项目上限（可用：\(LineID.firmLevel.map(\.rawValue).joined(separator: ", "))）",
                        en: "\(l.rawValue) is not paid per firm and cannot count toward the per-project ceiling (expected one of: \(LineID.firmLevel.map(\.rawValue).joined(separator: ", ")))"))
                }
            }
        }
        let overrun: OverrunRule = word(m, "overrun", at: "policy", node: node)
        let lotteryStop: LotteryStop = word(m, "lottery_stop", at: "policy", node: node)
        guard let limit, let bCount, let bAmount, let sfAmount, let cloudAmount, let ccCount, let ccAmount, let spCount, let spAmount,
              let pm, let acc, let audit, let research, let ceiling, !batches.isEmpty,
              // A batch that could not be read must not shrink the count the population is checked against.
              batches.count == batchesWritten else { return nil }
        return Policy(batches: batches, hardwareLimit: limit, hardwareRule: rule, benchmarkCount: bCount, benchmarkAmount: bAmount,
                      smartFactoryAmount: sfAmount, cloudAmount: cloudAmount, chainCaseCount: ccCount, chainCaseAmount: ccAmount,
                      serviceProviderCount: spCount, serviceProviderAmount: spAmount, processManagementFee: pm, acceptanceFee: acc,
                      auditFee: audit, researchCost: research, ceiling: ceiling, ceilingLines: ceilingLines, overrun: overrun,
                      lotteryStop: lotteryStop)
    }

    /// A count's distribution must stay below a memory-safe bound: the law's upper end (its
    /// family's `LawFacts.highest`, ∞ for an unbounded law), or `max` when lower.
    mutating func checkCountBound(_ d: Distribution, _ node: YNode, _ path: String, limit: Int = Population.maxFirmsPerBatch) {
        var top = d.kind.facts.highest
        if let u = d.upper { top = Swift.min(top, u) }
        if case let .fixed(v) = d.kind, v > Double(limit) {
            bag.add(node.location, path, Message(
                zh: "数量 \(formatNumber(v)) 超过上限 \(limit)", en: "the count \(formatNumber(v)) is above the limit of \(limit)"))
        } else if top > Double(limit) {
            bag.add(node.location, path, Message(
                zh: "数量可能超过 \(limit)（请用 max 截断，或换用有上限的分布）",
                en: "the count can exceed \(limit) (truncate it with max, or use a bounded distribution)"))
        }
    }

    mutating func simulation(_ node: YNode?, parent: YNode) -> SimulationSettings? {
        let def = SimulationSettings.defaults
        guard let node else { return def }
        guard let m = mapping(node, schema: "simulation") else { return nil }
        let trials = whole(m, "trials", at: "simulation", node: node)
        var seed = def.seed
        if let sn = m["seed"] {
            if let s = sn.scalar.flatMap({ UInt64($0.trimmedWhitespace) }) { seed = s } else {
                bag.add(sn.location, "simulation.seed", Message(zh: "种子应为 0 到 2⁶⁴−1 之间的整数，实际是\(sn.kindName.zh)",
                                                                en: "the seed must be a whole number from 0 to 2⁶⁴−1, found \(sn.kindName.en)"))
            }
        }
        let sampling: SamplingMethod = word(m, "sampling", at: "simulation", node: node)
        guard let trials, trials >= 1 else { return nil }
        return SimulationSettings(trials: trials, seed: seed, sampling: sampling)
    }

    mutating func variantSpecs(_ node: YNode) -> [VariantSpec]? {
        guard let xs = list(node, "variants") else { return nil }
        if xs.count > Limits.maxVariants {
            bag.add(node.location, "variants", Message(zh: "有 \(xs.count) 个方案，超过上限 \(Limits.maxVariants)",
                                                       en: "\(xs.count) variants is more than the limit of \(Limits.maxVariants)"))
            return nil
        }
        var out: [VariantSpec] = []
        var labels: [SeenName] = []
        for (i, x) in xs.enumerated() {
            let p = "variants[\(i)]"
            guard let m = mapping(x, schema: p) else { continue }
            let id = identifier(m["id"], p + ".id", parent: x)
            let label = string(m["label"], p + ".label", parent: x, default: id ?? "")
            if let label, !(id.map { id in out.contains { $0.id == id } } ?? false) {
                uniqueName(label, kind: Message(zh: "方案", en: "variants"), seen: &labels, at: p, node: m["label"], entry: x, field: "label")
            }
            if let id, out.contains(where: { $0.id == id }) {
                bag.add(m["id"]!.location, p + ".id", Message(zh: "方案 “\(id)” 重复", en: "variant '\(id)' appears twice"))
            }
            var overrides: [(path: ScenarioPath, value: YNode, location: SourceLocation)] = []
            if let sn = m["set"] {
                if let pairs = sn.pairs {
                    for pair in pairs {
                        if let kp = ScenarioPath(pair.key) {
                            overrides.append((kp, pair.value, pair.keyLocation))
                        } else {
                            bag.add(pair.keyLocation, p + ".set", Message(zh: "“\(pair.key)” 不是合法的键路径（例：policy.batches[0].rate）",
                                                                         en: "'\(pair.key)' is not a key path (e.g. policy.batches[0].rate)"))
                        }
                    }
                } else {
                    bag.add(sn.location, p + ".set", Self.expected(Self.aMapping, found: sn))
                }
            }   // no set: the variant is the file's own policy (e.g. the draft's text reading)
            if let id, let label { out.append(VariantSpec(id: id, label: label, overrides: overrides)) }
        }
        return out
    }
}
