import Foundation

extension TreeDecoder {
    static let topKeys = ["base", "id", "title", "source", "funding", "lines", "policy", "population", "simulation", "variants"]

    /// Decodes a whole scenario tree (after `base:` merging and overrides). Nil when any problem was found.
    mutating func scenario(_ root: YNode) -> Scenario? {
        guard let top = mapping(root, "", allowed: Self.topKeys) else { return nil }
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
        let nb = policy?.batches.count
        if let n = top["population"] { population = self.population(n, batches: nb) } else { missing(root, "population", Self.aMapping) }
        let simulation = self.simulation(top["simulation"], parent: root)
        if let n = top["variants"] { variants = variantSpecs(n) ?? [] }
        if moneyRead, let funding, let lines { checkFunding(funding, lines, root: root, top: top) }
        guard bag.isEmpty, let id, let title, let source, let funding, let lines, let policy, let population, let simulation
        else { return nil }
        return Scenario(id: id, title: title, source: source, funding: funding, lines: lines, policy: policy,
                        population: population, simulation: simulation, variantSpecs: variants)
    }

    mutating func fundingSources(_ node: YNode) -> [FundingSource]? {
        guard let xs = list(node, "funding") else { return nil }
        if xs.isEmpty { bag.add(node.location, "funding", Message(zh: "至少要有一个资金来源", en: "at least one funding source is needed")) }
        var out: [FundingSource] = []
        for (i, x) in xs.enumerated() {
            let p = "funding[\(i)]"
            guard let m = mapping(x, p, allowed: ["id", "name", "amount", "only_lines"]) else { continue }
            let id = identifier(m["id"], p + ".id", parent: x)
            let name = string(m["name"], p + ".name", parent: x, default: id ?? "")
            let amount = number(m["amount"], p + ".amount", parent: x, support: .nonNegative)
            var only: [LineID]?
            if let o = m["only_lines"], let ys = list(o, p + ".only_lines") {
                only = ys.enumerated().compactMap { j, y in lineID(y, p + ".only_lines[\(j)]") }
                if ys.isEmpty {
                    bag.add(o.location, p + ".only_lines", Message(zh: "only_lines 至少要列出一条预算行（资金可用于任何预算行时，不写 only_lines）",
                                                                 en: "only_lines must name at least one line (leave it out if the money may pay any line)"))
                }
            }
            if let id, out.contains(where: { $0.id == id }) {
                bag.add(m["id"]!.location, p + ".id", Message(zh: "资金来源 “\(id)” 重复", en: "funding source '\(id)' appears twice"))
            }
            if let id, let name, let amount { out.append(FundingSource(id: id, name: name, amount: amount, onlyLines: only)) }
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

    /// `funding` nil: the sources could not be read, so budget keys are not checked against them.
    mutating func budgetLines(_ node: YNode, funding: [FundingSource]?) -> [BudgetLine]? {
        guard let xs = list(node, "lines") else { return nil }
        var out: [BudgetLine] = []
        let sourceIDs = funding?.map(\.id) ?? []
        for (i, x) in xs.enumerated() {
            let p = "lines[\(i)]"
            guard let m = mapping(x, p, allowed: ["id", "name", "clause", "budget"]) else { continue }
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
                    for (k, v) in bm {
                        if let a = number(v, p + ".budget." + k, parent: b, support: .nonNegative) { budget[k] = a }
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
            if abs(sum - s.amount) > 0.005 {
                let loc = fnode.indices.contains(i) ? (fnode[i]["amount"]?.location ?? fnode[i].location) : root.location
                bag.add(loc, "funding[\(i)].amount", Message(
                    zh: "预算行中 “\(s.id)” 的金额合计 \(formatNumber(sum)) 万元，与该资金来源的 \(formatNumber(s.amount)) 万元不符",
                    en: "the budget lines give '\(s.id)' \(formatNumber(sum)) 万元 in all, but the source has \(formatNumber(s.amount)) 万元"))
            }
        }
    }

    mutating func fee(_ node: YNode?, _ path: String, parent: YNode, basis def: FeeBasis) -> Fee? {
        guard let node else { missing(parent, path, Self.aNumber); return nil }
        if case .scalar = node.value {
            return number(node, path, parent: parent, support: .nonNegative).map { Fee(amount: $0, basis: def) }
        }
        guard let m = mapping(node, path, allowed: ["amount", "basis"]) else { return nil }
        let amount = number(m["amount"], path + ".amount", parent: node, support: .nonNegative)
        let basis = enumeration(m["basis"], path + ".basis", parent: node, default: def)
        return amount.map { Fee(amount: $0, basis: basis) }
    }

    mutating func policy(_ node: YNode) -> Policy? {
        let keys = ["batches", "hardware", "benchmark", "smart_factory", "cloud", "chain_case", "service_provider",
                    "services", "ceiling", "overrun", "lottery_stop"]
        guard let m = mapping(node, "policy", allowed: keys) else { return nil }
        var batches: [BatchPolicy] = []
        var batchesWritten = 0
        if let bn = m["batches"], let xs = list(bn, "policy.batches") {
            batchesWritten = Swift.min(xs.count, 8)
            if xs.isEmpty { bag.add(bn.location, "policy.batches", Message(zh: "至少要有一个批次", en: "at least one batch is needed")) }
            if xs.count > 8 { bag.add(bn.location, "policy.batches", Message(zh: "批次最多 8 个", en: "at most 8 batches")) }
            for (i, x) in xs.prefix(8).enumerated() {
                let p = "policy.batches[\(i)]"
                guard let bm = mapping(x, p, allowed: ["name", "rate", "cap"]) else { continue }
                let name = string(bm["name"], p + ".name", parent: x, default: "第\(i + 1)批")
                let rate = number(bm["rate"], p + ".rate", parent: x, support: .probability, isRate: true)
                let cap = number(bm["cap"], p + ".cap", parent: x, support: .nonNegative)
                if let name, let rate, let cap { batches.append(BatchPolicy(name: name, rate: rate, cap: cap)) }
            }
        } else if m["batches"] == nil { missing(node, "policy.batches", Self.aList) }

        func sub(_ key: String, _ allowed: [String]) -> (YNode, [String: YNode])? {
            guard let n = m[key] else { missing(node, "policy." + key, Self.aMapping); return nil }
            guard let mm = mapping(n, "policy." + key, allowed: allowed) else { return nil }
            return (n, mm)
        }
        var limit: Double?, rule = HardwareRule.trimTotal
        if let (n, hm) = sub("hardware", ["limit", "rule"]) {
            limit = number(hm["limit"], "policy.hardware.limit", parent: n, support: .probability)
            if let l = limit, l >= 1 {
                bag.add(hm["limit"]!.location, "policy.hardware.limit", Message(zh: "硬件占比上限必须小于 1", en: "the hardware limit must be below 1"))
            }
            rule = enumeration(hm["rule"], "policy.hardware.rule", parent: n, default: .trimTotal)
        }
        var bCount: Int?, bAmount: Double?
        if let (n, bm) = sub("benchmark", ["count", "amount"]) {
            bCount = integer(bm["count"], "policy.benchmark.count", parent: n, max: 100_000)
            bAmount = number(bm["amount"], "policy.benchmark.amount", parent: n, support: .nonNegative)
        }
        var sfAmount: Double?
        if let (n, sm) = sub("smart_factory", ["amount"]) {
            sfAmount = number(sm["amount"], "policy.smart_factory.amount", parent: n, support: .nonNegative)
        }
        var cloudAmount: Double?
        if let (n, cm) = sub("cloud", ["amount"]) {
            cloudAmount = number(cm["amount"], "policy.cloud.amount", parent: n, support: .nonNegative)
        }
        var ccCount: Int?, ccAmount: Double?
        if let (n, cm) = sub("chain_case", ["count", "amount"]) {
            ccCount = integer(cm["count"], "policy.chain_case.count", parent: n, max: 1000)
            ccAmount = number(cm["amount"], "policy.chain_case.amount", parent: n, support: .nonNegative)
        }
        var spCount: Int?, spAmount: Double?
        if let (n, sm) = sub("service_provider", ["count", "amount"]) {
            spCount = integer(sm["count"], "policy.service_provider.count", parent: n, max: 1000)
            spAmount = number(sm["amount"], "policy.service_provider.amount", parent: n, support: .nonNegative)
        }
        var pm: Fee?, acc: Fee?, audit: Fee?, research: Double?
        if let (n, sm) = sub("services", ["process_management", "acceptance", "audit", "research"]) {
            pm = fee(sm["process_management"], "policy.services.process_management", parent: n, basis: .accepted)
            acc = fee(sm["acceptance"], "policy.services.acceptance", parent: n, basis: .completed)
            audit = fee(sm["audit"], "policy.services.audit", parent: n, basis: .completed)
            research = number(sm["research"], "policy.services.research", parent: n, support: .nonNegative, default: 0)
        }
        var ceiling: Double?, ceilingLines: [LineID] = LineID.firmLevel
        if let (n, cm) = sub("ceiling", ["amount", "lines"]) {
            ceiling = number(cm["amount"], "policy.ceiling.amount", parent: n, support: .nonNegative)
            if let ln = cm["lines"], let xs = list(ln, "policy.ceiling.lines") {
                ceilingLines = xs.enumerated().compactMap { i, x in lineID(x, "policy.ceiling.lines[\(i)]") }
                for (i, l) in ceilingLines.enumerated() where !LineID.firmLevel.contains(l) {
                    bag.add(xs[i].location, "policy.ceiling.lines[\(i)]", Message(
                        zh: "\(l.rawValue) 不是按企业发放的奖补，不能计入单个项目上限（可用：\(LineID.firmLevel.map(\.rawValue).joined(separator: ", "))）",
                        en: "\(l.rawValue) is not paid per firm and cannot count toward the per-project ceiling (expected one of: \(LineID.firmLevel.map(\.rawValue).joined(separator: ", ")))"))
                }
            }
        }
        let overrun = enumeration(m["overrun"], "policy.overrun", parent: node, default: OverrunRule.prorate)
        let lotteryStop = enumeration(m["lottery_stop"], "policy.lottery_stop", parent: node, default: LotteryStop.firstMisfit)
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

    mutating func population(_ node: YNode, batches nBatches: Int?) -> Population? {
        let keys = ["firms", "batches", "segments", "investment", "hardware_share", "score", "price_factor", "cloud_uptake",
                    "chain_cases", "chain_case_award", "chain_case_holder", "chain_case_unheld", "service_providers", "correlations"]
        guard let m = mapping(node, "population", allowed: keys) else { return nil }
        let p = "population"
        var firms: FirmCounts?
        if let fn = m["firms"], let fm = mapping(fn, p + ".firms", allowed: ["per_batch", "total", "batch1_share"]) {
            if let pb = fm["per_batch"] {
                if fm["total"] != nil || fm["batch1_share"] != nil {
                    bag.add(fn.location, p + ".firms", Message(zh: "per_batch 与 total/batch1_share 只能选一种写法",
                                                              en: "give either per_batch or total with batch1_share, not both"))
                }
                if let xs = list(pb, p + ".firms.per_batch") {
                    let ds = xs.enumerated().compactMap { i, x in distribution(x, p + ".firms.per_batch[\(i)]", parent: pb, support: .count) }
                    if let nb = nBatches, xs.count != nb {
                        bag.add(pb.location, p + ".firms.per_batch", Message(zh: "有 \(xs.count) 项，但 policy.batches 有 \(nb) 个批次；应一样多",
                                                                              en: "has \(xs.count) items but policy.batches has \(nb) batches; they must match"))
                    }
                    for (i, d) in ds.enumerated() { checkCountBound(d, xs[i], p + ".firms.per_batch[\(i)]") }
                    if ds.count == xs.count { firms = .perBatch(ds) }
                }
            } else if let t = fm["total"] {
                let total = distribution(t, p + ".firms.total", parent: fn, support: .count)
                if let total { checkCountBound(total, t, p + ".firms.total") }
                let share = distribution(fm["batch1_share"], p + ".firms.batch1_share", parent: fn, support: .probability,
                                         default: .fixed(1))
                if let nb = nBatches, nb > 2 {
                    bag.add(fn.location, p + ".firms", Message(zh: "total/batch1_share 只适用于一到两个批次；多个批次请用 per_batch",
                                                              en: "total/batch1_share works for one or two batches; use per_batch for more"))
                }
                if let total, let share { firms = .total(total, batch1Share: share) }
            } else {
                missing(fn, p + ".firms.per_batch", Message(zh: "per_batch（每批企业数）或 total（企业总数）", en: "per_batch (firms per batch) or total"))
            }
        } else if m["firms"] == nil { missing(node, p + ".firms", Self.aMapping) }

        var batches: [BatchPopulation] = []
        if let bn = m["batches"], let xs = list(bn, p + ".batches") {
            if let nb = nBatches, xs.count != nb {
                bag.add(bn.location, p + ".batches", Message(zh: "有 \(xs.count) 项，但 policy.batches 有 \(nb) 个批次；应一样多",
                                                              en: "has \(xs.count) items but policy.batches has \(nb) batches; they must match"))
            }
            for (i, x) in xs.enumerated() {
                let q = p + ".batches[\(i)]"
                guard let bm = mapping(x, q, allowed: ["completion", "pass"]) else { continue }
                let c = distribution(bm["completion"], q + ".completion", parent: x, support: .probability)
                let s = distribution(bm["pass"], q + ".pass", parent: x, support: .probability)
                if let c, let s { batches.append(BatchPopulation(completion: c, pass: s)) }
            }
        } else if m["batches"] == nil { missing(node, p + ".batches", Self.aList) }

        var segments: [Segment] = []
        var shareNodes: [YNode] = []
        if let sn = m["segments"], let xs = list(sn, p + ".segments") {
            if xs.isEmpty { bag.add(sn.location, p + ".segments", Message(zh: "至少要有一个行业分组", en: "at least one segment is needed")) }
            for (i, x) in xs.enumerated() {
                let q = p + ".segments[\(i)]"
                guard let sm = mapping(x, q, allowed: ["id", "name", "share", "investment_factor", "smart_factory"]) else { continue }
                let id = identifier(sm["id"], q + ".id", parent: x)
                let name = string(sm["name"], q + ".name", parent: x, default: id ?? "")
                let share = number(sm["share"], q + ".share", parent: x, support: .probability)
                let factor = number(sm["investment_factor"], q + ".investment_factor", parent: x, support: .nonNegative, default: 1)
                let sf = number(sm["smart_factory"], q + ".smart_factory", parent: x, support: .probability, default: 0)
                if let s = sm["share"] { shareNodes.append(s) }
                if let id, segments.contains(where: { $0.id == id }) {
                    bag.add(sm["id"]!.location, q + ".id", Message(zh: "行业分组 “\(id)” 重复", en: "segment '\(id)' appears twice"))
                }
                if let id, let name, let share, let factor, let sf {
                    segments.append(Segment(id: id, name: name, share: share, investmentFactor: factor, smartFactory: sf))
                }
            }
            if segments.count == xs.count, !segments.isEmpty {
                let sum = segments.map(\.share).reduce(0, +)
                if abs(sum - 1) > 1e-6 {
                    // Point at a share the command line (or a variant) changed, if one did: that is the one to fix.
                    let changed = shareNodes.firstIndex { $0.location.file != sn.location.file || $0.location.line == 0 }
                    let loc = changed.map { shareNodes[$0].location } ?? sn.location
                    let key = changed.map { p + ".segments[\($0)].share" } ?? p + ".segments"
                    bag.add(loc, key, Message(zh: "各行业分组的 share 之和为 \(exactNumber(sum))，应为 1（相差 \(String(format: "%.3g", sum - 1))）",
                                              en: "the segment shares sum to \(exactNumber(sum)); they must sum to 1 (off by \(String(format: "%.3g", sum - 1)))"))
                }
            }
        } else if m["segments"] == nil { missing(node, p + ".segments", Self.aList) }

        let investment = distribution(m["investment"], p + ".investment", parent: node, support: .nonNegative)
        let hw = distribution(m["hardware_share"], p + ".hardware_share", parent: node, support: .probability)
        let score = distribution(m["score"], p + ".score", parent: node, support: .any, default: Distribution(.uniform(min: 0, max: 1)))
        let price = distribution(m["price_factor"], p + ".price_factor", parent: node, support: .nonNegative, default: .fixed(1))
        let cloud = distribution(m["cloud_uptake"], p + ".cloud_uptake", parent: node, support: .probability)
        let cases = distribution(m["chain_cases"], p + ".chain_cases", parent: node, support: .count, default: .fixed(1))
        if let cases, let n = m["chain_cases"] { checkCountBound(cases, n, p + ".chain_cases", limit: 1000) }
        let award = distribution(m["chain_case_award"], p + ".chain_case_award", parent: node, support: .nonNegative, default: .fixed(30))
        let holder = enumeration(m["chain_case_holder"], p + ".chain_case_holder", parent: node, default: ChainCaseHolder.outside)
        let unheld = enumeration(m["chain_case_unheld"], p + ".chain_case_unheld", parent: node, default: ChainCaseUnheld.unfunded)
        let providers = distribution(m["service_providers"], p + ".service_providers", parent: node, support: .count, default: .fixed(3))
        if let providers, let n = m["service_providers"] { checkCountBound(providers, n, p + ".service_providers", limit: 1000) }

        var correlations: [Correlation] = []
        var pairIndex: [Set<String>: Int] = [:]
        if let cn = m["correlations"], let xs = list(cn, p + ".correlations") {
            for (i, x) in xs.enumerated() {
                let q = p + ".correlations[\(i)]"
                guard let cm = mapping(x, q, allowed: ["a", "b", "rho"]) else { continue }
                let a = string(cm["a"], q + ".a", parent: x), b = string(cm["b"], q + ".b", parent: x)
                let rho = number(cm["rho"], q + ".rho", parent: x, support: .any)
                if let r = rho, r < -1 || r > 1 {
                    bag.add(cm["rho"]!.location, q + ".rho", Message(zh: "相关系数必须在 [-1, 1] 内（实际 \(formatNumber(r))）",
                                                                     en: "a correlation must be in [-1, 1] (found \(formatNumber(r)))"))
                }
                if let a, let b, a == b {
                    bag.add(x.location, q, Message(zh: "a 与 b 不能是同一个输入", en: "a and b must be different inputs"))
                }
                if let a, let b, let first = pairIndex[Set([a, b])] {
                    bag.add(x.location, q, Message(zh: "\(a) 与 \(b) 的相关系数已在 population.correlations[\(first)] 给出；同一对输入只能写一次",
                                                   en: "the correlation of \(a) and \(b) is already given in population.correlations[\(first)]; give each pair once"))
                } else if let a, let b, let rho {
                    pairIndex[Set([a, b])] = i
                    correlations.append(Correlation(a: a, b: b, rho: rho, location: x.location))
                }
            }
        }
        guard let firms, let investment, let hw, let score, let price, let cloud, let cases, let award, let providers,
              !segments.isEmpty, !batches.isEmpty else { return nil }
        return Population(firms: firms, batches: batches, segments: segments, investment: investment, hardwareShare: hw, score: score,
                          priceFactor: price, cloudUptake: cloud, chainCases: cases, chainCaseAward: award, chainCaseHolder: holder,
                          chainCaseUnheld: unheld, serviceProviders: providers, correlations: correlations)
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
        let def = SimulationSettings(trials: 100_000, seed: 20_251_201, sampling: .random)
        guard let node else { return def }
        guard let m = mapping(node, "simulation", allowed: ["trials", "seed", "sampling"]) else { return nil }
        let trials = integer(m["trials"], "simulation.trials", parent: node, default: def.trials, max: 100_000_000)
        if let t = trials, t < 1, let tn = m["trials"] {
            bag.add(tn.location, "simulation.trials", Message(zh: "试验次数至少为 1（实际 \(t)）", en: "at least 1 trial is needed (found \(t))"))
        }
        var seed = def.seed
        if let sn = m["seed"] {
            if let s = sn.scalar.flatMap({ UInt64($0.trimmingCharacters(in: .whitespaces)) }) { seed = s } else {
                bag.add(sn.location, "simulation.seed", Message(zh: "种子应为 0 到 2⁶⁴−1 之间的整数，实际是\(sn.kindName.zh)",
                                                                en: "the seed must be a whole number from 0 to 2⁶⁴−1, found \(sn.kindName.en)"))
            }
        }
        let sampling = enumeration(m["sampling"], "simulation.sampling", parent: node, default: SamplingMethod.random)
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
        for (i, x) in xs.enumerated() {
            let p = "variants[\(i)]"
            guard let m = mapping(x, p, allowed: ["id", "label", "set"]) else { continue }
            let id = identifier(m["id"], p + ".id", parent: x)
            let label = string(m["label"], p + ".label", parent: x, default: id ?? "")
            if let id, out.contains(where: { $0.id == id }) {
                bag.add(m["id"]!.location, p + ".id", Message(zh: "方案 “\(id)” 重复", en: "variant '\(id)' appears twice"))
            }
            var overrides: [(path: KeyPath, value: YNode, location: SourceLocation)] = []
            if let sn = m["set"] {
                if let pairs = sn.pairs {
                    for pair in pairs {
                        if let kp = KeyPath(pair.key) {
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
