import ArgumentParser
import Foundation
import SubsidyEngine
import SubsidyModel
import SubsidyReport

/// `subsidysim check`: validate the scenario and audit the draft's own arithmetic.
struct CheckCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "check",
            abstract: L("检查情景文件，并审核草案本身：资金概算表的算术、预算隐含的企业数、正文与概算表的矛盾。",
                        "Validate a scenario and audit the draft: budget-table arithmetic, implied counts, contradictions."),
            discussion: L("""
            每条发现都有严重程度（错误、警告、提示）和条款出处。没有“错误”时退出码为 0；情景本身有误时为 65。

            示例：
              subsidysim check
              subsidysim check 我的测算.yaml
              subsidysim check --format markdown > 审核.md
            """, """
            Exit 0 unless a finding is an error or the scenario is invalid (65).

            Examples:
              subsidysim check
              subsidysim check my-whatif.yaml
              subsidysim check --format markdown > audit.md
            """)
        )
    }

    @OptionGroup var scenario: ScenarioOptions

    @Option(help: H("输出格式：text（文字）、markdown（可贴进文档）或 json。", "text, markdown or json.", value: ("格式", "format")))
    var format: CheckFormat = .text

    @Option(help: H("估算预期企业数的快速模拟所用的线程数。", "Worker threads for the quick simulation of expected counts.",
                    value: ("线程数", "threads")))
    var threads: Int?

    func validate() throws {
        // The same range as run's --threads (check used to take 0 and -5 silently).
        if let k = threads, k < 1 || k > 1024 {
            throw ValidationError(L("--threads 应为 1 至 1024 的整数（实际 \(k)）", "--threads must be from 1 to 1024 (got \(k))"))
        }
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
