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
}
