import ArgumentParser
import Foundation
import SetuCore
import SetuImport
import SetuProtocol
import Synchronization

/// `setuctl import COLLECTION FILE` reads every row first: a bad row is
/// reported with its line and nothing is sent. Records then go in pages
/// (`pageRanges(of:)`), each written in one transaction; unchanged records
/// are not rewritten. Two pages are at setud at once, so it reads and
/// checks one while it writes the other; a file that names a record twice
/// goes one page at a time, so its later row wins, as in the file.
struct ImportFile: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "file", abstract: "Import records from a CSV or JSON file (as written by export).")
    @OptionGroup var options: SocketOptions
    @Argument var collection: String
    @Argument var file: String
    @Option var format: FileFormat?

    func run() async throws {
        guard let spec = Collections.named(collection) else { throw ValidationError("unknown collection \(collection)") }
        guard let data = FileManager.default.contents(atPath: file) else { throw CLIFailure(code: 5, message: "cannot read \(file)") }
        let notUTF8 = CLIFailure(code: 5, message: "\(file) is not UTF-8 text; save it as UTF-8")
        let kind = format ?? (file.lowercased().hasSuffix(".json") ? .json : .csv)
        let records: [Row]
        do {
            if kind == .csv {
                guard let text = String(validating: data, as: UTF8.self) else { throw notUTF8 }
                records = try Self.fromCSV(text, spec: spec)
            } else {
                // The parser refuses bytes that are not UTF-8 itself; the
                // whole file is checked again only to say so plainly.
                do { records = try Self.fromJSON(Array(data), spec: spec) } catch {
                    if String(validating: data, as: UTF8.self) == nil { throw notUTF8 }
                    throw error
                }
            }
            try Self.check(records, spec: spec)
        } catch let error as CSV.ParseError {
            throw CLIFailure(code: 5, message: "\(file): \(error); nothing imported")
        }
        let terminal = isatty(STDERR_FILENO) == 1
        var written = 0, unchanged = 0, sent = 0
        let pages = Self.pageRanges(of: records)
        let inFlight = Self.namesEachRecordOnce(records) ? 2 : 1
        let client = options.client
        let path = "/v1/import/\(spec.name)"
        try await withThrowingTaskGroup(of: (records: Int, answer: [UInt8]).self) { group in
            var next = 0
            func sendNext() {
                let range = pages[next]
                next += 1
                group.addTask {
                    (range.count, try await client.send("POST", path, body: Self.body(records[range]), contentType: "application/json", timeoutSeconds: 300))
                }
            }
            while next < min(inFlight, pages.count) { sendNext() }
            while let page = try await group.next() {
                if next < pages.count { sendNext() }
                let result = (try? JSONParser.parse(page.answer)) ?? .null
                if case .int(let w)? = result["written"] { written += Int(w) }
                if case .int(let u)? = result["unchanged"] { unchanged += Int(u) }
                sent += page.records
                if terminal { FileHandle.standardError.write(Data("\rimporting \(sent)/\(records.count)".utf8)) }
            }
        }
        if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
        print("\(records.count) \(spec.name) read from \(file): \(written) written, \(unchanged) unchanged")
    }

    typealias Row = (line: Int, id: String, fields: [(key: String, value: JSONValue)])

    static func namesEachRecordOnce(_ records: [Row]) -> Bool {
        var ids = Set<String>(minimumCapacity: records.count)
        return records.allSatisfy { ids.insert($0.id).inserted }
    }

    /// Every row checked as setud will, before anything is sent: the first
    /// bad one (in file order) is reported with its line. The rows are split
    /// over the cores; checking is most of an import's time in setuctl.
    static func check(_ records: [Row], spec: CollectionSpec) throws {
        let parts = max(1, min(ProcessInfo.processInfo.activeProcessorCount, records.count / 1_000))
        let failures = Mutex<[CSV.ParseError?]>(Array(repeating: nil, count: parts))
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            for record in records[(records.count * part / parts)..<(records.count * (part + 1) / parts)] {
                do {
                    try spec.checkID(record.id)
                    _ = try spec.validate(Dictionary(try record.fields.map { ($0.key, try JSONReader($0.value).fieldValue()) }, uniquingKeysWith: { a, _ in a }), mode: .whole)
                } catch {
                    failures.withLock { $0[part] = CSV.ParseError(line: record.line, problem: "\(error)") }
                    return
                }
            }
        }
        if let first = failures.withLock({ $0.compactMap { $0 }.first }) { throw first }
    }

    /// Records per page at most, and a page's JSON at most about this many
    /// bytes (under setud's limit for an import body, 8 MiB): each page is one
    /// transaction, and pages of 500 held a 100k import to a third of what
    /// the replica writes.
    static let pageRecords = 5_000
    static let pageBytes = 4 << 20

    /// The rows of each page, in file order; a page's size is estimated
    /// from its rows' text, without writing them.
    static func pageRanges(of records: [Row]) -> [Range<Int>] {
        var ranges: [Range<Int>] = [], start = 0, bytes = 0
        for (i, record) in records.enumerated() {
            let size = record.id.utf8.count + record.fields.reduce(32) { $0 + $1.key.utf8.count + 8 + Self.size($1.value) }
            if i > start, i - start == pageRecords || bytes + size > pageBytes {
                ranges.append(start..<i)
                start = i
                bytes = 0
            }
            bytes += size
        }
        if start < records.count { ranges.append(start..<records.count) }
        return ranges
    }

    private static func size(_ value: JSONValue) -> Int {
        // Escapes at most double a string (a \u escape is six bytes for one, rare in records).
        if case .string(let text) = value { return 2 * text.utf8.count + 2 }
        return 24
    }

    /// An import request's body: `{"records": [{"id": …, "fields": {…}}, …]}`.
    static func body(_ rows: ArraySlice<Row>) -> [UInt8] {
        JSONWriter.write(.object([("records", .array(rows.map { .object([("id", .string($0.id)), ("fields", .object($0.fields))]) }))]))
    }

    static func fromCSV(_ text: String, spec: CollectionSpec) throws -> [Row] {
        let rows = try CSV.parse(text)
        guard let header = rows.first else { return [] }
        guard header.fields.first == "id" else { throw CSV.ParseError(line: header.line, problem: "the first column must be id") }
        let columns = try header.fields.dropFirst().map { name in
            guard let declared = spec.field(name) else {
                throw CSV.ParseError(line: header.line, problem: "unknown column \(name); the columns are id, \(spec.fields.map(\.name).joined(separator: ", "))")
            }
            return declared
        }
        return try rows.dropFirst().map { row in
            guard row.fields.count == header.fields.count else {
                throw CSV.ParseError(line: row.line, problem: "\(row.fields.count) fields, the header has \(header.fields.count)")
            }
            let fields = try zip(columns, row.fields.dropFirst()).map { declared, written -> (key: String, value: JSONValue) in
                let cell = CSV.fromSpreadsheetSafe(written)
                do {
                    return (declared.name, cell.isEmpty ? .null : try FieldArgument.json(declared, text: cell))
                } catch {
                    throw CSV.ParseError(line: row.line, problem: "\(declared.name): \(error)")
                }
            }
            return (row.line, CSV.fromSpreadsheetSafe(row.fields[0]), fields)
        }
    }

    static func fromJSON(_ bytes: [UInt8], spec: CollectionSpec) throws -> [Row] {
        let json: JSONValue
        do { json = try JSONParser.parse(bytes) } catch { throw CSV.ParseError(line: 1, problem: "\(error)") }
        guard case .array(let items) = json else { throw CSV.ParseError(line: 1, problem: "expected a JSON array of records") }
        return try items.enumerated().map { index, item in
            guard case .object(let members) = item, case .string(let id)? = item["id"] else {
                throw CSV.ParseError(line: 1, problem: "record \(index + 1) has no string id")
            }
            return (index + 1, id, members.filter { $0.key != "id" })
        }
    }
}
