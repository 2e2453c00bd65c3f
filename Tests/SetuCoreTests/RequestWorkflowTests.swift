import SetuCore
import Testing

@Suite struct RequestWorkflowTests {
    @Test func followsTheWorkflowForwardOnly() {
        #expect(RequestWorkflow.allows(from: "submitted", siblings: ["submitted"], to: "in_review"))
        #expect(RequestWorkflow.allows(from: "in_review", siblings: ["in_review"], to: "rejected"))
        #expect(!RequestWorkflow.allows(from: "approved", siblings: ["approved"], to: "submitted"))
        #expect(!RequestWorkflow.allows(from: "delivered", siblings: ["delivered"], to: "rejected"))
        #expect(throws: ValidationError.self) { try RequestWorkflow.check(from: "rejected", siblings: ["rejected"], to: "approved") }
    }

    @Test func aPersonMayPickAnyConcurrentValueToResolve() {
        #expect(RequestWorkflow.allows(from: "approved", siblings: ["approved", "in_review"], to: "in_review"))
    }

    @Test(arguments: [("০৭ কর্মদিবস", 7, true), ("৩ দিন", 3, false), ("15 কার্যদিবস", 15, true)])
    func readsTimeLimits(_ text: String, _ days: Int, _ working: Bool) {
        let limit = TimeLimit.parse(text)
        #expect(limit?.days == days)
        #expect(limit?.working == working)
    }

    @Test(arguments: ["তাৎক্ষণিক/কার্য দিবস (প্রযোজ্য ক্ষেত্রে)", "নির্দেশনা অনুযায়ী"])
    func limitsWithoutANumberGiveNoDueDate(_ text: String) {
        #expect(TimeLimit.parse(text) == nil)
    }

    @Test func workingDaysSkipFridayAndSaturday() {
        // Thursday 2026-11-26 10:00 +06:00, plus 2 working days: Sunday 29th, Monday 30th.
        let thursday = RFC3339.parse("2026-11-26T10:00:00+06:00")!
        #expect(RFC3339.format(millis: TimeLimit.due(submittedMillis: thursday, limit: (2, true))) == "2026-11-30T04:00:00Z")
        #expect(RFC3339.format(millis: TimeLimit.due(submittedMillis: thursday, limit: (2, false))) == "2026-11-28T04:00:00Z")
    }
}
