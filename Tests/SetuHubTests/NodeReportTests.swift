import SetuProtocol
import Testing

/// The `Setu-Report` header: a few bytes, exact both ways, strict on input.
@Suite struct NodeReportTests {
    @Test func aReportRoundTripsThroughItsHeaderWithBengaliTextByteExact() throws {
        let report = NodeReport(version: "0.1.0", pending: 12, oldestUnsentSeconds: 3_600, conflicts: 2, setAside: 1,
                                clockSkewSeconds: -94_608_000, lastError: "ডিস্ক পূর্ণ: disk full & 100% used")
        let header = report.headerValue
        #expect(header.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }, "a header value must be visible ASCII: \(header)")
        #expect(try NodeReport(headerValue: header) == report)
        #expect(header.hasPrefix("version=0.1.0&pending=12&oldest_unsent=3600&conflicts=2&set_aside=1&skew=-94608000&error="))
    }

    /// Sent only when there are some, so an older hub (which skips the key)
    /// and an idle report are unchanged.
    @Test func oversoldProductsAreReportedWhenThereAreSome() throws {
        let report = NodeReport(version: "0.1.0", pending: 0, oversold: 3)
        #expect(report.headerValue == "version=0.1.0&pending=0&conflicts=0&set_aside=0&oversold=3")
        #expect(try NodeReport(headerValue: report.headerValue) == report)
        #expect(throws: WireError.self) { try NodeReport(headerValue: "version=0.1.0&pending=0&oversold=-1") }
    }

    @Test func aFreshOfficeReportsInAFewDozenBytes() {
        #expect(NodeReport(version: "0.1.0", pending: 0).headerValue == "version=0.1.0&pending=0&conflicts=0&set_aside=0")
    }

    @Test func aLongErrorIsCutOnACharacterBoundaryWithinTheLimit() throws {
        let report = NodeReport(version: "0.1.0", pending: 0, lastError: String(repeating: "অ", count: 400))
        let error = try #require(report.lastError)
        #expect(error.utf8.count <= NodeReport.maxErrorBytes)
        #expect(error.hasSuffix("…"))
        #expect(try NodeReport(headerValue: report.headerValue) == report)
        #expect(report.headerValue.utf8.count <= NodeReport.maxBytes)
    }

    @Test func keysAReaderDoesNotKnowAreSkippedSoAnOlderHubReadsANewerOffice() throws {
        let report = try NodeReport(headerValue: "version=0.9.0&pending=3&battery=low&conflicts=0&set_aside=0")
        #expect(report.pending == 3)
        #expect(report.version == "0.9.0")
    }

    @Test(arguments: [
        ("pending=1", "version must be"),
        ("version=0.1.0", "pending is missing"),
        ("version=0.1.0&pending=-1", "pending must be a whole number"),
        ("version=0.1.0&pending=1e3", "pending must be a whole number"),
        ("version=0.1.0&pending=01", "pending must be a whole number"),
        ("version=0.1.0&pending=1&pending=2", "pending appears twice"),
        ("version=0.1.0&pending=1&error=%E0%A6", "bad percent-encoding or not UTF-8"),
        ("version=0.1.0&pending=1&error=%zz", "bad percent-encoding"),
        ("version=0.1.0&pending=1&garbage", "expected key=value pairs"),
        ("version=%3Cscript%3E&pending=1", "version must be"),
        ("version=0.1.0&pending=99999999999", "pending must be a whole number"),
    ])
    func aMalformedReportIsRefusedSayingWhy(header: String, problem: String) {
        #expect {
            try NodeReport(headerValue: header)
        } throws: { error in
            "\(error)".contains(problem)
        }
    }

    @Test func anOversizedReportIsRefused() {
        #expect(throws: WireError.self) { try NodeReport(headerValue: "version=1&pending=1&x=" + String(repeating: "a", count: 1_100)) }
    }
}
