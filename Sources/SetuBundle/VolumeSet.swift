import Crypto
import Foundation

/// A bundle split into volumes of a size the operator chooses, for sticks
/// or mail attachments that take only so much: `FILE.001`, `FILE.002`, …
///
///     "SETU-VOLUME\n"   12 bytes
///     bundle SHA-256    32 bytes: the volumes of one bundle name the same
///     index, count      2 bytes each, big-endian, index from 1
///     part              the next slice of the bundle's bytes
///
/// Joining checks that every volume is there and of the same bundle; the
/// bundle's own checksum and signature then cover the content.
public enum VolumeSet {
    static let magic = Array("SETU-VOLUME\n".utf8)
    static let headerBytes = magic.count + 32 + 4
    public static let maxVolumes = 999

    /// Writes `bundle` to `path` whole, or, when it is larger than
    /// `volumeBytes`, to `path.001`… Returns the files written.
    public static func write(_ bundle: [UInt8], to path: String, volumeBytes: Int?) throws -> [String] {
        guard let volumeBytes, bundle.count > volumeBytes else {
            try writeFile(bundle, to: path)
            return [path]
        }
        let part = volumeBytes - headerBytes
        guard part >= 1_024 else { throw VolumeError("a volume must hold at least \(headerBytes + 1_024) bytes") }
        let count = (bundle.count + part - 1) / part
        guard count <= maxVolumes else {
            throw VolumeError("\(count) volumes of \(volumeBytes) bytes; at most \(maxVolumes): choose a larger --volume-size")
        }
        let digest = Array(SHA256.hash(data: bundle))
        var written: [String] = []
        for index in 1...count {
            var volume = magic + digest
            volume += [UInt8(index >> 8), UInt8(index & 0xFF), UInt8(count >> 8), UInt8(count & 0xFF)]
            volume += bundle[((index - 1) * part)..<min(bundle.count, index * part)]
            let name = volumeName(path, index)
            try writeFile(volume, to: name)
            written.append(name)
        }
        return written
    }

    /// The bundle at `path`: the file itself, or the volumes it starts
    /// (`path` naming `FILE.001`, or `FILE` when only `FILE.001`… exist).
    public static func read(_ path: String) throws -> [UInt8] {
        let first = FileManager.default.fileExists(atPath: path) ? path : volumeName(path, 1)
        let bytes = try readFile(first)
        guard bytes.starts(with: magic) else { return bytes }
        let base = first.hasSuffix(".001") ? String(first.dropLast(4)) : path
        let (digest, index, count) = try volumeHeader(bytes, name: first)
        guard index == 1 else { throw BundleRefusal(.missingVolume, "\(first) is volume \(index) of \(count); give the first volume (\(volumeName(base, 1)))") }
        var bundle = Array(bytes[headerBytes...])
        for n in (1...count).dropFirst() {
            let name = volumeName(base, n)
            guard FileManager.default.fileExists(atPath: name) else {
                throw BundleRefusal(.missingVolume, "volume \(n) of \(count) is missing (\(name)); copy every volume; nothing was applied")
            }
            let volume = try readFile(name)
            let (otherDigest, otherIndex, otherCount) = try volumeHeader(volume, name: name)
            guard otherDigest == digest, otherCount == count, otherIndex == n else {
                throw BundleRefusal(.missingVolume, "\(name) belongs to another bundle (or is out of place); copy the volumes of one export together")
            }
            bundle += volume[headerBytes...]
        }
        guard Array(SHA256.hash(data: bundle)) == digest else {
            throw BundleRefusal(.damaged, "the volumes joined do not match their checksum (one was damaged or cut in copying); copy them again")
        }
        return bundle
    }

    static func volumeName(_ base: String, _ index: Int) -> String { base + "." + String(format: "%03d", index) }

    private static func volumeHeader(_ bytes: [UInt8], name: String) throws -> ([UInt8], Int, Int) {
        guard bytes.count >= headerBytes, bytes.starts(with: magic) else {
            throw BundleRefusal(bytes.count < headerBytes ? .truncated : .notABundle, "\(name) is not a volume of a Setu bundle")
        }
        let digest = Array(bytes[magic.count..<(magic.count + 32)])
        let at = magic.count + 32
        let index = Int(bytes[at]) << 8 | Int(bytes[at + 1]), count = Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
        guard count >= 1, (1...count).contains(index) else { throw BundleRefusal(.damaged, "\(name): volume \(index) of \(count) cannot be") }
        return (digest, index, count)
    }

    static func readFile(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw VolumeError("cannot read \(path) (\(FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"))")
        }
        return Array(data)
    }

    /// Written beside, flushed, then renamed: a stick pulled out mid-write
    /// leaves no half file under the bundle's name.
    static func writeFile(_ bytes: [UInt8], to path: String) throws {
        let temporary = path + ".partial"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes)) else {
            throw VolumeError("cannot write \(path); check the directory and free space")
        }
        if let handle = FileHandle(forUpdatingAtPath: temporary) {
            try handle.synchronize()
            try handle.close()
        }
        guard rename(temporary, path) == 0 else {
            throw VolumeError("cannot write \(path) (\(String(cString: strerror(errno))))")
        }
    }
}

public struct VolumeError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
