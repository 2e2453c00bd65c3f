/// What formats 1 and 2 of a state write alike: the node table, the
/// vector, and the counters (but for how a counter's name is written).
extension StateCodec {
    /// The nodes a state names: the vector's, then any other a sibling or a
    /// counter names, sorted by bytes. A record names a handful of nodes: a
    /// sorted array searched linearly costs less than hashing each node id
    /// into a set and a dictionary.
    static func nodeTable(of state: RecordState) -> [NodeID] {
        var table = state.vector.sorted.map(\.node)
        let vectorNodes = table.count
        for field in state.fields {
            for s in field.siblings where !table.contains(s.dot.node) { table.append(s.dot.node) }
        }
        appendNodes(of: state.counters, to: &table)
        if table.count > vectorNodes { table.sort() }
        return table
    }

    /// Appends the nodes of `counters` that `table` lacks.
    static func appendNodes(of counters: [String: PNCounter], to table: inout [NodeID]) {
        for counter in counters.values {
            for node in counter.totals.keys where !table.contains(node) { table.append(node) }
        }
    }

    static func index(of node: NodeID, in table: [NodeID]) -> UInt64 { UInt64(table.firstIndex(of: node)!) }

    /// `nodes vector`, after the format byte; `stored`: as the replica's
    /// stored form writes them, each node by its number where it has one
    /// (`appendStoredNode`), each time by `appendStoredTime`.
    static func appendNodesAndVector(_ state: RecordState, table: [NodeID], to out: inout [UInt8], stored: NodeNumbering? = nil) {
        out.appendVarint(UInt64(table.count))
        for node in table {
            if let stored { out.appendStoredNode(node, stored) } else { out.appendString(node.rawValue) }
        }
        out.appendVarint(UInt64(state.vector.count))
        for entry in state.vector.sorted {
            out.appendVarint(index(of: entry.node, in: table))
            if stored != nil { out.appendStoredTime(entry.time) } else { out.appendVarint(entry.time.rawValue) }
        }
    }

    /// `counters`, each name written by `name`.
    static func appendCounters(_ state: RecordState, table: [NodeID], to out: inout [UInt8], name: (String, inout [UInt8]) -> Void) {
        let counterNames = state.counters.keys.sorted { $0.precedesInByteOrder($1) }
        out.appendVarint(UInt64(counterNames.count))
        for counter in counterNames {
            name(counter, &out)
            let totals = state.counters[counter]!.sortedTotals
            out.appendVarint(UInt64(totals.count))
            for entry in totals {
                out.appendVarint(index(of: entry.node, in: table))
                out.appendVarint(entry.totals.increments)
                out.appendVarint(entry.totals.decrements)
            }
        }
    }

    /// Reads `nodes vector`: the node table and the vector's entries in the
    /// order written (each format decides what an order out of place means).
    static func readNodesAndVector(_ reader: inout ByteReader, stored: NodeNumbering? = nil) throws(StateCodecError)
        -> (table: [NodeID], entries: [VersionVector.Entry]) {
        let storedTimes = stored != nil
        var table: [NodeID] = []
        for _ in 0..<(try reader.count()) {
            if let stored { table.append(try reader.storedNode(stored)) } else { table.append(try reader.nodeID()) }
        }
        var entries: [VersionVector.Entry] = []
        for _ in 0..<(try reader.count()) {
            let owner = try node(try reader.varint(), in: table)
            entries.append(VersionVector.Entry(node: owner, time: storedTimes ? try reader.storedTime() : HLCTimestamp(rawValue: try reader.varint())))
        }
        return (table, entries)
    }

    static func node(_ i: UInt64, in table: [NodeID]) throws(StateCodecError) -> NodeID {
        guard i < table.count else { throw StateCodecError("node index out of range") }
        return table[Int(i)]
    }

    /// Reads `counters`, each name read by `name`.
    /// `inNodeOrder`: each counter's entries must come in node order, one
    /// per node, as written (format 2 holds every encoding to one form).
    static func readCounters(_ reader: inout ByteReader, table: [NodeID], inNodeOrder: Bool = false,
                             name: (inout ByteReader) throws(StateCodecError) -> String) throws(StateCodecError) -> [String: PNCounter] {
        var counters: [String: PNCounter] = [:]
        for _ in 0..<(try reader.count()) {
            let counter = try name(&reader)
            var totals: [NodeID: PNCounter.Totals] = [:]
            var previous: UInt64?
            for _ in 0..<(try reader.count()) {
                let i = try reader.varint()
                if inNodeOrder {
                    guard previous.map({ $0 < i }) ?? true else { throw StateCodecError("counter \(counter): entries out of order") }
                    previous = i
                }
                totals[try node(i, in: table)] = PNCounter.Totals(increments: try reader.varint(), decrements: try reader.varint())
            }
            counters[counter] = PNCounter(totals)
        }
        return counters
    }

    /// A zigzag-coded integer, as both formats write an `int` value.
    public static func zigzag(_ value: Int64) -> UInt64 { UInt64(bitPattern: (value << 1) ^ (value >> 63)) }

    public static func unzigzag(_ z: UInt64) -> Int64 { Int64(bitPattern: (z >> 1) ^ (0 &- (z & 1))) }
}
