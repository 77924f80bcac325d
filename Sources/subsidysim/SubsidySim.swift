import ArgumentParser
import Foundation
import SubsidyReport

/// `subsidysim`: Monte Carlo what-if budget planner for Pingluo county's draft measure on SME
/// digital transformation. The type only wires the subcommands.
@main
struct SubsidySim: ParsableCommand {
    static let version = "0.1.0"

    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "subsidysim",
            abstract: L("平罗县中小企业数字化转型试点若干措施（征求意见稿）资金测算：蒙特卡洛模拟（金额单位：万元）。",
                        "Monte Carlo budget planner for the Pingluo SME digital-transformation draft (money in 万元)."),
            discussion: L("""
            情景是 YAML 文件（见 Scenarios/ 文件夹）；不写情景文件时，用程序内置的征求意见稿情景。
            每个命令的用法：subsidysim help <命令>（英文：加 --lang en）。使用指南：使用指南.md。

            示例：
              subsidysim check                  审核草案本身的算术与矛盾
              subsidysim run                    模拟草案，结果在 Output/pingluo-draft/
              subsidysim run Scenarios/lower-caps.yaml --trials 20000
              subsidysim new my-whatif.yaml     写一个可以修改的 what-if 情景文件

            退出码：0 成功，64 用法错误，65 情景有误，66 找不到输入文件，73 无法写出结果，70 内部错误。
            """, """
            Scenarios are YAML files (see Scenarios/); with no SCENARIO the bundled draft is used.
            Each command's help: subsidysim help <command> (Chinese by default; --lang en for English). User guide: 使用指南.md.

            Examples:
              subsidysim check                  audit the draft's own arithmetic
              subsidysim run                    simulate the draft; output in Output/pingluo-draft/
              subsidysim run Scenarios/lower-caps.yaml --trials 20000
              subsidysim new my-whatif.yaml     write a what-if scenario file to edit

            Exit codes: 0 ok, 64 usage error, 65 bad scenario, 66 missing input file, \
            73 cannot write output, 70 internal error.
            """),
            version: version,
            subcommands: [RunCommand.self, CheckCommand.self, AwardCommand.self, SweepCommand.self, SolveCommand.self,
                          SensitivityCommand.self, CompareCommand.self, RebalanceCommand.self, NewCommand.self, ScenarioCommand.self],
            defaultSubcommand: nil
        )
    }

    /// ArgumentParser reads `--in -5:5` as the option `-5:5` ("Missing value for --in"). A value
    /// that looks like a negative number, after an option that takes numbers, is joined to it
    /// (`--in=-5:5`, which ArgumentParser reads), so a negative start works written either way.
    static let numericOptions: Set<String> = ["--in", "--software", "--hardware", "--chain", "--trials", "--threads", "--precision",
                                              "--max-overrun", "--min-use", "--alpha", "--batch", "--sobol-n", "--oat-trials",
                                              "--max-short", "--unit", "--confidence", "--check-trials", "--step"]

    static func joiningNegativeValues(_ args: [String]) -> [String] {
        var out: [String] = []
        var i = 0
        while i < args.count {
            let a = args[i]
            if numericOptions.contains(a), i + 1 < args.count, args[i + 1].hasPrefix("-"),
               let c = args[i + 1].dropFirst().first, c.isNumber || c == "." {
                out.append(a + "=" + args[i + 1])
                i += 2
            } else {
                out.append(a)
                i += 1
            }
        }
        return out
    }

    /// Decides the language, parses (help and usage errors in that language), runs.
    static func main() {
        ChildProcesses.prepareTerminationSignals()
        // Over a file-size limit (ulimit -f) a write fails with EFBIG, which names the file and
        // exits 73, instead of the signal killing the process silently with its temporary folder left.
        signal(SIGXFSZ, SIG_IGN)
        let raw = joiningNegativeValues(Array(CommandLine.arguments.dropFirst()))
        let decided = Lang.decide(raw, environment: ProcessInfo.processInfo.environment)
        Lang.current = decided.language
        if let bad = decided.invalid {
            printError(L("错误：--lang 的值 “\(bad)” 无效：可选值为 zh（中文）、en（英文）",
                         "Error: The value '\(bad)' is invalid for '--lang <lang>'. Please provide one of 'zh' and 'en'."))
            Foundation.exit(64)
        }
        var command: ParsableCommand
        let args = Lang.argumentsForParsing(raw)
        do {
            // `help nosuch`: ArgumentParser prints the top-level help and exits 0. The unknown
            // command is the usage error it is without `help` (exit 64, with a suggestion).
            if args.first == "help", args.count > 1, !args[1].hasPrefix("-"), !UsageMessages.commands.contains(args[1]) {
                _ = try parseAsRoot([args[1]])
            }
            command = try parseAsRoot(args)
        } catch {
            finish(error, parsing: true)
        }
        do {
            try command.run()
        } catch {
            finish(error, parsing: false)
        }
    }

    /// Help and the version (exit 0) on standard output; a usage error (exit 64) in the chosen
    /// language on standard error; a command's own exit code as it is; anything else exit 70.
    static func finish(_ error: Error, parsing: Bool) -> Never {
        if let e = error as? ExitCode { Foundation.exit(e.rawValue) }
        if exitCode(for: error) == .success {
            let text = fullMessage(for: error, columns: HelpScreen.unwrapped)
            if !text.isEmpty { print(HelpScreen.render(text, lang: Lang.current, width: HelpScreen.terminalWidth())) }
            Foundation.exit(0)
        }
        if parsing {
            printError(UsageMessages.render(error, lang: Lang.current, width: HelpScreen.terminalWidth(STDERR_FILENO)))
            Foundation.exit(64)
        }
        printError(L("内部错误：", "internal error: ") + String(describing: error))
        Foundation.exit(70)
    }
}
