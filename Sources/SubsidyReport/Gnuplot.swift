import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Running gnuplot as a child that cannot outlive or hang the program.
///
/// Each gnuplot runs in a process group of its own, with standard input from `/dev/null`, its
/// working directory set to the charts folder and only a fixed relative script name as argument
/// (no path of the user's ever reaches gnuplot). SIGINT, SIGTERM and SIGHUP to subsidysim kill
/// every live gnuplot group before subsidysim dies of the same signal, and every gnuplot has a
/// hard time limit after which its group is killed.
public enum ChildProcesses {
    static let capacity = 64
    /// Process-group ids of live children; 0 = free slot. Read by the signal handler (which only
    /// reads it and calls kill, both async-signal-safe), written under `lock` with signals blocked.
    nonisolated(unsafe) static let slots: UnsafeMutablePointer<pid_t> = {
        let p = UnsafeMutablePointer<pid_t>.allocate(capacity: capacity)
        p.initialize(repeating: 0, count: capacity)
        return p
    }()
    static let lock = NSLock()
    nonisolated(unsafe) static var handlersInstalled = false
    static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]
    /// A spawn is between `posix_spawn` and `register` (at most one: spawns hold `lock`): a child
    /// exists that the slots do not name yet. The spawning thread has the signals blocked, but
    /// another thread may take one in that window; the handler then leaves the signal in
    /// `pendingSignal` for the spawner to act on, once its child is registered (otherwise that
    /// gnuplot would outlive the run: seen in CI, where it kept the run's test waiting 300 s).
    static let spawning = Atomic<Bool>(false)
    static let pendingSignal = Atomic<Int32>(0)

    /// Installs the handlers once, for the signals whose disposition is the default (a signal the
    /// parent shell ignores, e.g. under nohup, stays ignored).
    static func installHandlers() {
        guard !handlersInstalled else { return }
        handlersInstalled = true
        for sig in signals {
            var old = sigaction()
            sigaction(sig, nil, &old)
            #if canImport(Glibc)
            let isDefault = old.__sigaction_handler.sa_handler == nil
            #else
            let isDefault = old.__sigaction_u.__sa_handler == nil
            #endif
            guard isDefault else { continue }
            var sa = sigaction()
            #if canImport(Glibc)
            sa.__sigaction_handler.sa_handler = { sig in ChildProcesses.onSignal(sig) }
            #else
            sa.__sigaction_u.__sa_handler = { sig in ChildProcesses.onSignal(sig) }
            #endif
            sigemptyset(&sa.sa_mask)
            sa.sa_flags = 0
            sigaction(sig, &sa, nil)
        }
    }

    /// Unblocks SIGINT, SIGTERM and SIGHUP on the calling thread, so that threads it starts later
    /// inherit them unblocked, and gives SIGTERM its default action if the parent left it ignored.
    /// Called first thing in `main`. A parent that spawns subsidysim with these signals blocked
    /// or SIGTERM ignored (some process launchers and CI runners do) would otherwise leave the run
    /// simulating and drawing charts for minutes after it was told to stop: SIGTERM is how `kill`,
    /// a launcher or a CI runner stops a program. SIGINT and SIGHUP keep an inherited "ignore",
    /// so a run under `nohup` or in a background job of a non-interactive shell still ignores them,
    /// as those callers intend.
    public static func prepareTerminationSignals() {
        var set = sigset_t()
        sigemptyset(&set)
        for s in signals { sigaddset(&set, s) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        var old = sigaction()
        sigaction(SIGTERM, nil, &old)
        #if canImport(Glibc)
        let ignored = unsafeBitCast(old.__sigaction_handler.sa_handler, to: Int.self) == 1
        #else
        let ignored = unsafeBitCast(old.__sigaction_u.__sa_handler, to: Int.self) == 1
        #endif
        if ignored { signal(SIGTERM, SIG_DFL) }
    }

    /// Async-signal-safe: kill every registered group, restore the default action and re-raise,
    /// so subsidysim still dies of the signal (exit status as before). While a child is being
    /// spawned and not yet registered, the signal is left to that spawner (`endSpawn`).
    static func onSignal(_ sig: Int32) {
        pendingSignal.store(sig, ordering: .sequentiallyConsistent)
        if spawning.load(ordering: .sequentiallyConsistent) { return }
        killChildren(restoring: sig)
        raise(sig)   // this thread takes signals: delivered as the handler returns
    }

    static func killChildren(restoring sig: Int32) {
        for i in 0..<capacity {
            let g = slots[i]
            if g > 0 { kill(-g, SIGKILL) }
        }
        signal(sig, SIG_DFL)
    }

    /// A spawner's end of a signal that arrived while it spawned: kills the groups and sends the
    /// signal to the process (not `raise`: a spawner on a Dispatch worker has the signals blocked
    /// for good), then waits for it holding `lock`, so no further child is started meanwhile.
    static func die(of sig: Int32) -> Never {
        killChildren(restoring: sig)
        kill(getpid(), sig)
        while true { sleep(1) }
    }

    static func blockSignals() -> sigset_t {
        var set = sigset_t(), old = sigset_t()
        sigemptyset(&set)
        for s in signals { sigaddset(&set, s) }
        pthread_sigmask(SIG_BLOCK, &set, &old)
        return old
    }

    static func restoreSignals(_ old: sigset_t) {
        var o = old
        pthread_sigmask(SIG_SETMASK, &o, nil)
    }

    /// Marks the start of a spawn (signals blocked on the calling thread, `lock` held). After a
    /// signal no child is started: the caller dies of it instead.
    static func beginSpawn() {
        spawning.store(true, ordering: .sequentiallyConsistent)
        let sig = pendingSignal.load(ordering: .sequentiallyConsistent)
        if sig != 0 { die(of: sig) }
    }

    /// Ends a spawn whose child, if any, is registered, and acts on a signal that arrived
    /// meanwhile (called after the thread's signal mask is restored, `lock` still held).
    static func endSpawn() {
        spawning.store(false, ordering: .sequentiallyConsistent)
        let sig = pendingSignal.load(ordering: .sequentiallyConsistent)
        if sig != 0 { die(of: sig) }
    }

    /// Test hook: milliseconds to wait between spawning a child and registering it, to widen the
    /// window a signal can fall into (`SUBSIDYSIM_TEST_SPAWN_PAUSE_MS`, at most 5000).
    static let spawnPause: UInt32 = {
        guard let v = ProcessInfo.processInfo.environment["SUBSIDYSIM_TEST_SPAWN_PAUSE_MS"].flatMap(UInt32.init) else { return 0 }
        return min(v, 5000)
    }()

    static func register(_ pid: pid_t) -> Int? {
        for i in 0..<capacity where slots[i] == 0 {
            slots[i] = pid
            return i
        }
        return nil
    }

    static func unregister(_ slot: Int?) {
        guard let slot else { return }
        lock.lock()
        slots[slot] = 0
        lock.unlock()
    }

    /// The live children, for tests.
    static var live: [pid_t] {
        lock.lock()
        defer { lock.unlock() }
        return (0..<capacity).map { slots[$0] }.filter { $0 > 0 }
    }
}

