import Foundation
import Testing

/// End to end: the built `subsidysim` binary (built with the tests: `swift build --build-tests`).
@Suite("the subsidysim binary: children, messages", .serialized)
struct BinaryTests {
    static var binary: String? {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for c in [Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("subsidysim").path,
                  repo.appendingPathComponent(".build/debug/subsidysim").path] where FileManager.default.isExecutableFile(atPath: c) {
            return c
        }
        return nil
    }

    static func shell(_ script: String, env: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", script]
        // The program speaks the locale's language: the locale is cleared, so messages are Chinese.
        var environment = ProcessInfo.processInfo.environment
        for k in ["LC_ALL", "LC_MESSAGES", "LANG"] { environment[k] = nil }
        p.environment = environment.merging(env) { $1 }
        let o = Pipe(), e = Pipe()
        p.standardOutput = o
        p.standardError = e
        try p.run()
        let od = o.fileHandleForReading.readDataToEndOfFile(), ed = e.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: od, as: UTF8.self), String(decoding: ed, as: UTF8.self))
    }

    @Test("SIGTERM to a run that is drawing charts kills its gnuplot too, also when the launcher left SIGTERM ignored; nothing half-written stays",
          arguments: [(false, 0), (true, 0), (false, 800), (true, 800)])
    func killedRunTakesGnuplot(launcherIgnoresTerm: Bool, spawnPauseMs: Int) throws {
        // spawnPauseMs > 0 holds each gnuplot between its spawn and its registration, so SIGTERM
        // lands in that window (in CI it once did by chance, and the gnuplot outlived the run).
        let bin = try #require(Self.binary, "build the binary first: swift build --build-tests")
        let dir = tempDir("sigterm")
        defer { try? FileManager.default.removeItem(at: dir) }
        // A stand-in gnuplot that records its pid and hangs (30 s: a surviving one also holds
        // Foundation's watch on the run open, so a failure costs this test 30 s, not minutes).
        let fake = dir.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: fake, withIntermediateDirectories: true)
        let pids = dir.appendingPathComponent("pids")
        try "#!/bin/sh\necho $$ >> '\(pids.path)'\nexec sleep 30\n".write(to: fake.appendingPathComponent("gnuplot"), atomically: true, encoding: .utf8)
        chmod(fake.appendingPathComponent("gnuplot").path, 0o755)
        let out = dir.appendingPathComponent("out")
        let p = Process()
        if launcherIgnoresTerm {
            // As some CI runners start their jobs: SIGTERM ignored, inherited across exec.
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            p.arguments = ["-c", "trap '' TERM; exec \"$0\" run --trials 200 --output \"$1\" --quiet", bin, out.path]
        } else {
            p.executableURL = URL(fileURLWithPath: bin)
            p.arguments = ["run", "--trials", "200", "--output", out.path, "--quiet"]
        }
        p.environment = ProcessInfo.processInfo.environment.merging(["PATH": fake.path + ":/usr/bin:/bin",
                                                                     "SUBSIDYSIM_TEST_SPAWN_PAUSE_MS": String(spawnPauseMs)]) { $1 }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && (text(pids).split(separator: "\n").count < 1) { usleep(50_000) }
        let started = text(pids).split(separator: "\n").compactMap { Int32($0) }
        #expect(!started.isEmpty, "gnuplot never started")
        let killed = Date()
        kill(p.processIdentifier, SIGTERM)
        // Bounded wait: a run that ignores SIGTERM fails this test in 15 s, not after gnuplot's 30.
        while p.isRunning && Date().timeIntervalSince(killed) < 15 { usleep(50_000) }
        let ended = !p.isRunning
        if !ended { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        #expect(ended, "the run did not end promptly on SIGTERM")
        #expect(p.terminationReason == .uncaughtSignal)
        for pid in text(pids).split(separator: "\n").compactMap({ Int32($0) }) {
            #expect(gone(pid), "gnuplot \(pid) outlived the killed run")
            if alive(pid) { kill(pid, SIGKILL) }
        }
        #expect(!FileManager.default.fileExists(atPath: out.path))   // nothing half-written in place
    }

    @Test("a run draws all its charts with at most one gnuplot per core, each chart's PNG and SVG by one script, none drawn twice")
    func oneGnuplotPerCore() throws {
        let bin = try #require(Self.binary, "build the binary first: swift build --build-tests")
        let real = try #require(["/usr/bin/gnuplot", "/usr/local/bin/gnuplot"].first { FileManager.default.isExecutableFile(atPath: $0) },
                                "gnuplot is not installed")
        let dir = tempDir("gnuplots")
        defer { try? FileManager.default.removeItem(at: dir) }
        let fake = dir.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: fake, withIntermediateDirectories: true)
        let log = dir.appendingPathComponent("calls")
        // A stand-in that records each call's scripts (one line per call) and runs the real gnuplot.
        try "#!/bin/sh\necho \"$*\" >> '\(log.path)'\nexec '\(real)' \"$@\"\n".write(to: fake.appendingPathComponent("gnuplot"), atomically: true, encoding: .utf8)
        chmod(fake.appendingPathComponent("gnuplot").path, 0o755)
        let out = dir.appendingPathComponent("out").path
        let r = try Self.shell("exec '\(bin)' run --trials 500 --no-docx --no-xlsx --quiet --output '\(out)'", env: ["PATH": fake.path + ":/usr/bin:/bin"])
        #expect(r.status == 0, "\(r.err)")
        let calls = text(log).split(separator: "\n")
        let scripts = calls.flatMap { $0.split(separator: " ").map(String.init) }
        let drawn = try FileManager.default.contentsOfDirectory(atPath: out + "/charts").filter { $0.hasSuffix(".png") }.map { String($0.dropLast(4)) }
        #expect(drawn.count >= 4)
        #expect(calls.count <= ProcessInfo.processInfo.activeProcessorCount, "\(calls)")
        #expect(scripts.sorted() == drawn.map { $0 + ".gp" }.sorted(), "every chart once: \(scripts) vs \(drawn)")
        for name in drawn { #expect(((try? FileManager.default.attributesOfItem(atPath: out + "/charts/\(name).svg"))?[.size] as? Int ?? 0) > 0) }
    }

    @Test("run --output / is refused with a clear message (zh and en), exit 73; a write failure names the path and the reason")
    func outputMessages() throws {
        let bin = try #require(Self.binary, "build the binary first: swift build --build-tests")
        let zh = try Self.shell("'\(bin)' run --trials 100 --output / --quiet")
        #expect(zh.status == 73 && zh.err.contains("根目录") && !zh.err.contains("Success"))
        let en = try Self.shell("'\(bin)' run --trials 100 --output / --quiet --lang en")
        #expect(en.status == 73 && en.err.contains("root folder"))
        // A file-size limit makes the first large write fail, as a full disk would.
        let dir = tempDir("efbig")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out").path
        let big = try Self.shell("trap '' XFSZ; ulimit -f 2; exec '\(bin)' run --trials 100 --output '\(out)' --quiet")
        #expect(big.status == 73)
        #expect(big.err.contains(out + "/") && big.err.contains("文件过大") && !big.err.contains(".tmp-"), "\(big.err)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }
}
