import Foundation
import SubsidyModel
import Testing

/// Walks `DistributionFamily.all`: every family decodes from its YAML names with each form of its
/// parameters (and a what-if may switch forms over `base:`), every constraint of every parameter
/// rejects a value that breaks it with a message located at that value, and the count bound uses
/// the family's upper end. Nothing here names a family: a new entry is tested by being in the table.
/// (The engine side — the table's support, mean and sd against the maths — is
/// `DistributionFamilyMathsTests` in SubsidyEngineTests.)
@Suite("Distribution families: the table drives decoding")
struct DistributionFamilyTests {
    typealias Family = DistributionFamily
    typealias Parameter = DistributionFamily.Parameter

    /// A YAML number that reads back as `x` exactly.
    static func yaml(_ x: Double) -> String { x == x.rounded() && Swift.abs(x) < 1e15 ? String(Int64(x)) : "\(x)" }

    /// Each parameter on its own line under `population.score` (support: any value), so a
    /// parameter's value is at line `5 + index`, column `name.count + 7`.
    static func scenario(_ dist: String, _ params: [(String, String)], key: String = "score") -> String {
        var s = "base: builtin:pingluo-draft\npopulation:\n  \(key):\n    dist: \(dist)\n"
        for (k, v) in params { s += "    \(k): \(v)\n" }
        return s
    }

    static func exampleText(_ p: Parameter) -> String {
        p.isList ? "[" + p.example.map(yaml).joined(separator: ", ") + "]" : yaml(p.example[0])
    }