public enum Gnuplot {
    /// How long one chart may take before its gnuplot is killed (a normal chart takes well under
    /// a second). `SUBSIDYSIM_GNUPLOT_TIMEOUT` (seconds) overrides it.
    public static var defaultTimeout: Double {
        if let t = ProcessInfo.processInfo.environment["SUBSIDYSIM_GNUPLOT_TIMEOUT"].flatMap(Double.init), t > 0, t.isFinite { return t }
        return 60
    }

    public struct Outcome: Sendable {
        public var status: Int32
        public var timedOut: Bool
        public var stderr: String
        public var ok: Bool { status == 0 && !timedOut }
    }

    public struct SpawnError: Error, CustomStringConvertible {
        public var description: String
    }

    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    static let addChdir: AddChdir? = {
        guard let h = dlopen(nil, RTLD_NOW), let p = dlsym(h, "posix_spawn_file_actions_addchdir_np") else { return nil }
        return unsafeBitCast(p, to: AddChdir.self)
    }()

    /// Runs `executable arguments…` with its working directory `directory`, in its own process
    /// group, stdin and stdout on /dev/null, stderr captured (first 64 kB); kills the group after
    /// `timeout` seconds. `environment` entries are set (or replaced) in the child's environment.
    static func run(_ executable: String, _ arguments: [String], in directory: String, timeout: Double,
                    environment: [String: String] = [:]) throws -> Outcome {
        var exe = executable
        var args = [executable] + arguments
        if addChdir == nil {
            // No posix_spawn_file_actions_addchdir_np: a shell changes directory; the folder and
            // the program are its positional parameters, never part of its code.
            exe = "/bin/sh"
            args = ["sh", "-c", "cd -- \"$1\" && shift && exec \"$@\"", "sh", directory, executable] + arguments
        }
        var fds: [Int32] = [0, 0]
        ChildProcesses.lock.lock()
        let oldMask = ChildProcesses.blockSignals()
        ChildProcesses.installHandlers()
        guard pipe(&fds) == 0 else {
            let e = errno
            ChildProcesses.restoreSignals(oldMask)
            ChildProcesses.lock.unlock()
            throw SpawnError(description: String(cString: strerror(e)))
        }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        var fa = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fa)
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&fa, fds[1], 2)
        if let addChdir { _ = addChdir(&fa, directory) }
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        posix_spawnattr_setpgroup(&attr, 0)
        var defaults = sigset_t(), empty = sigset_t()
        sigemptyset(&defaults)
        for s in ChildProcesses.signals + [SIGPIPE] { sigaddset(&defaults, s) }
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setsigmask(&attr, &empty)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        let pause = ChildProcesses.spawnPause
        ChildProcesses.beginSpawn()
        let cargs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        let cenv: [UnsafeMutablePointer<CChar>?] = environment.isEmpty ? [] : env.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        let rc = cenv.isEmpty ? posix_spawn(&pid, exe, &fa, &attr, cargs, environ)
                              : cenv.withUnsafeBufferPointer { posix_spawn(&pid, exe, &fa, &attr, cargs, UnsafeMutablePointer(mutating: $0.baseAddress)) }
        cargs.forEach { free($0) }
        cenv.forEach { free($0) }
        posix_spawn_file_actions_destroy(&fa)
        posix_spawnattr_destroy(&attr)
        close(fds[1])
        if pause > 0 && rc == 0 { usleep(pause * 1000) }
        let slot = rc == 0 ? ChildProcesses.register(pid) : nil
        ChildProcesses.restoreSignals(oldMask)
        // Before the lock goes: the next spawn cannot start in between and take the signal on.
        ChildProcesses.endSpawn()
        ChildProcesses.lock.unlock()
        guard rc == 0 else {
            close(fds[0])
            throw SpawnError(description: String(cString: strerror(rc)))
        }
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        var err = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 4096)
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        var open = true
        while true {
            if open {
                var p = pollfd(fd: fds[0], events: Int16(POLLIN), revents: 0)
                _ = poll(&p, 1, 50)
                while true {
                    let n = read(fds[0], &buf, buf.count)
                    if n > 0 {
                        if err.count < 65536 { err += buf[0..<n] }
                    } else {
                        if n == 0 { open = false }
                        break
                    }
                }
            } else {
                usleep(20_000)
            }
            // Exited? (WNOWAIT: the child stays a zombie, so its group id cannot be reused yet.)
            var info = siginfo_t()
            let w = waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT)
            if w == 0 && info.si_signo == SIGCHLD { break }
            if w < 0 && errno != EINTR { break }
            if Date() >= deadline {
                timedOut = true
                break
            }
        }
        // Whatever is left in the group (gnuplot itself after the time limit, or anything it
        // started) is killed before the child is reaped.
        kill(-pid, SIGKILL)
        ChildProcesses.unregister(slot)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        while err.count < 65536 {
            let n = read(fds[0], &buf, buf.count)
            guard n > 0 else { break }
            err += buf[0..<n]
        }
        close(fds[0])
        let exited = (status & 0x7f) == 0
        let code: Int32 = exited ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Outcome(status: code, timedOut: timedOut, stderr: String(decoding: err, as: UTF8.self))
    }
}
