/// The two forms a pull page travels in: JSON, which every hub and tool
/// reads, and the states page (`StatesPage`), the hub's stored bytes as
/// they are, which setud asks for. One model (`PullResponse`) either way.
public enum PullPageFormat: Sendable, Hashable {
    case json
    case states

    /// What a pull's `Accept` header asks for: the states page only when it
    /// names it (curl, browsers and older offices get JSON).
    public init(accept: String?) {
        let asked = accept?.split(separator: ",").contains { Self.mediaType(of: $0) == StatesPage.mediaType } ?? false
        self = asked ? .states : .json
    }

    public var contentType: String {
        switch self {
        case .json: "application/json; charset=utf-8"
        case .states: StatesPage.mediaType
        }
    }

    /// Reads a pull answer's body by its `Content-Type`: a hub that does not
    /// know the states page answers JSON, whatever was asked.
    public static func decode(_ body: [UInt8], contentType: String?) throws(WireError) -> PullResponse {
        contentType.map { mediaType(of: $0[...]) } == StatesPage.mediaType ? try StatesPage.decode(body) : try PullResponse.decode(body)
    }

    /// `Application/Vnd.Setu.States; q=1` → `application/vnd.setu.states`.
    static func mediaType(of value: Substring) -> String {
        let type = value.prefix { $0 != ";" }
        return String(type.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed()).lowercased()
    }
}
