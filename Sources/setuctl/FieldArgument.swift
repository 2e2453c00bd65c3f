import ArgumentParser
import Foundation
import SetuCore
import SetuProtocol

/// Turns `field=value` text into the JSON type the field declares.
enum FieldArgument {
    static func json(collection: String, field: String, text: String) throws -> JSONValue {
        guard let spec = Collections.named(collection) else {
            throw ValidationError("unknown collection \(collection); the collections are \(Collections.all.map(\.name).joined(separator: ", "))")
        }
        guard let declared = spec.field(field) else { throw ValidationError("\(collection) has no field \(field)") }
        return try json(declared, text: text)
    }

    /// `text` as the JSON type `declared` has: a file's column is looked
    /// up once, not for each of its cells.
    static func json(_ declared: FieldSpec, text: String) throws -> JSONValue {
        if text == "null" { return .null }
        switch declared.type {
        case .integer, .counter:
            guard let n = BengaliDigits.parseInteger(text) else { throw ValidationError("\(declared.name) needs a whole number (got \(text))") }
            return .int(n)
        case .boolean:
            guard let b = Bool(text) else { throw ValidationError("\(declared.name) needs true or false (got \(text))") }
            return .bool(b)
        default: return .string(text)
        }
    }

    static func object(collection: String, assignments: [String]) throws -> JSONValue {
        .object(try assignments.map { assignment in
            guard let eq = assignment.firstIndex(of: "=") else { throw ValidationError("write fields as name=value (got \(assignment))") }
            let name = String(assignment[..<eq])
            return (name, try json(collection: collection, field: name, text: String(assignment[assignment.index(after: eq)...])))
        })
    }
}
