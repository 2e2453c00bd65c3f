import PropertyBased
import SetuCore
@testable import SetuProtocol
import Testing

/// The states page (`StatesPage`): the hub's stored bytes as they are,
/// which setud reads instead of JSON. It must carry exactly the states
/// written, and a page that is cut short, damaged or not canonical must be
/// refused whole: it skips every check the JSON reader made on its way.
@Suite struct StatesPageTests {
    /// The same records and notices written as a states page and as JSON.
    /// Stored in the current format, as a hub holds them; the page in
    /// `format` (format 1 for an older setud).
    static func pages(_ seeds: [UInt64], format: StateFormat = .current) -> (states: [UInt8], json: [UInt8], page: PullResponse) {
        var states = PullPageWriter(format: .states(format)), json = PullPageWriter(format: .json)
        var records: [ReplicatedRecord] = [], purged: [PurgedRecord] = []
        for (i, chunk) in stride(from: 0, to: seeds.count, by: 24).map({ Array(seeds[$0..<min($0 + 24, seeds.count)]) }).enumerated() {
            let record = ReplicatedRecord(collection: ["services", "requests", "products"][i % 3], id: "r-\(i)-জ-\(chunk.first ?? 0)",
                                          state: PullPageWriterTests.state(chunk))
            let notice = (chunk.first ?? 0) % 7 == 0 ? PurgedRecord(collection: record.collection, id: record.id, vector: record.state.vector) : nil
            let onlyNotice = (chunk.first ?? 0) % 11 == 0
            for j in 0..<2 {
                let bytes = onlyNotice ? nil : StateCodec.encode(record.state)
                if j == 0 { _ = try! states.prepare(collection: record.collection, id: record.id, state: bytes, purged: notice); states.commit() }
                else { _ = try! json.prepare(collection: record.collection, id: record.id, state: bytes, purged: notice); json.commit() }
            }
            if !onlyNotice { records.append(record) }
            if let notice { purged.append(notice) }
        }
        let more = (seeds.last ?? 0) % 2 == 0
        let cursor = "\(seeds.count).3"
        return (states.body(cursor: cursor, more: more), json.body(cursor: cursor, more: more),
                PullResponse(records: records, purged: purged, cursor: cursor, more: more))
    }

    /// Read back, a states page is the records written, byte for byte in
    /// their Bengali text and counters, and the JSON page of the same rows
    /// names the same records in the same order with the same cursor.
    @Test(arguments: StateFormat.allCases) func carriesExactlyTheStatesWritten(format: StateFormat) async {
        await propertyCheck(count: 300, input: Gen.uint64().array(of: 0...200)) { (seeds: [UInt64]) throws in
            let (states, json, written) = Self.pages(seeds, format: format)
            #expect(states[StatesPage.magic.count] == format.rawValue)
            let read = try PullPageFormat.decode(states, contentType: StatesPage.mediaType)
            #expect(read == written)
            let tree = try PullPageFormat.decode(json, contentType: "application/json; charset=utf-8")
            #expect(tree.records.map(\.id) == read.records.map(\.id))
            #expect(tree.purged == read.purged && tree.cursor == read.cursor && tree.more == read.more)
            #expect(states.count < json.count || written.records.isEmpty, "the states page is the smaller")
        }
    }

    /// Cut anywhere, the page is refused: a short read never passes for a
    /// page with fewer records.
    @Test func refusesAPageCutShortAnywhere() throws {
        let (states, _, _) = Self.pages((0..<120).map { UInt64($0) &* 0x9E37_79B9_7F4A_7C15 })
        for length in 0..<states.count {
            #expect(throws: WireError.self, "cut at \(length) of \(states.count)") { try StatesPage.decode(Array(states.prefix(length))) }
        }
    }

    /// Bytes changed, dropped or inserted anywhere: the page is refused, or
    /// what it reads is a page whose every state is in canonical form and
    /// within the time bound (a damaged state never passes as another).
    @Test func readsDamagedPagesOnlyAsCanonicalStates() async {
        let edits = Gen.uint64().array(of: 1...4)
        await propertyCheck(count: 1_500, input: Gen.uint64().array(of: 1...60), edits) { (seeds: [UInt64], edits: [UInt64]) throws in
            var bytes = Self.pages(seeds).states
            PullPageReaderTests.damage(&bytes, edits) { UInt8(truncatingIfNeeded: $0) }
            guard let read = try? StatesPage.decode(bytes) else { return }
            var writer = PullPageWriter(format: .states(.current))
            for record in read.records {
                _ = try writer.prepare(collection: record.collection, id: record.id, state: StateCodec.encode(record.state), purged: nil)
                writer.commit()
                #expect(record.state.vector.entries.values.allSatisfy { $0.physicalMillis >= HLCTimestamp.earliestMillis })
            }
            let again = try StatesPage.decode(writer.body(cursor: read.cursor, more: read.more))
            #expect(again.records == read.records)
        }
    }

