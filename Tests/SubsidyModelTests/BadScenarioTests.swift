import Foundation
@testable import SubsidyModel
import Testing
import RealModule

// Every file in BadScenarios/ is a scenario that is wrong in exactly one way. Its first lines say
// what the loader must report:
//
//     # expect: LINE:COL: KEY: message      first diagnostic, English, file part left out (required)
//     # kind: missing_input                 ScenarioError.Kind (optional; default invalid)
//     # in: other.yaml                      the file the diagnostic points into (optional; default this file)
//     # count: 2                            how many diagnostics (optional; default 1: one mistake, one message)
//
// Header lines count as lines of the file: LINE is the line in the file as it is, headers included.
// `{dir}` in the message stands for the folder holding the bad files (for messages naming a path).

struct HeaderError: Error, Sendable {
    var message: String
}

/// The header of a bad scenario file.
struct BadScenarioExpectation: Sendable {
    var message: String
    var kind: ScenarioError.Kind = .invalid
    var file: String?
    var count = 1

    /// Reads the `# expect:` header; the rest of the file may be any bytes (not-utf8.yaml).
    static func read(_ data: Data, name: String) -> Result<BadScenarioExpectation, HeaderError> {
        var lines: [String] = []
        for raw in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
            guard let line = String(data: Data(raw), encoding: .utf8), line.hasPrefix("# ") else { break }
            lines.append(line)
        }
        guard let first = lines.first, first.hasPrefix("# expect: ") else {
            return .failure(HeaderError(message: "\(name): the first line must be `# expect: LINE:COL: KEY: message`"))
        }
        var e = BadScenarioExpectation(message: String(first.dropFirst("# expect: ".count)))
        for line in lines.dropFirst() {
            if line.hasPrefix("# kind: ") {
                switch line.dropFirst("# kind: ".count) {
                case "invalid": e.kind = .invalid
                case "missing_input": e.kind = .missingInput
                default: return .failure(HeaderError(message: "\(name): `# kind:` must be invalid or missing_input"))
                }
            } else if line.hasPrefix("# in: ") {
                e.file = String(line.dropFirst("# in: ".count))
            } else if line.hasPrefix("# count: ") {
                guard let n = Int(line.dropFirst("# count: ".count)), n >= 1 else {
                    return .failure(HeaderError(message: "\(name): `# count:` must be a whole number ≥ 1"))
                }
                e.count = n
            }
        }
        return .success(e)
    }
}

enum BadScenarios {
    static let dir: URL? = Bundle.module.url(forResource: "BadScenarios", withExtension: nil)

    static let files: [String] = {
        guard let dir, let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { return [] }
        return names.filter { $0.hasSuffix(".yaml") }.sorted()
    }()

    /// The rendered diagnostic without its file part: `LINE:COL: KEY: message`.
    static func stripFile(_ d: Diagnostic, _ lang: Language) -> String {
        let r = d.render(lang)
        let prefix = d.location.file + ":"
        guard r.hasPrefix(prefix) else { return r }
        return String(r.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces)
    }

    static func containsChinese(_ s: String) -> Bool {
        s.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) || (0x3000...0x303F).contains($0.value) || (0xFF00...0xFFEF).contains($0.value) }
    }
}

@Suite("Bad scenarios (BadScenarios/*.yaml)")
struct BadScenarioTests {
    @Test("there are enough bad scenario files, each with an expectation")
    func enoughFiles() throws {
        let dir = try #require(BadScenarios.dir, "BadScenarios is not in the test bundle")
        #expect(BadScenarios.files.count >= 30)
        for name in BadScenarios.files {
            let data = try Data(contentsOf: dir.appendingPathComponent(name))
            if case let .failure(e) = BadScenarioExpectation.read(data, name: name) { Issue.record(Comment(rawValue: e.message)) }
        }
    }

