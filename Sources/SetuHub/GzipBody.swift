import CZlib

/// Decodes a gzip request body, strictly: one complete gzip member whose
/// CRC-32 and length trailer match, nothing after it, at most `maxSize`
/// bytes out.
///
/// Not CompressNIO's `decompress`: it returns whatever inflated before the
/// input ran out, so a body cut short, or missing its 8-byte trailer, was
/// taken as complete (measured: a push without its trailer was stored).
/// zlib verifies the trailer only when it reaches the end of the stream
/// (`Z_STREAM_END`), so this asks for exactly that.
enum GzipBody {
    enum Failure: Error, Equatable {
        /// Not gzip, or a CRC/length mismatch.
        case corrupt
        /// The input ended before the gzip stream did (a cut body, no trailer).
        case truncated
        /// Bytes after the end of the gzip stream.
        case trailingBytes
        /// The output would pass `maxSize`.
        case tooLarge
    }

    static func decode(_ input: [UInt8], maxSize: Int) throws(Failure) -> [UInt8] {
        var stream = z_stream()
        guard setu_inflate_init_gzip(&stream) == Z_OK else { throw .corrupt }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var consumed = 0
        var status: Int32 = Z_OK
        while status != Z_STREAM_END {
            let produced: Int
            (status, consumed, produced) = input.withUnsafeBufferPointer { source in
                chunk.withUnsafeMutableBufferPointer { target in
                    stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress.map { $0 + consumed })
                    stream.avail_in = UInt32(source.count - consumed)
                    stream.next_out = target.baseAddress
                    stream.avail_out = UInt32(target.count)
                    let status = inflate(&stream, Z_NO_FLUSH)
                    return (status, source.count - Int(stream.avail_in), target.count - Int(stream.avail_out))
                }
            }
            switch status {
            case Z_OK, Z_STREAM_END:
                guard output.count + produced <= maxSize else { throw .tooLarge }
                output.append(contentsOf: chunk[..<produced])
            case Z_BUF_ERROR:
                // No progress possible: the input is used up mid-stream.
                throw .truncated
            default:
                throw .corrupt
            }
        }
        guard consumed == input.count else { throw .trailingBytes }
        return output
    }
}
