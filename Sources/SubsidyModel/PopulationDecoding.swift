import Foundation

extension TreeDecoder {
    /// The `population:` section (Scenarios/MODEL.md §5): firm counts per batch or in total, the
    /// batches' completion and pass rates, segments, the firm- and trial-level distributions,
    /// the chain-case readings and the correlations. Types, ranges and defaults come from
    /// `Schema.fields`; what is checked here is what spans keys (counts match the batches,
    /// shares sum to 1, a pair of inputs is correlated once).
    mutating func population(_ node: YNode, batches nBatches: Int?) -> Population? {
        guard let m = mapping(node, schema: "population") else { return nil }
        let p = "population"
        var firms: FirmCounts?
        if let fn = m["firms"], let fm = mapping(fn, schema: p + ".firms") {
            if let pb = fm["per_batch"] {
                if fm["total"] != nil || fm["batch1_share"] != nil {
                    bag.add(fn.location, p + ".firms", Message(zh: "per_batch 与 total/batch1_share 只能选一种写法",
                                                              en: "give either per_batch or total with batch1_share, not both"))
                }
                if let xs = list(pb, p + ".firms.per_batch") {
                    let ds = xs.enumerated().compactMap { i, x in distribution(x, path: p + ".firms.per_batch[\(i)]", parent: pb) }
                    if let nb = nBatches, xs.count != nb {
                        bag.add(pb.location, p + ".firms.per_batch", Message(zh: "有 \(xs.count) 项，但 policy.batches 有 \(nb) 个批次；应一样多",
                                                                              en: "has \(xs.count) items but policy.batches has \(nb) batches; they must match"))
                    }
                    if ds.count == xs.count { firms = .perBatch(ds) }
                }
            } else if let t = fm["total"] {
                let total = distribution(t, path: p + ".firms.total", parent: fn)
                let share = distribution(fm, "batch1_share", at: p + ".firms", node: fn)
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
                guard let bm = mapping(x, schema: q) else { continue }
                let c = distribution(bm, "completion", at: q, node: x)
                let s = distribution(bm, "pass", at: q, node: x)
                if let c, let s { batches.append(BatchPopulation(completion: c, pass: s)) }
            }
        } else if m["batches"] == nil { missing(node, p + ".batches", Self.aList) }

        var segments: [Segment] = []
        var shareNodes: [YNode] = []
        if let sn = m["segments"], let xs = list(sn, p + ".segments") {
            if xs.isEmpty { bag.add(sn.location, p + ".segments", Message(zh: "至少要有一个行业分组", en: "at least one segment is needed")) }
            if xs.count > Limits.maxSegments {
                bag.add(sn.location, p + ".segments", Message(zh: "行业分组有 \(xs.count) 个，最多 \(Limits.maxSegments) 个（请合并相近的行业）",
                                                            en: "\(xs.count) segments; at most \(Limits.maxSegments) (merge similar industries)"))
            }
            var names: [SeenName] = []
            for (i, x) in xs.prefix(Limits.maxSegments).enumerated() {
                let q = p + ".segments[\(i)]"
                guard let sm = mapping(x, schema: q) else { continue }
                let id = identifier(sm["id"], q + ".id", parent: x)
                let name = string(sm["name"], q + ".name", parent: x, default: id ?? "")
                // (A repeated id is its own error, whose default names would repeat too.)
                if let name, !(id.map { id in segments.contains { $0.id == id } } ?? false) {
                    uniqueName(name, kind: Message(zh: "行业分组", en: "segments"), seen: &names, at: q, node: sm["name"], entry: x)
                }
                let share = number(sm, "share", at: q, node: x)
                let factor = number(sm, "investment_factor", at: q, node: x)
                let sf = number(sm, "smart_factory", at: q, node: x)
                inputNote(sm, at: q, node: x)
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

        let investment = distribution(m, "investment", at: p, node: node)
        let hw = distribution(m, "hardware_share", at: p, node: node)
        let score = distribution(m, "score", at: p, node: node)
        let price = distribution(m, "price_factor", at: p, node: node)
        let cloud = distribution(m, "cloud_uptake", at: p, node: node)
        let cases = distribution(m, "chain_cases", at: p, node: node)
        let award = distribution(m, "chain_case_award", at: p, node: node)
        let holder: ChainCaseHolder = word(m, "chain_case_holder", at: p, node: node)
        let unheld: ChainCaseUnheld = word(m, "chain_case_unheld", at: p, node: node)
        let providers = distribution(m, "service_providers", at: p, node: node)

        var correlations: [Correlation] = []
        var pairIndex: [Set<String>: Int] = [:]
        if let cn = m["correlations"], let xs = list(cn, p + ".correlations") {
            for (i, x) in xs.enumerated() {
                let q = p + ".correlations[\(i)]"
                guard let cm = mapping(x, schema: q) else { continue }
                let a = string(cm["a"], q + ".a", parent: x), b = string(cm["b"], q + ".b", parent: x)
                let rho = number(cm, "rho", at: q, node: x)
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
                          chainCaseUnheld: unheld, serviceProviders: providers, correlations: correlations,
                          notes: notes.filter { $0.key.hasPrefix("population.") })
    }
}
