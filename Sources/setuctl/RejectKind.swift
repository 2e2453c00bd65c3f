import ArgumentParser
import Foundation
import SetuProtocol

/// How the human views name an entry's kind and tries.
enum RejectKind {
    static func describe(_ kind: String) -> String {
        switch kind {
        case "received": "from the hub, refused here"
        case "refused": "refused by the hub"
        case "sql": "SQL write refused"
        default: kind
        }
    }

    static func attempts(_ item: JSONValue) -> String {
        guard case .int(let n)? = item["attempts"], n > 1 else { return "" }
        return ", \(n) tries"
    }
}
