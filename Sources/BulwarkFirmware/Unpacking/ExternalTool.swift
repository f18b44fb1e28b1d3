import Foundation

/// Runs an established extraction program (squashfs-tools, e2fsprogs, xz-utils, bzip2) as a subprocess within a time
/// budget and an output budget, so that a hostile image can neither hang an analysis nor fill memory.
struct ExternalTool {
    struct Outcome {
        var status: Int32
        var output: Data
        var errorText: String
        var timedOut: Bool
        var overLimit: Bool
    }

    let name: String
    let package: String

    /// The program's path: `PATH` first, then the system directories where Debian puts e2fsprogs.
    var path: String? {
        let searched = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        for directory in searched + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"] {
            let candidate = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Runs the program; standard output is kept up to `outputLimit` bytes, beyond which the program is stopped.
    /// `fileSizeLimit`, when given, caps every file the program writes (RLIMIT_FSIZE through the shell's `ulimit -f`).
    func run(_ arguments: [String], seconds: Double, outputLimit: Int, fileSizeLimit: Int? = nil, context: String) throws(FirmwareError) -> Outcome {
        guard let executable = path else {
            throw FirmwareError(file: context, "needs `\(name)`, which is not installed (Debian package \(package))")
        }
        let process = Process()
        if let fileSizeLimit {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            // ulimit -f counts 512-byte blocks in POSIX sh.
            process.arguments = ["-c", "ulimit -f \(max(1, fileSizeLimit / 512 + 1)) && exec \"$0\" \"$@\"", executable] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        }
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-tool-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorFile) }
        let out = Pipe()
        process.standardOutput = out
        process.standardInput = FileHandle.nullDevice
        guard let errorHandle = try? FileHandle(forWritingTo: errorFile) else {
            throw FirmwareError(file: context, "cannot create a temporary file for \(name)'s messages")
        }
        process.standardError = errorHandle
        let watchdog = Watchdog(process: process)
        do {
            try process.run()
        } catch {
            throw FirmwareError(file: context, "could not start \(name): \(error)")
        }
        try? errorHandle.close()
        watchdog.arm(after: seconds)
        var output = Data()
        var overLimit = false
        let reader = out.fileHandleForReading
        while true {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            if output.count + chunk.count > outputLimit {
                overLimit = true
                watchdog.stop()
                break
            }
            output.append(chunk)
        }
        process.waitUntilExit()
        watchdog.disarm()
        let errorText = (try? String(contentsOf: errorFile, encoding: .utf8)) ?? ""
        return Outcome(
            status: process.terminationStatus, output: output, errorText: errorText.trimmingCharacters(in: .whitespacesAndNewlines),
            timedOut: watchdog.fired, overLimit: overLimit)
    }
}

/// Stops a subprocess once its time is up. The lock guards the two flags, which the timer queue and the caller share.
private final class Watchdog: @unchecked Sendable {
    private let lock = NSLock()
    private let process: Process
    private var done = false
    private var timedOut = false

    init(process: Process) { self.process = process }

    var fired: Bool { lock.withLock { timedOut } }

    func arm(after seconds: Double) {
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { [self] in
            lock.withLock {
                guard !done else { return }
                timedOut = true
                kill(process.processIdentifier, SIGKILL)
            }
        }
    }

    /// Stops the process now (its output went over budget).
    func stop() {
        lock.withLock {
            guard !done else { return }
            kill(process.processIdentifier, SIGKILL)
        }
    }

    func disarm() { lock.withLock { done = true } }
}
