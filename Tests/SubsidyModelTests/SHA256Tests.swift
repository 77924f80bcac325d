import Foundation
import SubsidyModel
import Testing

/// The manifest's hashes: SHA-256 against the FIPS 180-4 / NIST example vectors, and against
/// the system's `sha256sum` at every length around the padding boundaries (55, 56, 63, 64, 119, 120 bytes).
@Suite("SHA-256")
struct SHA256Tests {
    @Test("FIPS 180-4 example vectors")
    func fipsVectors() {
        #expect(SHA256.hex(Data()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex(Data(repeating: UInt8(ascii: "a"), count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("every length from 0 to 130 bytes agrees with sha256sum")
    func paddingBoundaries() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sha256sum") else { return }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("subsidysim-sha-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var names: [String] = []
        for n in 0...130 {
            let bytes = Data((0..<n).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
            try bytes.write(to: dir.appendingPathComponent("f\(n)"))
            names.append("f\(n)")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        p.arguments = names
        p.currentDirectoryURL = dir
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let lines = text.split(separator: "\n")
        #expect(lines.count == names.count)
        for line in lines {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            let data = try Data(contentsOf: dir.appendingPathComponent(String(parts[1])))
            #expect(SHA256.hex(data) == String(parts[0]), "length \(data.count)")
        }
    }
}
