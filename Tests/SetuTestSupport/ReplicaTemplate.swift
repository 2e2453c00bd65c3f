import Foundation
import GRDB
import SetuCore
import SetuStore

/// Fresh replica files for the convergence property tests, made once per
/// schema and node and then written out for each case (the store's and
/// the hub's convergence tests).
///
/// Why: a case opens up to five fresh replicas, thousands of times, and
/// running every migration on each (v1 makes the plain tables, v3 rebuilds
/// them, then the schema is shown) was most of a case: with this and the
/// state dump's hex written out, 100 cases of the store's convergence test
/// went from 32.5 s to 11.8 s. The file written is the one those
/// migrations made, so each case still opens a real, migrated SQLite file;
/// the migrations themselves are tested on their own (SchemaUpgradeTests).
public enum ReplicaTemplate {
    private struct Key: Hashable {
        let schema: Schema
        let node: NodeID
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var bytes: [Key: Data] = [:]

    /// Writes a fresh replica file of `node` speaking `schema` at `path`.
    public static func write(to path: String, node: NodeID, schema: Schema) throws {
        let key = Key(schema: schema, node: node)
        let template = try lock.withLock {
            if let made = bytes[key] { return made }
            let made = try make(node: node, schema: schema)
            bytes[key] = made
            return made
        }
        guard FileManager.default.createFile(atPath: path, contents: template) else {
            throw SupportError("could not write the replica file \(path)")
        }
    }

    /// Opens a replica in a directory of its own, and copies it out whole
    /// (`VACUUM INTO` from a second connection reads what the WAL holds too).
    private static func make(node: NodeID, schema: Schema) throws -> Data {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("setu-template-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("template.sqlite").path
        let replica = try Replica(path: path, node: node, options: ReplicaOptions(schema: schema))
        let copy = dir.appendingPathComponent("copy.sqlite").path
        try DatabaseQueue(path: path).inDatabase { try $0.execute(sql: "VACUUM INTO ?", arguments: [copy]) }
        withExtendedLifetime(replica) {}
        return try Data(contentsOf: URL(fileURLWithPath: copy))
    }
}
