import SetuCore

/// Reads a citizen charter exactly as published (tab-separated tables under
/// section headings, Bengali digits, header rows repeated at page breaks,
/// a numbering row, the officer's title, office, phone and e-mail run
/// together in one cell) into `services` records.
public enum CharterParser {
    public struct Service: Hashable, Sendable {
        public let line: Int
        public let section: String
        public let serial: Int64
        public let fields: [String: FieldValue]
    }

    public struct LineError: Error, Hashable, Sendable, CustomStringConvertible {
        public let line: Int
        public let problem: String
        /// `line` 0: the file as a whole.
        public var description: String { line > 0 ? "line \(line): \(problem)" : problem }
    }

    public struct Result: Sendable {
        public let services: [Service]
        /// Lines that could not be read (only with `skipBad`; otherwise the first one throws).
        public let skipped: [LineError]
    }

    /// Section headings as published ("২.১) নাগরিক সেবা:").
    static let sections: [(marker: String, section: String)] = [
        ("নাগরিক সেবা", "citizen"), ("প্রাতিষ্ঠানিক সেবা", "institutional"), ("অভ্যন্তরীণ সেবা", "internal"),
    ]

    public static func parse(_ text: String, office: String, skipBad: Bool = false) throws -> Result {
        var section: String?
        var services: [Service] = []
        var skipped: [LineError] = []
        var seen: Set<String> = []
        for (index, rawLine) in lines(of: text).enumerated() {
            let number = index + 1
            let line = NFC.normalise(rawLine)
            let trimmed = line.trimmingCharacters(in: [" ", "\t"])
            if !line.contains("\t"), let heading = sections.first(where: { trimmed.contains($0.marker) && trimmed.hasSuffix(":") }) {
                section = heading.section
                continue
            }
            guard let current = section, !trimmed.isEmpty else { continue }
            do {
                guard line.contains("\t") else { throw LineError(line: number, problem: "text inside a service table that is not a table row") }
                let cells = line.split(separator: "\t", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
                if cells.first?.hasPrefix("ক্রমিক") == true || cells.first == "(১)" { continue } // header or numbering row
                let service = try row(cells, line: number, section: current, office: office)
                guard seen.insert("\(current)-\(service.serial)").inserted else {
                    throw LineError(line: number, problem: "serial \(service.serial) appears twice in the \(current) section")
                }
                services.append(service)
            } catch let error as LineError {
                guard skipBad else { throw error }
                skipped.append(error)
            }
        }
        guard !services.isEmpty || !skipped.isEmpty else {
            throw LineError(line: 0, problem: "no service found: expected section headings such as \"২.১) নাগরিক সেবা:\" "
                + "followed by tab-separated rows of 7 columns (serial, name, method, papers, fee, time limit, officer); "
                + "is this the charter, saved as text with tabs?")
        }
        return Result(services: services, skipped: skipped)
    }

    /// The file's lines, whatever it was saved with: LF, CRLF (Windows) or CR
    /// alone, with or without a byte-order mark. Split on Unicode scalars:
    /// Swift counts "\r\n" as one Character, so splitting the String on "\n"
    /// found no line break at all in a Windows file (0 services, no error).
    static func lines(of text: String) -> [String] {
        var scalars = Substring(text).unicodeScalars
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        var lines: [String] = []
        var current = String.UnicodeScalarView()
        var afterCR = false
        for scalar in scalars {
            if afterCR, scalar == "\n" { afterCR = false; continue }
            afterCR = scalar == "\r"
            if scalar == "\n" || scalar == "\r" {
                lines.append(String(current))
                current = String.UnicodeScalarView()
            } else {
                current.append(scalar)
            }
        }
        lines.append(String(current))
        return lines
    }

    static func row(_ cells: [String], line: Int, section: String, office: String) throws -> Service {
        guard cells.count == 7 else {
            throw LineError(line: line, problem: "expected 7 tab-separated columns (serial, name, method, papers, fee, time limit, officer), found \(cells.count)")
        }
        guard let serial = BengaliDigits.parseInteger(cells[0]), serial > 0 else {
            throw LineError(line: line, problem: "the serial number \"\(cells[0])\" is not a number")
        }
        guard !cells[1].isEmpty else { throw LineError(line: line, problem: "the service has no name") }
        let officer = try OfficerCell.split(cells[6], line: line)
        var fields: [String: FieldValue] = [
            "office": .text(office), "section": .text(section), "serial": .int(serial),
            "name": .text(cells[1]), "delivery_method": .text(cells[2]), "documents": .text(cells[3]),
            "fee": .text(cells[4]), "fee_paisa": feePaisa(cells[4]).map { .int($0) } ?? .null,
            "time_limit": .text(cells[5]),
            "officer_title": .text(officer.title), "officer_office": .text(officer.office),
            "officer_phone": officer.phone.map { .text($0) } ?? .null, "officer_email": officer.email.map { .text($0) } ?? .null,
        ]
        for (key, value) in fields where value == .text("") { fields[key] = .null }
        return Service(line: line, section: section, serial: serial, fields: fields)
    }

    /// "বিনামূল্যে" (free) is 0; "৫০ টাকা" is 5,000 paisa; anything else (a
    /// policy reference) has no fixed sum.
    static func feePaisa(_ fee: String) -> Int64? {
        if fee.contains("বিনামূল্যে") || fee == "ফ্রি" { return 0 }
        let ascii = BengaliDigits.toASCII(fee)
        guard ascii.contains("টাকা") else { return nil }
        let digits = ascii.prefix { $0.isNumber || $0 == "," }.filter(\.isNumber)
        return Int64(digits).map { $0 * 100 }
    }

    /// The record id of a service: stable across re-imports of the same charter.
    public static func id(office: String, section: String, serial: Int64) -> String {
        let officeID = office.replacingOccurrences(of: ":", with: "-")
        return "\(officeID)-\(section)-\(serial)"
    }
}

/// The responsible-officer cell: "সহকারী প্রোগ্রামার উপজেলা কার্যালয়, রুপসা, খুলনা। ফোন- +৮৮০-২৫৫০৩৯৭৫৭ doictrupsha@gmail.com".
enum OfficerCell {
    struct Parts { let title: String; let office: String; let phone: String?; let email: String? }

