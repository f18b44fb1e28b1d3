import Foundation

/// The nftables of one named network namespace, driven through `ip netns exec NAME nft`.
///
/// It refuses to exist for a namespace that `ip netns add` did not make, so a typo can never fall back to the host's
/// own rules.
struct NamespaceFirewall {
    let name: String
    let ip: String
    let nft: String

    init(name: String) throws {
        // ip-netns(8) names are file names under /run/netns.
        guard !name.isEmpty, name.count <= 64, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }), name.first != "." else {
            throw CLIError("--netns: \"\(name)\" is not a network namespace name")
        }
        guard FileManager.default.fileExists(atPath: "/run/netns/\(name)") else {
            throw CLIError("no network namespace named \(name); create it with 'ip netns add \(name)' (see 'ip netns list')")
        }
        guard let ip = Self.program("ip") else { throw CLIError("the ip program is missing; install the Debian package iproute2") }
        guard let nft = Self.program("nft") else { throw CLIError("the nft program is missing; install the Debian package nftables") }
        self.name = name
        self.ip = ip
        self.nft = nft
    }

    static func program(_ name: String) -> String? {
        ["/usr/sbin", "/sbin", "/usr/bin", "/bin", "/usr/local/sbin"].map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `nft -f -` inside the namespace with `script` on its standard input.
    func load(_ script: String, doing what: String) throws {
        let result = try run(["-f", "-"], input: script)
        guard result.status == 0 else {
            throw CLIError("could not \(what) in network namespace \(name): \(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }

    func hasTable(_ table: String) throws -> Bool {
        let result = try run(["list", "tables"], input: nil)
        guard result.status == 0 else {
            throw CLIError("could not read the nftables of network namespace \(name): \(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return result.stdout.split(separator: "\n").contains { $0 == "table inet \(table)" }
    }

    private func run(_ arguments: [String], input: String?) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ip)
        process.arguments = ["netns", "exec", name, nft] + arguments
        let inPipe = Pipe()
        let out = Pipe()
        let err = Pipe()
        process.standardInput = inPipe
        process.standardOutput = out
        process.standardError = err
        try process.run()
        if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try inPipe.fileHandleForWriting.close()
        // nft's answers are a few lines; reading one pipe after the other cannot fill the other.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }
}
