import ArgumentParser
import Foundation
import SubsidyEngine
import SubsidyModel
import SubsidyReport

extension Language: ExpressibleByArgument {}
extension SamplingMethod: ExpressibleByArgument {}
extension HardwareRule: ExpressibleByArgument {}

/// `--line`: a budget line id, or `total` (total demand against all the money).
enum LineChoice: ExpressibleByArgument, Equatable {
    case total
    case line(LineID)

    init?(argument: String) {
        if argument == "total" { self = .total } else if let l = LineID(rawValue: argument) { self = .line(l) } else { return nil }
    }
    var id: String { if case let .line(l) = self { return l.rawValue } else { return "total" } }
    var lineID: LineID? { if case let .line(l) = self { return l } else { return nil } }
    var defaultValueDescription: String { id }
    static var allValueStrings: [String] { LineID.allCases.map(\.rawValue) + ["total"] }
}

/// `run --precision-line`: the estimate `--precision` targets: a budget line's P(short), `any`
/// (some line short) or `total` (total demand above all the money).
enum PrecisionLineChoice: ExpressibleByArgument, Equatable {
    case any
    case total
    case line(LineID)

    init?(argument: String) {
        switch argument {
        case "any": self = .any
        case "total": self = .total
        default:
            guard let l = LineID(rawValue: argument) else { return nil }
            self = .line(l)
        }
    }
    var estimate: PrecisionEstimate {
        switch self {
        case .any: return .anyLine
        case .total: return .total
        case .line(let l): return .line(l)
        }
    }
    var defaultValueDescription: String { estimate.id ?? "" }
    static var allValueStrings: [String] { LineID.allCases.map(\.rawValue) + ["any", "total"] }
}

extension OutputMetric: ExpressibleByArgument {
    public init?(argument: String) {
        guard let m = OutputMetric.parse(argument) else { return nil }
        self = m
    }
    public var defaultValueDescription: String { id }
    public static var allValueStrings: [String] {
        ["total_demand", "regional_unspent"] + LineID.allCases.map(\.rawValue) + LineID.allCases.map { "short_" + $0.rawValue }
    }
}

/// A number option as a person types it: decimal digits with an optional point and exponent
/// (70, 0.05, .5, 1e3). Swift's `Double(_:)` also reads hexadecimal ("0x10" is 16) and
/// "nan"/"infinity", and turns 5e-400 into 0 without a word: an amount typed wrong must be an
/// error, never another number. A value too large for a Double reads as ∞, which each option's
/// range check then names.
struct DecimalNumber: ExpressibleByArgument, Sendable, CustomStringConvertible {
    var value: Double

    init(_ value: Double) { self.value = value }

    init?(argument: String) {
        guard Self.isDecimal(argument), let v = Double(argument) else { return nil }
        // An underflow: digits that are not all zero read as 0.
        let mantissa = argument.prefix { $0 != "e" && $0 != "E" }
        if v == 0 && mantissa.contains(where: { $0 >= "1" && $0 <= "9" }) { return nil }
        value = v
    }

    /// [+-] digits [. digits] [(e|E) [+-] digits], with at least one digit before the exponent.
    static func isDecimal(_ s: String) -> Bool {
        var b = Array(s.utf8)[...]
        if let c = b.first, c == UInt8(ascii: "+") || c == UInt8(ascii: "-") { b = b.dropFirst() }
        func digits() -> Int {
            let n = b.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }.count
            b = b.dropFirst(n)
            return n
        }
        var n = digits()
        if b.first == UInt8(ascii: ".") { b = b.dropFirst(); n += digits() }
        guard n > 0 else { return false }
        if let c = b.first, c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
            b = b.dropFirst()
            if let c = b.first, c == UInt8(ascii: "+") || c == UInt8(ascii: "-") { b = b.dropFirst() }
            guard digits() > 0 else { return false }
        }
        return b.isEmpty
    }

    var description: String { formatNumber(value) }
    var defaultValueDescription: String { formatNumber(value) }
}

/// `check --format`.
enum CheckFormat: String, ExpressibleByArgument, CaseIterable {
    case text, markdown, json
}

/// Which scenario, which variants, what overrides, in which language: shared by every subcommand.
struct ScenarioOptions: ParsableArguments {
    @Argument(help: H("情景文件（YAML）；不写则用程序内置的征求意见稿情景（即 Scenarios/pingluo-draft.yaml）。",
                      "Scenario YAML file (default: the bundled draft, Scenarios/pingluo-draft.yaml).",
                      value: ("情景文件", "scenario")))
    var scenario: String?

    @Option(name: .customLong("set"), help: H("临时改一个键的值，对每个方案都生效（可写多次），如 --set 'policy.batches[0].cap=45'；键名见 Scenarios/KEYS.md。",
                                              "Override a value by key path, for every variant (repeatable), e.g. --set 'policy.batches[0].cap=45'; keys: Scenarios/KEYS.md.",
                                              value: ("键=值", "KEY=VALUE")))
    var sets: [String] = []

