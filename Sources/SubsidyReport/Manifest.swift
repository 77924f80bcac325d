import Foundation
import SubsidyEngine
import SubsidyModel

/// `manifest.json`: what ran and what it wrote, enough to reproduce it. Written last, into the
/// temporary folder, with the size and SHA-256 of every other file this run wrote there (charts
/// included): only regular files that exist, never the sub-folders carried over from an earlier run.
public enum Manifest {
    public static func write(in staging: OutputFolder.Staging, fields: [String: Any]) throws {
        let folder = staging.url
        var outputs: [[String: Any]] = []
        var files: [String] = []
        func walk(_ rel: String) {
            let dir = rel.isEmpty ? folder.path : folder.path + "/" + rel
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
            for n in names {
                let r = rel.isEmpty ? n : rel + "/" + n
                if rel.isEmpty && (staging.kept.contains(n) || n == "manifest.json") { continue }
                var st = stat()
                guard lstat(folder.path + "/" + r, &st) == 0 else { continue }
                switch st.st_mode & S_IFMT {
                case S_IFDIR: walk(r)
                case S_IFREG: files.append(r)
                default: continue
                }
            }
        }
        walk("")
        for f in files.sorted() {
            guard let data = OutputFolder.readRegular(folder.path + "/" + f) else { continue }
            outputs.append(["file": f, "bytes": data.count, "sha256": SHA256.hex(data)])
        }
        var m = fields
        m["program"] = "subsidysim"
        m["gsl_version"] = Engine.gslVersion
        m["generator"] = "Philox4x32-10 (Random123) as a gsl_rng_type; stream = (seed, domain, trial, batch·2^24 + firm)"
        m["units"] = "money in 万元 (10,000 yuan); rates and probabilities as fractions"
        m["outputs"] = outputs
        let data = try JSONSerialization.data(withJSONObject: m, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try staging.write("manifest.json", data)
    }

    /// The scenario hash and start time recorded in the manifest of an output folder (or of its
    /// first sub-folder that has one), read without following links or opening anything but a
    /// regular file; nil when there is none.
    public static func recorded(in folder: String) -> (sha256: String?, start: String?)? {
        var candidates = [folder + "/manifest.json"]
        if let names = try? FileManager.default.contentsOfDirectory(atPath: folder) {
            candidates += names.sorted().map { folder + "/" + $0 + "/manifest.json" }
        }
        for c in candidates {
            guard let data = OutputFolder.readRegular(c, limit: 16 << 20),
                  let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { continue }
            let sc = obj["scenario"] as? [String: Any]
            return (sc?["sha256_after_base_and_set"] as? String, obj["start_time"] as? String)
        }
        return nil
    }

    /// The scenario part of a manifest.
    public static func scenario(_ loaded: LoadedScenario) -> [String: Any] {
        ["file": loaded.file, "files_read": loaded.files, "id": loaded.scenario.id, "sha256_after_base_and_set": loaded.sha256,
         "overrides": loaded.overrides.map(\.text), "variants": loaded.variants.map(\.id)]
    }
}
