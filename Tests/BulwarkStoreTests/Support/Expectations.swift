import BulwarkStore
import Testing

/// The `StoreError` thrown by `body`, or `nil` (recorded as an issue) when it threw something else or nothing.
///
/// `StoreError` is not `Equatable` (it wraps driver errors), so tests match its cases or description instead.
func storeError(_ body: () async throws -> Void) async -> StoreError? {
    do {
        try await body()
        Issue.record("expected a StoreError, but nothing was thrown")
    } catch let error as StoreError {
        return error
    } catch {
        Issue.record("expected a StoreError, got \(error)")
    }
    return nil
}
