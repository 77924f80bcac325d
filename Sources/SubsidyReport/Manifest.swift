import Foundation
import SubsidyEngine
import SubsidyModel

/// `manifest.json`: what ran and what it wrote, enough to reproduce it. One schema for every
/// command: a common `Header` (command, program version, scenario, seed, trials, threads, command
/// line, times, GSL version, generator, units, and the size and SHA-256 of every output file) and
/// the command's own `Fields` (`RunFields`, `SweepFields`, `SolveFields`, `SensitivityFields`),
/// written side by side in one JSON object with sorted keys.
///
/// Written last, into the temporary folder, listing every other file this run wrote there (charts
/// included): only regular files that exist, never the sub-folders carried over from an earlier run.
public enum Manifest {
    /// How a command was started: what every manifest records beside the scenario and the trial count.
    public struct Invocation: Sendable {
        /// The program's version (`subsidysim --version`).
        public var version: String
        /// The arguments as the program received them, program name first.
        public var commandLine: [String]
        /// When the command started; `start_time` and `wall_seconds` are taken from it.
        public var start: Date
        public var seed: UInt64
        public var threads: Int

        public init(version: String, commandLine: [String], start: Date, seed: UInt64, threads: Int) {
            self.version = version
            self.commandLine = commandLine
            self.start = start
            self.seed = seed
            self.threads = threads
        }
    }

    /// The scenario a command read: `scenario` in every manifest.
    public struct ScenarioRecord: Codable, Sendable, Equatable {
        /// As named on the command line (`builtin:pingluo-draft` for the bundled draft).
        public var file: String
        /// Every file read, `base:` files included, in reading order.
        public var filesRead: [String]
        public var id: String
        /// SHA-256 (hex) of the scenario's canonical text after `base:` merging and `--set`.
        public var sha256AfterBaseAndSet: String
        /// `--set` overrides as typed.
        public var overrides: [String]
        /// Ids of the variants evaluated.
        public var variants: [String]

        enum CodingKeys: String, CodingKey {
            case file, filesRead = "files_read", id, sha256AfterBaseAndSet = "sha256_after_base_and_set", overrides, variants
        }

        public init(_ loaded: LoadedScenario) {
            file = loaded.file
            filesRead = loaded.files
            id = loaded.scenario.id
            sha256AfterBaseAndSet = loaded.sha256
            overrides = loaded.overrides.map(\.text)
            variants = loaded.variants.map(\.id)
        }
    }

    /// One file of the output folder: path relative to the folder, size in bytes, SHA-256 (hex).
    public struct OutputFile: Codable, Sendable, Equatable {
        public var file: String
        public var bytes: Int
        public var sha256: String
    }

    /// The fields every manifest has, whatever the command.
    public struct Header: Codable, Sendable {
        /// `run`, `sweep`, `solve` or `sensitivity`.
        public var command: String
        public var version: String
        public var scenario: ScenarioRecord
        /// Decimal text: a 64-bit seed does not survive a JSON number (a double) above 2⁵³.
        public var seed: String
        public var trials: Int
        public var threads: Int
        public var commandLine: [String]
        /// ISO 8601, UTC, whole seconds.
        public var startTime: String
        /// Seconds from the start to the writing of the manifest, rounded to milliseconds.
        public var wallSeconds: Double
        public var program: String
        public var gslVersion: String
        public var generator: String
        public var units: String
        /// Every other file of the folder, sorted by path.
        public var outputs: [OutputFile]

        enum CodingKeys: String, CodingKey {
            case command, version, scenario, seed, trials, threads, commandLine = "command_line", startTime = "start_time",
                 wallSeconds = "wall_seconds", program, gslVersion = "gsl_version", generator, units, outputs
        }

        public static let generatorText = "Philox4x32-10 (Random123) as a gsl_rng_type; stream = (seed, domain, trial, batch·2^24 + firm)"
        public static let unitsText = "money in 万元 (10,000 yuan); rates and probabilities as fractions"