    @Option(name: .customLong("variant"), help: H("只算这个方案（读法），如 text 或 table（可写多次；不写则算全部方案）。",
                                                  "Only this variant (repeatable; default: all), e.g. text or table.",
                                                  value: ("方案", "ID")))
    var variants: [String] = []

    @Option(help: H("提示信息与终端摘要的语言：zh 中文，en 英文（summary.md 与图表总是中文）。不写时看系统语言环境（LANG），英文环境用 en，其余用 zh。",
                    "Language of messages and of the terminal summary: zh or en (summary.md and charts are in Chinese). Default: from the locale (LANG): en for an English locale, else zh.",
                    value: ("zh|en", "zh|en")))
    var lang: Language = Lang.current

    /// Loads and validates the scenario; on failure prints every problem and exits 65/66.
    /// Loader warnings (a change an inherited variant undoes …) go to stderr unless `check`
    /// lists them itself.
    func load(printWarnings: Bool = true) throws -> LoadedScenario {
        var overrides: [Override] = []
        var problems: [Diagnostic] = []
        for s in sets {
            switch Override.parse(s) {
            case let .success(o):
                // The same key twice: only the last would take effect, so it is a slip to point at.
                if let first = overrides.first(where: { $0.path.steps == o.path.steps }) {
                    problems.append(Diagnostic(SourceLocation(file: "--set", line: 0, column: 0), key: o.path.description, Message(
                        zh: "--set 写了两次 \(o.path)（“\(first.text)” 与 “\(o.text)”）：只有最后一个会生效；请只写一次",
                        en: "--set gives \(o.path) twice ('\(first.text)' and '\(o.text)'): only the last would take effect; give it once")))
                }
                overrides.append(o)
            case let .failure(e): problems += e.diagnostics
            }
        }
        if !problems.isEmpty { throw ScenarioFailure(ScenarioError(.invalid, problems), lang: lang) }
        // `--variant text --variant text` is the variant once (not two identical rows).
        var once = Set<String>()
        let only = variants.filter { once.insert($0).inserted }
        do {
            let l = try LoadedScenario.load(scenario, overrides: overrides, only: only)
            try ScenarioChecks.check(l)
            if printWarnings {
                for w in l.warnings { printError((lang == .zh ? "警告：" : "warning: ") + w.render(lang)) }
            }
            return l
        } catch {
            throw ScenarioFailure(error, lang: lang)
        }
    }
}

/// Which documents of the review pack to write: shared by run, compare and rebalance.
struct DocumentOptions: ParsableArguments {
    @Flag(help: H("不生成 报告.docx（由 pandoc 生成的 Word 报告）。", "Do not write 报告.docx (the Word report made by pandoc)."))
    var noDocx = false

    @Flag(help: H("不生成 结果.xlsx（Excel 工作簿）。", "Do not write 结果.xlsx (the Excel workbook)."))
    var noXlsx = false
}

/// Seed, trials, threads, output folder: shared by the simulating subcommands.
struct SimulationOptions: ParsableArguments {
    @Option(help: H("随机数种子，0 至 2^64−1（默认：情景中的 simulation.seed）。种子与试验次数相同，结果就逐字节相同。",
                    "Random seed, 0 to 2^64-1 (default: the scenario's simulation.seed).",
                    value: ("种子", "seed")))
    var seed: UInt64?

    @Option(help: H("模拟试验次数（默认：情景中的 simulation.trials；sweep、solve、sensitivity 每个点默认最多用 20000 次）。",
                    "Number of trials (default: the scenario's simulation.trials; sweep, solve and sensitivity use at most 20000 of them per point).",
                    value: ("次数", "trials")))
    var trials: Int?

    @Option(help: H("计算线程数（默认：全部处理器核）。线程数不影响结果。",
                    "Worker threads (default: all cores). Results are identical for any value.",
                    value: ("线程数", "threads")))
    var threads: Int?

    @Option(name: .shortAndLong, help: H("结果文件夹（默认：Output/<情景 id>/…）。",
                                         "Output folder (default: Output/<scenario id>/...).",
                                         value: ("文件夹", "folder")))
    var output: String?

    @Option(help: H("试验层面的抽样方法：random（独立抽样）或 lhs（拉丁超立方，每 8192 次试验一组）。",
                    "Trial-level sampling: random or lhs (Latin hypercube per block of 8192 trials).",
                    value: ("抽样方法", "sampling")))
    var sampling: SamplingMethod?

    func validate() throws {
        if let t = trials, t < 1 || t > 100_000_000 {
            throw ValidationError(L("--trials 应为 1 至 100000000 的整数（实际 \(t)）", "--trials must be from 1 to 100000000 (got \(t))"))
        }
        if let k = threads, k < 1 || k > 1024 {
            throw ValidationError(L("--threads 应为 1 至 1024 的整数（实际 \(k)）", "--threads must be from 1 to 1024 (got \(k))"))
        }
        if let o = output, o.isEmpty { throw ValidationError(L("--output 不能为空", "--output must not be empty")) }
    }

