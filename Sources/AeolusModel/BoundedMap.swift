/// A dictionary with a capacity that keeps its entries in order of use: at the capacity, a new
/// key takes the place of the least recently used one (an LRU), and idle entries can be expired
/// from the least recent end. What long-running state keyed by series, flows or nodes is kept in,
/// so that it stays bounded however many keys come and go.
///
/// Every operation is O(1) (expiry is O(entries removed)): a dictionary from key to slot, and a
/// doubly linked list threaded through the slots by index. Slots freed by removal are reused, so
/// touching an existing key allocates nothing.
public struct BoundedMap<Key: Hashable, Value> {
    fileprivate struct Slot {
        var key: Key
        var value: Value
        var previous: Int  // towards the most recent; -1 at the head
        var next: Int      // towards the least recent; -1 at the tail
    }

    /// Most entries kept at once.
    public let capacity: Int
    /// Entries that gave way to a new key at the capacity (since creation).
    public private(set) var evictions: UInt64 = 0

    private var index: [Key: Int] = [:]
    private var slots: [Slot?] = []
    private var free: [Int] = []
    private var head = -1  // most recently used
    private var tail = -1  // least recently used

    /// An empty map holding at most `capacity` entries (at least one).
    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Entries held.
    public var count: Int { index.count }
    /// Whether the map is empty.
    public var isEmpty: Bool { index.isEmpty }

    /// The value of `key`, without counting as a use.
    public subscript(key: Key) -> Value? {
        index[key].map { slots[$0]!.value }
    }

    /// Uses `key`: makes it the most recent entry (inserting `make()` first when it is missing,
    /// evicting the least recent entry at the capacity) and lets `body` change its value in place.
    @discardableResult
    public mutating func use<R>(_ key: Key, orInsert make: () -> Value, _ body: (inout Value) -> R) -> R {
        let slot: Int
        if let existing = index[key] {
            slot = existing
            moveToHead(slot)
        } else {
            slot = insertAtHead(key, make()).slot
        }
        return body(&slots[slot]!.value)
    }

    /// Sets `value` for `key` as the most recent entry; returns the entry evicted to make room.
    @discardableResult
    public mutating func updateValue(_ value: Value, forKey key: Key) -> (key: Key, value: Value)? {
        if let existing = index[key] {
            slots[existing]!.value = value
            moveToHead(existing)
            return nil
        }
        return insertAtHead(key, value).evicted
    }

    /// Removes `key`; returns its value.
    @discardableResult
    public mutating func removeValue(forKey key: Key) -> Value? {
        guard let slot = index[key] else { return nil }
        return remove(slot).value
    }

    /// Removes entries from the least recent end for as long as `isExpired` says so; stops at
    /// the first entry kept. Returns how many were removed. When entries are used in time order
    /// (the usual case), this removes exactly the entries idle for longer than a cut-off.
    @discardableResult
    public mutating func removeLeastRecent(while isExpired: (Key, Value) -> Bool) -> Int {
        var removed = 0
        while tail >= 0, let slot = slots[tail], isExpired(slot.key, slot.value) {
            _ = remove(tail)
            removed += 1
        }
        return removed
    }

    /// Removes every entry.
    public mutating func removeAll() {
        index = [:]
        slots = []
        free = []
        head = -1
        tail = -1
    }

    /// The entries from the least to the most recently used.
    public var leastRecentFirst: [(key: Key, value: Value)] {
        var entries: [(key: Key, value: Value)] = []
        entries.reserveCapacity(count)
        var cursor = tail
        while cursor >= 0, let slot = slots[cursor] {
            entries.append((slot.key, slot.value))
            cursor = slot.previous
        }
        return entries
    }

    // MARK: The list

    private mutating func insertAtHead(_ key: Key, _ value: Value) -> (slot: Int, evicted: (key: Key, value: Value)?) {
        var evicted: (key: Key, value: Value)?
        if count >= capacity, tail >= 0 {
            evicted = remove(tail)
            evictions += 1
        }
        let node = Slot(key: key, value: value, previous: -1, next: head)
        let slot: Int
        if let reused = free.popLast() {
            slot = reused
            slots[slot] = node
        } else {
            slot = slots.count
            slots.append(node)
        }
        if head >= 0 { slots[head]!.previous = slot }
        head = slot
        if tail < 0 { tail = slot }
        index[key] = slot
        return (slot, evicted)
    }

    private mutating func moveToHead(_ slot: Int) {
        guard slot != head else { return }
        unlink(slot)
        slots[slot]!.previous = -1
        slots[slot]!.next = head
        if head >= 0 { slots[head]!.previous = slot }
        head = slot
        if tail < 0 { tail = slot }
    }

    private mutating func unlink(_ slot: Int) {
        let previous = slots[slot]!.previous, next = slots[slot]!.next
        if previous >= 0 { slots[previous]!.next = next } else { head = next }
        if next >= 0 { slots[next]!.previous = previous } else { tail = previous }
    }

    private mutating func remove(_ slot: Int) -> (key: Key, value: Value) {
        unlink(slot)
        let removed = slots[slot]!
        slots[slot] = nil
        free.append(slot)
        index[removed.key] = nil
        return (removed.key, removed.value)
    }
}

extension BoundedMap: Sendable where Key: Sendable, Value: Sendable {}
extension BoundedMap.Slot: Sendable where Key: Sendable, Value: Sendable {}
