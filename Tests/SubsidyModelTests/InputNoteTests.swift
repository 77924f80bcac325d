import Foundation
import Testing
@testable import SubsidyModel

/// `basis:` and `confidence:` on population inputs: read into `Population.notes`, checked, and
/// without effect on any number.
@Suite struct InputNoteTests {
    func load(_ yaml: String) throws -> LoadedScenario {
        let dir = try LoaderEdgeTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("notes.yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return try LoadedScenario.load(path)
    }

    @Test("the shipped draft documents every input: a basis and a confidence level on each")
    func shippedDraftDocumented() throws {
        let p = try LoadedScenario.load(nil).scenario.population
        let paths = p.distributionSites.map(\.path) + p.segments.indices.map { "population.segments[\($0)]" }
        for path in paths {
            let note = p.notes[path]
            #expect(note?.basis?.isEmpty == false, "\(path) has no basis")
            #expect(note?.confidence != nil, "\(path) has no confidence")
        }
        #expect(p.notes["population.investment"]?.confidence == .medium)
        #expect(p.notes["population.batches[1].pass"]?.confidence == .low)
    }

    @Test("notes are read on distributions, on fixed values and on segments, in Chinese or English words; a merge keeps them")
    func readNotes() throws {
        let s = try load("""
            base: builtin:pingluo-draft
            population:
              investment: {median: 50}
              cloud_uptake: {dist: beta, a: 5, b: 5, basis: 调查问卷, confidence: high}
              service_providers: {dist: fixed, value: 4, basis: '征集结果: 4家', confidence: 中}
            """).scenario.population
        // Only the median changed over base: the draft's basis stays.
        #expect(p(s, "population.investment")?.basis?.hasPrefix("杭州") == true)
        #expect(p(s, "population.cloud_uptake")?.basis == "调查问卷" && p(s, "population.cloud_uptake")?.confidence == .high)
        #expect(p(s, "population.service_providers")?.basis == "征集结果: 4家")
        #expect(s.serviceProviders == .fixed(4))
        #expect(p(s, "population.segments[0]")?.confidence == .low)
    }

    func p(_ pop: Population, _ path: String) -> InputNote? { pop.notes[path] }

    @Test("notes change no number: the same inputs with and without them decode to the same population, notes aside")
    func notesChangeNothing() throws {
        let body = """
            base: builtin:pingluo-draft
            population:
              cloud_uptake: {dist: beta, a: 5, b: 5%@}
              segments:
                - {id: a, share: 0.5, investment_factor: 1.1%@}
                - {id: b, share: 0.5}
            """
        var a = try load(body.replacingOccurrences(of: "%@", with: ", basis: 问卷, confidence: 低")).scenario.population
        var b = try load(body.replacingOccurrences(of: "%@", with: "")).scenario.population
        #expect(a.notes["population.cloud_uptake"]?.basis == "问卷" && a.notes["population.segments[0]"]?.confidence == .low)
        #expect(b.notes["population.cloud_uptake"] == nil && b.notes["population.segments[0]"] == nil)
        a.notes = [:]
        b.notes = [:]
        #expect(a == b)
    }

    @Test("a confidence that is not 高/中/低 is an error at its line, with the allowed words; a basis must be text")
    func badNotes() throws {
        let dir = try LoaderEdgeTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("bad.yaml").path
        try """
            base: builtin:pingluo-draft
            population:
              cloud_uptake: {dist: beta, a: 5, b: 5, confidence: hihg}
              chain_cases: {dist: poisson, mean: 2, basis: [a, b]}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let e = try #require(LoaderEdgeTests.loadError(path))
        let zh = e.render(.zh), en = e.render(.en)
        #expect(zh.contains("bad.yaml:3") && zh.contains("population.cloud_uptake.confidence") && zh.contains("高、中、低"))
        #expect(en.contains("did you mean 'high'"))
        #expect(zh.contains("population.chain_cases.basis") && en.contains("expected text"))
    }
}
