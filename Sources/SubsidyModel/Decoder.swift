import Foundation

/// Reads a located YAML tree into typed values, collecting every problem instead of stopping.
struct TreeDecoder {
    var bag = DiagnosticBag()

    // MARK: messages

    static func expected(_ what: Message, found: YNode) -> Message {
        Message(zh: "应为\(what.zh)，实际是\(found.kindName.zh)", en: "expected \(what.en), found \(found.kindName.en)")
    }
    static let aNumber = Message(zh: "数字", en: "a number")
    static let aWholeNumber = Message(zh: "整数", en: "a whole number")
    static let aText = Message(zh: "文字", en: "text")
    static let aMapping = Message(zh: "映射（键: 值）", en: "a mapping (key: value)")
    static let aList = Message(zh: "列表（- 项）", en: "a list (- item)")

    // MARK: structure

    /// The mapping's pairs, after reporting unknown keys (with a suggestion) and a wrong kind.
    mutating func mapping(_ node: YNode, _ path: String, allowed: [String]) -> [String: YNode]? {
        guard let pairs = node.pairs else {
            bag.add(node.location, path, Self.expected(Self.aMapping, found: node))
            return nil
        }
        var out: [String: YNode] = [:]
        for p in pairs {
            let keyPath = path.isEmpty ? p.key : path + "." + p.key
            if !allowed.contains(p.key) {
                let hint = suggestion(for: p.key, in: allowed)
                let list = allowed.joined(separator: ", ")
                bag.add(p.keyLocation, keyPath, Message(
                    zh: "未知的键\(hint.map { "；是否想写 “\($0)”？" } ?? "")（可用的键：\(list)）",
                    en: "unknown key\(hint.map { "; did you mean '\($0)'?" } ?? "") (expected one of: \(list))"))
                continue
            }
            out[p.key] = p.value
        }
        return out
    }

    mutating func list(_ node: YNode, _ path: String) -> [YNode]? {
        guard let xs = node.items else {
            bag.add(node.location, path, Self.expected(Self.aList, found: node))
            return nil
        }
        return xs
    }

    mutating func missing(_ parent: YNode, _ path: String, _ what: Message) {
        bag.add(parent.location, path, Message(zh: "缺少必填的键（应为\(what.zh)）", en: "missing required key (expected \(what.en))"))
    }

    // MARK: scalars

    /// Parses a finite number; reports text, non-finite values and percentages.
    mutating func parseNumber(_ node: YNode, _ path: String) -> Double? {
        guard case let .scalar(s, plain) = node.value, !node.isNull else {
            bag.add(node.location, path, Self.expected(Self.aNumber, found: node))
            return nil
        }
        let t = s.trimmingCharacters(in: .whitespaces)
        let lower = t.lowercased()
        if plain, [".inf", "+.inf", "-.inf", ".nan", "inf", "-inf", "+inf", "nan", "infinity", "-infinity"].contains(lower) {
            bag.add(node.location, path, Message(zh: "数值必须是有限数（不能是 \(t)）", en: "the value must be a finite number (not \(t))"))
            return nil
        }
        if t.hasSuffix("%"), let v = Double(t.dropLast()) {
            bag.add(node.location, path, Message(zh: "应为小数，不能写百分号（\(t) 应写成 \(formatNumber(v / 100))）",
                                                 en: "expected a fraction, not a percentage (write \(formatNumber(v / 100)) for \(t))"))
            return nil
        }
        if !plain, Double(t) != nil {
            bag.add(node.location, path, Message(zh: "应为数字，实际是加了引号的文字 “\(s)”（请去掉引号）",
                                                 en: "expected a number, found the quoted text \"\(s)\" (remove the quotes)"))
            return nil
        }
        guard plain, let v = Double(t), !lower.hasPrefix("0x") else {
            bag.add(node.location, path, Self.expected(Self.aNumber, found: node))
            return nil
        }
        guard v.isFinite else {
            bag.add(node.location, path, Message(zh: "数值必须是有限数（\(t) 超出范围）", en: "the value must be a finite number (\(t) overflows)"))
            return nil
        }
        return v
    }

