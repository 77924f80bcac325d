import Foundation

/// Reading distributions: every family is read the same way, from its entry in
/// `DistributionFamily.all` (names, forms, parameters and their constraints, truncation).
extension TreeDecoder {
    private typealias Family = DistributionFamily

    /// A distribution: a bare number (fixed) or `{dist: NAME, ...}` (Scenarios/MODEL.md §5), checked
    /// against the quantity's support.
    mutating func distribution(_ node: YNode?, _ path: String, parent: YNode, support: Support,
                               default def: Distribution? = nil) -> Distribution? {
        let numberOrDist = Message(zh: "数字或分布 {dist: …}", en: "a number or a distribution {dist: ...}")
        guard let node else {
            if let def { return def }
            missing(parent, path, numberOrDist)
            return nil
        }
        if case .scalar = node.value {
            guard let v = parseNumber(node, path) else { return nil }
            checkRange(v, node.location, path, support: support)
            return .fixed(v)
        }
        guard node.pairs != nil else {
            bag.add(node.location, path, Self.expected(numberOrDist, found: node))
            return nil
        }
        let names = Family.names.joined(separator: ", ")
        guard let distNode = node["dist"] else {
            bag.add(node.location, path + ".dist", Message(zh: "缺少 dist（分布名称：\(names)）", en: "missing dist (the distribution's name: \(names))"))
            return nil
        }
        guard let name = string(distNode, path + ".dist", parent: node) else { return nil }
        guard let family = Family.named(name) else {
            let hint = suggestion(for: name, in: Family.names)
            bag.add(distNode.location, path + ".dist", Message(
                zh: "未知的分布 “\(name)”\(hint.map { "；是否想写 “\($0)”？" } ?? "")（可用：\(names)）",
                en: "unknown distribution '\(name)'\(hint.map { "; did you mean '\($0)'?" } ?? "") (expected one of: \(names))"))
            return nil
        }
        guard let m = mapping(node, path, allowed: family.keys + InputNote.keys) else { return nil }
        inputNote(m, at: path, node: node)
        let before = bag.items.count
        var lower: Double?, upper: Double?
        if family.truncatable {
            let t = arguments(Family.truncation, m, node, path)
            (lower, upper) = (t.numbers["min"], t.numbers["max"])
        }
        guard let form = chosenForm(family, m, node, path) else { return nil }
        let args = arguments(form.parameters, m, node, path)
        guard bag.items.count == before else { return nil }
        switch form.law(args) {
        case let .failure(problem):
            bag.add(m[problem.parameter]?.location ?? node.location, path + "." + problem.parameter, problem.message)
            return nil
        case let .success(kind):
            let d = Distribution(kind, lower: lower, upper: upper)
            checkSupport(d, node, path, support)
            return d
        }
    }

    /// The form the mapping uses: the family's only one, or the one whose own keys (in no other
    /// form) appear. None or several: reported, nil.
    private mutating func chosenForm(_ family: Family, _ m: [String: YNode], _ node: YNode, _ path: String) -> Family.Form? {
        let forms = family.forms
        guard forms.count > 1 else { return forms.first }
        let used = forms.indices.filter { i in
            forms[i].keys.contains { k in m[k] != nil && !forms.indices.contains { $0 != i && forms[$0].keys.contains(k) } }
        }
        if used.count == 1 { return forms[used[0]] }
        let d = family.description
        if used.isEmpty {
            bag.add(node.location, path, Message(
                zh: "\(d.zh)缺少参数：\(forms.map { $0.keys.joined(separator: " 与 ") }.joined(separator: " 或 "))",
                en: "missing parameters of the \(d.en): \(forms.map { $0.keys.joined(separator: " and ") }.joined(separator: " or "))"))
        } else {
            let given = used.map { forms[$0].keys.joined(separator: "/") }
            bag.add(node.location, path, Message(
                zh: "参数 \(given.joined(separator: " 与 ")) 只能选一组（\(d.zh)的不同写法）",
                en: used.count == 2 ? "give either \(given.joined(separator: " or ")), not both (two ways to give a \(d.en))"
                                    : "give only one of \(given.joined(separator: ", ")) (ways to give a \(d.en))"))
        }
        return nil
    }

