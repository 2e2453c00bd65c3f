import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import SetuCore
@testable import SetuHub
@testable import SetuProtocol
import SetuStore
import SetuSync
import SetuTransport
import Logging
import Testing

/// State format 2 at the hub, on both backends: stored states are
/// re-encoded by the upgrade at the same feed positions, and a pull is
/// answered in the format the office reads.
@Suite struct StateFormatHubTests {
    /// The hub's states as (seq, bytes).
    static func stored(_ storage: any HubStorage) async throws -> [Int64: [UInt8]] {
        var out: [Int64: [UInt8]] = [:]
        var after: Int64 = 0
        while true {
            let rows = try await storage.feed(offices: ["upazila:rupsha"], after: after, limit: 1_000)
            for row in rows { out[row.seq] = row.encodedState }
            guard let last = rows.last else { return out }
            after = last.seq
        }
    }

    /// Rewrites every stored state in format 1 and forgets the upgrade, as
    /// a hub of the release before format 2 left its database.
    static func downgrade(_ storage: any HubStorage) async throws {
        switch storage {
        case let sqlite as SQLiteHubStorage:
            try await sqlite.pool.write { db in
                for row in try Row.fetchAll(db, sql: "SELECT seq, state FROM hub_records") {
                    let format1 = StateCodec.encode(try StateCodec.decode(Array(row["state"] as Data)), format: .v1)
                    try db.execute(sql: "UPDATE hub_records SET state = ? WHERE seq = ?", arguments: [Data(format1), row["seq"] as Int64])
                }
                try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v6-state-format-2'")
            }
        case let postgres as PostgresHubStorage:
            let rows = try await postgres.client.query("SELECT seq, state FROM hub_records", logger: postgres.logger)
            var format1: [(Int64, ByteBuffer)] = []
            for try await (seq, state) in rows.decode((Int64, ByteBuffer).self) {
                format1.append((seq, ByteBuffer(bytes: StateCodec.encode(try StateCodec.decode(Array(state.readableBytesView)), format: .v1))))
            }
            for (seq, state) in format1 {
                try await postgres.client.query("UPDATE hub_records SET state = \(state) WHERE seq = \(seq)", logger: postgres.logger)
            }
            try await postgres.client.query("DELETE FROM hub_schema WHERE version = 7", logger: postgres.logger)
        default:
            Issue.record("unknown storage")
        }
    }

    /// More records than one batch of the upgrade, one of them deleted and
    /// one a conflict: after the upgrade every state is in format 2, the
    /// same state at the same feed position, and offices pull them.
    @Test(arguments: Backend.allCases)
    func theUpgradeStoresEveryStateInFormat2(_ backend: Backend) async throws {
        try await HubHarness.with(backend) { hub in
            let offices = try OfficeReplicas()
            defer { withExtendedLifetime(offices) {} }
            let writer = try offices.replica("office-a")
            let token = try await hub.addNode("office-a", offices: ["upazila:rupsha"])
            let reader = try offices.replica("office-b")
            let readerToken = try await hub.addNode("office-b", offices: ["upazila:rupsha"])
            let count = StateFormatMigration.batch + 150
            for i in 0..<count { try writer.put("services", id: "s\(i)", Records.service(serial: Int64(i + 1), name: "সেবা \(i)")) }
            try writer.delete("services", id: "s7")
            try await Application(router: hub.router).test(.router) { client in
                var after: Int64 = 0
                while true {
                    let page = try writer.feed(after: after, limit: 500, for: "hub")
                    guard !page.entries.isEmpty else { break }
                    let body = PushRequest(records: page.entries.map(\.record))
                    #expect(try await client.send(.post, "/v1/push", token: token, json: body.json).status == .ok)
                    after = page.lastSeq
                }
            }
            let before = try await Self.stored(hub.storage)
            #expect(before.count == count && before.values.allSatisfy { $0.first == 2 })
            try await Self.downgrade(hub.storage)
            #expect(try await Self.stored(hub.storage).values.allSatisfy { $0.first == 1 })

            try await hub.storage.migrate()
            #expect(try await Self.stored(hub.storage) == before, "every state re-encoded, byte for byte what format 2 is, at its feed position")
            try await Application(router: hub.router).test(.router) { client in
                let engine = SyncEngine(replica: reader, client: HubClient(transport: RouterTransport(client: client), token: readerToken),
                                        logger: Logger(label: "format-2"))
                _ = try await engine.syncOnce()
            }
            #expect(try reader.stateDump() == writer.stateDump())
        }
    }

    /// An office that asks for format 2 gets the stored bytes; one of the
    /// release before (it names the states page without `version=2`) gets
    /// format 1, read as the same records.
    @Test(arguments: Backend.allCases)
    func aPullIsAnsweredInTheFormatTheOfficeReads(_ backend: Backend) async throws {
        try await HubHarness.with(backend) { hub in
            let offices = try OfficeReplicas()
            defer { withExtendedLifetime(offices) {} }
            let writer = try offices.replica("office-a")
            let token = try await hub.addNode("office-a", offices: ["upazila:rupsha"])
            let readerToken = try await hub.addNode("office-b", offices: ["upazila:rupsha"])
            for i in 0..<30 { try writer.put("services", id: "s\(i)", Records.service(serial: Int64(i + 1), name: "সেবা \(i)")) }
            try await Application(router: hub.router).test(.router) { client in
                #expect(try await client.send(.post, "/v1/push", token: token, json: try Records.pushBody(writer).json).status == .ok)
                var pages: [StateFormat: PullResponse] = [:]
                for (accept, format) in [(PullPageFormat.acceptStates, StateFormat.v2), (StatesPage.mediaType, .v1)] {
                    let answer = try await client.send(.get, "/v1/pull?limit=100&cursor=0", token: readerToken, headers: [.accept: accept])
                    let body = Array(answer.body.readableBytesView)
                    #expect(body[StatesPage.magic.count] == format.rawValue, "page version for \(accept)")
                    #expect(answer.headers[.contentType] == PullPageFormat.states(format).contentType)
                    pages[format] = try PullPageFormat.decode(body, contentType: answer.headers[.contentType])
                }
                #expect(pages[.v1]?.records.count == 30)
                #expect(pages[.v1]?.records.map(\.state) == pages[.v2]?.records.map(\.state))
                #expect(pages[.v1]?.records.map(\.id) == pages[.v2]?.records.map(\.id))
            }
        }
    }
}
