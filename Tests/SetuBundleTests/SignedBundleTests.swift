import Foundation
import SetuBundle
import SetuCore
import Testing

/// The bundle format alone: what it carries comes back exactly, and every
/// kind of damage or forgery is refused with its own reason.
@Suite struct SignedBundleTests {
    static let office = SigningKey()
    static let hub = SigningKey()

    static func records(_ count: Int) -> [ReplicatedRecord] {
        (0..<count).map { i in
            var state = RecordState()
            state.write(["office": .text("upazila:rupsha"), "name": .text("সেবা \(i)"), "serial": .int(Int64(i))],
                        dot: Dot(node: "rupsha-uz", time: HLCTimestamp(physicalMillis: 1_800_000_000_000 + UInt64(i), logical: 0)))
            return ReplicatedRecord(collection: "services", id: "s\(i)", state: state)
        }
    }

    static func sealed(_ count: Int = 20, seq: Int64 = 1) throws -> [UInt8] {
        let header = BundleHeader(kind: .office, node: "rupsha-uz", hubKey: hub.publicKey, seq: seq, createdMillis: 1_800_000_000_000,
                                  records: count, held: 7, through: 42)
        return try SignedBundle.seal(header, BundlePayload(records: records(count)), key: office)
    }

    @Test func whatIsSealedOpensExactly() throws {
        let bundle = try SignedBundle.open(try Self.sealed(), signedBy: Self.office.publicKey)
        #expect(bundle.payload.records == Self.records(20), "states byte-exact, Bengali included")
        #expect(Array(bundle.payload.lazyRecords) == Self.records(20))
        #expect(bundle.header.node == "rupsha-uz")
        #expect(bundle.header.held == 7)
        #expect(bundle.header.through == 42)
        #expect(bundle.header.hubKey == Self.hub.publicKey)
    }

    @Test func eachKindOfDamageIsRefusedWithItsReason() throws {
        let bytes = try Self.sealed()
        func reason(_ damaged: [UInt8], key: PublicSigningKey = Self.office.publicKey) -> BundleRefusal.Reason? {
            do { _ = try SignedBundle.open(damaged, signedBy: key); return nil } catch { return error.reason }
        }
        #expect(reason(Array(bytes.prefix(bytes.count / 2))) == .truncated)
        #expect(reason(Array(bytes.dropLast())) == .truncated)
        var signature = bytes
        signature[signature.count - 1] ^= 1
        #expect(reason(signature) == .tampered)
        var payload = bytes
        payload[payload.count - 80] ^= 1
        #expect(reason(payload) == .damaged, "a flipped bit in the payload fails its checksum")
        #expect(reason(bytes + [0]) == .tampered)
        #expect(reason(bytes, key: Self.hub.publicKey) == .tampered, "another key's signature")
        #expect(reason(Array("hello".utf8)) == .notABundle)
        // A header changed to claim more records, its checksum kept: the signature fails.
        let needle = Array("\"held\":7".utf8)
        let at = try #require((0...(bytes.count - needle.count)).first { Array(bytes[$0..<($0 + needle.count)]) == needle })
        var forged = bytes
        forged[at + needle.count - 1] = UInt8(ascii: "9")
        #expect(reason(forged) == .tampered)
    }

    @Test func volumesJoinAndAMissingOneIsNamed() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("setu-volumes-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bytes = try Self.sealed(3_000)
        let path = dir.appendingPathComponent("rupsha.setu").path
        let files = try VolumeSet.write(bytes, to: path, volumeBytes: 8 << 10)
        try #require(files.count > 1, "\(bytes.count) bytes")
        #expect(files[0].hasSuffix(".001"))
        #expect(try VolumeSet.read(path) == bytes)
        #expect(try VolumeSet.read(files[0]) == bytes)
        try FileManager.default.removeItem(atPath: files[1])
        #expect { try VolumeSet.read(path) } throws: { ($0 as? BundleRefusal)?.reason == .missingVolume }
        // A volume header that names an impossible place is refused, not trusted.
        var first = try Array(Data(contentsOf: URL(fileURLWithPath: files[0])))
        first[12 + 32 + 2] = 0
        first[12 + 32 + 3] = 0
        try Data(first).write(to: URL(fileURLWithPath: files[0]))
        #expect { try VolumeSet.read(files[0]) } throws: { ($0 as? BundleRefusal)?.reason == .damaged }
        // A small bundle stays one file.
        let single = dir.appendingPathComponent("small.setu").path
        #expect(try VolumeSet.write(try Self.sealed(2), to: single, volumeBytes: 64 << 10) == [single])
    }

    @Test func keysAreMadeOnceWithMode0600AndAReadableKeyIsRefused() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("setu-key-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let made = try SigningKey.loadOrCreate(at: path)
        #expect(try SigningKey.loadOrCreate(at: path).publicKey == made.publicKey)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(PublicSigningKey(made.publicKey.description) == made.publicKey)
        chmod(path, 0o644)
        #expect(throws: SigningKeyError.self) { try SigningKey.load(at: path) }
    }

    @Test func sizesAreReadAsOperatorsWriteThem() {
        #expect(ByteSize.parse("20M") == 20 << 20)
        #expect(ByteSize.parse("512k") == 512 << 10)
        #expect(ByteSize.parse("1G") == 1 << 30)
        #expect(ByteSize.parse("10K") == nil, "below 64K")
        #expect(ByteSize.parse("lots") == nil)
    }
}
