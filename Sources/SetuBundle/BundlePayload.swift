import SetuCore

/// The body of a bundle before compression: whole record states in their
/// canonical bytes (`StateCodec`, the replica's own form, so nothing is
/// re-encoded field by field), and for answers the records the hub refused.
///
///     entry = 0x01 str(collection) str(id) bytes(state)
///           | 0x02 str(collection) str(id) str(reason)
///     str, bytes = varint length, then the bytes
public struct BundlePayload: Hashable, Sendable {
    public var records: [ReplicatedRecord]
    public var rejections: [Rejection]

    public init(records: [ReplicatedRecord] = [], rejections: [Rejection] = []) {
        self.records = records
        self.rejections = rejections
    }

    func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(records.count * 400 + 64)
        for record in records {
            out.append(1)
            out.appendBytes(Array(record.collection.utf8))
            out.appendBytes(Array(record.id.utf8))
            out.appendBytes(StateCodec.encode(record.state))
        }
        for rejection in rejections {
            out.append(2)
            out.appendBytes(Array(rejection.collection.utf8))
            out.appendBytes(Array(rejection.id.utf8))
            out.appendBytes(Array(rejection.reason.utf8))
        }
        return out
    }

    /// Reads what `encoded` wrote. Runs only on a payload whose signature
    /// held, but checks every length all the same.
    init(decoding bytes: [UInt8]) throws(BundleRefusal) {
        var position = 0
        func fail(_ what: String) -> BundleRefusal { BundleRefusal(.damaged, "the payload cannot be read (\(what)); the maker's Setu is broken") }
        func varint() throws(BundleRefusal) -> Int {
            var result = 0
            var shift = 0
            while true {
                guard position < bytes.count, shift < 63 else { throw fail("length") }
                let b = bytes[position]
                position += 1
                result |= Int(b & 0x7F) << shift
                if b & 0x80 == 0 { return result }
                shift += 7
            }
        }
        func chunk() throws(BundleRefusal) -> ArraySlice<UInt8> {
            let n = try varint()
            guard n <= bytes.count - position else { throw fail("length past the end") }
            defer { position += n }
            return bytes[position..<(position + n)]
        }
        func text() throws(BundleRefusal) -> String {
            guard let s = String(validating: try chunk(), as: UTF8.self) else { throw fail("invalid UTF-8") }
            return s
        }
        var records: [ReplicatedRecord] = []
        var rejections: [Rejection] = []
        while position < bytes.count {
            let tag = bytes[position]
            position += 1
            switch tag {
            case 1:
                let collection = try text(), id = try text()
                let stateBytes = try chunk()
                let state: RecordState
                do { state = try StateCodec.decode(stateBytes) } catch { throw fail("\(collection)/\(id): \(error)") }
                records.append(ReplicatedRecord(collection: collection, id: id, state: state))
            case 2:
                rejections.append(Rejection(collection: try text(), id: try text(), reason: try text()))
            default:
                throw fail("unknown entry \(tag)")
            }
        }
        self.records = records
        self.rejections = rejections
    }
}

extension [UInt8] {
    mutating func appendBytes(_ bytes: [UInt8]) {
        var n = UInt64(bytes.count)
        while n >= 0x80 {
            append(UInt8(n & 0x7F) | 0x80)
            n >>= 7
        }
        append(UInt8(n))
        append(contentsOf: bytes)
    }
}
