import Foundation
import SubsidyModel
import Testing

/// Hostile input (issue 9): sizes, ranges and shapes that used to trap, hang or mislead. Big
/// inputs are generated here; each must fail fast with a message naming the limit.
@Suite("Hostile input: limits are checked before any work")
struct HostileInputTests {
    static func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("subsidysim-hostile-\(UUID().uuidString).yaml").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func failure(_ path: String, overrides: [String] = []) -> ScenarioError? {
        let os = overrides.compactMap { try? Override.parse($0).get() }
        do { _ = try LoadedScenario.load(path, overrides: os); return nil } catch { return error }
    }

    @Test("a file over the size limit is refused before it is parsed")
    func fileTooBig() throws {
        let path = try Self.write("base: builtin:pingluo-draft\n# " + String(repeating: "x", count: Limits.maxFileBytes) + "\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let t0 = Date()
        let e = try #require(Self.failure(path))
        #expect(Date().timeIntervalSince(t0) < 5)
        #expect(e.diagnostics.first?.message.en.contains("more than the limit of \(Limits.maxFileBytes) bytes") == true)
    }

    @Test("an empirical law with more values than the limit names the limit")
    func empiricalTooMany() throws {
        let values = Array(repeating: "1", count: Limits.maxEmpiricalValues + 1).joined(separator: ",")
        let path = try Self.write("base: builtin:pingluo-draft\npopulation:\n  price_factor: {dist: empirical, values: [\(values)]}\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let e = try #require(Self.failure(path))
        #expect(e.diagnostics.map(\.message.en) == ["values has \(Limits.maxEmpiricalValues + 1) items, more than the limit of \(Limits.maxEmpiricalValues)"])
    }

    @Test("a title longer than the limit is refused, and the message does not repeat it")
    func titleTooLong() throws {
        let path = try Self.write("base: builtin:pingluo-draft\ntitle: \(String(repeating: "长", count: Limits.maxTextLength + 1))\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let e = try #require(Self.failure(path))
        #expect(e.diagnostics.first?.key == "title")
        #expect(e.diagnostics.first?.message.en == "the text has \(Limits.maxTextLength + 1) characters, more than the limit of \(Limits.maxTextLength)")
        // A non-text where text belongs is named by its first 60 characters only.
        let path2 = try Self.write("base: builtin:pingluo-draft\nid: [\(String(repeating: "a", count: 10_000))]\n")
        defer { try? FileManager.default.removeItem(atPath: path2) }
        let e2 = try #require(Self.failure(path2))
        #expect(e2.render(.en).count < 400)
    }

    @Test("more variants than the limit are refused")
    func tooManyVariants() throws {
        let vs = (0...Limits.maxVariants).map { "  - {id: v\($0), set: {\"policy.batches[0].cap\": \($0 + 1)}}" }.joined(separator: "\n")
        let path = try Self.write("base: builtin:pingluo-draft\nvariants:\n\(vs)\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let e = try #require(Self.failure(path))
        #expect(e.diagnostics.map(\.message.en) == ["\(Limits.maxVariants + 1) variants is more than the limit of \(Limits.maxVariants)"])
    }

    @Test("a FIFO given as the scenario is refused at once, not read forever")
    func fifo() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("subsidysim-fifo-\(UUID().uuidString)").path
        try #require(mkfifo(path, 0o600) == 0)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let e = try #require(Self.failure(path))
        #expect(e.kind == .missingInput)
        #expect(e.diagnostics.first?.message.en.contains("not a regular file") == true)
    }

    @Test("shares that miss 1 by 1.1e-6 through --set: the message shows the digits and points at the --set")
    func sharesThroughSet() throws {
        let e = try #require(Self.failure(LoadedScenario.builtinName, overrides: ["population.segments[0].share=0.4000011"]))
        let d = try #require(e.diagnostics.first)
        #expect(d.location.file == "--set")
        #expect(d.key == "population.segments[0].share")
        #expect(d.message.en.hasPrefix("the segment shares sum to 1.0000011;"))
        #expect(d.message.zh.contains("1.0000011"))
    }

    @Test("money above 10⁹ 万元 through --set is refused, so no sum can overflow")
    func moneyThroughSet() throws {
        let e = try #require(Self.failure(LoadedScenario.builtinName,
                                          overrides: ["policy.services.research=1e308", "policy.service_provider.amount=1e308"]))
        #expect(e.diagnostics.count == 2)
        #expect(e.diagnostics.allSatisfy { $0.message.en.contains("outside [0, 10⁹]") })
    }

    @Test("sweep ranges whose point count or span overflows fail with the limit, not a trap",
          arguments: ["policy.batches[0].cap=0:1e10:1e-10", "policy.batches[0].cap=-1e308:1e308:1e307", "policy.batches[0].cap=0:1e9:1e-300",
                      "policy.batches[0].cap=0:300:1"])
    func sweepOverflow(_ spec: String) throws {
        switch SweepAxis.parse(spec) {
        case .success: Issue.record("\(spec) was accepted")
        case let .failure(e):
            let m = try #require(e.diagnostics.first?.message)
            #expect(m.en.contains("limit of \(SweepAxis.maxPoints)") || m.en.contains("outside [-10⁹, 10⁹]"), "\(m.en)")
        }
    }

    @Test("a sweep list with an empty value is refused (30,,40 ran two points)",
          arguments: [("policy.batches[0].cap=30,,40", "value 2 is empty"), ("policy.batches[0].cap=30,40,", "value 3 is empty"),
                      ("policy.batches[0].cap=,30", "value 1 is empty")])
    func sweepListTypos(_ spec: String, _ says: String) throws {
        switch SweepAxis.parse(spec) {
        case .success: Issue.record("\(spec) was accepted")
        case let .failure(e): #expect(e.diagnostics.first?.message.en.contains(says) == true, "\(e.render(.en))")
        }
    }

    @Test("more than 100 segments is one located error, not minutes of decoding")
    func tooManySegments() throws {
        let n = Limits.maxSegments + 1
        let items = (0..<n).map { "{id: s\($0), share: \(1.0 / Double(n)), investment_factor: 1, smart_factory: 0.05}" }.joined(separator: ", ")
        let e = try #require(Self.failure(LoadedScenario.builtinName, overrides: ["population.segments=[\(items)]"]))
        #expect(e.diagnostics.count == 1 && e.diagnostics[0].key == "population.segments", "\(e.render(.en))")
        #expect(e.diagnostics[0].message.en.contains("at most 100"))
    }
}
