/// Budgets that keep unpacking safe against decompression bombs, deep nesting and hanging tools.
public struct UnpackLimits: Hashable, Sendable {
    /// How many containers deep to follow (image > partition > compression > file system > nested archive ...).
    public var maxDepth: Int
    /// All bytes produced by every decompression and extraction together.
    public var maxTotalBytes: Int
    /// Any single file or decompressed stream.
    public var maxFileBytes: Int
    /// Entries admitted into the tree.
    public var maxEntries: Int
    /// Wall-clock budget for each external tool run.
    public var toolSeconds: Double

    public init(maxDepth: Int = 8, maxTotalBytes: Int = 2 << 30, maxFileBytes: Int = 512 << 20, maxEntries: Int = 200_000, toolSeconds: Double = 120)
    {
        self.maxDepth = maxDepth
        self.maxTotalBytes = maxTotalBytes
        self.maxFileBytes = maxFileBytes
        self.maxEntries = maxEntries
        self.toolSeconds = toolSeconds
    }
}
