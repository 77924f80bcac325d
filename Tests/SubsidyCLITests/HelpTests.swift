import Foundation
import Testing

/// Help and usage errors as a planner sees them: Chinese by default, English with `--lang en` or
/// an English locale, every command's help with its Chinese abstract and examples that use the
/// command's real options, and the parser's errors in the chosen language with exit 64.
@Suite("Help and usage errors in Chinese and English", .serialized)
struct HelpCLITests {
    static func cli(_ args: [String], env: [String: String] = [:]) throws -> CLITests.Result {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("subsidysim-help-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: d) }
        let r = try CLITests.cli(args, in: d, timeout: 60, environment: env)
        // A usage error or a help screen never writes anything.
        let left = try FileManager.default.contentsOfDirectory(atPath: d.path).filter { !$0.hasPrefix(".cli-") }
        #expect(left.isEmpty, "\(args) left \(left)")
        return r
    }

    /// Each command's help: a phrase of its Chinese abstract, and its English abstract's start.
    static let commands: [(path: [String], zh: String, en: String)] = [
        (["run"], "模拟情景", "Simulate the scenario"),
        (["check"], "审核草案本身", "Validate a scenario"),
        (["award"], "一家企业能得到的奖补", "One firm's awards"),
        (["sweep"], "在一个范围内取值", "Sweep one or two keys"),
        (["solve"], "使风险不超过目标", "Find the largest"),
        (["sensitivity"], "敏感性分析", "Tornado, spider"),
        (["compare"], "并排比较", "Compare scenarios"),
        (["rebalance"], "修改后的资金概算表", "Propose a revised budget table"),
        (["new"], "what-if 情景文件", "Write a commented what-if"),
        (["scenario"], "内置的征求意见稿情景", "Print the bundled draft scenario"),
        (["scenario", "show"], "YAML 全文", "Print the bundled draft scenario's YAML"),
        (["scenario", "keys"], "每个键", "Print every key"),
    ]

    /// Columns a line takes in a terminal (Chinese characters and full-width punctuation: two).
    static func columns(_ s: String) -> Int {
        s.unicodeScalars.reduce(0) { w, u in
            let v = u.value
            let wide = (0x2E80...0x303E).contains(v) || (0x3041...0x9FFF).contains(v) || (0xF900...0xFAFF).contains(v)
                || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v) || (0xFFE0...0xFFE6).contains(v)
            return w + (wide ? 2 : 1)
        }
    }

