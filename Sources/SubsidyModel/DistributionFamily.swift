import Foundation

/// One family of distributions a scenario can name as `{dist: NAME, ...}` (Scenarios/MODEL.md §5):
/// its YAML name, the ways its parameters may be written (each with its constraints), whether
/// `min`/`max` truncate it, the values it takes, and its description for messages and help.
///
/// `DistributionFamily.all` (DistributionFamilies.swift) is the one list of families. The decoder
/// (`DistributionDecoding.swift`), the support and count-bound checks, the YAML merge of alternative
/// parameters (`YNode.alternativeKeys`) and the engine's quantile tables read it; the engine keeps
/// only each family's maths (CDF and inverse CDF, GSL samplers: `DistributionMaths.swift`,
/// `Sampling.swift`). Adding a family: a case of `Distribution.Kind`; its entry in
/// DistributionFamilies.swift (a `static let`, its place in `all`, its arm of `Kind.family`);
/// its `cdf` and `inverse` in the engine.
public struct DistributionFamily: Sendable {
    /// The `dist:` name, e.g. `lognormal`.
    public let name: String
    /// Other `dist:` names accepted for the same family.
    public let otherNames: [String]
    /// A short description in both languages, e.g. 对数正态分布（ln X 服从正态分布） / lognormal (ln X is normal).
    public let description: Message
    /// The ways to give the parameters; a scenario uses exactly one. The first is the law's own
    /// (the parameters `Distribution.Kind` stores); others are converted by their `make`.
    public let forms: [Form]
    /// Whether `min`/`max` truncate the law (for uniform, triangular, PERT they are parameters;
    /// fixed and empirical laws take none).
    public let truncatable: Bool
    /// True for laws on whole numbers (the engine tabulates their CDF; `min` keeps its own value).
    public let wholeNumbers: Bool
    /// The values the law takes, in words, for help: `[min, max]`, `(0, ∞)`, `0, 1, …, n`.
    public let values: Message
    /// The facts of a law of this family (support, mean, sd), nil for a law of another family.
    let facts: @Sendable (Distribution.Kind) -> LawFacts?
    /// The short text of `Distribution.summary`, nil for a law of another family.
    let summary: @Sendable (Distribution.Kind) -> String?

    /// All keys a `{dist: NAME, ...}` mapping of this family may hold, in the order messages list them.
    public var keys: [String] {
        var out = ["dist"]
        for p in forms.flatMap(\.parameters) where !out.contains(p.name) { out.append(p.name) }
        if truncatable { out += Self.truncation.map(\.name) }
        return out
    }

    /// The family named `name` (its `dist:` name or one of its other names).
    public static func named(_ name: String) -> DistributionFamily? {
        all.first { $0.name == name || $0.otherNames.contains(name) }
    }

    /// Every `dist:` name, in table order (for "expected one of" messages).
    public static var names: [String] { all.map(\.name) }

    /// Groups of keys that are alternative ways of writing the same law (each family's forms, when
    /// it has more than one): a what-if that writes one way drops the base's other ways.
    public static let alternativeKeyGroups: [[Set<String>]] =
        all.filter { $0.forms.count > 1 }.map { $0.forms.map { Set($0.parameters.map(\.name)) } }

    /// `min` and `max` of a truncatable law: any finite numbers with min ≤ max, both optional.
    public static let truncation: [Parameter] = [
        .number("min", Message(zh: "截断下限", en: "the truncation's lower end"), [.atMost("max")], example: -1e9, optional: true),
        .number("max", Message(zh: "截断上限", en: "the truncation's upper end"), [], example: 1e9, optional: true),
    ]
}

/// Support, mean and standard deviation of an untruncated law, from its parameters.
public struct LawFacts: Sendable, Hashable {
    /// The smallest and largest values the law can take (−∞ / ∞ when unbounded). For an
    /// empirical law: the smallest and largest value of positive weight.
    public var lowest: Double
    public var highest: Double
    public var mean: Double
    public var sd: Double
    public var isBoundedAbove: Bool { highest.isFinite }
}

extension DistributionFamily {
    /// One way to give a family's parameters, e.g. a lognormal by `median` and `p90`.
    public struct Form: Sendable {
        public let parameters: [Parameter]
        /// The law from parameters that each passed their constraints; a failure names the
        /// parameter to blame (limits on derived quantities, e.g. a beta's shapes from mean and sd).
        let make: @Sendable (Arguments) -> Result<Distribution.Kind, ParameterProblem>

