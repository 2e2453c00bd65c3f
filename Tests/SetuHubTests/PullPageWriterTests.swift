import PropertyBased
import SetuCore
import SetuHub
import SetuProtocol
import Testing

/// The hub writes pull pages from stored bytes (`RecordWireWriter`,
/// `PullPageWriter`) instead of through `JSONValue`: the bytes must be the
/// very ones the typed model writes, or offices on either side of the
/// change would see different JSON for equal states.
@Suite struct PullPageWriterTests {
    static let nodes: [NodeID] = ["office-a", "office-b", "district-khulna", "hub", "n9"]
    static let texts = ["", "জন্ম নিবন্ধন সনদ — ফি ৫০ টাকা", "quote \" back\\slash", "line\nbreak\ttab\r", "\u{01}ctl", "ই-সেবা"]

    /// A state drawn from `seeds`: fields with several siblings of every
    /// value kind, counters, a vector of up to five nodes.
    static func state(_ seeds: [UInt64]) -> RecordState {
        var next = seeds.makeIterator()
        func draw(_ bound: Int) -> Int { Int((next.next() ?? 7) % UInt64(bound)) }
        func time() -> HLCTimestamp {
            HLCTimestamp(physicalMillis: HLCTimestamp.earliestMillis + UInt64(draw(1 << 40)), logical: UInt64(draw(70_000) % 65_536))
        }
        var vector: [NodeID: HLCTimestamp] = [:]
        for node in nodes where draw(3) > 0 { vector[node] = time() }
        var fields: [String: [Sibling]] = [:]
        for name in ["name", "fee", "_deleted", "open", "নাম", "weight_grams"] where draw(3) > 0 {
            var siblings: [Dot: Sibling] = [:]
            for _ in 0...draw(3) {
                let dot = Dot(node: nodes[draw(nodes.count)], time: time())
                let values: [FieldValue] = [.null, .bool(draw(2) == 0), .int(Int64(draw(1 << 30)) - (1 << 29)), .int(.min), .int(.max),
                                            .text(texts[draw(texts.count)])]
                siblings[dot] = Sibling(dot: dot, value: values[draw(values.count)])
            }
            fields[name] = Array(siblings.values)
        }
        var counters: [String: PNCounter] = [:]
        for name in ["stock", "sold"] where draw(2) > 0 {
            var totals: [NodeID: PNCounter.Totals] = [:]
            for node in nodes where draw(2) > 0 {
                totals[node] = .init(increments: UInt64(draw(1_000)), decrements: draw(4) == 0 ? UInt64.max : UInt64(draw(1_000)))
            }
            counters[name] = PNCounter(totals)
        }
        return RecordState(vector: VersionVector(vector), fields: fields, counters: counters)
    }

    @Test func writesARecordAsTheTypedModelDoes() async {
        await propertyCheck(count: 300, input: Gen.uint64().array(of: 1...120)) { (seeds: [UInt64]) throws in
            let record = ReplicatedRecord(collection: "services", id: "s-\(seeds.count)", state: Self.state(seeds))
            for format in StateFormat.allCases {
                var out: [UInt8] = []
                try RecordWireWriter.append(collection: record.collection, id: record.id, state: StateCodec.encode(record.state, format: format), to: &out)
                #expect(out == JSONWriter.write(record.json), "format \(format)")
            }
        }
    }

    @Test func writesAPageAsTheTypedModelDoes() throws {
        var records: [ReplicatedRecord] = []
        var purged: [PurgedRecord] = []
        var writer = PullPageWriter()
        for i in 0..<20 {
            let record = ReplicatedRecord(collection: i % 2 == 0 ? "services" : "requests", id: "r\(i)", state: Self.state((0..<60).map { UInt64($0 * 7919 + i * 104_729) }))
            let notice = i % 3 == 0 ? PurgedRecord(collection: record.collection, id: record.id, vector: record.state.vector) : nil
            let length = try writer.prepare(collection: record.collection, id: record.id, state: i % 5 == 4 ? nil : StateCodec.encode(record.state), purged: notice)
            #expect(length > 0 || (i % 5 == 4 && notice == nil))
            writer.commit()
            if i % 5 != 4 { records.append(record) }
            if let notice { purged.append(notice) }
        }
        for more in [true, false] {
            let expected = PullResponse(records: records, purged: purged, cursor: "42.7", more: more)
            #expect(writer.body(cursor: "42.7", more: more) == JSONWriter.write(expected.json))
        }
        #expect(PullPageWriter().body(cursor: "0", more: false) == JSONWriter.write(PullResponse(records: [], cursor: "0", more: false).json))
    }

    @Test(arguments: StateFormat.allCases) func refusesDamagedStateBytes(format: StateFormat) {
        var good = StateCodec.encode(Self.state([1, 2, 3, 4, 5, 6, 7, 8, 9]), format: format)
        var out: [UInt8] = []
        #expect(throws: StateCodecError.self) { try RecordWireWriter.append(collection: "services", id: "s", state: [9, 0, 0, 0, 0], to: &out) }
        #expect(throws: StateCodecError.self) { try RecordWireWriter.append(collection: "services", id: "s", state: Array(good.dropLast()), to: &out) }
        good.append(0)
        #expect(throws: StateCodecError.self) { try RecordWireWriter.append(collection: "services", id: "s", state: good, to: &out) }
    }
}
