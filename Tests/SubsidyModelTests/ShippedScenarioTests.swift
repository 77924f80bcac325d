import Foundation
import SubsidyModel
import Testing

/// The scenarios the program ships must load: the bundled draft (both rate variants) and every
/// file in Scenarios/.
@Suite("Shipped scenarios")
struct ShippedScenarioTests {
    /// The repository's Scenarios/ folder, found from this file's path.
    static let scenariosDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Scenarios")

    @Test("Scenarios/pingluo-draft.yaml is a plain file (it survives being copied to Windows or a USB stick) and is the bundled draft byte for byte")
    func draftCopy() throws {
        let file = Self.scenariosDir.appendingPathComponent("pingluo-draft.yaml")
        let kind = try FileManager.default.attributesOfItem(atPath: file.path)[.type] as? FileAttributeType
        #expect(kind == .typeRegular, "Scenarios/pingluo-draft.yaml must not be a symbolic link")
        let copy = try Data(contentsOf: file)
        let bundled = try #require(LoadedScenario.builtinData())
        #expect(copy == bundled, "Scenarios/pingluo-draft.yaml differs from Sources/SubsidyModel/Resources/pingluo-draft.yaml: edit the resource and copy it over (cp Sources/SubsidyModel/Resources/pingluo-draft.yaml Scenarios/)")
    }

    @Test("the bundled draft is in the build and loads with its text and table variants")
    func bundledDraft() throws {
        #expect(LoadedScenario.builtinData() != nil, "the pingluo-draft.yaml resource is missing or unreadable in the bundle")
        let s = try LoadedScenario.load(nil)
        #expect(s.file == LoadedScenario.builtinName)
        #expect(s.variants.map(\.id) == ["text", "table"])
        let text = try #require(s.variants.first { $0.id == "text" }).scenario.policy.batches
        let table = try #require(s.variants.first { $0.id == "table" }).scenario.policy.batches
        #expect(text.map(\.rate) == [0.60, 0.50] && text.map(\.cap) == [50, 40])
        #expect(table.map(\.rate) == [0.50, 0.40] && table.map(\.cap) == [50, 40])
        #expect(s.scenario.totalFunding == 2800)
    }

    @Test("the bundled draft is the same text as Scenarios/pingluo-draft.yaml")
    func bundledMatchesFile() throws {
        let file = try Data(contentsOf: Self.scenariosDir.appendingPathComponent("pingluo-draft.yaml"))
        #expect(LoadedScenario.builtinData() == file)
    }

    @Test("every file in Scenarios/ loads", arguments: (try? FileManager.default.contentsOfDirectory(atPath: scenariosDir.path))?
        .filter { $0.hasSuffix(".yaml") }.sorted() ?? [])
    func scenarioFile(_ name: String) {
        do {
            _ = try LoadedScenario.load(Self.scenariosDir.appendingPathComponent(name).path)
        } catch {
            Issue.record(Comment(rawValue: error.render(.en)))
        }
    }
}