    /// A state's bytes other than its canonical ones (vector entries out of
    /// order: the decoder alone would take them), a write before 2025, a
    /// page from an unknown version, bytes after the trailer, a member the
    /// trailer does not have: each refused, naming why.
    @Test func refusesWhatTheJSONReaderWouldHaveRefused() throws {
        let a: NodeID = "office-a", b: NodeID = "office-b"
        let time = HLCTimestamp(physicalMillis: 1_800_000_000_000, logical: 2)
        var state = RecordState()
        state.write(["name": .text("সেবা")], dot: Dot(node: a, time: time))
        state.write(["fee": .int(50)], dot: Dot(node: b, time: HLCTimestamp(physicalMillis: 1_800_000_000_001, logical: 0)))
        let canonical = StateCodec.encode(state)
        func page(_ state: [UInt8], format: StateFormat = .current, trailer: String = #"{"cursor":"9","more":false}"#) -> [UInt8] {
            var records: [UInt8] = []
            StatesPage.appendRecord(collection: "services", id: "s1", state: state, to: &records)
            var body = StatesPage.body(format: format, records: records, count: 1, purged: [], purgedCount: 0, cursor: "9", more: false)
            body.removeLast(#"{"cursor":"9","more":false}"#.utf8.count)
            return body + Array(trailer.utf8)
        }
        #expect(try StatesPage.decode(page(canonical)).records == [ReplicatedRecord(collection: "services", id: "s1", state: state)])

        // Format 1: node table (a, b), vector: two entries of (node index,
        // time): swap them. (Format 2's decoder itself refuses that.)
        let format1 = StateCodec.encode(state, format: .v1)
        #expect(try StatesPage.decode(page(format1, format: .v1)).records == [ReplicatedRecord(collection: "services", id: "s1", state: state)])
        var reader = ByteReader(format1)
        _ = try reader.byte()
        for _ in 0..<(try reader.count()) { _ = try reader.stringBytes() }
        let vectorStart = reader.position
        _ = try reader.count()
        let first = reader.position
        _ = try reader.varint(); _ = try reader.varint()
        let second = reader.position
        _ = try reader.varint(); _ = try reader.varint()
        let end = reader.position
        let swapped = Array(format1[..<first]) + Array(format1[second..<end]) + Array(format1[first..<second]) + Array(format1[end...])
        #expect(vectorStart < first)
        #expect(try StateCodec.decode(swapped) == state, "the decoder alone takes the swapped vector")
        #expect { try StatesPage.decode(page(swapped, format: .v1)) } throws: { ($0 as? WireError)?.description.contains("canonical") == true }
        #expect { try StatesPage.decode(page(canonical, format: .v1)) } throws: { ($0 as? WireError)?.description.contains("canonical") == true }
        #expect(throws: WireError.self, "a format 1 state in a format 2 page") { try StatesPage.decode(page(format1, format: .v2)) }

        var early = RecordState()
        early.write(["name": .text("x")], dot: Dot(node: a, time: HLCTimestamp(physicalMillis: HLCTimestamp.earliestMillis - 1)))
        #expect { try StatesPage.decode(page(StateCodec.encode(early))) } throws: { ($0 as? WireError)?.description.contains("before 2025") == true }

        var future = page(canonical)
        future[StatesPage.magic.count] = 3
        #expect { try StatesPage.decode(future) } throws: { ($0 as? WireError)?.description.contains("version 3") == true }
        #expect(throws: WireError.self) { try StatesPage.decode(Array("{\"records\":[]".utf8)) }
        #expect(throws: WireError.self) { try StatesPage.decode(page(canonical) + [0]) }
        #expect(throws: WireError.self) { try StatesPage.decode(page(canonical, trailer: #"{"cursor":"9","more":false,"extra":1}"#)) }
        #expect(throws: WireError.self) { try StatesPage.decode(page(canonical, trailer: #"{"cursor":9,"more":false}"#)) }
    }

    /// What a pull's `Accept` asks for, and what an answer's `Content-Type` is read as.
    @Test func pagesAreAskedForAndReadByMediaType() throws {
        #expect(PullPageFormat(accept: nil) == .json)
        #expect(PullPageFormat(accept: "*/*") == .json)
        #expect(PullPageFormat(accept: "application/json") == .json)
        #expect(PullPageFormat(accept: "application/vnd.setu.states, application/json;q=0.5") == .states(.v1), "an older setud reads format 1 only")
        #expect(PullPageFormat(accept: "application/json;q=0.5,  Application/Vnd.Setu.States ;q=1") == .states(.v1))
        #expect(PullPageFormat(accept: "application/vnd.setu.states; version=2") == .states(.v2))
        #expect(PullPageFormat(accept: PullPageFormat.acceptStates) == .states(.current))
        #expect(PullPageFormat(accept: "application/vnd.setu.states;q=0.9; VERSION = 2 , application/json") == .states(.v2))
        #expect(PullPageFormat(accept: "application/vnd.setu.states; version=9") == .states(.v1), "a format not known here: the oldest")
        let (states, json, written) = Self.pages([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25])
        #expect(try PullPageFormat.decode(states, contentType: "application/vnd.setu.states") == written)
        #expect(try PullPageFormat.decode(json, contentType: nil).records.map(\.id) == written.records.map(\.id))
        #expect(throws: WireError.self) { try PullPageFormat.decode(states, contentType: "application/json") }
    }
}
