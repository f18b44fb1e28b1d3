internal import Crypto
import Foundation

/// Writes the components of an image as a CycloneDX 1.6 JSON bill of materials (ECMA-424, 1st edition), with the
/// evidence for each component (how it was identified and where) so that a reader can check Bulwark's reasoning.
public enum CycloneDXWriter {
    /// The document as JSON bytes, keys sorted so that the same image gives the same bytes.
    public static func document(
        image: String, imageSHA256: String, version: String?, components: [IdentifiedComponent], timestamp: Date, toolVersion: String
    ) throws -> Data {
        let imageRef = "image"
        var refs = Set<String>()
        let entries: [Component] = components.map { component in
            var ref = "component:\(component.key)"
            while !refs.insert(ref).inserted { ref += "'" }
            let methods = Dictionary(grouping: component.evidence, by: \.method).keys.sorted()
            let identity = Identity(
                field: "purl", confidence: methods.contains("package-database") ? 1.0 : 0.8,
                methods: methods.map { method in
                    Method(
                        technique: technique(method), confidence: method == "package-database" ? 1.0 : method == "file-name" ? 0.5 : 0.8,
                        value: component.evidence.first { $0.method == method }?.detail)
                })
            var properties: [Property] = []
            if let applets = component.applets, !applets.isEmpty {
                properties.append(Property(name: "bulwark:busybox:applets", value: applets.joined(separator: " ")))
            }
            return Component(
                type: component.type, bomRef: ref, name: component.name, version: component.version, purl: component.purl, cpe: component.cpe,
                evidence: Evidence(
                    identity: [identity], occurrences: Array(Set(component.evidence.map(\.file))).sorted().map { Occurrence(location: $0) }),
                properties: properties.isEmpty ? nil : properties)
        }
        let bom = BOM(
            bomFormat: "CycloneDX", specVersion: "1.6", serialNumber: serial(from: imageSHA256), version: 1,
            metadata: Metadata(
                timestamp: ISO8601DateFormatter().string(from: timestamp),
                tools: Tools(components: [ToolComponent(type: "application", name: "bulwark", version: toolVersion)]),
                component: Subject(
                    type: "firmware", bomRef: imageRef, name: image, version: version, hashes: [Hash(alg: "SHA-256", content: imageSHA256)])),
            components: entries,
            dependencies: [Dependency(ref: imageRef, dependsOn: entries.map(\.bomRef))])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(bom)
    }

    /// CycloneDX evidence techniques (1.6 `evidence.identity.methods.technique`).
    static func technique(_ method: String) -> String {
        switch method {
        case "package-database": "manifest-analysis"
        case "file-name": "filename"
        case "binary-signature": "binary-analysis"
        default: "other"
        }
    }

    /// A name-based (version 5 layout) UUID from the image digest: the same image always gets the same serial number.
    static func serial(from digest: String) -> String {
        var bytes = Array(SHA256.hash(data: Data(("bulwark-sbom:" + digest).utf8)).prefix(16))
        bytes[6] = bytes[6] & 0x0f | 0x50
        bytes[8] = bytes[8] & 0x3f | 0x80
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4), hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return "urn:uuid:" + parts.joined(separator: "-")
    }

    private struct BOM: Encodable {
        var bomFormat: String
        var specVersion: String
        var serialNumber: String
        var version: Int
        var metadata: Metadata
        var components: [Component]
        var dependencies: [Dependency]
    }

    private struct Metadata: Encodable {
        var timestamp: String
        var tools: Tools
        var component: Subject
    }

    private struct Tools: Encodable { var components: [ToolComponent] }

    private struct ToolComponent: Encodable {
        var type: String
        var name: String
        var version: String
    }

    private struct Subject: Encodable {
        var type: String
        var bomRef: String
        var name: String
        var version: String?
        var hashes: [Hash]

        enum CodingKeys: String, CodingKey {
            case type, name, version, hashes
            case bomRef = "bom-ref"
        }
    }

    private struct Hash: Encodable {
        var alg: String
        var content: String
    }

    private struct Component: Encodable {
        var type: String
        var bomRef: String
        var name: String
        var version: String
        var purl: String
        var cpe: String?
        var evidence: Evidence
        var properties: [Property]?

        enum CodingKeys: String, CodingKey {
            case type, name, version, purl, cpe, evidence, properties
            case bomRef = "bom-ref"
        }
    }

    private struct Evidence: Encodable {
        var identity: [Identity]
        var occurrences: [Occurrence]
    }

    private struct Identity: Encodable {
        var field: String
        var confidence: Double
        var methods: [Method]
    }

    private struct Method: Encodable {
        var technique: String
        var confidence: Double
        var value: String?
    }

    private struct Occurrence: Encodable { var location: String }

    private struct Property: Encodable {
        var name: String
        var value: String
    }

    private struct Dependency: Encodable {
        var ref: String
        var dependsOn: [String]
    }
}