    /// The values of `parameters` that pass every check, by name. Each must be present unless
    /// optional; a number (a list: each item) is finite and within ±10⁹, then meets its own
    /// constraints in order; then comparisons with other parameters (min ≤ max, p90 > median),
    /// skipped when the other did not pass. Each failure is reported at the value.
    private mutating func arguments(_ parameters: [Family.Parameter], _ m: [String: YNode], _ node: YNode, _ path: String) -> Family.Arguments {
        var a = Family.Arguments()
        for p in parameters {
            let key = path + "." + p.name
            guard let n = m[p.name] else {
                if !p.isOptional {
                    missing(node, key, p.isList ? Message(zh: "列表：\(p.meaning.zh)", en: "a list: \(p.meaning.en)")
                                                : Message(zh: "数字：\(p.meaning.zh)", en: "a number: \(p.meaning.en)"))
                }
                continue
            }
            guard p.isList else {
                if let v = checkedNumber(p, n, key, p.name) { a.numbers[p.name] = v }
                continue
            }
            guard let xs = list(n, key) else { continue }
            if xs.isEmpty {
                bag.add(n.location, key, Message(zh: "\(p.name) 不能为空", en: "\(p.name) must not be empty"))
                continue
            }
            if xs.count > p.maxItems {
                bag.add(n.location, key, Message(zh: "\(p.name) 有 \(xs.count) 项，超过上限 \(p.maxItems)",
                                                 en: "\(p.name) has \(xs.count) items, more than the limit of \(p.maxItems)"))
                continue
            }
            var values: [Double] = []
            for (i, x) in xs.enumerated() {
                if let v = checkedNumber(p, x, key + "[\(i)]", p.name + "[\(i)]") { values.append(v) }
            }
            if values.count == xs.count { a.lists[p.name] = values }
        }
        for p in parameters where !p.isList {
            guard let v = a.numbers[p.name], let n = m[p.name] else { continue }
            for c in p.constraints where !c.others.isEmpty {
                if let message = c.violation(p.name, v, given: a.numbers) {
                    bag.add(n.location, path + "." + p.name, message)
                    a.numbers[p.name] = nil
                    break
                }
            }
        }
        return a
    }

    /// One number of parameter `p`, named `name` in messages: parsed, within ±10⁹, and meeting
    /// the constraints that do not compare it with other parameters (nil, reported, otherwise).
    private mutating func checkedNumber(_ p: Family.Parameter, _ node: YNode, _ key: String, _ name: String) -> Double? {
        guard let v = parseNumber(node, key) else { return nil }
        guard Swift.abs(v) <= Limits.maxAmount else {
            checkRange(v, node.location, key, support: .any)
            return nil
        }
        for c in p.constraints where c.others.isEmpty {
            if let message = c.violation(name, v, given: [:]) {
                bag.add(node.location, key, message)
                return nil
            }
        }
        return v
    }

    /// Checks that a distribution stays inside the quantity's support (a probability in [0, 1],
    /// money ≥ 0): the family's lowest and highest value (`LawFacts`), narrowed by `min`/`max`.
    /// An unbounded law needs `min`/`max` to say where it stops.
    mutating func checkSupport(_ d: Distribution, _ node: YNode, _ path: String, _ support: Support) {
        let (lo, hi): (Double, Double)
        switch support {
        case .any: return
        case .probability: (lo, hi) = (0, 1)
        case .nonNegative, .count: (lo, hi) = (0, .infinity)
        }
        let facts = d.kind.facts
        var dmin = facts.lowest, dmax = facts.highest
        if let l = d.lower { dmin = Swift.max(dmin, l) }
        if let u = d.upper { dmax = Swift.min(dmax, u) }
        if dmin < lo || dmax > hi {
            let range = support == .probability ? "[0, 1]" : "[0, ∞)"
            bag.add(node.location, path, Message(
                zh: "分布 \(d.summary) 的取值可能超出 \(range)（请改用合适的分布，或用 min/max 截断）",
                en: "distribution \(d.summary) can take values outside \(range) (choose another law or truncate with min/max)"))
        }
    }
}
