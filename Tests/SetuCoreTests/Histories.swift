import SetuCore

/// Reachable record states for property tests: a "program" of random
/// integers is played as writes, deletes, counter adjustments and merges by
/// four nodes on one record. Merge laws only need to hold for states real
/// replicas can reach, so tests draw their states from here rather than
/// building arbitrary ones.
struct History {
    static let nodes: [NodeID] = ["hub", "office-a", "office-b", "office-c"]
    static let fields = ["name", "fee"]

    private(set) var states: [RecordState]
    private var clocks: [HybridClock]
    private var wallClocks: [UInt64]
    /// Every state any node held, in order.
    private(set) var pool: [RecordState] = [RecordState()]

    /// Siblings kept per field; the default is never reached by four nodes.
    let cap: Int

    init(program: [UInt64], cap: Int = RecordState.defaultSiblingCap) {
        self.cap = cap
        states = Array(repeating: RecordState(), count: History.nodes.count)
        clocks = Array(repeating: HybridClock(), count: History.nodes.count)
        wallClocks = [1_000, 1_000, 5_000, 500]
        for word in program { step(word) }
    }

    private mutating func step(_ word: UInt64) {
        let node = Int(word % 4)
        let other = Int((word >> 2) % 4)
        // Wall clocks drift and sometimes run backwards (a reset BIOS clock).
        wallClocks[node] = (word >> 60) == 0 ? wallClocks[node] / 2 : wallClocks[node] + (word >> 8) % 7
        switch (word >> 4) % 5 {
        case 0, 1:
            let field = History.fields[Int((word >> 7) % 2)]
            write(node, [field: .text("v\((word >> 16) % 3)")])
        case 2:
            let delta = Int64((word >> 16) % 9) - 4
            write(node, [:], counter: delta)
        case 3:
            write(node, [:], deleting: true)
        default:
            states[node] = states[node].merged(with: states[other], siblingCap: cap)
            for time in states[other].vector.entries.values {
                _ = try? clocks[node].observe(time, nowMillis: wallClocks[node], policy: .clamp)
            }
        }
        pool.append(states[node])
    }

    private mutating func write(_ node: Int, _ values: [String: FieldValue], counter: Int64 = 0, deleting: Bool = false) {
        let dot = Dot(node: History.nodes[node], time: clocks[node].tick(nowMillis: wallClocks[node]))
        states[node].write(values, counterDeltas: counter == 0 ? [:] : ["stock": counter], deleting: deleting, dot: dot, siblingCap: cap)
    }
}
