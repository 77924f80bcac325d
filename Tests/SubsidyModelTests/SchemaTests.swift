import Foundation
import Testing
@testable import SubsidyModel

/// `Schema.fields` is the one statement of the scenario schema: these tests hold the decoder,
/// the names, the trial-level inputs and the defaults to it.
@Suite("The schema table drives decoding, names and inputs")
struct SchemaTests {
    static func leafFields() -> [SchemaField] {
        Schema.fields.filter {
            switch $0.value {
            case .mapping, .list, .openMapping: return false
            default: return true
            }
        }
    }

    /// A concrete path on the draft for a pattern: items [0], any key `county`.
    static func concrete(_ pattern: String) -> String {
        pattern.replacingOccurrences(of: "[]", with: "[0]").replacingOccurrences(of: ".*", with: ".county")
    }

    /// A value of the wrong type for the field, and the overrides that make the path exist.
    static func badValue(_ f: SchemaField) -> (setup: [String], value: String)? {
        var setup: [String] = []
        if f.path.hasPrefix("population.firms.total") || f.path.hasPrefix("population.firms.batch1_share") {
            setup = ["population.firms={total: 100, batch1_share: 0.5}"]
        }
        if f.path.hasPrefix("population.correlations[]") {
            setup = ["population.correlations=[{a: price_factor, b: cloud_uptake, rho: 0.3}]"]
        }
        switch f.value {
        case .text: return (setup, "{x: 1}")
        case .identifier: return (setup, "a b")
        case .word, .flag: return (setup, "zzz")
        case .number, .whole, .distribution, .fee, .seed: return (setup, "abc")
        case .mapping, .list, .openMapping: return nil
        }
    }

    /// Keys the loader reads before the decoder (`base:`) or that `--set` does not reach (the
    /// variants themselves); the bad-scenario files cover them.
    static let notThroughSet: Set<String> = ["base", "variants[].id", "variants[].label"]

    @Test("every leaf of the schema is read through its entry: a wrong value is reported at exactly that key")
    func everyLeafIsDecodedThroughTheTable() throws {
        var checked = 0
        for f in Self.leafFields() where !Self.notThroughSet.contains(f.path) {
            guard let (setup, value) = Self.badValue(f) else { continue }
            let path = Self.concrete(f.path)
            let overrides = try (setup + ["\(path)=\(value)"]).map { try Override.parse($0).get() }
            do {
                _ = try LoadedScenario.load(nil, overrides: overrides)
                Issue.record("\(path)=\(value) was accepted")
            } catch {
                #expect(error.diagnostics.contains { $0.key == path }, "\(path)=\(value): \(error.render(.en))")
                #expect(!error.render(.en).contains("internal error"), "\(path): \(error.render(.en))")
            }
            checked += 1
        }
        #expect(checked == Self.leafFields().count - Self.notThroughSet.count)
    }

    @Test("every mapping's allowed keys come from the table (an unknown key lists them)")
    func allowedKeysFromTable() throws {
        for (pattern, at) in [("policy", "policy"), ("policy.batches[]", "policy.batches[0]"), ("population", "population"),
                              ("population.segments[]", "population.segments[0]"), ("simulation", "simulation"),
                              ("policy.services.process_management", "policy.services.process_management")] {
            let e = try #require(LoaderEdgeTests.loadError(nil, overrides: [Override.parse("\(at).zzz=1").get()]))
            let keys = Schema.keys(under: pattern)
            #expect(!keys.isEmpty)
            #expect(e.render(.en).contains("(expected one of: \(keys.joined(separator: ", ")))"), "\(pattern): \(e.render(.en))")
        }
        #expect(Schema.keys(under: "") == ["base", "id", "title", "source", "funding", "lines", "policy", "population", "simulation", "variants"])
    }

