import ArgumentParser

/// `subsidysim`: Monte Carlo what-if budget planner for Pingluo county's draft measure on SME
/// digital transformation. The type only wires the subcommands.
@main
struct SubsidySim: AsyncParsableCommand {
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
                      SensitivityCommand.self, NewCommand.self, ScenarioCommand.self],
        defaultSubcommand: nil
    )
}
