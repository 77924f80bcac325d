import Foundation

/// Reading a value through its entry in `Schema.fields`: the key's type, range, whole-number
/// rule and default come from the table, so the decoder states none of them itself. Each helper
/// takes the parent's mapping, the key and the parent's concrete path (`policy.batches[1]`).
///
/// A key the schema does not have is a programming error, caught by the schema tests (every
/// field is decoded by them); it is reported as a diagnostic rather than a trap.
extension TreeDecoder {
    static func join(_ parent: String, _ key: String) -> String { parent.isEmpty ? key : parent + "." + key }

    mutating func field(_ path: String, _ node: YNode?) -> SchemaField? {
        if let f = Schema.field(path) { return f }
        bag.add(node?.location ?? SourceLocation(file: "", line: 0, column: 0), path,
                Message(zh: "内部错误：模式表中没有 \(path)", en: "internal error: \(path) is not in the schema"))
        return nil
    }

    /// The mapping at `path`, allowing exactly the keys the schema lists under it.
    mutating func mapping(_ node: YNode, schema path: String) -> [String: YNode]? {
        mapping(node, path, allowed: Schema.keys(under: Schema.pattern(path)))
    }

    /// A plain number: its support, rate wording and default from the schema.
    mutating func number(_ m: [String: YNode], _ key: String, at parent: String, node: YNode) -> Double? {
        let path = Self.join(parent, key)
        guard let f = field(path, m[key]), case let .number(support, isRate) = f.value else { return nil }
        var def: Double?
        if case let .number(d)? = f.default { def = d }
        return number(m[key], path, parent: node, support: support, isRate: isRate, default: def)
    }

    /// A whole number in the schema's range.
    mutating func whole(_ m: [String: YNode], _ key: String, at parent: String, node: YNode) -> Int? {
        let path = Self.join(parent, key)
        guard let f = field(path, m[key]), case let .whole(range) = f.value else { return nil }
        var def: Int?
        if case let .whole(d)? = f.default { def = d }
        guard let v = integer(m[key], path, parent: node, default: def, min: range.lowerBound, max: range.upperBound) else { return nil }
        if v < range.lowerBound, let n = m[key] {
            bag.add(n.location, path, path == "simulation.trials"
                ? Message(zh: "试验次数至少为 \(range.lowerBound)（实际 \(v)）", en: "at least \(range.lowerBound) trial is needed (found \(v))")
                : Message(zh: "应为 \(range.lowerBound) 到 \(range.upperBound) 之间的整数，实际是 \(v)",
                          en: "expected a whole number from \(range.lowerBound) to \(range.upperBound), found \(v)"))
            return nil
        }
        return v
    }

    /// A number or `{dist: …}` whose values must lie in the schema's support; a count's
    /// distribution is also held below the schema's bound.
    mutating func distribution(_ m: [String: YNode], _ key: String, at parent: String, node: YNode) -> Distribution? {
        let path = Self.join(parent, key)
        return distribution(m[key], path: path, parent: node)
    }

    /// The same for a list item (`population.firms.per_batch[0]`).
    mutating func distribution(_ item: YNode?, path: String, parent: YNode) -> Distribution? {
        guard let f = field(path, item), case let .distribution(support, maxCount) = f.value else { return nil }
        var def: Distribution?
        if case let .distribution(d)? = f.default { def = d }
        let d = distribution(item, path, parent: parent, support: support, default: def)
        if let d, let item, let maxCount { checkCountBound(d, item, path, limit: maxCount) }
        return d
    }

    /// One word of the enum `E`; the default from the schema (which lists the same words).
    mutating func word<E: RawRepresentable & CaseIterable>(_ m: [String: YNode], _ key: String, at parent: String, node: YNode,
                                                           as _: E.Type = E.self) -> E where E.RawValue == String {
        let path = Self.join(parent, key)
        guard let f = field(path, m[key]), case .word = f.value, case let .word(w)? = f.default, let def = E(rawValue: w) else {
            return E.allCases.first!
        }
        return enumeration(m[key], path, parent: node, default: def)
    }

    /// A per-firm fee: a 万元 amount, or `{amount, basis}`; the basis defaults as the schema says.
    mutating func fee(_ m: [String: YNode], _ key: String, at parent: String, node: YNode) -> Fee? {
        let path = Self.join(parent, key)
        guard let n = m[key] else { missing(node, path, Self.aNumber); return nil }
        guard let f = field(path + ".basis", n), case let .word(w)? = f.default, let def = FeeBasis(rawValue: w) else { return nil }
        if case .scalar = n.value {
            return number(n, path, parent: node, support: .nonNegative).map { Fee(amount: $0, basis: def) }
        }
        guard n.pairs != nil else {
            bag.add(n.location, path, Self.expected(Message(zh: "金额（如 0.8）或 {amount: 0.8, basis: completed}",
                                                            en: "an amount (e.g. 0.8) or {amount: 0.8, basis: completed}"), found: n))
            return nil
        }
        guard let fm = mapping(n, schema: path) else { return nil }
        let amount = number(fm, "amount", at: path, node: n)
        let basis = word(fm, "basis", at: path, node: n, as: FeeBasis.self)
        return amount.map { Fee(amount: $0, basis: basis) }
    }

    /// `true` or `false` (YAML's plain booleans); the default from the schema.
    mutating func flag(_ m: [String: YNode], _ key: String, at parent: String, node: YNode) -> Bool? {
        let path = Self.join(parent, key)
        guard let f = field(path, m[key]), case .flag = f.value else { return nil }
        guard let n = m[key] else {
            if case let .word(w)? = f.default { return w == "true" }
            missing(node, path, Message(zh: "true 或 false", en: "true or false"))
            return nil
        }
        if case let .scalar(t, plain) = n.value, plain, !n.isNull {
            // YAML 1.2's core schema: true, True, TRUE and the same for false.
            switch t.trimmedWhitespace {
            case "true", "True", "TRUE": return true
            case "false", "False", "FALSE": return false
            default: break
            }
        }
        bag.add(n.location, path, Self.expected(Message(zh: "true 或 false", en: "true or false"), found: n))
        return nil
    }
}
