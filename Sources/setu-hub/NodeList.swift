import SetuCore
import SetuHub
import SetuImport

/// The CSV file of `setu-hub node add --from`: a header `id,offices,name`,
/// then one node per line; offices separated by spaces. Every problem names
/// its line, and one bad line refuses the whole file.
enum NodeList {
    struct Problem: Error, CustomStringConvertible {
        let line: Int
        let problem: String
        init(line: Int, _ problem: String) {
            self.line = line
            self.problem = problem
        }
        var description: String { line > 0 ? "line \(line): \(problem)" : problem }
    }

    static func parse(_ text: String, createdAtMillis: Int64) throws -> [HubNode] {
        let rows: [(line: Int, fields: [String])]
        do {
            rows = try CSV.parse(text)
        } catch let error as CSV.ParseError {
            throw Problem(line: error.line, error.problem)
        }
        guard let header = rows.first else { throw Problem(line: 1, "the file is empty; expected a header line id,offices,name") }
        let columns = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        guard let idColumn = columns.firstIndex(of: "id"), let officesColumn = columns.firstIndex(of: "offices") else {
            throw Problem(line: header.line, "the header must name the columns id and offices (and optionally name)")
        }
        let nameColumn = columns.firstIndex(of: "name")
        var seen = Set<String>()
        var nodes: [HubNode] = []
        for (line, fields) in rows.dropFirst() {
            if fields.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            func field(_ i: Int) -> String { i < fields.count ? fields[i].trimmingCharacters(in: .whitespaces) : "" }
            guard let id = NodeID(rawValue: field(idColumn)) else {
                throw Problem(line: line, "node id \(field(idColumn).prefix(70)) must be 1–64 letters, digits, '.', '_', '-' or ':'")
            }
            guard !HubNode.isReservedID(id) else { throw Problem(line: line, HubNode.reservedIDMessage(id)) }
            guard seen.insert(id.rawValue).inserted else { throw Problem(line: line, "node \(id) is listed twice") }
            let offices = field(officesColumn).split(separator: " ").map(String.init)
            guard !offices.isEmpty else { throw Problem(line: line, "node \(id) has no offices") }
            for office in offices where !isOfficeCode(office) {
                throw Problem(line: line, "\(office.prefix(70)) is not an office code such as upazila:rupsha")
            }
            let name = nameColumn.map(field).flatMap { $0.isEmpty ? nil : $0 }
            do {
                nodes.append(HubNode(id: id, offices: offices, createdAtMillis: createdAtMillis, revoked: false, name: try name.map(checkName)))
            } catch let error as NameProblem {
                throw Problem(line: line, error.description)
            }
        }
        guard !nodes.isEmpty else { throw Problem(line: header.line, "no nodes listed below the header") }
        return nodes
    }

    struct NameProblem: Error, CustomStringConvertible { let description: String }

    /// A display name, NFC, without control characters, within the limit.
    static func checkName(_ name: String) throws -> String {
        let normal = NFC.normalise(name.trimmingCharacters(in: .whitespaces))
        guard !normal.isEmpty, normal.utf8.count <= HubNode.maxNameBytes else {
            throw NameProblem(description: "the name must be 1–\(HubNode.maxNameBytes) bytes of UTF-8")
        }
        guard !normal.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw NameProblem(description: "the name holds a control character (a tab or line break?)")
        }
        return normal
    }

    static func isOfficeCode(_ text: String) -> Bool {
        (try? Collections.services.normalise(.text(text), for: Collections.services.field("office")!)) != nil
    }
}
