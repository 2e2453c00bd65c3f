import PropertyBased
import SetuCore
@testable import SetuProtocol
import Testing

/// setud reads pull pages straight from their bytes (`PullPageReader`)
/// and leaves anything unusual to the JSON tree (`PullResponse(json:)`):
/// whatever the reader accepts must be exactly what the tree reads, and
/// whatever the tree refuses the reader must refuse too.
@Suite struct PullPageReaderTests {
    /// A page as hubs write it, from seeds: records of every shape, some purge notices.
    static func page(_ seeds: [UInt64]) -> (bytes: [UInt8], page: PullResponse) {
        var writer = PullPageWriter()
        var records: [ReplicatedRecord] = [], purged: [PurgedRecord] = []
        for (i, chunk) in stride(from: 0, to: seeds.count, by: 24).map({ Array(seeds[$0..<min($0 + 24, seeds.count)]) }).enumerated() {
            let record = ReplicatedRecord(collection: ["services", "requests", "products"][i % 3], id: "r-\(i)-\(chunk.first ?? 0)",
                                          state: PullPageWriterTests.state(chunk))
            let notice = (chunk.first ?? 0) % 7 == 0 ? PurgedRecord(collection: record.collection, id: record.id, vector: record.state.vector) : nil
            _ = try! writer.prepare(collection: record.collection, id: record.id, state: StateCodec.encode(record.state), purged: notice)
            writer.commit()
            records.append(record)
            if let notice { purged.append(notice) }
        }
        let more = (seeds.last ?? 0) % 2 == 0
        return (writer.body(cursor: "\(seeds.count).3", more: more), PullResponse(records: records, purged: purged, cursor: "\(seeds.count).3", more: more))
    }

    @Test func readsEveryPageHubsWriteAsTheTreeDoes() async {
        await propertyCheck(count: 300, input: Gen.uint64().array(of: 0...200)) { (seeds: [UInt64]) throws in
            // Compared with the tree's reading, not with the states written:
            // the generator draws counter totals past Int64, which JSON clamps
            // (real totals stay within PNCounter.maxTotal).
            let (bytes, written) = Self.page(seeds)
            let tree = try PullResponse(json: JSONParser.parse(bytes))
            #expect(PullPageReader.read(bytes) == tree)
            #expect(tree.records.map(\.id) == written.records.map(\.id))
        }
    }

    /// Bytes changed, dropped or inserted anywhere: the reader gives up, or
    /// reads what the tree reads; it never accepts what the tree refuses.
    @Test func acceptsNothingTheTreeRefuses() async {
        let edits = Gen.uint64().array(of: 1...4)
        await propertyCheck(count: 1_500, input: Gen.uint64().array(of: 1...60), edits) { (seeds: [UInt64], edits: [UInt64]) throws in
            var bytes = Self.page(seeds).bytes
            Self.damage(&bytes, edits) { Self.alphabet[Int($0 % UInt64(Self.alphabet.count))] }
            let tree = try? PullResponse(json: JSONParser.parse(bytes))
            if let read = PullPageReader.read(bytes) { #expect(read == tree) }
            #expect((try? PullResponse.decode(bytes)) == tree)
        }
    }

    /// Bytes that make JSON's structure and Setu's checks go wrong in small ways.
    /// Each edit changes, drops or inserts one byte (`byte` draws it from
    /// the edit's top half) at a place the edit chooses.
    static func damage(_ bytes: inout [UInt8], _ edits: [UInt64], byte: (UInt64) -> UInt8) {
        for edit in edits where !bytes.isEmpty {
            let at = Int(edit % UInt64(bytes.count))
            switch (edit >> 16) % 3 {
            case 0: bytes[at] = byte(edit >> 32)
            case 1: bytes.remove(at: at)
            default: bytes.insert(byte(edit >> 32), at: at)
            }
        }
    }

    static let alphabet: [UInt8] = Array(#"{}[],:" \-0123456789.eE"#.utf8) + [0x00, 0x0A, 0xC3, 0xE0, 0xA6, 0xFF] + Array("nulltruefalse".utf8)

    /// Valid pages in other spellings are the tree's to read, not refused.
    @Test func leavesOtherSpellingsToTheTree() throws {
        let sibling = #"[["office-a", 1800000000000, 1, 5.0]]"#
        let pages = [
            #"{"records": [{"collection": "services", "id": "s1", "vector": [["office-a", 1800000000000, 1]], "fields": {"fee": \#(sibling)}, "counters": {}}], "cursor": "1", "more": false}"#,
            #"{"more": false, "cursor": "1", "records": [], "note": "a newer hub's member"}"#,
            #"{"records": [{"counters": {}, "fields": {"open": [["office-b", 1800000000000, 1, true], ["office-a", 1800000000000, 1, false]], "fee": [["office-a", 1800000000000, 1, "\u09EB\u09E6"]]}, "vector": [["office-a", 1800000000000, 1], ["office-b", 1800000000000, 1]], "id": "s\"1", "collection": "services"}], "cursor": "2", "more": true}"#,
        ]
        for text in pages {
            let bytes = Array(text.utf8)
            let tree = try PullResponse(json: JSONParser.parse(bytes))
            #expect(PullPageReader.read(bytes) == nil || PullPageReader.read(bytes) == tree)
            #expect(try PullResponse.decode(bytes) == tree)
        }
    }

    /// A bad page is refused with the tree's message, which names the place.
    @Test func aBadPageIsRefusedWithTheTreesMessage() {
        let bytes = Array(#"{"records": [{"collection": "services", "id": "s1", "vector": [["office-a", 12, 1]], "fields": {}, "counters": {}}], "cursor": "1", "more": false}"#.utf8)
        #expect(PullPageReader.read(bytes) == nil)
        #expect { try PullResponse.decode(bytes) } throws: { error in
            "\(error)".contains("records[0].vector[0][1]") && "\(error)".contains("before 2025-01-01")
        }
    }
}