        public init(_ parameters: [Parameter], make: @escaping @Sendable (Arguments) -> Result<Distribution.Kind, ParameterProblem>) {
            self.parameters = parameters
            self.make = make
        }

        public var keys: [String] { parameters.map(\.name) }

        /// The law of `example` values (each parameter's `example`); nil when the form rejects them.
        public var example: Distribution.Kind? {
            var a = Arguments()
            for p in parameters {
                if p.isList { a.lists[p.name] = p.example } else { a.numbers[p.name] = p.example.first }
            }
            return try? make(a).get()
        }

        /// The law of `arguments` (checked parameter values, by name), or why not.
        public func law(_ arguments: Arguments) -> Result<Distribution.Kind, ParameterProblem> { make(arguments) }
    }

    /// A parameter: a number, or a list of numbers (an empirical law's values), with its constraints.
    public struct Parameter: Sendable {
        public let name: String
        /// What it is, for help and for the message when it is missing: 中位数 / the median.
        public let meaning: Message
        /// Checked in order; the first that fails is reported. For a list: on every item.
        public let constraints: [Constraint]
        public let isList: Bool
        /// Optional parameters may be left out (`make` sees them absent).
        public let isOptional: Bool
        /// A list's most items.
        public let maxItems: Int
        /// A valid value (one number, or a list's items), for help and for the tests that walk the table.
        public let example: [Double]

        public static func number(_ name: String, _ meaning: Message, _ constraints: [Constraint], example: Double,
                                  optional: Bool = false) -> Parameter {
            Parameter(name: name, meaning: meaning, constraints: constraints, isList: false, isOptional: optional,
                      maxItems: 1, example: [example])
        }

        public static func list(_ name: String, _ meaning: Message, _ constraints: [Constraint], example: [Double],
                                optional: Bool = false, maxItems: Int) -> Parameter {
            Parameter(name: name, meaning: meaning, constraints: constraints, isList: true, isOptional: optional,
                      maxItems: maxItems, example: example)
        }
    }

    /// A constraint on a parameter's value. Every number is first within ±`Limits.maxAmount`.
    public enum Constraint: Sendable {
        /// lower < x (open) or ≤ x, and x < upper (open) or ≤ upper; nil: no bound. `reason`
        /// explains a bound that is not the law's own (a limit of this program).
        case range(lower: Double?, lowerOpen: Bool, upper: Double?, upperOpen: Bool, reason: Message?)
        case wholeNumber
        /// x ≤ the named parameter (min ≤ max).
        case atMost(String)
        /// x > the named parameter (p90 > median).
        case greaterThan(String)
        /// The named parameters' values a ≤ x ≤ b (a mode within [min, max]).
        case within(String, String)

        public static let positive = Constraint.range(lower: 0, lowerOpen: true, upper: nil, upperOpen: false, reason: nil)
        public static let nonNegative = Constraint.range(lower: 0, lowerOpen: false, upper: nil, upperOpen: false, reason: nil)
        public static let probability = Constraint.range(lower: 0, lowerOpen: false, upper: 1, upperOpen: false, reason: nil)
        public static func closed(_ r: ClosedRange<Double>, reason: Message? = nil) -> Constraint {
            .range(lower: r.lowerBound, lowerOpen: false, upper: r.upperBound, upperOpen: false, reason: reason)
        }
        public static func atMost(_ x: Double, reason: Message? = nil) -> Constraint {
            .range(lower: nil, lowerOpen: false, upper: x, upperOpen: false, reason: reason)
        }
        public static func atLeast(_ x: Double, reason: Message? = nil) -> Constraint {
            .range(lower: x, lowerOpen: false, upper: nil, upperOpen: false, reason: reason)
        }
        /// The reason given for the program's own limits.
        public static let programLimit = Message(zh: "本程序的限制，见 README“Limits”", en: "a limit of this program, see README “Limits”")

        /// The parameters this constraint compares against.
        public var others: [String] {
            switch self {
            case .range, .wholeNumber: return []
            case let .atMost(o), let .greaterThan(o): return [o]
            case let .within(a, b): return [a, b]
            }
        }

