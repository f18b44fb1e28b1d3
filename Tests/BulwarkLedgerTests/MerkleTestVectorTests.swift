import BulwarkLedger
import Foundation
import Testing

/// The RFC 6962/9162 proof cases in ../shared/data/merkle (from transparency-dev/merkle, see SOURCES.md).
enum MerkleVectors {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/data/merkle")

    static func files(_ kind: String) -> [String] {
        let root = directory.appendingPathComponent(kind)
        guard let walker = FileManager.default.enumerator(atPath: root.path) else { return [] }
        return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".json") }.sorted().map { "\(kind)/\($0)" }
    }

    static func bytes(_ text: String?) -> [UInt8] { Array(Data(base64Encoded: text ?? "") ?? Data([0xFF])) }

    struct Inclusion: Decodable {
        let leafIdx: UInt64
        let treeSize: UInt64
        let root: String
        let leafHash: String
        let proof: [String]?
        let wantErr: Bool
    }

    struct Consistency: Decodable {
        let size1: UInt64
        let size2: UInt64
        let root1: String
        let root2: String
        let proof: [String]?
        let wantErr: Bool
    }
}

@Suite struct MerkleTestVectorTests {
    @Test func theSharedDataHoldsEveryCaseKind() {
        #expect(MerkleVectors.files("inclusion").count > 60)
        #expect(MerkleVectors.files("consistency").count > 80)
    }

    @Test(arguments: MerkleVectors.files("inclusion"))
    func inclusionCaseGivesItsExpectedVerdict(_ file: String) throws {
        let data = try Data(contentsOf: MerkleVectors.directory.appendingPathComponent(file))
        let c = try JSONDecoder().decode(MerkleVectors.Inclusion.self, from: data)
        var failure: LedgerError?
        do {
            try ProofVerifier.verifyInclusion(
                index: c.leafIdx, size: c.treeSize, leafHash: MerkleVectors.bytes(c.leafHash),
                proof: (c.proof ?? []).map { MerkleVectors.bytes($0) }, root: MerkleVectors.bytes(c.root))
        } catch {
            failure = error
        }
        #expect((failure != nil) == c.wantErr, "\(file): \(failure.map { "\($0)" } ?? "accepted")")
    }

    @Test(arguments: MerkleVectors.files("consistency"))
    func consistencyCaseGivesItsExpectedVerdict(_ file: String) throws {
        let data = try Data(contentsOf: MerkleVectors.directory.appendingPathComponent(file))
        let c = try JSONDecoder().decode(MerkleVectors.Consistency.self, from: data)
        var failure: LedgerError?
        do {
            try ProofVerifier.verifyConsistency(
                size1: c.size1, size2: c.size2, proof: (c.proof ?? []).map { MerkleVectors.bytes($0) },
                root1: MerkleVectors.bytes(c.root1), root2: MerkleVectors.bytes(c.root2))
        } catch {
            failure = error
        }
        #expect((failure != nil) == c.wantErr, "\(file): \(failure.map { "\($0)" } ?? "accepted")")
    }
}
