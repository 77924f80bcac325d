import ArgumentParser
import Foundation
import SubsidyEngine
import SubsidyModel
import SubsidyReport

/// `subsidysim compare A.yaml B.yaml …` or `subsidysim compare --readings [SCENARIO]`.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare scenarios (and their variants) side by side on the same simulated firms, or every open reading of the draft (--readings).",
        discussion: """
        Every entry runs in one simulation with the same random numbers per trial; entries with the same population see \
        the same firms, so their differences are exact per trial. Differences are against the first entry, with 95% \
        intervals from the paired trials. Examples:
          subsidysim compare Scenarios/pingluo-draft.yaml Scenarios/lower-caps.yaml Scenarios/bigger-pilot.yaml
          subsidysim compare --readings                      (the bundled draft's open readings, text variant)
          subsidysim compare --readings --variant table my-whatif.yaml
        """
    )

    @Argument(help: "Scenario files (default: the bundled draft). With --readings, the one scenario whose readings are compared.")
    var files: [String] = []

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a value by key path in every scenario (repeatable).", valueName: "KEY=VALUE"))
    var sets: [String] = []

    @Option(name: .customLong("variant"), help: ArgumentHelp("Only this variant of each scenario (repeatable; default: all; with --readings the first).", valueName: "ID"))
    var variants: [String] = []

    @Flag(help: "Compare every open reading of the draft (hardware rule, ceiling lines, fee bases, chain-case holder, overrun rule) against the scenario as written.")
    var readings = false

    @Option(help: "Language of messages and of the terminal summary: zh or en.")
    var lang: Language = .zh

    @OptionGroup var simulation: SimulationOptions
    @OptionGroup var documents: DocumentOptions

    @Flag(help: "No summary on the terminal.")
    var quiet = false

    func validate() throws {
        if readings && files.count > 1 { throw ValidationError("--readings compares the readings of one scenario; give at most one file") }
        if files.count > 20 { throw ValidationError("at most 20 scenario files (got \(files.count))") }
    }

    func options(_ file: String?) throws -> ScenarioOptions {
        var args: [String] = file.map { [$0] } ?? []
        for s in sets { args += ["--set", s] }
        for v in variants { args += ["--variant", v] }
        args += ["--lang", lang.rawValue]
        return try ScenarioOptions.parse(args)
    }

    func run() throws {
        do {
            let start = Date()
            var entries: [Compare.Entry] = []
            var loadedFirst: LoadedScenario?
            let list: [String?] = files.isEmpty ? [nil] : files
            for f in list {
                let loaded = try options(f).load()
                if loadedFirst == nil { loadedFirst = loaded }
                let short = loaded.scenario.title
                let chosen = readings ? Array(loaded.variants.prefix(1)) : loaded.variants
                for v in chosen {
                    entries.append(Compare.Entry(id: files.count > 1 || !readings ? "\(loaded.scenario.id)/\(v.id)" : v.id,
                                                 label: list.count > 1 ? "\(short)｜\(v.name)" : v.name, source: loaded.file, variant: v))
                }
                if readings, let v = chosen.first { entries += try Compare.readingEntries(loaded, variant: v) }
            }
            guard let first = loadedFirst else { return }
            let sc = first.scenario
            let seed = simulation.seed(for: sc)
            let trials = simulation.whatIfTrials(for: sc)
            let result = try Compare.run(entries, trials: trials, seed: seed, threads: simulation.threadCount, sampling: simulation.sampling)
            let out = simulation.output ?? (readings ? "Output/\(sc.id)/readings" : "Output/compare")
            let fields = Manifest.CompareFields(entries: entries.map { .init(id: $0.id, label: $0.label, source: $0.source) }, readings: readings)
            let warnings = try CompareReport.write(result, title: sc.title, readings: readings, to: out, manifest: fields, loaded: first,
                                                   trials: trials, invocation: invocation(start, seed: seed, threads: simulation.threadCount),
                                                   docx: !documents.noDocx)
            for w in warnings { printError(w) }
            if !quiet {
                for p in lang == .zh ? CompareReport.paragraph(result) : CompareReport.paragraphEnglish(result) { print("- " + p) }
                print(lang == .zh ? "\(entries.count) 个方案，每个 \(result.trials) 次试验，用时 \(CSVTable.fixed(result.seconds, 2)) 秒；输出：\(out)/summary.md"
                                  : "\(entries.count) entries, \(result.trials) trials each, \(CSVTable.fixed(result.seconds, 2)) s; output: \(out)/summary.md")
            }
        } catch {
            throw Exit.fail(error, lang: lang)
        }
    }
}