    /// A number with a range check. `support` picks the message: rates, money, counts.
    mutating func number(_ node: YNode?, _ path: String, parent: YNode, support: Support, isRate: Bool = false,
                         default def: Double? = nil) -> Double? {
        guard let node else {
            if let def { return def }
            missing(parent, path, Self.aNumber)
            return nil
        }
        guard let v = parseNumber(node, path) else { return nil }
        checkRange(v, node.location, path, support: support, isRate: isRate)
        return v
    }

    mutating func checkRange(_ v: Double, _ loc: SourceLocation, _ path: String, support: Support, isRate: Bool = false) {
        let t = exactNumber(v)
        switch support {
        case .probability:
            if v < 0 || v > 1 {
                bag.add(loc, path, isRate
                    ? Message(zh: "比率 \(t) 超出 [0, 1]（比率写成小数，如 0.60 表示 60%）",
                              en: "rate \(t) is outside [0, 1] (write rates as fractions: 0.60 for 60%)")
                    : Message(zh: "\(t) 超出 [0, 1]（应为 0 到 1 之间的小数）",
                              en: "\(t) is outside [0, 1] (expected a fraction between 0 and 1)"))
            }
        case .nonNegative:
            if v < 0 {
                bag.add(loc, path, Message(zh: "不能为负数（\(t)；应 ≥ 0）", en: "must not be negative (\(t); expected ≥ 0)"))
            } else if v > Limits.maxAmount {
                bag.add(loc, path, Message(zh: "\(t) 超出 [0, 10⁹]（金额以万元计，最大 10⁹ 万元）",
                                           en: "\(t) is outside [0, 10⁹] (money is in 万元; at most 10⁹ 万元)"))
            }
        case .count:
            if v < 0 || v != v.rounded() {
                bag.add(loc, path, Message(zh: "应为非负整数，实际是 \(t)", en: "expected a whole number ≥ 0, found \(t)"))
            }
            // (Upper bounds of counts: `checkCountBound`, `integer(max:)`.)
        case .any:
            if abs(v) > Limits.maxAmount {
                bag.add(loc, path, Message(zh: "\(t) 超出 [-10⁹, 10⁹]", en: "\(t) is outside [-10⁹, 10⁹]"))
            }
        }
    }

    mutating func integer(_ node: YNode?, _ path: String, parent: YNode, default def: Int? = nil, max: Int = 1_000_000_000) -> Int? {
        guard let node else {
            if let def { return def }
            missing(parent, path, Self.aWholeNumber)
            return nil
        }
        guard let v = parseNumber(node, path) else { return nil }
        guard v >= 0, v == v.rounded(), v <= Double(max) else {
            bag.add(node.location, path, Message(zh: "应为 0 到 \(max) 之间的整数，实际是 \(exactNumber(v))",
                                                 en: "expected a whole number from 0 to \(max), found \(exactNumber(v))"))
            return nil
        }
        return Int(v)
    }

    mutating func string(_ node: YNode?, _ path: String, parent: YNode, default def: String? = nil) -> String? {
        guard let node else {
            if let def { return def }
            missing(parent, path, Self.aText)
            return nil
        }
        guard case let .scalar(s, _) = node.value, !node.isNull else {
            bag.add(node.location, path, Self.expected(Self.aText, found: node))
            return nil
        }
        if s.count > Limits.maxTextLength {
            bag.add(node.location, path, Message(zh: "文字有 \(s.count) 个字符，超过上限 \(Limits.maxTextLength)",
                                                 en: "the text has \(s.count) characters, more than the limit of \(Limits.maxTextLength)"))
            return nil
        }
        return s
    }

