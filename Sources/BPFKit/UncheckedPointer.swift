/// A C pointer handed to the dedicated thread that uses it while the caller waits.
///
/// `@unchecked Sendable`: the caller blocks until that thread is done, so only one thread
/// uses the pointer at a time.
struct UncheckedPointer: @unchecked Sendable {
    let value: OpaquePointer
    init(_ value: OpaquePointer) { self.value = value }
}
