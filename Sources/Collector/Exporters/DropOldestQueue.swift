/// A bounded FIFO queue that makes room for a new element by dropping the oldest one.
public struct DropOldestQueue<Element> {
    /// The most elements held.
    public let capacity: Int
    private var storage: [Element?] = []
    private var head = 0

    /// An empty queue holding at most `capacity` (at least 1) elements.
    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// The number of elements held.
    public var count: Int { storage.count - head }

    /// Whether the queue is empty.
    public var isEmpty: Bool { count == 0 }

    /// Appends `element`; returns the elements dropped to make room (oldest first).
    @discardableResult
    public mutating func append(_ element: Element) -> [Element] {
        var dropped: [Element] = []
        while count >= capacity, let oldest = popFirst() { dropped.append(oldest) }
        storage.append(element)
        return dropped
    }

    /// Removes and returns the oldest element.
    public mutating func popFirst() -> Element? {
        guard head < storage.count else { return nil }
        let element = storage[head]
        storage[head] = nil
        head += 1
        if head > 64 && head * 2 > storage.count {
            storage.removeFirst(head)
            head = 0
        }
        return element
    }
}
