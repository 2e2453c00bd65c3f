import CompressNIO
import Crypto
import Foundation
import NIOCore
import SetuCore
import SetuProtocol

/// A bundle file: sync carried by hand (a USB stick) where there is no
/// link. The merge is idempotent and order-free, so a bundle is just
/// another transport for the same whole record states.
///
///     "SETU-BUNDLE\n"         12 bytes
///     header length           4 bytes, big-endian
///     header                  JSON (`BundleHeader`), with the payload's
///                             length and SHA-256 (the checksum)
///     payload                 gzip of `BundlePayload`
///     signature               64 bytes, Ed25519 over everything before it
///
/// Opening checks, in order, so the refusal names the first thing wrong:
/// the magic, the length (truncated), the checksum (damaged in copying),
/// the signature (altered, or signed by another key).
public struct SignedBundle: Sendable {
    public let header: BundleHeader
    public let payload: BundlePayload

    static let magic = Array("SETU-BUNDLE\n".utf8)
    static let signatureBytes = 64
    /// What one bundle may inflate to (a 100k-record bundle is ~60 MB).
    public static let maxPayloadBytes = 1 << 30

    /// The bytes of a bundle: `header`'s payload length and checksum are
    /// filled in here.
    public static func seal(_ header: BundleHeader, _ payload: BundlePayload, key: SigningKey) throws -> [UInt8] {
        var plain = ByteBuffer(bytes: payload.encoded())
        let compressed = try plain.compress(with: .gzip, configuration: ZlibConfiguration(compressionLevel: .defaultCompressionLevel))
        let body = Array(compressed.readableBytesView)
        var header = header
        header.records = payload.entries.count
        header.payloadBytes = body.count
        header.payloadSHA256 = SHA256.hash(data: body).hex
        let headerBytes = JSONWriter.write(header.json)
        var out = magic
        out.reserveCapacity(magic.count + 4 + headerBytes.count + body.count + signatureBytes)
        withUnsafeBytes(of: UInt32(headerBytes.count).bigEndian) { out.append(contentsOf: $0) }
        out += headerBytes
        out += body
        out += try key.signature(for: out)
        return out
    }

    /// Reads the header alone, unverified: enough to know whose key to
    /// check the signature with. Never act on it before `open`.
    public static func peek(_ bytes: [UInt8]) throws(BundleRefusal) -> BundleHeader {
        try layout(bytes).header
    }

    /// Verifies the bundle with the key of the node (or hub) that must have
    /// signed it, then decodes its payload.
    public static func open(_ bytes: [UInt8], signedBy key: PublicSigningKey) throws(BundleRefusal) -> SignedBundle {
        let parts = try layout(bytes)
        let body = bytes[parts.payload]
        guard SHA256.hash(data: body).hex == parts.header.payloadSHA256 else {
            throw BundleRefusal(.damaged, "the payload's checksum does not match (damaged in copying?); copy the bundle again from where it was made")
        }
        let signed = bytes[..<parts.payload.upperBound]
        guard key.isValidSignature(Array(bytes[parts.payload.upperBound...]), for: signed) else {
            throw BundleRefusal(.tampered, "the signature does not match \(parts.header.kind == .office ? "node \(parts.header.node)" : "the hub")'s key "
                + "(\(key)): the bundle was altered after it was signed, or signed with another key; nothing was applied")
        }
        var compressed = ByteBuffer(bytes: body)
        let plain: ByteBuffer
        do { plain = try compressed.decompress(with: .gzip(), maxSize: maxPayloadBytes) } catch {
            throw BundleRefusal(.damaged, "the payload does not inflate (\(error)); the maker's Setu is broken")
        }
        let payload = try BundlePayload(decoding: Array(plain.readableBytesView))
        guard payload.entries.count == parts.header.records else {
            throw BundleRefusal(.damaged, "the header says \(parts.header.records) records, the payload holds \(payload.entries.count)")
        }
        return SignedBundle(header: parts.header, payload: payload)
    }

    private static func layout(_ bytes: [UInt8]) throws(BundleRefusal) -> (header: BundleHeader, payload: Range<Int>) {
        guard bytes.count >= magic.count, Array(bytes[..<magic.count]) == magic else {
            if bytes.count >= VolumeSet.magic.count, Array(bytes[..<VolumeSet.magic.count]) == VolumeSet.magic {
                throw BundleRefusal(.notABundle, "this is one volume of a bundle split in parts; give the first volume (….001), with the others beside it")
            }
            throw BundleRefusal(.notABundle, "not a Setu bundle (made by setuctl bundle export or setu-hub bundle export)")
        }
        let lengthEnd = magic.count + 4
        guard bytes.count >= lengthEnd else { throw truncated(bytes.count, expected: nil) }
        let headerLength = Int(bytes[magic.count..<lengthEnd].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        guard headerLength <= 64 * 1024 else { throw BundleRefusal(.damaged, "the header length is \(headerLength) bytes; not a bundle this Setu wrote") }
        guard bytes.count >= lengthEnd + headerLength else { throw truncated(bytes.count, expected: nil) }
        let header: BundleHeader
        do {
            header = try BundleHeader(json: try JSONParser.parse(bytes[lengthEnd..<(lengthEnd + headerLength)]))
        } catch {
            throw BundleRefusal(.damaged, "the header cannot be read (\(error)); copy the bundle again")
        }
        let payloadStart = lengthEnd + headerLength
        let expected = payloadStart + header.payloadBytes + signatureBytes
        guard bytes.count >= expected else { throw truncated(bytes.count, expected: expected) }
        guard bytes.count == expected else {
            throw BundleRefusal(.tampered, "\(bytes.count - expected) bytes after the signature; the bundle was altered; nothing was applied")
        }
        return (header, payloadStart..<(payloadStart + header.payloadBytes))
    }

    private static func truncated(_ count: Int, expected: Int?) -> BundleRefusal {
        BundleRefusal(.truncated, "the file ends after \(count) bytes" + (expected.map { " of \($0)" } ?? "")
            + " (copied only in part, or the stick was pulled out early); copy it again; nothing was applied")
    }
}

extension Digest {
    var hex: String { Hex.encode(self) }
}