        /// Why `value` of parameter `name` breaks this constraint, nil when it does not; `given`
        /// holds the other parameters that passed their own checks (a comparison with one that
        /// is absent or failed is skipped).
        public func violation(_ name: String, _ value: Double, given: [String: Double]) -> Message? {
            let v = exactNumber(value)
            switch self {
            case let .range(lo, lo0, hi, hi0, reason):
                let below = lo.map { lo0 ? value <= $0 : value < $0 } ?? false
                let above = hi.map { hi0 ? value >= $0 : value > $0 } ?? false
                guard below || above else { return nil }
                let why = (zh: reason.map { "；" + $0.zh } ?? "", en: reason.map { "; " + $0.en } ?? "")
                switch (lo, hi) {
                case let (l?, h?):
                    let r = (lo0 ? "(" : "[") + limitText(l) + ", " + limitText(h) + (hi0 ? ")" : "]")
                    return Message(zh: "\(name) 必须在 \(r) 内（实际 \(v)\(why.zh)）", en: "\(name) must be in \(r) (found \(v)\(why.en))")
                case let (l?, nil) where l == 0:
                    return lo0 ? Message(zh: "\(name) 必须大于 0（实际 \(v)\(why.zh)）", en: "\(name) must be greater than 0 (found \(v)\(why.en))")
                               : Message(zh: "\(name) 不能为负数（实际 \(v)\(why.zh)）", en: "\(name) must not be negative (found \(v)\(why.en))")
                case let (l?, nil):
                    return Message(zh: "\(name) 必须\(lo0 ? "大于" : "≥") \(limitText(l))（实际 \(v)\(why.zh)）",
                                   en: "\(name) must be \(lo0 ? "greater than" : "at least") \(limitText(l)) (found \(v)\(why.en))")
                case let (nil, h?):
                    return Message(zh: "\(name) 必须\(hi0 ? "小于" : "≤") \(limitText(h))（实际 \(v)\(why.zh)）",
                                   en: "\(name) must be \(hi0 ? "less than" : "at most") \(limitText(h)) (found \(v)\(why.en))")
                case (nil, nil): return nil
                }
            case .wholeNumber:
                return value == value.rounded() ? nil : Message(zh: "\(name) 应为整数（实际 \(v)）", en: "\(name) must be a whole number (found \(v))")
            case let .atMost(o):
                guard let w = given[o], value > w else { return nil }
                return Message(zh: "\(name) \(v) 大于 \(o) \(exactNumber(w))", en: "\(name) \(v) is greater than \(o) \(exactNumber(w))")
            case let .greaterThan(o):
                guard let w = given[o], value <= w else { return nil }
                return Message(zh: "\(name) (\(v)) 必须大于 \(o) (\(exactNumber(w)))", en: "\(name) (\(v)) must be greater than \(o) (\(exactNumber(w)))")
            case let .within(a, b):
                guard let x = given[a], let y = given[b], value < x || value > y else { return nil }
                let r = "[\(a), \(b)] = [\(exactNumber(x)), \(exactNumber(y))]"
                return Message(zh: "\(name) \(v) 不在 \(r) 内", en: "\(name) \(v) is outside \(r)")
            }
        }
    }

    /// The checked values of one form's parameters, by name.
    public struct Arguments: Sendable {
        public var numbers: [String: Double] = [:]
        public var lists: [String: [Double]] = [:]
        public init() {}
        /// A number parameter's value (NaN if absent: only optional ones may be).
        public subscript(_ name: String) -> Double { numbers[name] ?? .nan }
    }

    /// Why a form's values give no law: the parameter to blame and what is wrong.
    public struct ParameterProblem: Error, Sendable {
        public var parameter: String
        public var message: Message
        public init(_ parameter: String, zh: String, en: String) {
            self.parameter = parameter
            message = Message(zh: zh, en: en)
        }
    }

    /// The families, their parameters, constraints and values, one line each (for help).
    public static func reference(_ lang: Language) -> String {
        all.map { f in
            let forms = f.forms.map { form in
                "{" + form.parameters.map { "\($0.name)\($0.isOptional ? "?" : "")" }.joined(separator: ", ") + "}"
            }.joined(separator: lang == .zh ? " 或 " : " or ")
            let sep = lang == .zh ? "；" : "; "
            let trunc = f.truncatable ? sep + (lang == .zh ? "可用 min/max 截断" : "min/max truncate") : ""
            return "\(f.name) — \(f.description.text(lang)): \(forms)\(trunc)\(sep)\(lang == .zh ? "取值" : "values") \(f.values.text(lang))"
        }.joined(separator: "\n")
    }
}

extension Distribution.Kind {
    /// Support, mean and sd of the untruncated law (from its family's entry).
    public var facts: LawFacts {
        guard let x = family.facts(self) else { preconditionFailure("the \(family.name) entry does not describe \(self)") }
        return x
    }

    /// True for a law on whole numbers (its family's `wholeNumbers`).
    public var takesWholeNumbers: Bool { family.wholeNumbers }
}
