#if canImport(Glibc)
import Glibc
#endif

extension String {
    /// The text of UTF-8 bytes, nil when they are not valid UTF-8.
    ///
    /// `String(validating:as:)` does the same, but as a generic call it
    /// looks up type metadata on every use: 40 % of decoding a stored state
    /// went there. Decoding repairs invalid bytes (each becomes U+FFFD), so
    /// the bytes were valid exactly when the text's bytes are the same.
    public init?(strictlyDecoding bytes: UnsafeBufferPointer<UInt8>) {
        let text = String(decoding: bytes, as: UTF8.self)
        var copy = text
        let same = copy.withUTF8 { decoded in
            decoded.count == bytes.count && (bytes.isEmpty || memcmp(decoded.baseAddress!, bytes.baseAddress!, bytes.count) == 0)
        }
        guard same else { return nil }
        self = copy
    }

    /// The same for bytes in an array or a slice of one.
    public init?(strictlyDecoding bytes: ArraySlice<UInt8>) {
        guard let text = bytes.withUnsafeBufferPointer(String.init(strictlyDecoding:)) else { return nil }
        self = text
    }
}