        /// The header of a manifest written now: `wall_seconds` runs to this moment; `outputs` is
        /// filled in by `Manifest.write`.
        public init(command: String, loaded: LoadedScenario, trials: Int, _ invocation: Invocation) {
            self.command = command
            version = invocation.version
            scenario = ScenarioRecord(loaded)
            seed = String(invocation.seed)
            self.trials = trials
            threads = invocation.threads
            commandLine = invocation.commandLine
            startTime = ISO8601DateFormatter().string(from: invocation.start)
            wallSeconds = Manifest.milliseconds(Date().timeIntervalSince(invocation.start))
            program = "subsidysim"
            gslVersion = Engine.gslVersion
            generator = Self.generatorText
            units = Self.unitsText
            outputs = []
        }
    }

    /// A command's own fields, written in the same JSON object as the header (their keys must
    /// not collide with the header's).
    public protocol Fields: Codable, Sendable {
        /// The header's `command`.
        static var command: String { get }
    }

    /// One manifest: the header and the command's fields, flattened into one JSON object.
    public struct Document<F: Fields>: Codable, Sendable {
        public var header: Header
        public var fields: F

        public init(header: Header, fields: F) {
            self.header = header
            self.fields = fields
        }

        public init(from decoder: Decoder) throws {
            header = try Header(from: decoder)
            fields = try F(from: decoder)
        }

        public func encode(to encoder: Encoder) throws {
            try header.encode(to: encoder)
            try fields.encode(to: encoder)
        }
    }

    /// Seconds rounded to milliseconds, as the manifest writes durations.
    public static func milliseconds(_ seconds: Double) -> Double { (seconds * 1000).rounded() / 1000 }

    /// Pretty-printed with sorted keys and unescaped slashes (paths stay readable).
    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return e
    }

    /// Writes `manifest.json` into the staging folder: the header (taken now) with the size and
    /// SHA-256 of every regular file already there, and the command's fields. Cost: one read and
    /// hash of every output file.
    public static func write<F: Fields>(_ fields: F, _ invocation: Invocation, loaded: LoadedScenario, trials: Int,
                                        in staging: OutputFolder.Staging) throws {
        var header = Header(command: F.command, loaded: loaded, trials: trials, invocation)
        header.outputs = outputs(of: staging)
        try staging.write("manifest.json", encoder().encode(Document(header: header, fields: fields)))
    }

    /// The regular files of the staging folder (recursively, without following links), except the
    /// manifest itself and the sub-folders kept from an earlier run, sorted by path.
    static func outputs(of staging: OutputFolder.Staging) -> [OutputFile] {
        let folder = staging.url
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
        return files.sorted().compactMap { f in
            OutputFolder.readRegular(folder.path + "/" + f).map { OutputFile(file: f, bytes: $0.count, sha256: SHA256.hex($0)) }
        }
    }

    /// What `recorded(in:)` reads back from a manifest, tolerantly: a field that is missing or of
    /// another type (a foreign or partial manifest) is nil; only a file that is not a JSON object
    /// fails to decode.
    public struct Recorded: Decodable, Sendable, Equatable {
        /// `scenario.sha256_after_base_and_set`.
        public var sha256: String?
        /// `start_time`.
        public var start: String?

        public init(sha256: String?, start: String?) {
            self.sha256 = sha256
            self.start = start
        }

        enum Keys: String, CodingKey { case scenario, startTime = "start_time" }
        enum ScenarioKeys: String, CodingKey { case sha256 = "sha256_after_base_and_set" }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            start = (try? c.decodeIfPresent(String.self, forKey: .startTime)) ?? nil
            let scenario = try? c.nestedContainer(keyedBy: ScenarioKeys.self, forKey: .scenario)
            sha256 = (try? scenario?.decodeIfPresent(String.self, forKey: .sha256)) ?? nil
        }
    }

    /// The scenario hash and start time recorded in the manifest of an output folder (or of its
    /// first sub-folder that has one), read without following links or opening anything but a
    /// regular file of at most 16 MiB; nil when there is none. Never throws.
    public static func recorded(in folder: String) -> Recorded? {
        var candidates = [folder + "/manifest.json"]
        if let names = try? FileManager.default.contentsOfDirectory(atPath: folder) {
            candidates += names.sorted().map { folder + "/" + $0 + "/manifest.json" }
        }
        for c in candidates {
            guard let data = OutputFolder.readRegular(c, limit: 16 << 20),
                  let r = try? JSONDecoder().decode(Recorded.self, from: data) else { continue }
            return r
        }
        return nil
    }
}
