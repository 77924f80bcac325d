import ArgumentParser
import Foundation
import SubsidyEngine
import SubsidyModel
import SubsidyReport

/// `subsidysim check`: validate the scenario and audit the draft's own arithmetic.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a scenario and audit the draft: budget-table arithmetic, implied counts, contradictions.",
        discussion: "Exit 0 unless a finding is an error or the scenario is invalid (65)."
    )

    @OptionGroup var scenario: ScenarioOptions

    @Option(help: "text, markdown or json.")
    var format: CheckFormat = .text

    @Option(help: "Worker threads for the quick simulation of expected counts.")
    var threads: Int?

    func validate() throws {
        // The same range as run's --threads (check used to take 0 and -5 silently).
        if let k = threads, k < 1 || k > 1024 { throw ValidationError("--threads must be from 1 to 1024 (got \(k))") }
    }

    func run() throws {
        do {
            let loaded = try scenario.load(printWarnings: false)
            let e = try Audit.expectations(loaded, threads: threads ?? ProcessInfo.processInfo.activeProcessorCount)
            let fs = Audit.findings(loaded, expectations: e)
            print(Audit.render(fs, format: format.rawValue, lang: scenario.lang, title: loaded.scenario.title), terminator: "")
            if fs.contains(where: { $0.severity == .error }) { throw ExitCode(65) }
        } catch {
            throw Exit.fail(error, lang: scenario.lang)
        }
    }
}
