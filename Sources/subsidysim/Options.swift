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

/// `check --format`.
enum CheckFormat: String, ExpressibleByArgument, CaseIterable {
    case text, markdown, json
}

/// Which scenario, which variants, what overrides, in which language: shared by every subcommand.
struct ScenarioOptions: ParsableArguments {
    @Argument(help: "Scenario YAML file (default: the bundled draft, Scenarios/pingluo-draft.yaml).")
    var scenario: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a value by key path, for every variant (repeatable).",
                                                         valueName: "KEY=VALUE"))
    var sets: [String] = []

    @Option(name: .customLong("variant"), help: ArgumentHelp("Only this variant (repeatable; default: all).", valueName: "ID"))
    var variants: [String] = []

    @Option(help: "Language of messages and of the terminal summary: zh or en (summary.md and charts are in Chinese).")
    var lang: Language = .zh

    /// Loads and validates the scenario; on failure prints every problem and exits 65/66.
    /// Loader warnings (a change an inherited variant undoes …) go to stderr unless `check`
    /// lists them itself.
    func load(printWarnings: Bool = true) throws -> LoadedScenario {
        var overrides: [Override] = []
        var problems: [Diagnostic] = []
        for s in sets {
            switch Override.parse(s) {
            case let .success(o): overrides.append(o)
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
    @Flag(help: "Do not write 报告.docx (the Word report made by pandoc).")
    var noDocx = false
}

/// Seed, trials, threads, output folder: shared by the simulating subcommands.
struct SimulationOptions: ParsableArguments {
    @Option(help: "Random seed, 0 to 2^64-1 (default: the scenario's simulation.seed).")
    var seed: UInt64?

    @Option(help: "Number of trials (default: the scenario's simulation.trials; sweep, solve, compare and rebalance use at most 20000 of them).")
    var trials: Int?

    @Option(help: "Worker threads (default: all cores). Results are identical for any value.")
    var threads: Int?

    @Option(name: .shortAndLong, help: "Output folder (default: Output/<scenario id>/...).")
    var output: String?

    @Option(help: "Trial-level sampling: random or lhs (Latin hypercube per block of 8192 trials).")
    var sampling: SamplingMethod?

    func validate() throws {
        if let t = trials, t < 1 || t > 100_000_000 { throw ValidationError("--trials must be from 1 to 100000000 (got \(t))") }
        if let k = threads, k < 1 || k > 1024 { throw ValidationError("--threads must be from 1 to 1024 (got \(k))") }
        if let o = output, o.isEmpty { throw ValidationError("--output must not be empty") }
    }

    var threadCount: Int { threads ?? ProcessInfo.processInfo.activeProcessorCount }

    /// `--seed`, else the scenario's `simulation.seed`.
    func seed(for s: Scenario) -> UInt64 { seed ?? s.simulation.seed }

    /// Trials of a what-if command (sweep, solve, compare, rebalance): `--trials`, else the
    /// scenario's, at most `whatIfTrials` (each of their points or entries is a run of its own).
    func whatIfTrials(for s: Scenario) -> Int { trials ?? Swift.min(s.simulation.trials, Self.whatIfTrials) }
    static let whatIfTrials = 20_000
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