    /// Words that open the office part after the officer's title.
    static let officeStarts = ["উপজেলা", "জেলা", "বিভাগীয়", "আইসিটি অধিদপ্তর", "কার্যালয়"]

    static func split(_ cell: String, line: Int) throws -> Parts {
        var rest = cell
        var email: String?
        if let token = rest.split(separator: " ").last(where: { $0.contains("@") }) {
            email = String(token)
            rest = rest.replacingOccurrences(of: token, with: "")
        }
        var phone: String?
        if let marker = rest.range(of: "ফোন") {
            let after = rest[marker.upperBound...].drop { $0 == "-" || $0 == ":" || $0 == " " || $0 == "ঃ" }
            let raw = after.prefix { $0 != " " || after.first == "+" }.trimmingCharacters(in: .whitespaces)
            let number = raw.split(separator: " ").first.map(String.init) ?? raw
            guard let e164 = phoneE164(number) else {
                throw CharterParser.LineError(line: line, problem: "the officer's phone \"\(number)\" is not a phone number")
            }
            phone = e164
            rest = String(rest[..<marker.lowerBound])
        }
        let person = rest.trimmingCharacters(in: CharacterSet.whitespaces.union(["।", ",", "."]))
        guard let start = officeStarts.compactMap({ person.range(of: $0)?.lowerBound }).min(), start > person.startIndex else {
            return Parts(title: person, office: "", phone: phone, email: email)
        }
        let title = person[..<start].trimmingCharacters(in: .whitespaces)
        let office = person[start...].trimmingCharacters(in: CharacterSet.whitespaces.union(["।"]))
        return Parts(title: title, office: office, phone: phone, email: email)
    }

    static func phoneE164(_ text: String) -> String? {
        let spec = FieldSpec("officer_phone", .phone)
        guard case .text(let e164)? = try? CollectionSpec(name: "services", fields: [spec]).normalise(.text(text), for: spec) else { return nil }
        return e164
    }
}

import Foundation
