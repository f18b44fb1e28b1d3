import BulwarkAPI
import Foundation

enum BulwarkAPIDocument {
    static func data() throws -> Data { try BulwarkAPIDescription.document() }
}
