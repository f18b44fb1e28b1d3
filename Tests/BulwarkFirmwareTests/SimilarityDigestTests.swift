import Foundation
import Testing

@testable import BulwarkFirmware

@Suite struct SimilarityDigestTests {
    static let original = seeded(1, 256 * 1024)

    @Test func identicalInputGivesIdenticalDigestAndFullScore() {
        let copy = Data(Array(Self.original))
        let a = SimilarityDigest(of: Self.original)
        let b = SimilarityDigest(of: copy)
        #expect(a == b)
        #expect(a.similarity(to: b) == 100)
        #expect(a.blockSize == 6144, "3·2¹¹ is the smallest block size at which 64 pieces cover 256 KiB")
    }

    @Test func emptyInputHasTheSmallestBlockSizeAndNoPieces() {
        #expect(SimilarityDigest(of: Data()).description == "3::")
    }

    @Test func smallEditScoresHigh() {
        var edited = Array(Self.original)
        for offset in 0..<16 { edited[100_000 + offset] ^= 0xFF }
        let a = SimilarityDigest(of: Self.original)
        let b = SimilarityDigest(of: Data(edited))
        #expect(a != b, "the edit changes at least one piece")
        let score = a.similarity(to: b)
        #expect(score >= 90 && score < 100, "score \(score)")
    }

    @Test func insertedBytesStillScoreHigh() {
        var edited = Array(Self.original)
        edited.insert(contentsOf: Array(repeating: 0x90, count: 200), at: 50_000)
        let score = SimilarityDigest(of: Self.original).similarity(to: SimilarityDigest(of: Data(edited)))
        #expect(score >= 85 && score < 100, "score \(score)")
    }

    @Test func unrelatedInputsScoreZero() {
        let other = seeded(2, 256 * 1024)
        #expect(SimilarityDigest(of: Self.original).similarity(to: SimilarityDigest(of: other)) == 0)
    }

    @Test func digestsOfVeryDifferentSizesDoNotCompare() {
        let small = Self.original.prefix(8 * 1024)
        let a = SimilarityDigest(of: Self.original)
        let b = SimilarityDigest(of: Data(small))
        #expect(a.blockSize > 2 * b.blockSize)
        #expect(a.similarity(to: b) == 0)
    }

    @Test func signatureLengthsStayWithinTheirBounds() {
        let digest = SimilarityDigest(of: seeded(3, 1 << 20))
        #expect((32...64).contains(digest.signature.count), "\(digest.signature.count)")
        #expect(digest.doubleSignature.count <= 32)
        #expect(digest.blockSize * 64 >= (1 << 20) / 2)
    }

    @Test func textFormRoundTrips() throws {
        let digest = SimilarityDigest(of: Self.original)
        #expect(try SimilarityDigest(parsing: digest.description) == digest)
        let json = try JSONEncoder().encode([digest])
        #expect(try JSONDecoder().decode([SimilarityDigest].self, from: json) == [digest])
    }

    @Test func rejectsMalformedTextNamingThePart() {
        #expect(throws: FirmwareError.self) { try SimilarityDigest(parsing: "7:abc:ab") }
        #expect(throws: FirmwareError.self) { try SimilarityDigest(parsing: "96:abc") }
        do {
            _ = try SimilarityDigest(parsing: "96:ab!c:ab")
            Issue.record("a character outside base64 was accepted")
        } catch {
            #expect(error.description == "similarity digest: part 2: holds a character outside the base64 alphabet")
        }
    }

    @Test func runsOfMoreThanThreeEqualCharactersAreCut() {
        #expect(String(decoding: SimilarityDigest.normalised("AAAAAABCCCCD"), as: UTF8.self) == "AAABCCCD")
    }

    @Test func editDistanceCountsASubstitutionAsTwo() {
        #expect(SimilarityDigest.editDistance(Array("kitten".utf8), Array("sitten".utf8)) == 2)
        #expect(SimilarityDigest.editDistance(Array("abc".utf8), Array("abcd".utf8)) == 1)
        #expect(SimilarityDigest.editDistance([], Array("abc".utf8)) == 3)
    }

    @Test func indexFindsOnlyDigestsThatScore() {
        var edited = Array(Self.original)
        edited[10] ^= 1
        var index = SimilarityIndex<String>()
        index.insert(SimilarityDigest(of: Data(edited)), "edited")
        index.insert(SimilarityDigest(of: seeded(9, 256 * 1024)), "unrelated")
        let hits = index.matches(SimilarityDigest(of: Self.original), threshold: 70)
        #expect(hits.map(\.value) == ["edited"])
    }
}
