import SetuCore
@testable import SetuHub
import Testing

/// A pull page is the first positions past the cursor among the scope's
/// offices and the national records, whatever the scope's shape: offices
/// interleaved in the feed, a national office also named in the scope, an
/// office listed twice, an office with nothing, a scope past the size the
/// SQLite hub merges walks for. Checked page by page against the feed
/// filtered by hand.
@Suite struct FeedScopeTests {
    static let offices = (0..<70).map { "upazila:o\($0)" }
    static let national = ["all:bangladesh", "all:charter"]

    @Test(arguments: Backend.allCases)
    func everyPageIsTheFirstPositionsOfTheScope(_ backend: Backend) async throws {
        try await HubHarness.with(backend) { hub in
            // 600 records: offices in a scrambled order, a national one every 7th.
            var written: [(seq: Int64, office: String)] = []
            var word: UInt64 = 0x9E37_79B9_7F4A_7C15
            for i in 0..<600 {
                word = word &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let office = i % 7 == 3 ? Self.national[Int(word >> 60) % 2] : Self.offices[Int(word >> 33) % 12]
                written.append((try await Self.write("r\(i)", office: office, to: hub.storage), office))
            }
            let scopes: [[String]] = [
                [Self.offices[0]],
                [Self.offices[1], Self.offices[2], Self.offices[2], Self.offices[40]],
                [Self.offices[3], Self.national[0]],
                Array(Self.offices.prefix(12)),
                Self.offices,
            ]
            for scope in scopes {
                let expected = written.filter { scope.contains($0.office) || $0.office.hasPrefix("all:") }.map(\.seq).sorted()
                for limit in [1, 7, 50, 500] {
                    var cursor: Int64 = 0
                    var got: [Int64] = []
                    while true {
                        let page = try await hub.storage.feed(offices: scope, after: cursor, limit: limit).map(\.seq)
                        #expect(page == Array(expected.drop { $0 <= cursor }.prefix(limit)), "scope of \(scope.count), limit \(limit), after \(cursor)")
                        guard let last = page.last else { break }
                        got += page
                        cursor = last
                    }
                    #expect(got == expected, "scope of \(scope.count) offices, pages of \(limit)")
                }
            }
        }
    }

    /// One record written by a node of `office`; its feed position.
    static func write(_ id: String, office: String, to storage: any HubStorage) async throws -> Int64 {
        var state = RecordState()
        state.write(["office": .text(office), "name": .text("সেবা \(id)")],
                    dot: Dot(node: NodeID(rawValue: "office-a")!, time: HLCTimestamp(physicalMillis: 1_760_000_000_000, logical: 0)))
        let key = RecordKey(collection: "services", id: id)
        let written = state
        let outcome = try await storage.push(keys: [key], headIn: nil) { _ in
            [HubWrite(key: key, office: office, state: written, origin: NodeID(rawValue: "office-a")!)]
        }
        guard let seq = outcome.lastSeq else { throw HubStorageError("\(id) took no feed position") }
        return seq
    }
}
