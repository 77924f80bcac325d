import Foundation

/// One swept key: `KEY=a:b:step` (inclusive, numeric) or `KEY=v1,v2,...` (numbers or words).
public struct SweepAxis: Sendable {
    public var path: ScenarioPath
    /// The values as YAML scalars, in order.
    public var texts: [String]
    /// The same values as numbers, when every one is a number.
    public var numbers: [Double]?
    /// The option the values came from (`--sweep`, or solve's `--in`): what a point's error names.
    public var option: String

    public static let maxPoints = 201

    /// A numeric axis whose every value reads back exactly: the text is the shortest that parses
    /// to the same Double (sweep points, solve steps evaluate exactly the values they report).
    public init(path: ScenarioPath, numbers: [Double], option: String = "--sweep") {
        self.init(path: path, texts: numbers.map(exactNumber), numbers: numbers, option: option)
    }

    public init(path: ScenarioPath, texts: [String], numbers: [Double]?, option: String = "--sweep") {
        self.path = path
        self.texts = texts
        self.numbers = numbers
        self.option = option
    }

    public static func parse(_ spec: String) -> Result<SweepAxis, ScenarioError> {
        let loc = SourceLocation(file: "--sweep", line: 0, column: 0)
        func fail(_ key: String, _ zh: String, _ en: String) -> Result<SweepAxis, ScenarioError> {
            .failure(ScenarioError(.invalid, [Diagnostic(loc, key: key, Message(zh: zh, en: en))]))
        }
        guard let eq = spec.firstIndex(of: "=") else {
            return fail(spec, "应写成 键路径=范围，如 policy.batches[0].cap=30:60:5 或 policy.batches[0].rate=0.4,0.5,0.6",
                        "expected KEY=RANGE, e.g. policy.batches[0].cap=30:60:5 or policy.batches[0].rate=0.4,0.5,0.6")
        }
        let key = String(spec[..<eq]).trimmedWhitespace
        let range = String(spec[spec.index(after: eq)...]).trimmedWhitespace
        guard let path = ScenarioPath(key) else {
            return fail(key, "“\(key)” 不是合法的键路径", "'\(key)' is not a key path")
        }
        if range.contains(":") {
            let parts = range.split(separator: ":", omittingEmptySubsequences: false).map { Double($0.trimmedWhitespace) }
            guard parts.count == 3, let a = parts[0], let b = parts[1], let step = parts[2], a.isFinite, b.isFinite, step.isFinite else {
                return fail(key, "范围应写成 起点:终点:步长（三个数），实际是 “\(range)”", "a range is start:end:step (three numbers), found '\(range)'")
            }
            guard step > 0, b >= a else {
                return fail(key, "步长必须大于 0，终点不小于起点（实际 \(range)）", "the step must be > 0 and end ≥ start (found \(range))")
            }
            guard abs(a) <= Limits.maxAmount, abs(b) <= Limits.maxAmount else {
                return fail(key, "范围 \(range) 超出 [-10⁹, 10⁹]", "the range \(range) is outside [-10⁹, 10⁹]")
            }
            // The point count as a Double first: a tiny step makes it too large for an Int.
            let count = ((b - a) / step + 1e-9).rounded(.down) + 1
            guard count.isFinite, count <= Double(maxPoints) else {
                let shown = count.isFinite ? formatNumber(count) : "∞"
                return fail(key, "范围 \(range) 有 \(shown) 个点，超过上限 \(maxPoints)（请加大步长）",
                            "the range \(range) has \(shown) points, more than the limit of \(maxPoints) (use a larger step)")
            }
            let n = Int(count)
            // Values computed as a + i·step, then rounded to 12 significant digits: 0.1 steps print as 0.3, not 0.30000000000000004.
            let values = (0..<n).map { i -> Double in
                let v = a + Double(i) * step
                return Double(String(format: "%.12g", v)) ?? v
            }
            return .success(SweepAxis(path: path, texts: values.map(formatNumber), numbers: values))
        }
        let items = range.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmedWhitespace }
        guard !items.allSatisfy(\.isEmpty) else { return fail(key, "没有取值", "no values given") }
        // An empty item is a typo ("30,,40"), not a point to drop: a sweep has as many points as written.
        if let k = items.firstIndex(where: \.isEmpty) {
            return fail(key, "第 \(k + 1) 个取值是空的（“\(range)”）；各取值用一个逗号隔开", "value \(k + 1) is empty ('\(range)'); separate the values with single commas")
        }
        guard items.count <= maxPoints else {
            return fail(key, "点数 \(items.count) 超过上限 \(maxPoints)", "\(items.count) points is more than the limit of \(maxPoints)")
        }
        let nums = items.map { Double($0) }
        if nums.allSatisfy({ $0 != nil && $0!.isFinite }) {
            return .success(SweepAxis(path: path, texts: items, numbers: nums.map { $0! }))
        }
        return .success(SweepAxis(path: path, texts: items, numbers: nil))
    }

    /// The override for point `i`.
    public func override(_ i: Int) -> Override {
        let loc = SourceLocation(file: option, line: 0, column: 0)
        return Override(path: path, value: YNode(.scalar(texts[i], plain: true), loc), text: "\(path)=\(texts[i])")
    }
}