    @Test("the keys per mapping (built once) are the table's fields one step below each pattern, in table order")
    func keysUnderMatchTheTable() {
        // The definition, walked over the whole table for every pattern that has fields below it.
        func reference(_ pattern: String) -> [String] {
            let prefix = pattern.isEmpty ? "" : pattern + "."
            return Schema.fields.compactMap { f -> String? in
                guard f.path.hasPrefix(prefix) else { return nil }
                let rest = String(f.path.dropFirst(prefix.count))
                return rest.contains(".") || rest.contains("[") || rest == "*" ? nil : rest
            }
        }
        let patterns = Set([""] + Schema.fields.map(\.path) + Schema.fields.compactMap { f in f.path.lastIndex(of: ".").map { String(f.path[..<$0]) } })
        for p in patterns { #expect(Schema.keys(under: p) == reference(p), "\(p)") }
        #expect(Schema.keys(under: "no.such.mapping").isEmpty)
        #expect(Schema.pattern("policy.batches[12].rate") == "policy.batches[].rate")
        #expect(Schema.pattern("lines[0].budget.county") == "lines[].budget.county")
        #expect(Schema.pattern("population.segments[3].名称") == "population.segments[].名称")
        #expect(Schema.pattern("policy.ceiling") == "policy.ceiling")
    }

    @Test("trimmedWhitespace(AndNewlines) trims exactly what Foundation trims")
    func trimmedWhitespaceIsFoundations() {
        let cases = ["", " ", "\t", "45", " 45", "45 ", "\t0.5\t", "\u{3000}高\u{3000}", "\u{00A0}1", "1\u{00A0}", "低", " high",
                     "a b", "\n1\n", "1\n", "\r\n", "\u{2003}x\u{2009}", "\u{200B}x", "x\u{FEFF}", "é", "\u{0301}a", "\u{85}x", "x\u{2028}", "\u{0B}1\u{0C}", "\u{7F}", "\u{1F}a", " ", "杭州按40%补助\n"]
        for c in cases {
            #expect(c.trimmedWhitespace == c.trimmingCharacters(in: .whitespaces), "\(c.unicodeScalars.map { String($0.value, radix: 16) })")
            #expect(c[...].trimmedWhitespace == c.trimmingCharacters(in: .whitespaces))
            #expect(c.trimmedWhitespaceAndNewlines == c.trimmingCharacters(in: .whitespacesAndNewlines), "\(c.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }

    @Test("every key has a Chinese name and a unit that fits its kind; money is 万元")
    func namesAndUnits() {
        for f in Schema.fields {
            #expect(!f.name.isEmpty && f.name.unicodeScalars.contains { $0.value >= 0x4E00 }, "\(f.path)")
            if f.kind == .money { #expect(f.unit == "万元", "\(f.path)") }
            if f.kind == .fraction { #expect(f.unit.isEmpty, "\(f.path)") }
            if case .number(.probability, _) = f.value { #expect(f.kind == .fraction, "\(f.path)") }
            if case .distribution(.count, _) = f.value { #expect(f.isWhole, "\(f.path)") }
            if case .whole = f.value { #expect(f.isWhole, "\(f.path)") }
            let info = FieldInfo.of(ScenarioPath(Self.concrete(f.path))!)
            #expect(!info.name.contains("{") && !info.name.contains("."), "\(f.path): \(info.name)")
        }
        #expect(Set(Schema.fields.map(\.path)).count == Schema.fields.count)
        // Names take the scenario's own names of batches, sources, lines and segments.
        let s = try? LoadedScenario.load(nil).scenario
        #expect(FieldInfo.of(ScenarioPath("lines[0].budget.county")!, in: s).name == "（一）数字化改造预算（县级配套资金）"
                || FieldInfo.of(ScenarioPath("lines[0].budget.county")!, in: s).name.hasPrefix("（一）数字化改造预算（"))
        #expect(FieldInfo.of(ScenarioPath("population.segments[1].share")!, in: s).name == "冶金/铁合金/碳化硅企业占比")
    }

    @Test("the trial-level inputs are the fields the table marks, with the table's ids, names and whole-number rule")
    func trialInputsFromTable() throws {
        let s = try LoadedScenario.load(nil).scenario
        let inputs = TrialInputs.list(s.population)
        let total = try LoadedScenario.load(nil, overrides: [Override.parse("population.firms={total: 100, batch1_share: 0.5}").get()])
        let all = inputs + TrialInputs.list(total.scenario.population)
        for input in all {
            let f = try #require(Schema.field(input.path))
            let template = try #require(f.trialInput)
            #expect(input.id.hasPrefix(template.replacingOccurrences(of: "{n}", with: "")))
            #expect(input.label == FieldInfo.of(ScenarioPath(input.path)!).name)
        }
        // Every marked field appears in one of the two firm-count forms.
        for f in Schema.trialInputFields {
            #expect(all.contains { Schema.pattern($0.path) == f.path }, "\(f.path)")
        }
        #expect(inputs.map(\.id) == ["firms_b1", "firms_b2", "completion_b1", "pass_b1", "completion_b2", "pass_b2",
                                     "price_factor", "cloud_uptake", "chain_cases", "service_providers"])
        #expect(inputs.filter(\.isWhole).map(\.id) == ["firms_b1", "firms_b2", "chain_cases", "service_providers"])
    }

    @Test("the population's distribution sites are exactly the schema's distribution fields (both firm-count forms)")
    func distributionSites() throws {
        let s = try LoadedScenario.load(nil).scenario
        let total = try LoadedScenario.load(nil, overrides: [Override.parse("population.firms={total: 100, batch1_share: 0.5}").get()]).scenario
        let seen = Set((s.population.distributionSites + total.population.distributionSites).map { Schema.pattern($0.path) })
        let declared = Set(Schema.fields.filter { if case .distribution = $0.value { return true } else { return false } }.map(\.path))
        #expect(seen == declared)
    }

    @Test("a key left out takes the table's default")
    func defaultsFromTable() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("schema-defaults-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let data = try #require(LoadedScenario.builtinData())
        var text = String(decoding: data, as: UTF8.self)
        for cut in ["  chain_case_holder: outside", "  service_providers: 3", "  score: {dist: uniform, min: 0, max: 1}", "  overrun: prorate"] {
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix(cut) }
            text = lines.joined(separator: "\n")
        }
        let simStart = try #require(text.range(of: "simulation:\n"))
        let simEnd = try #require(text.range(of: "\n\n", range: simStart.upperBound..<text.endIndex))
        text.removeSubrange(simStart.lowerBound..<simEnd.upperBound)
        let path = dir.appendingPathComponent("defaults.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let s = try LoadedScenario.load(path).scenario
        #expect(s.population.chainCaseHolder.rawValue == { if case let .word(w)? = Schema.field("population.chain_case_holder")?.default { return w }; return "" }())
        #expect(s.population.serviceProviders == .fixed(3))
        #expect(s.population.score == Distribution(.uniform(min: 0, max: 1)))
        #expect(s.policy.overrun == .prorate)
        #expect(s.simulation == SimulationSettings.defaults)
        #expect(SimulationSettings.defaults.trials == 100_000 && SimulationSettings.defaults.seed == 20_251_201)
    }
}

@Suite("Scenarios/KEYS.md is the schema's reference")
struct KeyReferenceTests {
    @Test("Scenarios/KEYS.md equals Schema.reference() (regenerate: subsidysim scenario keys > Scenarios/KEYS.md)")
    func keysFileIsCurrent() throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = repo.appendingPathComponent("Scenarios/KEYS.md")
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text == Schema.reference(), "Scenarios/KEYS.md is out of date: run `subsidysim scenario keys > Scenarios/KEYS.md`")
        for f in Schema.fields { #expect(text.contains("| `\(f.path)` |"), "\(f.path)") }
    }
}
