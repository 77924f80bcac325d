import Foundation
import SubsidyEngine
import SubsidyModel

/// `manifest.json`: what ran and what it wrote, enough to reproduce it. Written last, into the
/// temporary folder, with the SHA-256 of every other file in it (charts included).
public enum Manifest {
    public static func write(in folder: URL, fields: [String: Any]) throws {
        var outputs: [[String: Any]] = []
        let fm = FileManager.default
        var files: [String] = []
        if let e = fm.enumerator(atPath: folder.path) {
            for case let f as String in e {
                var isDir: ObjCBool = false
                if fm.fileExists(atPath: folder.appendingPathComponent(f).path, isDirectory: &isDir), !isDir.boolValue, f != "manifest.json" {
                    files.append(f)
                }
            }
        }
        for f in files.sorted() {
            let data = fm.contents(atPath: folder.appendingPathComponent(f).path) ?? Data()
            outputs.append(["file": f, "bytes": data.count, "sha256": SHA256.hex(data)])
        }
        var m = fields
        m["program"] = "subsidysim"
        m["gsl_version"] = Engine.gslVersion
        m["generator"] = "Philox4x32-10 (Random123) as a gsl_rng_type; stream = (seed, domain, trial, batch·2^24 + firm)"
        m["units"] = "money in 万元 (10,000 yuan); rates and probabilities as fractions"
        m["outputs"] = outputs
        let data = try JSONSerialization.data(withJSONObject: m, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        guard fm.createFile(atPath: folder.appendingPathComponent("manifest.json").path, contents: data) else {
            throw OutputFolder.WriteError(description: "cannot write \(folder.path)/manifest.json")
        }
    }

    /// The scenario part of a manifest.
    public static func scenario(_ loaded: LoadedScenario) -> [String: Any] {
        ["file": loaded.file, "files_read": loaded.files, "id": loaded.scenario.id, "sha256_after_base_and_set": loaded.sha256,
         "overrides": loaded.overrides.map(\.text), "variants": loaded.variants.map(\.id)]
    }
}
