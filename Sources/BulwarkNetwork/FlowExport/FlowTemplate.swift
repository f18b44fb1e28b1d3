/// A NetFlow v9 or IPFIX template: the fields of each data record of one template id, in order.
public struct FlowTemplate: Sendable, Hashable {
    public struct Field: Sendable, Hashable {
        /// Information element id (IANA IPFIX registry; v9 shares the numbers below 128).
        public var id: UInt16
        /// Bytes, or 65535 for a variable-length field (RFC 7011 §7).
        public var length: UInt16
        /// IPFIX private enterprise number; 0 for IANA elements.
        public var enterprise: UInt32
    }

    public var id: UInt16
    public var fields: [Field]
    /// Leading scope fields of an options template; options records describe the exporter, not flows.
    public var scopeFieldCount: Int
    /// Export time (seconds) when the template was last received, for expiry.
    public var refreshed: UInt32

    public var isOptions: Bool { scopeFieldCount > 0 }

    /// The smallest size of one record (variable-length fields count their 1-byte length prefix).
    public var minimumRecordLength: Int {
        fields.reduce(0) { $0 + ($1.length == 0xFFFF ? 1 : Int($1.length)) }
    }
}
