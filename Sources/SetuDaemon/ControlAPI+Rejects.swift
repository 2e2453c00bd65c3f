import Hummingbird
import SetuCore
import SetuProtocol
import SetuStore
import SetuSync

/// The writes set aside, on the control socket: list, show one, try again,
/// discard (`setuctl rejects`). Trying again works here at once for what is
/// decided locally (a kept state or row is applied again) and queues a write
/// the hub refused for the sync it triggers.
extension ControlAPI {
    static func addRejectRoutes(to router: Router<ControlContext>, loop: SyncLoop) {
        let replica = loop.replica
        router.get("/v1/rejects") { _, _ in
            json(.array(try replica.rejections().map { rejectJSON($0, detailed: false) }))
        }
        router.get("/v1/rejects/:n") { _, context in
            json(rejectJSON(try entry(context, replica), detailed: true))
        }
        router.post("/v1/rejects/:n/retry") { _, context in
            let number = try entry(context, replica).number
            guard let outcome = try await SyncEngine.onTheWriteThread({ try replica.retryReject(number: number) }) else { throw notFound(number) }
            await loop.triggerSync()
            return json(outcomeJSON(outcome))
        }
        router.post("/v1/rejects/retry") { _, _ in
            let outcomes = try await SyncEngine.onTheWriteThread { try replica.rejections().compactMap { try replica.retryReject(number: $0.number) } }
            if !outcomes.isEmpty { await loop.triggerSync() }
            return json(.array(outcomes.map(outcomeJSON)))
        }
        router.delete("/v1/rejects/:n") { _, context in
            let number = try entry(context, replica).number
            guard try await SyncEngine.onTheWriteThread({ try replica.discardReject(number: number) }) else { throw notFound(number) }
            return json(.object([("discarded", .int(number))]))
        }
    }

    private static func entry(_ context: ControlContext, _ replica: Replica) throws -> StoredRejection {
        let text = try context.parameters.require("n")
        guard let number = Int64(text), number > 0 else {
            throw ControlError(400, "bad_request", "\(text) is not an entry number; setuctl rejects lists them")
        }
        guard let entry = try replica.rejection(number: number) else { throw notFound(number) }
        return entry
    }

    private static func notFound(_ number: Int64) -> ControlError {
        ControlError(404, "not_found", "no set-aside write numbered \(number) (it went through or was discarded); setuctl rejects lists them")
    }

    static func rejectJSON(_ r: StoredRejection, detailed: Bool) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("number", .int(r.number)), ("kind", .string(r.kind.rawValue)),
            ("collection", .string(r.collection)), ("id", .string(r.id)), ("source", .string(r.source)),
            ("reason", .string(r.reason)), ("at", .string(RFC3339.format(millis: r.atMillis))),
            ("attempts", .int(Int64(r.attempts))),
            ("retry_at", r.retryAtMillis.map { .string(RFC3339.format(millis: max(0, $0))) } ?? .null),
        ]
        if detailed {
            switch r.kind {
            case .received:
                // The values the kept state would show, siblings included.
                let fields = (r.kept?.fields ?? []).filter { !$0.name.hasPrefix("_") }.map { field in
                    (field.name, JSONValue.array(field.siblings.map { .object([("node", .string($0.dot.node.rawValue)), ("value", JSONValue($0.value))]) }))
                }
                members.append(("state_fields", .object(fields)))
            case .sql:
                members.append(("values", .object(r.keptValues.sorted { $0.key < $1.key }.map { ($0.key, JSONValue($0.value)) })))
                members.append(("counter_moves", .object(r.keptCounterDeltas.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })))
            case .refused:
                break
            }
        }
        return .object(members)
    }

    static func outcomeJSON(_ outcome: RetryOutcome) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [
            ("number", .int(outcome.number)), ("collection", .string(outcome.collection)), ("id", .string(outcome.id)),
        ]
        switch outcome.result {
        case .applied: members.append(("result", .string("applied")))
        case .queued: members.append(("result", .string("queued")))
        case .refusedAgain(let reason):
            members.append(("result", .string("refused")))
            members.append(("reason", .string(reason)))
        }
        return .object(members)
    }
}