    @Test("the program's help is Chinese by default, under LANG=C and zh_CN, and LC_ALL comes before LANG")
    func chineseByDefault() throws {
        for (args, env) in [(["--help"], [:]), (["help"], [:]), ([], [:]), (["help", "--lang", "zh"], [:]),
                            (["--help"], ["LANG": "C"]), (["--help"], ["LANG": "zh_CN.UTF-8"]),
                            (["--help"], ["LANG": "en_US.UTF-8", "LC_ALL": "zh_CN.UTF-8"]),
                            (["--help"], ["LANG": "en_US.UTF-8", "LC_MESSAGES": "POSIX"])] as [([String], [String: String])] {
            let r = try Self.cli(args, env: env)
            #expect(r.status == 0, "\(args) \(env): \(r.err)")
            #expect(r.out.contains("概述：") && r.out.contains("用法：subsidysim <子命令>") && r.out.contains("子命令：")
                    && r.out.contains("模拟情景") && r.out.contains("显示本帮助") && r.out.contains("subsidysim help <子命令>"),
                    "\(args) \(env): \(r.out)")
            #expect(!r.out.contains("OVERVIEW") && !r.out.contains("SUBCOMMANDS") && !r.out.contains("Show help information"), "\(args) \(env)")
        }
    }

    @Test("English with --lang en (also --lang=en, before the command, after help) and with an English locale")
    func englishOnRequest() throws {
        for (args, env) in [(["--help", "--lang", "en"], [:]), (["help", "--lang=en"], [:]), (["--lang", "en", "--help"], [:]),
                            (["--help"], ["LANG": "en_US.UTF-8"]), (["help"], ["LC_ALL": "en_GB.UTF-8", "LANG": "zh_CN.UTF-8"]),
                            (["--help", "--lang", "en"], ["LANG": "zh_CN.UTF-8"])] as [([String], [String: String])] {
            let r = try Self.cli(args, env: env)
            #expect(r.status == 0, "\(args) \(env): \(r.err)")
            #expect(r.out.contains("OVERVIEW:") && r.out.contains("SUBCOMMANDS:") && r.out.contains("Simulate the scenario")
                    && r.out.contains("Exit codes"), "\(args) \(env): \(r.out)")
            #expect(!r.out.contains("概述") && !r.out.contains("模拟情景"), "\(args) \(env)")
        }
        // --lang zh beats an English locale.
        let zh = try Self.cli(["--help", "--lang", "zh"], env: ["LANG": "en_US.UTF-8"])
        #expect(zh.status == 0 && zh.out.contains("概述："))
    }

    @Test("every command's help, three ways, in Chinese: its abstract, an example section, Chinese headings; and in English")
    func everyCommand() throws {
        for c in Self.commands {
            let name = c.path.joined(separator: " ")
            for args in [["help"] + c.path, c.path + ["--help"], ["help"] + c.path + ["--lang", "zh"]] {
                let r = try Self.cli(args)
                #expect(r.status == 0, "\(args): \(r.err)")
                let flat = r.out.replacingOccurrences(of: "\n", with: "")
                #expect(flat.contains(c.zh) && r.out.contains("示例：") && r.out.contains("\n  subsidysim \(name)")
                        && r.out.contains("用法：subsidysim \(name)") && r.out.contains("选项："), "\(args): \(r.out)")
                #expect(!r.out.contains("OVERVIEW") && !r.out.contains("USAGE:") && !r.out.contains("(default:"), "\(args): \(r.out)")
            }
            for (args, env) in [(["help"] + c.path + ["--lang", "en"], [:]), (c.path + ["--help"], ["LANG": "en_US.UTF-8"])]
                as [([String], [String: String])] {
                let r = try Self.cli(args, env: env)
                #expect(r.status == 0, "\(args): \(r.err)")
                #expect(r.out.contains("OVERVIEW: " + c.en) && r.out.contains("Example") && r.out.contains("\n  subsidysim \(name)")
                        && !r.out.contains("概述") && !r.out.contains("示例"), "\(args) \(env): \(r.out)")
            }
        }
    }

    @Test("every example in a command's help uses options that command has")
    func examplesUseRealOptions() throws {
        for c in Self.commands {
            let name = c.path.joined(separator: " ")
            let help = try Self.cli(["help"] + c.path).out
            let examples = help.components(separatedBy: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { $0.hasPrefix("subsidysim \(name)") }
            #expect(!examples.isEmpty, "\(name)")
            let known = Set(help.components(separatedBy: CharacterSet.whitespaces.union(.newlines).union(CharacterSet(charactersIn: ",")))
                .filter { $0.hasPrefix("--") && $0.count > 2 })
            for e in examples {
                for token in e.components(separatedBy: " ") where token.hasPrefix("--") {
                    let option = String(token.prefix { $0 != "=" })
                    #expect(known.contains(option), "\(name): the example “\(e)” uses \(option), which is not among the command's options")
                }
            }
        }
    }

    @Test("Chinese help fits 80 columns, option descriptions start in one column, examples are never broken")
    func layout() throws {
        for c in [["run"], ["sweep"], ["award"], []] {
            let r = try Self.cli(c + ["--help"], env: ["COLUMNS": "80"])
            var inExamples = false
            for line in r.out.components(separatedBy: "\n") {
                if line == "示例：" { inExamples = true; continue }
                if line.isEmpty { inExamples = false; continue }
                if inExamples {
                    #expect(!line.hasPrefix("  subsidysim") || !line.hasSuffix("\\"), "\(line)")
                    continue
                }
                #expect(Self.columns(line) <= 80, "\(c): \(Self.columns(line)) columns: \(line)")
                // "  --trials <次数>         模拟…": the description starts at column 26.
                if line.hasPrefix("  -"), let r = line.range(of: "  ", options: [], range: line.index(line.startIndex, offsetBy: 2)..<line.endIndex) {
                    let rest = line[r.lowerBound...].drop { $0 == " " }
                    if !rest.isEmpty {
                        #expect(Self.columns(String(line[..<rest.startIndex])) == 26, "\(c): \(line)")
                    }
                }
            }
        }
    }

    @Test("usage errors in Chinese with exit 64: unknown option, bad number, bad choice, missing value, unknown command, extra argument")
    func usageErrorsChinese() throws {
        let cases: [([String], [String])] = [
            (["run", "--bogus"], ["没有 --bogus 这个选项", "用法：subsidysim run", "详见：subsidysim help run"]),
            (["run", "--trial", "10"], ["没有 --trial 这个选项", "是否想写 --trials"]),
            (["run", "--trials", "abc"], ["--trials 的值 “abc” 无效", "整数", "说明：--trials <次数>", "用法：subsidysim run"]),
            (["run", "--trials", "2万"], ["--trials 的值 “2万” 无效"]),
            (["check", "--format", "word"], ["--format 的值 “word” 无效", "可选值为 text、markdown、json"]),
            (["run", "--sampling", "sobol"], ["--sampling 的值 “sobol” 无效", "random、lhs"]),
            (["sweep", "--line", "clouds", "--set", "policy.batches[0].cap=30:40:5"], ["--line 的值 “clouds” 无效", "transformation、benchmark"]),
            (["solve", "--in"], ["--in 后面缺少取值"]),
            (["solve", "--max-overrun", "0.05", "--in", "20:80"], ["缺少必填的选项 --vary"]),
            (["award", "--batch", "1", "--passes"], ["缺少必填的选项 --software", "金额（万元）"]),
            // Numbers as a person writes them: no hexadecimal (Double("0x10") is 16), no nan, no silent underflow to 0.
            (["award", "--batch", "1", "--software", "0x10", "--passes"], ["--software 的值 “0x10” 无效", "金额（万元）"]),
            (["award", "--batch", "1", "--software", "5e-400", "--passes"], ["--software 的值 “5e-400” 无效"]),
            (["solve", "--vary", "policy.batches[0].cap", "--in", "20:80", "--max-overrun", "nan"], ["--max-overrun 的值 “nan” 无效"]),
            (["rebalance", "--unit", "1_000"], ["--unit 的值 “1_000” 无效"]),
            (["run", "--quiet=yes"], ["--quiet 是开关，不带取值"]),
            (["runn"], ["没有 “runn” 这个命令", "是否想写 run", "用法：subsidysim <子命令>"]),
            (["help", "runn"], ["没有 “runn” 这个命令", "是否想写 run"]),
            (["run", "a.yaml", "b.yaml"], ["多余的参数 “b.yaml”"]),
            (["run", "--trials", "0"], ["--trials 应为 1 至 100000000 的整数（实际 0）", "用法：subsidysim run"]),
            (["solve", "--vary", "policy.batches[0].cap", "--in", "80:20", "--max-overrun", "0.05"], ["--in 应写作 a:b，且 a < b"]),
            (["rebalance", "--max-short", "5"], ["--max-short 应在 0 与 1 之间", "0.05 表示 5%"]),
            (["run", "--lang", "fr"], ["--lang 的值 “fr” 无效", "zh", "en"]),
            (["help", "--lang", "de"], ["--lang 的值 “de” 无效"]),
        ]
        for (args, expected) in cases {
            let r = try Self.cli(args)
            #expect(r.status == 64, "\(args): \(r.status) \(r.err)")
            #expect(r.out.isEmpty, "\(args): \(r.out)")
            for e in expected { #expect(r.err.contains(e), "\(args): no “\(e)” in \(r.err)") }
            #expect(r.err.hasPrefix("错误："), "\(args): \(r.err)")
            #expect(!r.err.contains("Error:") && !r.err.contains("Usage:") && !r.err.contains("Please provide"), "\(args): \(r.err)")
        }
    }

    @Test("the same usage errors in English with --lang en and with an English locale: the parser's own text, exit 64")
    func usageErrorsEnglish() throws {
        let cases: [([String], [String: String], [String])] = [
            (["run", "--bogus", "--lang", "en"], [:], ["Unknown option '--bogus'", "Usage: subsidysim run"]),
            (["run", "--trials", "abc", "--lang", "en"], [:], ["The value 'abc' is invalid for '--trials <trials>'", "Help:  --trials <trials>  Number of trials"]),
            (["check", "--format", "word"], ["LANG": "en_US.UTF-8"], ["The value 'word' is invalid for '--format <format>'", "'text', 'markdown' or 'json'"]),
            (["runn", "--lang=en"], [:], ["Unexpected argument 'runn'"]),
            (["run", "--trials", "0", "--lang", "en"], [:], ["--trials must be from 1 to 100000000 (got 0)"]),
            (["run", "--lang", "fr"], ["LANG": "en_US.UTF-8"], ["The value 'fr' is invalid for '--lang"]),
        ]
        for (args, env, expected) in cases {
            let r = try Self.cli(args, env: env)
            #expect(r.status == 64, "\(args): \(r.status) \(r.err)")
            for e in expected { #expect(r.err.contains(e), "\(args): no “\(e)” in \(r.err)") }
            #expect(!r.err.contains("错误") && !r.err.contains("用法"), "\(args): \(r.err)")
        }
    }

    @Test("--lang is accepted by every command that has it, anywhere on the line, and by help; --version still works")
    func langEverywhere() throws {
        let d = try CLITests.scratch()
        defer { try? FileManager.default.removeItem(at: d) }
        let before = try CLITests.cli(["--lang", "en", "check"], in: d)
        #expect(before.status == 0 && before.out.contains("column sums to"), "\(before.err)")
        let eq = try CLITests.cli(["check", "--lang=en"], in: d)
        #expect(eq.status == 0 && eq.out.contains("column sums to"))
        let locale = try CLITests.cli(["check"], in: d, environment: ["LANG": "en_US.UTF-8"])
        #expect(locale.status == 0 && locale.out.contains("column sums to"), "an English locale is English for messages too")
        #expect(try CLITests.cli(["scenario", "show", "--lang", "en"], in: d).status == 0)
        let v = try CLITests.cli(["--version"], in: d)
        #expect(v.status == 0 && v.out.trimmingCharacters(in: .whitespacesAndNewlines).first?.isNumber == true)
    }
    /// Every chart a command draws (the names in Sources/SubsidyReport: run's chartNames, SweepReport,
    /// SolveReport, SensitivityReport, CompareReport, RebalanceReport).
    static let chartNames = ["total_demand", "exceedance", "lines", "unspent", "variant_difference", "convergence", "two_level", "shapley", "band", "overrun", "heatmap_",
                             "solve", "tornado", "tornado_deciles", "spider", "sobol", "short_by_line", "short_difference", "risk_before_after"]

    @Test("使用指南.md: linked from the README, names every command and chart, and its commands use options that exist")
    func guide() throws {
        let guide = try String(contentsOf: CLITests.repo.appendingPathComponent("使用指南.md"), encoding: .utf8)
        let readme = try String(contentsOf: CLITests.repo.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.prefix(2000).contains("(使用指南.md)"), "the README links the guide near the top")
        for c in Self.commands { #expect(guide.contains("subsidysim \(c.path.joined(separator: " "))"), "\(c.path)") }
        for n in Self.chartNames { #expect(guide.contains("`\(n)"), "chart \(n)") }
        #expect(guide.contains("Scenarios/KEYS.md") && guide.contains("报告.docx") && guide.contains("结果.xlsx") && guide.contains("SVG"))
        #expect(!guide.contains("第1批") && !guide.contains("第2批"))
        // Each command line in the guide: its options are among those the command's help lists.
        var helps: [String: String] = [:]
        for line in guide.components(separatedBy: "\n") {
            for part in line.contains("`") ? line.components(separatedBy: "`") : [line] {
                guard let r = part.range(of: "subsidysim ") else { continue }
                let words = part[r.upperBound...].split(separator: " ").map(String.init)
                guard let first = words.first, Self.commands.contains(where: { $0.path[0] == first }) else { continue }
                let path = first == "scenario" && words.count > 1 && ["show", "keys"].contains(words[1]) ? [first, words[1]] : [first]
                let key = path.joined(separator: " ")
                if helps[key] == nil { helps[key] = try Self.cli(["help"] + path).out }
                let help = helps[key] ?? ""
                for w in words.dropFirst(path.count) where w.hasPrefix("--") && w.count > 2 {
                    let option = String(w.prefix { $0 != "=" && $0 != "`" && $0 != "）" && $0 != ")" })
                    #expect(help.contains(option + " ") || help.contains(option + "\n"), "使用指南.md: “\(part)”: \(key) has no option \(option)")
                }
            }
        }
    }
}
