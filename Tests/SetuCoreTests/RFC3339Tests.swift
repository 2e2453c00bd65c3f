import Foundation
import PropertyBased
import SetuCore
import Testing

@Suite struct RFC3339Tests {
    @Test(arguments: [
        ("2026-11-23T14:00:00+06:00", "2026-11-23T08:00:00Z"),
        ("2026-11-23T08:00:00.250Z", "2026-11-23T08:00:00.250Z"),
        ("2024-02-29T23:59:59-00:30", "2024-03-01T00:29:59Z"),
        ("1969-12-31T23:59:59.5Z", "1969-12-31T23:59:59.500Z"),
    ])
    func normalisesToUTC(_ input: String, _ stored: String) {
        #expect(RFC3339.parse(input).map { RFC3339.format(millis: $0) } == stored)
    }

    @Test(arguments: ["2026-02-30T00:00:00Z", "2026-11-23", "2026-11-23T08:00:00", "2026-13-01T00:00:00Z", "yesterday", "2026-11-23T08:00:00Zjunk"])
    func refusesWhatIsNotRFC3339(_ input: String) {
        #expect(RFC3339.parse(input) == nil)
    }

    @Test func agreesWithFoundationOverFiveCenturies() async {
        await propertyCheck(count: 500, input: Gen.int64(in: -10_000_000_000_000...10_000_000_000_000)) { millis in
            let text = RFC3339.format(millis: millis)
            #expect(RFC3339.parse(text) == millis)
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            let date = formatter.date(from: text.contains(".") ? text : text.replacingOccurrences(of: "Z", with: ".000Z"))
            #expect(date.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) } == millis)
        }
    }
}
