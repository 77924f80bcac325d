import ArgumentParser
import Foundation
import SubsidyEngine
import SubsidyModel
import SubsidyReport

/// `subsidysim compare A.yaml B.yaml …` or `subsidysim compare --readings [SCENARIO]`.
struct CompareCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "compare",
            abstract: L("在同一批模拟企业上并排比较几个情景（及其方案），或用 --readings 比较草案没说清的各种读法。",
                        "Compare scenarios (and their variants) side by side on the same simulated firms, or every open reading of the draft (--readings)."),
            discussion: L("""
            所有方案在一次模拟中用同一组随机数；企业总体相同的方案看到的是同一批企业，差异逐次试验配对，是精确的。\
            差异都相对于第一个方案，附 95% 区间。--readings 逐项比较草案没说清之处（硬件超限的处理、计入单个项目上限的条款、\
            服务费的计费企业、链式案例由谁承担、资金不足时的兑付规则）。

            示例：
              subsidysim compare Scenarios/pingluo-draft.yaml Scenarios/lower-caps.yaml Scenarios/bigger-pilot.yaml
              subsidysim compare --readings
              subsidysim compare --readings --variant table 我的测算.yaml
            """, """
            Every entry runs in one simulation with the same random numbers per trial; entries with the same population see \
            the same firms, so their differences are exact per trial. Differences are against the first entry, with 95% \
            intervals from the paired trials.

            Examples:
              subsidysim compare Scenarios/pingluo-draft.yaml Scenarios/lower-caps.yaml Scenarios/bigger-pilot.yaml
              subsidysim compare --readings                      (the bundled draft's open readings, text variant)
              subsidysim compare --readings --variant table my-whatif.yaml
            """)
        )
    }

    @Argument(help: H("情景文件（默认：内置的征求意见稿）；用 --readings 时只写一个，比较它的各种读法。",
                      "Scenario files (default: the bundled draft). With --readings, the one scenario whose readings are compared.",
                      value: ("情景文件", "scenario")))
    var files: [String] = []

    @Option(name: .customLong("set"), help: H("临时改一个键的值，对每个情景都生效（可写多次）。",
                                              "Override a value by key path in every scenario (repeatable).",
                                              value: ("键=值", "KEY=VALUE")))
    var sets: [String] = []

    @Option(name: .customLong("variant"), help: H("每个情景只取这个方案（可写多次；默认全部；用 --readings 时取第一个）。",
                                                  "Only this variant of each scenario (repeatable; default: all; with --readings the first).",
                                                  value: ("方案", "ID")))
    var variants: [String] = []

    @Flag(help: H("比较草案没说清的每一种读法（硬件超限、计入上限的条款、计费企业、链式案例承担者、兑付规则），都与情景原样相比。",
                  "Compare every open reading of the draft (hardware rule, ceiling lines, fee bases, chain-case holder, overrun rule) against the scenario as written."))
    var readings = false

    @Option(help: H("提示信息与终端摘要的语言：zh 中文，en 英文（不写时看系统语言环境）。", "Language of messages and of the terminal summary: zh or en.",
                    value: ("zh|en", "zh|en")))
    var lang: Language = Lang.current

    @OptionGroup var simulation: SimulationOptions
    @OptionGroup var documents: DocumentOptions

    @Flag(help: H("终端上不显示摘要。", "No summary on the terminal."))
    var quiet = false

    func validate() throws {
        if readings && files.count > 1 {
            throw ValidationError(L("--readings 比较的是一个情景的各种读法，最多写一个情景文件（实际 \(files.count) 个）",
                                    "--readings compares the readings of one scenario; give at most one file"))
        }
        if files.count > 20 { throw ValidationError(L("最多比较 20 个情景文件（实际 \(files.count) 个）", "at most 20 scenario files (got \(files.count))")) }
        // The same file twice would be two identical entries under one label.
        var seen: [String: String] = [:]
        for f in files {
            let key = URL(fileURLWithPath: f).standardizedFileURL.resolvingSymlinksInPath().path
            if let first = seen[key] {
                throw ValidationError(L("同一个情景文件写了两次（\(first) 与 \(f)）：两个方案会完全相同；请去掉一个",
                                        "the same scenario file is given twice (\(first) and \(f)): the entries would be identical; give it once"))
            }
            seen[key] = f
        }
    }

    func options(_ file: String?) throws -> ScenarioOptions {
        var args: [String] = file.map { [$0] } ?? []
        for s in sets { args += ["--set", s] }
        for v in variants { args += ["--variant", v] }
        args += ["--lang", lang.rawValue]
        return try ScenarioOptions.parse(args)
    }

    /// Entry labels that tell entries apart: headed by the scenario's title when the files' titles
    /// differ (unless the label is the title already: a file without variants), and, where two
    /// would still read alike (files that differ in a key no label states), headed by the file
    /// instead, by its name or, when two names are the same, its path, so that they differ in a
    /// chart's shortened tic labels too.
    static func distinctLabels(_ entries: [Compare.Entry], titlesDiffer: Bool) -> [Compare.Entry] {
        var out = entries
        if titlesDiffer {
            for i in out.indices where !out[i].label.hasPrefix(out[i].variant.scenario.title) {
                out[i].label = out[i].variant.scenario.title + "｜" + out[i].label
            }
        }
        let labels = out.map(\.label)
        let alike = out.indices.filter { i in labels.filter { $0 == labels[i] }.count > 1 }
        let names = alike.map { URL(fileURLWithPath: out[$0].source).lastPathComponent }
        for (k, i) in alike.enumerated() {
            let file = names.filter({ $0 == names[k] }).count > 1 ? out[i].source : names[k]
            out[i].label = file + "｜" + out[i].label
        }
        return out
    }

    func run() throws {
        do {
            let start = Date()
            var entries: [Compare.Entry] = []
            var loadedFirst: LoadedScenario?
            let list: [String?] = files.isEmpty ? [nil] : files
            var titles: [String] = []
            for f in list {
                let loaded = try options(f).load()
                if loadedFirst == nil { loadedFirst = loaded }
                titles.append(loaded.scenario.title)
                let chosen = readings ? Array(loaded.variants.prefix(1)) : loaded.variants
                for v in chosen {
                    // The label states what is evaluated (the variant's terms and changes); the
                    // scenario's title heads it only when the files' titles differ.
                    entries.append(Compare.Entry(id: files.count > 1 || !readings ? "\(loaded.scenario.id)/\(v.id)" : v.id,
                                                 label: v.label, source: loaded.file, variant: v))
                }
                if readings, let v = chosen.first { entries += try Compare.readingEntries(loaded, variant: v) }
            }
            entries = Self.distinctLabels(entries, titlesDiffer: Set(titles).count > 1)
            guard let first = loadedFirst else { return }
            let sc = first.scenario
            let seed = simulation.seed(for: sc)
            let trials = simulation.scenarioTrials(for: sc)
            // Per entry and trial: its stored fields, then a 0/1 shortfall column per line and the
            // paired differences (measured: ~1 KB per entry and trial at the peak).
            try simulation.checkMemory(trials: trials, bytesPerTrial: 1024 * Double(entries.count))
            let result = try Compare.run(entries, trials: trials, seed: seed, threads: simulation.threadCount, sampling: simulation.sampling)
            let out = simulation.output ?? (readings ? "Output/\(sc.id)/readings" : "Output/compare")
            let fields = Manifest.CompareFields(entries: entries.map { .init(id: $0.id, label: $0.label, source: $0.source) }, readings: readings)
            let warnings = try CompareReport.write(result, title: sc.title, readings: readings, to: out, manifest: fields, loaded: first,
                                                   trials: trials, invocation: invocation(start, seed: seed, threads: simulation.threadCount),
                                                   docx: !documents.noDocx, xlsx: !documents.noXlsx)
            for w in warnings { printError(w) }
            if !quiet {
                for p in lang == .zh ? CompareReport.paragraph(result, plain: true) : CompareReport.paragraphEnglish(result) { print("- " + p) }
                print(lang == .zh ? "\(entries.count) 个方案，每个 \(result.trials) 次试验，用时 \(CSVTable.fixed(result.seconds, 2)) 秒；输出：\(out)/summary.md"
                                  : "\(entries.count) entries, \(result.trials) trials each, \(CSVTable.fixed(result.seconds, 2)) s; output: \(out)/summary.md")
            }
        } catch {
            throw Exit.fail(error, lang: lang)
        }
    }
}