    var threadCount: Int { threads ?? ProcessInfo.processInfo.activeProcessorCount }

    /// `--seed`, else the scenario's `simulation.seed`.
    func seed(for s: Scenario) -> UInt64 { seed ?? s.simulation.seed }

    /// Trials of a search (sweep, solve): `--trials`, else `SimulationSettings.whatIfTrials` (the
    /// scenario's, at most 20,000).
    func whatIfTrials(for s: Scenario) -> Int { trials ?? s.simulation.whatIfTrials }
    /// Refuses (a `Simulator.MemoryError`, exit 64 with the most that fit) `trials` trials of a
    /// command that keeps about `bytesPerTrial` bytes per trial, before anything is allocated.
    func checkMemory(trials: Int, bytesPerTrial per: Double) throws {
        try Simulator.checkMemory(trials: trials, bytesPerTrial: per, granularity: 1000)
    }

    /// Trials of compare and rebalance: `--trials`, else the scenario's `simulation.trials`, as run
    /// (the same seed and count give the run report's figures for the draft).
    func scenarioTrials(for s: Scenario) -> Int { trials ?? s.simulation.trials }
}

/// A scenario that cannot be used: prints the problems, exits 65 (invalid) or 66 (missing input).
struct ScenarioFailure: Error, CustomStringConvertible {
    let error: ScenarioError
    let lang: Language
    init(_ e: ScenarioError, lang: Language) { error = e; self.lang = lang }
    var description: String { error.render(lang) }
    /// 66 missing input; 64 when the only problem is an unknown `--variant` (a usage error); else 65.
    var exitCode: Int32 {
        if error.kind == .missingInput { return 66 }
        if !error.diagnostics.isEmpty && error.diagnostics.allSatisfy({ $0.location.file == "--variant" }) { return 64 }
        return 65
    }
}

/// The one place errors become messages and exit codes: 64 usage, 65 bad scenario, 66 missing
/// input, 73 output, 70 internal. Every command's `run` ends in `catch { throw Exit.fail(error, lang:) }`.
enum Exit {
    static func fail(_ error: Error, lang: Language) -> ExitCode {
        switch error {
        case let e as ScenarioFailure:
            printError(e.description)
            printError(lang == .zh ? "情景有 \(e.error.diagnostics.count) 处问题，未运行。" : "\(e.error.diagnostics.count) problem(s) in the scenario; nothing was run.")
            return ExitCode(e.exitCode)
        case let e as ScenarioError:
            return fail(ScenarioFailure(e, lang: lang), lang: lang)
        case let e as UsageError:
            printError(e.text(lang))
            return ExitCode(64)
        case let e as OutputFolder.WriteError:
            // The output folder's own message (path and the system's reason).
            printError(e.text(lang))
            return ExitCode(73)
        case let e as Simulator.MemoryError:
            let gb = { (x: Double) in String(format: "%.1f", x / 1e9) }
            printError(lang == .zh
                ? "\(e.trials) 次试验需要约 \(gb(e.bytes)) GB 内存，超过本机可用内存的一半（\(gb(e.budget)) GB）；本机最多约 \(e.most) 次（用 --trials 减少）"
                : "\(e.trials) trials need about \(gb(e.bytes)) GB of memory, more than half of what this machine has (\(gb(e.budget)) GB); at most about \(e.most) here (lower --trials)")
            return ExitCode(64)
        case let e as ExitCode:
            return e
        default:
            printError((lang == .zh ? "内部错误：" : "internal error: ") + String(describing: error))
            return ExitCode(70)
        }
    }
}

func printError(_ s: String) {
    FileHandle.standardError.write(Data((s.hasSuffix("\n") ? s : s + "\n").utf8))
}

/// A progress bar on stderr, only when stderr is a terminal and the work has run over a second.
final class ProgressBar: @unchecked Sendable {
    let start = Date()
    let enabled: Bool
    let label: String
    private var lastDraw = Date.distantPast
    private var drawn = false

    init(label: String, quiet: Bool) {
        self.label = label
        enabled = !quiet && isatty(STDERR_FILENO) != 0
    }

    func update(_ done: Int, _ total: Int) {
        guard enabled else { return }
        let now = Date()
        guard now.timeIntervalSince(start) > 1, now.timeIntervalSince(lastDraw) > 0.1 || done >= total else { return }
        lastDraw = now
        drawn = true
        let width = 30
        let frac = total > 0 ? Double(done) / Double(total) : 1
        let bar = String(repeating: "█", count: Int(frac * Double(width))) + String(repeating: "░", count: width - Int(frac * Double(width)))
        FileHandle.standardError.write(Data("\r\(label) \(bar) \(done)/\(total)".utf8))
    }

    func finish() {
        if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