    @Test("bad scenario", arguments: BadScenarios.files)
    func badScenario(_ name: String) throws {
        let dir = try #require(BadScenarios.dir)
        let path = dir.appendingPathComponent(name).path
        let expected: BadScenarioExpectation
        switch BadScenarioExpectation.read(try Data(contentsOf: URL(fileURLWithPath: path)), name: name) {
        case let .success(e): expected = e
        case let .failure(e): Issue.record(Comment(rawValue: e.message)); return
        }
        do {
            let loaded = try LoadedScenario.load(path)
            Issue.record("\(name) loaded without an error (\(loaded.variants.count) variants)")
        } catch {
            let first = try #require(error.diagnostics.first, "\(name): a ScenarioError without diagnostics")
            let got = BadScenarios.stripFile(first, .en)
            let want = expected.message.replacingOccurrences(of: "{dir}", with: dir.path)
            #expect(got == want, "\(name)")
            #expect(error.kind == expected.kind, "\(name): kind")
            let file = (first.location.file as NSString).lastPathComponent
            #expect(file == (expected.file ?? name), "\(name): the diagnostic points into \(first.location.file)")
            // A file wrong in one way gets one message: no follow-on noise from the same mistake.
            #expect(error.diagnostics.count == expected.count,
                    "\(name): \(error.diagnostics.count) diagnostics:\n\(error.render(.en))")
            for d in error.diagnostics {
                // Every problem of a file has a place in a file, and a Chinese text of its own.
                #expect(d.location.line >= 1 && d.location.column >= 1, "\(name): \(d.render(.en)) has no line:column")
                #expect(!d.message.en.isEmpty && BadScenarios.containsChinese(d.message.zh), "\(name): \(d.render(.zh))")
            }
        }
    }
}

/// Loader cases that need a file system or the command line rather than a bundled file.
@Suite("Loading: files and --set")
struct LoaderEdgeTests {
    /// A fresh temporary folder for one test.
    static func tempDir() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("subsidysim-mt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Loads and returns the error (nil if it loaded).
    static func loadError(_ path: String?, overrides: [Override] = []) -> ScenarioError? {
        do {
            _ = try LoadedScenario.load(path, overrides: overrides)
            return nil
        } catch {
            return error
        }
    }

    @Test("a 0-byte file says it is empty")
    func zeroByteFile() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("empty.yaml").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        let e = try #require(Self.loadError(path))
        #expect(e.kind == .invalid)
        #expect(e.render(.en) == "\(path):1:1: the file is empty (or only comments): expected a scenario (id, funding, lines, policy, population), or base: and the keys it changes")
    }

