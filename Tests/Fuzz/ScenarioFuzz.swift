// libFuzzer entry for the scenario loader and validator (not part of the SwiftPM build: built by
// scripts/fuzz with `swiftc -sanitize=fuzzer,address`). The input is a scenario file; lines
// `#set: KEY=VALUE` add --set overrides, `#sweep: KEY=RANGE` sweep axes and `#variant: ID` a
// --variant filter (all three are YAML comments, so the rest still reads as the file).
// Any input must load or fail with located diagnostics in both languages: never trap, never hang.
import Foundation
import SubsidyModel

private let dir: String = {
    let d = NSTemporaryDirectory() + "subsidysim-fuzz-\(getpid())"
    try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func scenarioFuzz(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(bytes: bytes, count: count)
    let path = dir + "/input.yaml"
    guard FileManager.default.createFile(atPath: path, contents: data) else { return 0 }
    var overrides: [Override] = []
    var only: [String] = []
    let text = String(decoding: data, as: UTF8.self)
    for line in text.split(separator: "\n") {
        if line.hasPrefix("#set: ") {
            if case let .success(o) = Override.parse(String(line.dropFirst(6))) { overrides.append(o) }
        } else if line.hasPrefix("#sweep: ") {
            if case let .failure(e) = SweepAxis.parse(String(line.dropFirst(8))) { check(e) }
        } else if line.hasPrefix("#variant: ") {
            only.append(String(line.dropFirst(10)))
        }
    }
    do {
        let l = try LoadedScenario.load(path, overrides: overrides, only: only)
        precondition(!l.variants.isEmpty, "a loaded scenario without variants")
    } catch {
        check(error)
    }
    return 0
}

private func check(_ e: ScenarioError) {
    precondition(!e.diagnostics.isEmpty, "an error without diagnostics")
    for d in e.diagnostics {
        precondition(!d.message.zh.isEmpty && !d.message.en.isEmpty, "a diagnostic without text: \(d)")
        _ = d.render(.zh)
        _ = d.render(.en)
    }
}
