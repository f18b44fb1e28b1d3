import ArgumentParser
import BulwarkVulnerability
import Foundation

struct CVSSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cvss",
        abstract: "Score CVSS v3.0, v3.1 and v4.0 vectors.",
        discussion: """
            Vectors come as arguments, or one per line on standard input when there are none. v3.x vectors get base, \
            temporal and environmental scores; a v4.0 vector gets its one score (in the base column), computed from \
            whichever metric groups it sets. The severity is that of the environmental (v3.x) or only (v4.0) score.

            Examples:
              bulwark cvss CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H
              bulwark cvss --format json CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N
              cut -f3 advisories.tsv | bulwark cvss --format json
            """)

    @Argument(help: ArgumentHelp("CVSS vectors; read from standard input, one per line, when none are given.", valueName: "vector"))
    var vectors: [String] = []
    @Option(help: "table, or json (one JSON object per line).") var format: OutputFormat = .table

    /// One scored vector, as the JSON lines print it.
    struct Line: Encodable {
        let vector: String
        let version: String
        let score: Double
        let base: Double?
        let temporal: Double?
        let environmental: Double?
        let severity: String
    }

    func run() throws {
        var input = vectors
        if input.isEmpty {
            while let line = readLine(strippingNewline: true) {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if !trimmed.isEmpty { input.append(trimmed) }
            }
        }
        guard !input.isEmpty else { throw CLIError("no vectors: give them as arguments or one per line on standard input") }
        var lines: [Line] = []
        for vector in input {
            let scores: CVSSScores
            do {
                scores = try CVSS.score(vector)
            } catch {
                throw CLIError("\(error)")
            }
            let isV3 = scores.version != .v4_0
            lines.append(
                Line(
                    vector: vector, version: scores.version.rawValue, score: scores.overall, base: isV3 ? scores.base : nil,
                    temporal: scores.temporal, environmental: scores.environmental, severity: scores.severity))
        }
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            for line in lines { print(String(decoding: try encoder.encode(line), as: UTF8.self)) }
        case .table:
            func text(_ score: Double?) -> String { score.map { String(format: "%.1f", $0) } ?? "-" }
            print(
                Terminal.table(
                    ["vector", "version", "base", "temporal", "environmental", "severity"],
                    lines.map { [$0.vector, $0.version, text($0.base ?? $0.score), text($0.temporal), text($0.environmental), $0.severity] }))
        }
    }
}