    /// An ASCII identifier (`[A-Za-z0-9_-]+`), for ids used in paths and file names.
    mutating func identifier(_ node: YNode?, _ path: String, parent: YNode) -> String? {
        guard let s = string(node, path, parent: parent) else { return nil }
        let ok = !s.isEmpty && s.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-") }
        if !ok, let node {
            bag.add(node.location, path, Message(zh: "“\(s)” 不是合法的标识（应为 ASCII 字母、数字、_ 或 -）",
                                                 en: "'\(s)' is not a valid id (expected ASCII letters, digits, _ or -)"))
            return nil
        }
        return s
    }

    mutating func enumeration<E: RawRepresentable & CaseIterable>(_ node: YNode?, _ path: String, parent: YNode, default def: E) -> E
    where E.RawValue == String {
        guard let node else { return def }
        guard let s = string(node, path, parent: parent) else { return def }
        if let e = E(rawValue: s) { return e }
        let all = E.allCases.map(\.rawValue)
        let hint = suggestion(for: s, in: all)
        bag.add(node.location, path, Message(
            zh: "“\(s)” 不是可用的取值\(hint.map { "；是否想写 “\($0)”？" } ?? "")（可用：\(all.joined(separator: ", "))）",
            en: "'\(s)' is not allowed\(hint.map { "; did you mean '\($0)'?" } ?? "") (expected one of: \(all.joined(separator: ", ")))"))
        return def
    }

    // MARK: distributions

    static let distributionNames = ["fixed", "uniform", "triangular", "pert", "normal", "lognormal", "beta", "gamma",
                                    "poisson", "binomial", "negative_binomial", "empirical"]

