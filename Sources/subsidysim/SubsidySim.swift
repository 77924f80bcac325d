import ArgumentParser
import SubsidyReport

/// `subsidysim`: Monte Carlo what-if budget planner for Pingluo county's draft measure on SME
/// digital transformation. The type only wires the subcommands.
@main
struct SubsidySim: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "subsidysim",
        abstract: "Monte Carlo budget planner for the Pingluo SME digital-transformation draft (money in 万元).",
        discussion: """
        Scenarios are YAML files (see Scenarios/); with no SCENARIO the bundled draft is used.

        Exit codes: 0 ok, 64 usage error, 65 bad scenario, 66 missing input file, \
        73 cannot write output, 70 internal error.
        """,
        version: version,
        subcommands: [RunCommand.self, CheckCommand.self, AwardCommand.self, SweepCommand.self, SolveCommand.self,
                      SensitivityCommand.self, CompareCommand.self, RebalanceCommand.self, NewCommand.self, ScenarioCommand.self],
        defaultSubcommand: nil
    )

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

    static func main() {
        ChildProcesses.prepareTerminationSignals()
        main(joiningNegativeValues(Array(CommandLine.arguments.dropFirst())))
    }
}
