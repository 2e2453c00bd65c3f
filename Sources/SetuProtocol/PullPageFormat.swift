import SetuCore

/// The forms a pull page travels in: JSON, which every hub and tool reads,
/// and the states page (`StatesPage`), the hub's stored bytes, which setud
/// asks for, with states in the format it names. One model
/// (`PullResponse`) either way.
public enum PullPageFormat: Sendable, Hashable {
    case json
    case states(StateFormat)

    /// What a pull's `Accept` header asks for: the states page only when it
    /// names it (curl, browsers and older offices get JSON), with states in
    /// format 2 when it says `version=2`; an office that does not say so is
    /// an older release, which reads format 1 only.
    public init(accept: String?) {
        let asked = accept?.split(separator: ",").filter { Self.mediaType(of: $0) == StatesPage.mediaType } ?? []
        guard !asked.isEmpty else {
            self = .json
            return
        }
        self = .states(asked.compactMap(Self.stateFormat).max() ?? .v1)
    }

    /// What setud sends as `Accept`: an older hub strips the parameter and
    /// answers format 1, which this release reads too.
    public static let acceptStates = "\(StatesPage.mediaType); version=\(StateFormat.current.rawValue)"

    public var contentType: String {
        switch self {
        case .json: "application/json; charset=utf-8"
        case .states(.v1): StatesPage.mediaType
        case .states(let format): "\(StatesPage.mediaType); version=\(format.rawValue)"
        }
    }

    /// The `version=N` parameter of one `Accept` entry, when this release
    /// knows that format.
    static func stateFormat(_ entry: Substring) -> StateFormat? {
        for parameter in entry.split(separator: ";").dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map(Self.trimmed)
            guard pair.count == 2, pair[0].lowercased() == "version", let n = UInt8(pair[1]) else { continue }
            return StateFormat(rawValue: n)
        }
        return nil
    }

    /// Reads a pull answer's body by its `Content-Type`: a hub that does not
    /// know the states page answers JSON, whatever was asked.
    public static func decode(_ body: [UInt8], contentType: String?) throws(WireError) -> PullResponse {
        contentType.map { mediaType(of: $0[...]) } == StatesPage.mediaType ? try StatesPage.decode(body) : try PullResponse.decode(body)
    }

    /// `Application/Vnd.Setu.States; q=1` → `application/vnd.setu.states`.
    static func mediaType(of value: Substring) -> String {
        trimmed(value.prefix { $0 != ";" }).lowercased()
    }

    private static func trimmed(_ value: Substring) -> String {
        String(value.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