    static func load(_ text: String, name: String = "family.yaml") throws -> Result<LoadedScenario, ScenarioError> {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("subsidysim-family-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        do { return .success(try LoadedScenario.load(path)) } catch { return .failure(error) }
    }

    static var forms: [(Family, Int)] { Family.all.flatMap { f in f.forms.indices.map { (f, $0) } } }

    @Test("the table is consistent: unique names, every example valid and mapped back to its own entry")
    func tableConsistent() throws {
        let names = Family.all.flatMap { [$0.name] + $0.otherNames }
        #expect(Set(names).count == names.count, "a dist: name used twice: \(names)")
        for f in Family.all {
            #expect(!f.description.zh.isEmpty && !f.description.en.isEmpty && !f.values.en.isEmpty, "\(f.name)")
            #expect(Set(f.keys).count == f.keys.count, "\(f.name): keys \(f.keys) repeat (a form's key is another form's, or min/max clash)")
            for (i, form) in f.forms.enumerated() {
                let kind = try #require(form.example, "\(f.name) form \(i): its own example is rejected")
                #expect(kind.family.name == f.name, "\(f.name) form \(i) makes a \(kind.family.name) law: Kind.family is mis-wired")
                #expect(Distribution(kind).summary.count > 0)
                // A form with alternatives must have a key no other form has, or it could not be recognised.
                let others = Set(f.forms.enumerated().filter { $0.offset != i }.flatMap(\.element.keys))
                #expect(f.forms.count == 1 || form.keys.contains { !others.contains($0) }, "\(f.name) form \(i) has no key of its own")
            }
        }
        for lang in Language.allCases {
            let help = Family.reference(lang)
            for f in Family.all {
                #expect(help.contains(f.name + " — " + f.description.text(lang)))
                for p in f.forms.flatMap(\.parameters) { #expect(help.contains(p.name), "\(lang): \(f.name).\(p.name) not in the reference") }
            }
        }
    }

    @Test("every family decodes from each of its names with each form of its parameters, truncated or not",
          arguments: forms.map { "\($0.0.name)#\($0.1)" })
    func decodesEveryForm(_ which: String) throws {
        let (f, i) = try #require(Self.forms.first { "\($0.0.name)#\($0.1)" == which })
        let form = f.forms[i]
        let expected = try #require(form.example)
        for name in [f.name] + f.otherNames {
            let params = form.parameters.map { ($0.name, Self.exampleText($0)) }
            let s = try Self.load(Self.scenario(name, params)).get()
            #expect(s.scenario.population.score == Distribution(expected), "\(name) by \(form.keys)")
            if f.truncatable {
                let facts = expected.facts
                let (lo, hi) = (facts.mean - facts.sd, facts.mean + facts.sd)
                let t = try Self.load(Self.scenario(name, params + [("min", Self.yaml(lo)), ("max", Self.yaml(hi))])).get()
                #expect(t.scenario.population.score == Distribution(expected, lower: lo, upper: hi))
            } else {
                // min/max are not truncation keys here: either parameters of the form or unknown.
                if !form.keys.contains("min") {
                    guard case let .failure(e) = try Self.load(Self.scenario(name, params + [("min", "0")])) else {
                        Issue.record("\(name): min accepted though the family does not truncate"); continue
                    }
                    #expect(e.diagnostics.first?.message.en.hasPrefix("unknown key") == true, "\(e.render(.en))")
                }
            }
        }
    }

    @Test("a what-if switching to another form without dist: drops the base's other form (alternativeKeys)",
          arguments: Family.all.filter { $0.forms.count > 1 }.map(\.name))
    func switchesForms(_ name: String) throws {
        let f = try #require(Family.named(name))
        for (i, a) in f.forms.enumerated() {
            for (j, b) in f.forms.enumerated() where i != j {
                let dir = FileManager.default.temporaryDirectory.appendingPathComponent("subsidysim-forms-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: dir) }
                let base = Self.scenario(name, a.parameters.map { ($0.name, Self.exampleText($0)) })
                try base.write(to: dir.appendingPathComponent("base.yaml"), atomically: true, encoding: .utf8)
                let child = "base: base.yaml\npopulation:\n  score: {" + b.parameters.map { "\($0.name): \(Self.exampleText($0))" }.joined(separator: ", ") + "}\n"
                let path = dir.appendingPathComponent("child.yaml").path
                try child.write(toFile: path, atomically: true, encoding: .utf8)
                let s = try LoadedScenario.load(path)
                #expect(s.scenario.population.score == Distribution(try #require(b.example)), "\(name): form \(i) then form \(j)")
            }
        }
    }

    /// Values that break `c` (each side of a range) while the form's other values are its examples.
    static func breaking(_ c: Family.Constraint, of p: Parameter, in form: Family.Form) -> [Double] {
        func example(_ name: String) -> Double? { form.parameters.first { $0.name == name }?.example.first }
        switch c {
        case let .range(lo, lo0, hi, hi0, _):
            return [lo.map { lo0 ? $0 : ($0 > 0 ? $0 / 2 : $0 - 1) }, hi.map { hi0 ? $0 : ($0 > 0 ? $0 * 2 : $0 + 1) }].compactMap { $0 }
        case .wholeNumber: return [p.example[0] + 0.5]
        case let .atMost(o): return example(o).map { [$0 + 1] } ?? []
        case let .greaterThan(o): return example(o).map { [$0] } ?? []
        case let .within(a, b): return [example(a).map { $0 - 1 }, example(b).map { $0 + 1 }].compactMap { $0 }
        }
    }

    @Test("each constraint of each parameter rejects a value that breaks it, located at that value",
          arguments: forms.map { "\($0.0.name)#\($0.1)" })
    func rejectsBadParameters(_ which: String) throws {
        let (f, i) = try #require(Self.forms.first { "\($0.0.name)#\($0.1)" == which })
        let form = f.forms[i]
        var cases = 0
        for (k, p) in form.parameters.enumerated() {
            for (c, bad) in p.constraints.flatMap({ c in Self.breaking(c, of: p, in: form).map { (c, $0) } }) {
                cases += 1
                let params = form.parameters.map { q in
                    q.name != p.name ? (q.name, Self.exampleText(q))
                        : (q.name, q.isList ? "[" + ([bad] + q.example.dropFirst()).map(Self.yaml).joined(separator: ", ") + "]" : Self.yaml(bad))
                }
                guard case let .failure(e) = try Self.load(Self.scenario(f.name, params)) else {
                    Issue.record("\(f.name).\(p.name) = \(bad) accepted, breaking \(c)"); continue
                }
                #expect(e.diagnostics.count == 1, "\(f.name).\(p.name) = \(bad): \(e.render(.en))")
                let d = try #require(e.diagnostics.first)
                #expect(d.key == "population.score.\(p.name)" + (p.isList ? "[0]" : ""), "\(e.render(.en))")
                #expect(d.location.line == 5 + k, "\(e.render(.en))")
                #expect(d.location.column == p.name.count + 7 + (p.isList ? 1 : 0), "\(e.render(.en))")
                #expect(d.message.en.contains(p.name) && d.message.zh.contains(p.name), "\(d.message)")
            }
            // Left out: reported as missing unless optional, naming what it is.
            let without = form.parameters.filter { $0.name != p.name }.map { ($0.name, Self.exampleText($0)) }
            if !p.isOptional {
                guard case let .failure(e) = try Self.load(Self.scenario(f.name, without)) else {
                    Issue.record("\(f.name) without \(p.name) accepted"); continue
                }
                #expect(e.diagnostics.contains { $0.key == "population.score.\(p.name)" && $0.message.en.contains(p.meaning.en) },
                        "\(e.render(.en))")
            }
        }
        if f.truncatable {
            // min above max: reported at min.
            let params = form.parameters.map { ($0.name, Self.exampleText($0)) } + [("min", "2"), ("max", "1")]
            guard case let .failure(e) = try Self.load(Self.scenario(f.name, params)) else { Issue.record("\(f.name): min > max accepted"); return }
            #expect(e.diagnostics.map { $0.render(.en) }.contains { $0.hasSuffix("population.score.min: min 2 is greater than max 1") }, "\(e.render(.en))")
        }
        #expect(cases >= form.parameters.map(\.constraints.count).reduce(0, +), "\(f.name): a constraint with no breaking value")
    }

    @Test("the count bound reads the family's upper end: bounded laws below the limit pass, unbounded ones need max",
          arguments: forms.map { "\($0.0.name)#\($0.1)" })
    func countBound(_ which: String) throws {
        let (f, i) = try #require(Self.forms.first { "\($0.0.name)#\($0.1)" == which })
        let form = f.forms[i]
        let kind = try #require(form.example)
        let facts = kind.facts
        guard facts.lowest >= 0 else { return }   // not a count: the support check says so first
        let params = form.parameters.map { ($0.name, Self.exampleText($0)) }
        let r = try Self.load(Self.scenario(f.name, params, key: "chain_cases"))
        let exceeds: Bool
        switch r {
        case .success: exceeds = false
        case let .failure(e): exceeds = e.diagnostics.contains { $0.message.en.contains("can exceed 1000") }
        }
        #expect(exceeds == (facts.highest > 1000), "\(f.name): upper end \(facts.highest)")
        #expect(facts.isBoundedAbove == facts.highest.isFinite)
        if f.truncatable, exceeds {
            #expect((try? Self.load(Self.scenario(f.name, params + [("max", "50")], key: "chain_cases")).get()) != nil, "\(f.name) with max: 50")
        }
    }
}