    @Test("a missing file and a folder are missing input, not invalid")
    func missingFileAndFolder() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = dir.appendingPathComponent("nope.yaml").path
        let e1 = try #require(Self.loadError(missing))
        #expect(e1.kind == .missingInput)
        #expect(e1.render(.en) == "\(missing): scenario file not found")
        let e2 = try #require(Self.loadError(dir.path))
        #expect(e2.kind == .missingInput)
        #expect(e2.render(.en) == "\(dir.path): this is a folder, not a scenario file")
    }

    @Test("--set with an empty value says it found nothing")
    func setEmptyValue() throws {
        let o = try Override.parse("policy.overrun=").get()
        let e = try #require(Self.loadError(nil, overrides: [o]))
        #expect(e.render(.en) == "--set: policy.overrun: expected text, found nothing")
    }

    @Test("over base:, a what-if may switch firm counts to a total, rewrite a distribution, or tweak one parameter")
    func mergeAlternatives() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("what-if.yaml").path
        try """
            base: builtin:pingluo-draft
            population:
              firms: {total: {dist: triangular, min: 60, mode: 90, max: 150}, batch1_share: 0.55}
              cloud_uptake: {a: 5, b: 5}
              chain_cases: {dist: binomial, n: 10, p: 0.2}
              investment: {median: 50}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let p = try LoadedScenario.load(path).scenario.population
        #expect(p.firms == .total(Distribution(.triangular(min: 60, mode: 90, max: 150)), batch1Share: .fixed(0.55)))
        // The draft's beta by mean/sd, rewritten by a/b without dist: the same law, the other parameters.
        #expect(p.cloudUptake == Distribution(.beta(a: 5, b: 5)))
        // The draft's poisson (mean 1.5, max 50), replaced whole by a binomial.
        #expect(p.chainCases == Distribution(.binomial(n: 10, p: 0.2)))
        // Only the median changed: p90 120 and the truncation [10, 400] come from the draft.
        let sigma = (log(120.0) - log(50.0)) / Distribution.z90
        guard case let .lognormal(mu, s) = p.investment.kind else { Issue.record("\(p.investment)"); return }
        #expect(mu.isApproximatelyEqual(to: log(50.0), absoluteTolerance: 1e-12) && s.isApproximatelyEqual(to: sigma, absoluteTolerance: 1e-12))
        #expect(p.investment.lower == 10 && p.investment.upper == 400)
    }

    @Test("a variant may write key paths with [ ] in { } when they are quoted")
    func quotedFlowKeys() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("quoted.yaml").path
        try """
            base: builtin:pingluo-draft
            variants:
              - {id: low-cap, set: {"policy.batches[0].cap": 45, policy.overrun: lottery}}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let v = try #require(try LoadedScenario.load(path).variants.first)
        #expect(v.id == "low-cap")
        #expect(v.scenario.policy.batches[0].cap == 45 && v.scenario.policy.overrun == .lottery)
    }

    @Test("a numeric override (sweeps, solve steps) reaches the policy exactly", arguments: [0.6, 0.5234567891, 1e-7, 0.1 + 0.2, 0.44999999999])
    func numericOverrideIsExact(_ x: Double) throws {
        let o = Override(path: try #require(ScenarioPath("policy.batches[0].rate")), number: x)
        let s = try LoadedScenario.load(nil, overrides: [o])
        #expect(s.scenario.policy.batches[0].rate == x)
        #expect(s.variants.allSatisfy { $0.scenario.policy.batches[0].rate == x })
    }

    // MARK: --set

    static func set(_ text: String) throws -> Override { try Override.parse(text).get() }

    @Test("--set with a path that does not exist: invalid, with a suggestion")
    func setBadPath() throws {
        let e = try #require(Self.loadError(nil, overrides: [Self.set("policy.batchs[0].rate=0.5")]))
        #expect(e.kind == .invalid)
        #expect(e.render(.en) == "--set: policy.batchs[0].rate: path policy.batchs does not exist; did you mean 'batches'?")
        #expect(e.render(.zh) == "--set: policy.batchs[0].rate: 路径 policy.batchs 不存在；是否想写 “batches”？")
        // A misspelled last key is added, then rejected by the schema.
        let e2 = try #require(Self.loadError(nil, overrides: [Self.set("policy.overun=lottery")]))
        #expect(e2.render(.en).hasPrefix("--set: policy.overun: unknown key; did you mean 'overrun'?"))
        let e3 = try #require(Self.loadError(nil, overrides: [Self.set("policy.batches[2].rate=0.4")]))
        #expect(e3.render(.en) == "--set: policy.batches[2].rate: path policy.batches[2] does not exist (the list has 2 items, indexed from 0)")
    }

    @Test("the byte scan for format characters finds every Cf of the BMP's common blocks and passes Chinese text and punctuation")
    func formatScan() {
        for c in ["\u{00AD}", "\u{061C}", "\u{180E}", "\u{200B}", "\u{200D}", "\u{200E}", "\u{202A}", "\u{202E}", "\u{2060}", "\u{2066}", "\u{2069}",
                  "\u{FEFF}", "\u{FFF9}", "\u{E0001}"] {
            #expect(TreeDecoder.mayHoldFormatCharacter("第一批" + c + "（60%）"), "\(c.unicodeScalars.first!.value)")
            #expect(c.unicodeScalars.first!.properties.generalCategory == .format)
        }
        #expect(!TreeDecoder.mayHoldFormatCharacter("平罗县中小企业数字化转型：“正文”与（概算表）——第一批，60%；…「」《》、。"))
    }

    @Test("--set with a bad value: invalid, named by the option and the key")
    func setBadValue() throws {
        let e = try #require(Self.loadError(nil, overrides: [Self.set("policy.batches[0].rate=1.5")]))
        #expect(e.kind == .invalid)
        #expect(e.render(.en) == "--set: policy.batches[0].rate: rate 1.5 is outside [0, 1] (write rates as fractions: 0.60 for 60%)")
        let e2 = try #require(Self.loadError(nil, overrides: [Self.set("policy.batches[0].rate=60%")]))
        #expect(e2.render(.en) == "--set: policy.batches[0].rate: expected a fraction, not a percentage (write 0.6 for 60%)")
        let e3 = try #require(Self.loadError(nil, overrides: [Self.set("population.cloud_uptake={dist: beta, mean: 0.5, sd: 0.6}")]))
        #expect(e3.render(.en) == "--set: population.cloud_uptake.sd: sd 0.6 is too large for mean 0.5 (a beta needs sd < √(mean·(1−mean)) = 0.5000)")
        let e4 = try #require(Self.loadError(nil, overrides: [Self.set("base=other.yaml")]))
        #expect(e4.render(.en) == "--set: base: base cannot be overridden: it is resolved when the file is read (write base: in the scenario file)")
        // A line's money set on the command line that no longer adds up: the --set is named, not the bundled file.
        let e5 = try #require(Self.loadError(nil, overrides: [Self.set("lines[0].budget.county=0")]))
        #expect(e5.render(.en).hasPrefix("--set: lines[0].budget.county: the budget lines give 'county' 200 万元 in all, but the source has 800 万元"), "\(e5.render(.en))")
    }

    /// A sweep's or a solve's value that the schema refuses is named by the option it came
    /// from, not as a --set the user never typed.
    @Test("a swept value that is refused names --sweep, a solve's names --in")
    func axisValueNamesItsOption() throws {
        let loaded = try LoadedScenario.load(nil)
        let axis = try SweepAxis.parse("policy.batches[0].rate=0.9,1.1").get()
        let path = axis.path
        for (a, option) in [(axis, "--sweep"), (SweepAxis(path: path, numbers: [0.5, 3], option: "--in"), "--in")] {
            do {
                _ = try loaded.with([a.override(1)])
                Issue.record("\(option): 1.1 / 3 accepted as a rate")
            } catch {
                #expect(error.render(.en).hasPrefix("\(option): policy.batches[0].rate: rate "), "\(error.render(.en))")
            }
        }
        if case let .failure(e) = SweepAxis.parse("policy.batches[0].rate=0.4:0.1:0.1") {
            #expect(e.render(.en).hasPrefix("--sweep: policy.batches[0].rate: "), "\(e.render(.en))")
        } else { Issue.record("a falling range accepted") }
    }

    /// What a label says is what was evaluated: a --set that restates the value in effect (the
    /// file's, or the default when the file leaves the key out) is no change, and is not called one.
    @Test("a --set that restates the value in effect is not labelled a change")
    func restatementIsNoChange() throws {
        let same = try LoadedScenario.load(nil, overrides: [Self.set("policy.overrun=prorate"), Self.set("policy.batches[0].cap=50.0"),
                                                            Self.set("policy.lottery_stop=first_misfit")])
        for v in same.variants { #expect(!v.label.contains("兑付") && !v.label.contains("改为"), "\(v.label)") }
        #expect(same.describe(same.overrides[0]) == "资金不足时的兑付规则为按比例兑付（与原值相同，未改变）", "\(same.describe(same.overrides[0]))")
        #expect(same.describe(same.overrides[1]).hasSuffix("为50万元（与原值相同，未改变）"), "\(same.describe(same.overrides[1]))")
        // The draft leaves lottery_stop out: its default is what was in effect.
        #expect(same.describe(same.overrides[2]).hasPrefix("随机兑付的停止规则为") && same.describe(same.overrides[2]).hasSuffix("（即默认值，未改变）"),
                "\(same.describe(same.overrides[2]))")
        let changed = try LoadedScenario.load(nil, overrides: [Self.set("policy.overrun=lottery")])
        for v in changed.variants { #expect(v.label.contains("兑付规则改为"), "\(v.label)") }
        #expect(changed.describe(changed.overrides[0]).contains("改为"))
    }

    @Test("--set text that is not KEY=VALUE, or not a key path, or not YAML")
    func setUnparsable() {
        func parseError(_ text: String) -> String? {
            if case let .failure(e) = Override.parse(text) { return e.render(.en) }
            return nil
        }
        #expect(parseError("policy.overrun") == "--set: policy.overrun: expected KEY=VALUE, e.g. policy.batches[0].cap=45")
        #expect(parseError("policy..x=1") == "--set: policy..x: 'policy..x' is not a key path (e.g. policy.batches[0].rate)")
        #expect(parseError("policy.batches[-1].rate=1") == "--set: policy.batches[-1].rate: 'policy.batches[-1].rate' is not a key path (e.g. policy.batches[0].rate)")
        #expect(parseError("policy.overrun={") == "--set: policy.overrun: YAML syntax error: while parsing a flow node, did not find expected node content")
        // In Chinese, libyaml's own words are in Chinese too.
        if case let .failure(e) = Override.parse("policy.overrun={") {
            #expect(e.render(.zh) == "--set: policy.overrun: YAML 语法错误：读取 { } 或 [ ] 中的取值时，没有找到应有的取值", "\(e.render(.zh))")
        }
        if case let .failure(e) = YAMLReader.parse(data: Data("title: a: b\n".utf8), file: "f.yaml") {
            #expect(e.render(.zh) == "f.yaml:1:9: YAML 语法错误：这里不能出现“键: 值”（冒号后有空格的文字要加引号，或检查缩进）", "\(e.render(.zh))")
        } else { Issue.record("a: b: c parsed") }
        for (k, v) in YAMLReader.zhText {
            #expect(v.unicodeScalars.contains { $0.value >= 0x4E00 && $0.value <= 0x9FFF }, "\(k)")
        }
    }

    @Test("a good --set changes the policy of the scenario and of every variant, and nothing else")
    func setGood() throws {
        let plain = try LoadedScenario.load(nil)
        let s = try LoadedScenario.load(nil, overrides: [Self.set("policy.batches[0].cap=45"), Self.set("policy.hardware.rule=reject")])
        #expect(s.scenario.policy.batches.map(\.cap) == [45, 40])
        #expect(s.scenario.policy.hardwareRule == .reject)
        let text = try #require(s.variants.first { $0.id == "text" }).scenario.policy
        let table = try #require(s.variants.first { $0.id == "table" }).scenario.policy
        // The variants set both caps themselves; --set is laid over them.
        #expect(text.batches.map(\.cap) == [45, 40] && text.batches.map(\.rate) == [0.60, 0.50])
        #expect(table.batches.map(\.cap) == [45, 40] && table.batches.map(\.rate) == [0.50, 0.40])
        #expect(table.hardwareRule == .reject)
        #expect(s.scenario.population == plain.scenario.population)
        #expect(s.sha256 != plain.sha256)
        #expect(s.overrides.map(\.text) == ["policy.batches[0].cap=45", "policy.hardware.rule=reject"])
        // with(_:) adds overrides to a loaded scenario (sweep points).
        let swept = try s.with([Override(path: try #require(ScenarioPath("policy.batches[1].cap")), number: 35)])
        #expect(swept.variants.map { $0.scenario.policy.batches.map(\.cap) } == [[45, 35], [45, 35]])
    }

    // MARK: languages

    @Test("one file rendered in full, in English and in Chinese")
    func renderBothLanguages() throws {
        let dir = try #require(BadScenarios.dir)
        let path = dir.appendingPathComponent("rate-percent.yaml").path
        let e = try #require(Self.loadError(path))
        #expect(e.render(.en) == "\(path):5:25: policy.batches[0].rate: expected a fraction, not a percentage (write 0.6 for 60%)")
        #expect(e.render(.zh) == "\(path):5:25: policy.batches[0].rate: 应为小数，不能写百分号（60% 应写成 0.6）")
        let path2 = dir.appendingPathComponent("unknown-overrun.yaml").path
        let e2 = try #require(Self.loadError(path2))
        #expect(e2.render(.en) == "\(path2):4:12: policy.overrun: 'prorata' is not allowed; did you mean 'prorate'? (expected one of: prorate, batch_order, lottery, reallocate)")
        #expect(e2.render(.zh) == "\(path2):4:12: policy.overrun: “prorata” 不是可用的取值；是否想写 “prorate”？（可用：prorate, batch_order, lottery, reallocate）")
    }
}

@Suite("Warnings about changes an inherited variant undoes")
struct UndoneChangeTests {
    @Test("restating a value as it was (0.6 for 0.60) is no change and gives no warning; a real change does")
    func restatedValueIsNoChange() throws {
        let dir = try LoaderEdgeTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let same = dir.appendingPathComponent("same.yaml").path
        try "base: builtin:pingluo-draft\npolicy:\n  batches:\n    - {name: 第一批, rate: 0.6, cap: 45}\n    - {name: 第二批, rate: 0.5, cap: 40}\n"
            .write(toFile: same, atomically: true, encoding: .utf8)
        #expect(try LoadedScenario.load(same).warnings.isEmpty)
        let changed = dir.appendingPathComponent("changed.yaml").path
        try "base: builtin:pingluo-draft\npolicy:\n  batches:\n    - {name: 第一批, rate: 0.55, cap: 45}\n    - {name: 第二批, rate: 0.5, cap: 40}\n"
            .write(toFile: changed, atomically: true, encoding: .utf8)
        let w = try LoadedScenario.load(changed).warnings
        #expect(w.count == 1 && w.first?.key == "policy.batches[0].rate", "\(w)")
    }
}