    /// A distribution: a bare number (fixed) or `{dist: NAME, ...}` (Scenarios/MODEL.md §5), checked
    /// against the quantity's support.
    mutating func distribution(_ node: YNode?, _ path: String, parent: YNode, support: Support,
                               default def: Distribution? = nil) -> Distribution? {
        guard let node else {
            if let def { return def }
            missing(parent, path, Message(zh: "数字或分布 {dist: …}", en: "a number or a distribution {dist: ...}"))
            return nil
        }
        if case .scalar = node.value {
            guard let v = parseNumber(node, path) else { return nil }
            checkRange(v, node.location, path, support: support)
            return .fixed(v)
        }
        guard let pairs = node.pairs else {
            bag.add(node.location, path, Self.expected(Message(zh: "数字或分布 {dist: …}", en: "a number or a distribution {dist: ...}"), found: node))
            return nil
        }
        guard let distNode = node["dist"] else {
            bag.add(node.location, path + ".dist", Message(zh: "缺少 dist（分布名称：\(Self.distributionNames.joined(separator: ", "))）",
                                                          en: "missing dist (the distribution's name: \(Self.distributionNames.joined(separator: ", ")))"))
            return nil
        }
        guard let name = string(distNode, path + ".dist", parent: node) else { return nil }
        let params: [String]
        switch name {
        case "fixed": params = ["value"]
        case "uniform", "triangular", "pert": params = name == "uniform" ? ["min", "max"] : ["min", "mode", "max"]
        case "normal": params = ["mean", "sd", "min", "max"]
        case "lognormal": params = ["median", "p90", "mu", "sigma", "min", "max"]
        case "beta": params = ["mean", "sd", "a", "b", "min", "max"]
        case "gamma": params = ["shape", "scale", "mean", "sd", "min", "max"]
        case "poisson": params = ["mean", "min", "max"]
        case "binomial": params = ["n", "p", "min", "max"]
        case "negative_binomial": params = ["n", "p", "min", "max"]
        case "empirical": params = ["values", "weights"]
        default:
            let hint = suggestion(for: name, in: Self.distributionNames)
            bag.add(distNode.location, path + ".dist", Message(
                zh: "未知的分布 “\(name)”\(hint.map { "；是否想写 “\($0)”？" } ?? "")（可用：\(Self.distributionNames.joined(separator: ", "))）",
                en: "unknown distribution '\(name)'\(hint.map { "; did you mean '\($0)'?" } ?? "") (expected one of: \(Self.distributionNames.joined(separator: ", ")))"))
            return nil
        }
        guard let m = mapping(node, path, allowed: ["dist"] + params) else { return nil }
        _ = pairs
        let before = bag.items.count
        func num(_ k: String, _ s: Support = .any) -> Double? {
            guard let n = m[k] else { return nil }
            guard let v = parseNumber(n, path + "." + k) else { return nil }
            checkRange(v, n.location, path + "." + k, support: s)
            return v
        }
        func need(_ k: String, _ s: Support = .any) -> Double? {
            if m[k] == nil { missing(node, path + "." + k, Self.aNumber); return nil }
            return num(k, s)
        }
        func loc(_ k: String) -> SourceLocation { m[k]?.location ?? node.location }
        func err(_ k: String, _ zh: String, _ en: String) { bag.add(loc(k), path + "." + k, Message(zh: zh, en: en)) }
        func eitherOr(_ a: [String], _ b: [String]) -> Bool? {
            let hasA = a.contains { m[$0] != nil }, hasB = b.contains { m[$0] != nil }
            if hasA && hasB {
                bag.add(node.location, path, Message(zh: "参数 \(a.joined(separator: "/")) 与 \(b.joined(separator: "/")) 只能选一组",
                                                     en: "give either \(a.joined(separator: "/")) or \(b.joined(separator: "/")), not both"))
                return nil
            }
            if !hasA && !hasB {
                bag.add(node.location, path, Message(zh: "缺少参数：\(a.joined(separator: " 与 ")) 或 \(b.joined(separator: " 与 "))",
                                                     en: "missing parameters: \(a.joined(separator: " and ")) or \(b.joined(separator: " and "))"))
                return nil
            }
            return hasA
        }

        var kind: Distribution.Kind?
        var lower: Double?, upper: Double?
        let truncates = !["uniform", "triangular", "pert", "empirical", "fixed"].contains(name)
        if truncates {
            lower = num("min"); upper = num("max")
            if let lo = lower, let hi = upper, lo > hi {
                err("min", "min \(formatNumber(lo)) 大于 max \(formatNumber(hi))", "min \(formatNumber(lo)) is greater than max \(formatNumber(hi))")
            }
        }
        switch name {
        case "fixed":
            if let v = need("value") { kind = .fixed(v) }
        case "uniform":
            if let a = need("min"), let b = need("max") {
                if a > b { err("min", "min \(formatNumber(a)) 大于 max \(formatNumber(b))", "min \(formatNumber(a)) is greater than max \(formatNumber(b))") }
                else { kind = .uniform(min: a, max: b) }
            }
        case "triangular", "pert":
            if let a = need("min"), let c = need("mode"), let b = need("max") {
                if a > b { err("min", "min \(formatNumber(a)) 大于 max \(formatNumber(b))", "min \(formatNumber(a)) is greater than max \(formatNumber(b))") }
                else if c < a || c > b { err("mode", "mode \(formatNumber(c)) 不在 [min, max] = [\(formatNumber(a)), \(formatNumber(b))] 内", "mode \(formatNumber(c)) is outside [min, max] = [\(formatNumber(a)), \(formatNumber(b))]") }
                else if a == b { kind = .fixed(a) }
                else { kind = name == "pert" ? .pert(min: a, mode: c, max: b) : .triangular(min: a, mode: c, max: b) }
            }
        case "normal":
            if let mu = need("mean"), let sd = need("sd") {
                if sd <= 0 { err("sd", "sd 必须大于 0（实际 \(formatNumber(sd))）", "sd must be greater than 0 (found \(formatNumber(sd)))") }
                else { kind = .normal(mean: mu, sd: sd) }
            }
        case "lognormal":
            switch eitherOr(["median", "p90"], ["mu", "sigma"]) {
            case true?:
                if let med = need("median"), let p90 = need("p90") {
                    if med <= 0 { err("median", "median 必须大于 0（实际 \(formatNumber(med))）", "median must be greater than 0 (found \(formatNumber(med)))") }
                    else if p90 <= med { err("p90", "p90 (\(formatNumber(p90))) 必须大于 median (\(formatNumber(med)))", "p90 (\(formatNumber(p90))) must be greater than median (\(formatNumber(med)))") }
                    else if (Foundation.log(p90) - Foundation.log(med)) / Distribution.z90 > Limits.maxLognormalSigma {
                        err("p90", "p90/median = \(formatNumber(p90 / med)) 太大（lognormal 的 sigma 最大为 10，即 p90/median ≤ e^12.8 ≈ 3.7×10⁵）",
                            "p90/median = \(formatNumber(p90 / med)) is too large (a lognormal sigma is at most 10: p90/median ≤ e^12.8 ≈ 3.7e5)")
                    }
                    else { kind = .lognormal(mu: Foundation.log(med), sigma: (Foundation.log(p90) - Foundation.log(med)) / Distribution.z90) }
                }
            case false?:
                if let mu = need("mu"), let s = need("sigma") {
                    if s <= 0 || s > Limits.maxLognormalSigma { err("sigma", "sigma 必须在 (0, 10] 内（实际 \(exactNumber(s))）", "sigma must be in (0, 10] (found \(exactNumber(s)))") }
                    else if abs(mu) > 50 { err("mu", "mu 必须在 [-50, 50] 内（实际 \(exactNumber(mu))；中位数 e^mu）", "mu must be in [-50, 50] (found \(exactNumber(mu)); the median is e^mu)") }
                    else { kind = .lognormal(mu: mu, sigma: s) }
                }
            case nil: break
            }
        case "beta":
            switch eitherOr(["mean", "sd"], ["a", "b"]) {
            case true?:
                if let mean = need("mean"), let sd = need("sd") {
                    if mean <= 0 || mean >= 1 { err("mean", "beta 的 mean 必须在 (0, 1) 内（实际 \(formatNumber(mean))）", "a beta mean must be inside (0, 1) (found \(formatNumber(mean)))") }
                    else if sd <= 0 { err("sd", "sd 必须大于 0（实际 \(formatNumber(sd))）", "sd must be greater than 0 (found \(formatNumber(sd)))") }
                    else if sd * sd >= mean * (1 - mean) {
                        let maxSD = (mean * (1 - mean)).squareRoot()
                        err("sd", "sd \(formatNumber(sd)) 对 mean \(formatNumber(mean)) 太大（beta 要求 sd < √(mean·(1−mean)) = \(String(format: "%.4f", maxSD))）",
                            "sd \(formatNumber(sd)) is too large for mean \(formatNumber(mean)) (a beta needs sd < √(mean·(1−mean)) = \(String(format: "%.4f", maxSD)))")
                    } else {
                        let k = mean * (1 - mean) / (sd * sd) - 1
                        let (a, b) = (mean * k, (1 - mean) * k)
                        if Limits.betaShape.contains(a), Limits.betaShape.contains(b) {
                            kind = .beta(a: a, b: b)
                        } else {
                            // The sd range whose shapes stay in range: k from lower/min(m, 1−m) to upper/max(m, 1−m).
                            let v = mean * (1 - mean)
                            let sdMin = (v / (Limits.betaShape.upperBound / Swift.max(mean, 1 - mean) + 1)).squareRoot()
                            let sdMax = Swift.min((v / (Limits.betaShape.lowerBound / Swift.min(mean, 1 - mean) + 1)).squareRoot(), v.squareRoot())
                            err("sd", "sd \(exactNumber(sd)) 使 beta 的形状参数为 a = \(formatNumber(a))、b = \(formatNumber(b))，超出 [0.01, 10⁵]（mean \(formatNumber(mean)) 时 sd 应在 [\(String(format: "%.3g", sdMin)), \(String(format: "%.4g", sdMax))] 内）",
                                "sd \(exactNumber(sd)) gives beta shapes a = \(formatNumber(a)), b = \(formatNumber(b)), outside [0.01, 10⁵] (for mean \(formatNumber(mean)) the sd must be in [\(String(format: "%.3g", sdMin)), \(String(format: "%.4g", sdMax))])")
                        }
                    }
                }
            case false?:
                if let a = need("a"), let b = need("b") {
                    if a <= 0 { err("a", "a 必须大于 0（实际 \(formatNumber(a))）", "a must be greater than 0 (found \(formatNumber(a)))") }
                    else if b <= 0 { err("b", "b 必须大于 0（实际 \(formatNumber(b))）", "b must be greater than 0 (found \(formatNumber(b)))") }
                    else if !Limits.betaShape.contains(a) { err("a", "beta 的 a = \(exactNumber(a)) 超出 [0.01, 10⁵]", "a beta a = \(exactNumber(a)) is outside [0.01, 10⁵]") }
                    else if !Limits.betaShape.contains(b) { err("b", "beta 的 b = \(exactNumber(b)) 超出 [0.01, 10⁵]", "a beta b = \(exactNumber(b)) is outside [0.01, 10⁵]") }
                    else { kind = .beta(a: a, b: b) }
                }
            case nil: break
            }
        case "gamma":
            switch eitherOr(["shape", "scale"], ["mean", "sd"]) {
            case true?:
                if let k = need("shape"), let t = need("scale") {
                    if k <= 0 { err("shape", "shape 必须大于 0", "shape must be greater than 0") }
                    else if t <= 0 { err("scale", "scale 必须大于 0", "scale must be greater than 0") }
                    else if !Limits.gammaShape.contains(k) { err("shape", "gamma 的 shape = \(exactNumber(k)) 超出 [0.01, 10⁵]", "a gamma shape = \(exactNumber(k)) is outside [0.01, 10⁵]") }
                    else { kind = .gamma(shape: k, scale: t) }
                }
            case false?:
                if let mean = need("mean"), let sd = need("sd") {
                    if mean <= 0 { err("mean", "gamma 的 mean 必须大于 0", "a gamma mean must be greater than 0") }
                    else if sd <= 0 { err("sd", "sd 必须大于 0", "sd must be greater than 0") }
                    else if !Limits.gammaShape.contains(mean * mean / (sd * sd)) {
                        // shape = (mean/sd)² in [0.01, 10⁵] ⇔ sd in [mean/1000, mean·√1000].
                        err("sd", "sd \(exactNumber(sd)) 使 gamma 的 shape = (mean/sd)² = \(formatNumber(mean * mean / (sd * sd))) 超出 [0.01, 10⁵]（mean \(formatNumber(mean)) 时 sd 应在 [\(formatNumber(mean / 1e5.squareRoot())), \(formatNumber(mean * 10))] 内）",
                            "sd \(exactNumber(sd)) gives a gamma shape (mean/sd)² = \(formatNumber(mean * mean / (sd * sd))) outside [0.01, 10⁵] (for mean \(formatNumber(mean)) the sd must be in [\(formatNumber(mean / 1e5.squareRoot())), \(formatNumber(mean * 10))])")
                    }
                    else { kind = .gamma(shape: mean * mean / (sd * sd), scale: sd * sd / mean) }
                }
            case nil: break
            }
        case "poisson":
            if let mean = need("mean") {
                if mean <= 0 || mean > 1e7 { err("mean", "poisson 的 mean 必须在 (0, 10⁷] 内（实际 \(formatNumber(mean))）", "a poisson mean must be in (0, 10⁷] (found \(formatNumber(mean)))") }
                else { kind = .poisson(mean: mean) }
            }
        case "binomial":
            if let n = need("n", .count), let p = need("p", .probability), n >= 0, n == n.rounded(), p >= 0, p <= 1 {
                if n > 1e7 { err("n", "binomial 的 n 最大为 10⁷（实际 \(formatNumber(n))）", "a binomial n must be at most 10⁷ (found \(formatNumber(n)))") }
                else { kind = .binomial(n: Int(n), p: p) }
            }
        case "negative_binomial":
            if let n = need("n"), let p = need("p") {
                if n <= 0 { err("n", "n 必须大于 0", "n must be greater than 0") }
                else if p < Limits.minNegativeBinomialP || p > 1 { err("p", "p 必须在 [10⁻⁶, 1] 内（实际 \(exactNumber(p))）", "p must be in [10⁻⁶, 1] (found \(exactNumber(p)))") }
                else if n * (1 - p) / p > Limits.maxDiscreteMean {
                    err("p", "均值 n(1−p)/p = \(formatNumber(n * (1 - p) / p)) 超过上限 10⁷", "the mean n(1−p)/p = \(formatNumber(n * (1 - p) / p)) is above the limit of 10⁷")
                }
                else { kind = .negativeBinomial(n: n, p: p) }
            }
        case "empirical":
            var values: [Double] = [], weights: [Double] = []
            if let vn = m["values"], let xs = list(vn, path + ".values") {
                if xs.count > Limits.maxEmpiricalValues {
                    err("values", "values 有 \(xs.count) 项，超过上限 \(Limits.maxEmpiricalValues)", "values has \(xs.count) items, more than the limit of \(Limits.maxEmpiricalValues)")
                    return nil
                }
                for (i, x) in xs.enumerated() {
                    if let v = parseNumber(x, path + ".values[\(i)]") { checkRange(v, x.location, path + ".values[\(i)]", support: .any); values.append(v) }
                }
                if xs.isEmpty { err("values", "values 不能为空", "values must not be empty") }
            } else if m["values"] == nil { missing(node, path + ".values", Self.aList) }
            if let wn = m["weights"], let xs = list(wn, path + ".weights") {
                for (i, x) in xs.enumerated() {
                    if let v = parseNumber(x, path + ".weights[\(i)]") {
                        if v < 0 { bag.add(x.location, path + ".weights[\(i)]", Message(zh: "权重不能为负", en: "a weight must not be negative")) }
                        else { checkRange(v, x.location, path + ".weights[\(i)]", support: .any) }
                        weights.append(v)
                    }
                }
                if xs.count != values.count, !values.isEmpty {
                    err("weights", "weights 有 \(xs.count) 项，values 有 \(values.count) 项；两者应一样多", "weights has \(xs.count) items but values has \(values.count); they must match")
                }
            } else if m["weights"] == nil { weights = Array(repeating: 1, count: values.count) }
            if !values.isEmpty, weights.count == values.count {
                if weights.reduce(0, +) <= 0 { err("weights", "权重之和必须大于 0", "the weights must sum to more than 0") }
                else { kind = .empirical(values: values, weights: weights) }
            }
        default: break
        }
        guard bag.items.count == before, let kind else { return nil }
        let d = Distribution(kind, lower: lower, upper: upper)
        checkSupport(d, node, path, support)
        return d
    }

    /// Checks that a distribution stays inside the quantity's support (a probability in [0, 1],
    /// money ≥ 0); an unbounded law needs `min`/`max` to say where it stops.
    mutating func checkSupport(_ d: Distribution, _ node: YNode, _ path: String, _ support: Support) {
        let (lo, hi): (Double, Double)
        switch support {
        case .any: return
        case .probability: (lo, hi) = (0, 1)
        case .nonNegative, .count: (lo, hi) = (0, .infinity)
        }
        var dmin: Double, dmax: Double
        switch d.kind {
        case let .fixed(v): (dmin, dmax) = (v, v)
        case let .uniform(a, b), let .triangular(a, _, b), let .pert(a, _, b): (dmin, dmax) = (a, b)
        case .normal: (dmin, dmax) = (-.infinity, .infinity)
        case .lognormal, .gamma: (dmin, dmax) = (0, .infinity)
        case .beta: (dmin, dmax) = (0, 1)
        case .poisson, .negativeBinomial: (dmin, dmax) = (0, .infinity)
        case let .binomial(n, _): (dmin, dmax) = (0, Double(n))
        case let .empirical(v, _): (dmin, dmax) = (v.min() ?? 0, v.max() ?? 0)
        }
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
