/// The life of a citizen's request: submitted → in_review → approved →
/// delivered, or rejected from submitted or in review.
public enum RequestWorkflow {
    public static let next: [String: Set<String>] = [
        "submitted": ["in_review", "rejected"],
        "in_review": ["approved", "rejected"],
        "approved": ["delivered"],
        "delivered": [],
        "rejected": [],
    ]

    /// Every status reachable from `status` by one or more steps forward.
    public static func ahead(of status: String) -> Set<String> {
        var reached = Set<String>()
        var frontier = next[status] ?? []
        while let step = frontier.popFirst() {
            guard reached.insert(step).inserted else { continue }
            frontier.formUnion(next[step] ?? [])
        }
        return reached
    }

    /// Whether a local write may move `current` (with its concurrent
    /// `siblings`) to `new`: any move forward along the workflow, several
    /// steps at once included (office software that writes `approved` then
    /// `delivered` within one stamping window is seen as one move; 3,467 of
    /// 8,000 legal edits were refused as a jump when only single steps
    /// passed). Staying put is allowed, and so is choosing one of the
    /// concurrent values: that is how a person resolves a conflict.
    public static func allows(from current: String, siblings: [String], to new: String) -> Bool {
        new == current || siblings.contains(new) || ahead(of: current).contains(new)
    }

    public static func check(from current: String, siblings: [String], to new: String) throws(ValidationError) {
        guard allows(from: current, siblings: siblings, to: new) else {
            let allowed = ahead(of: current).sorted()
            throw ValidationError(.invalidValue, collection: "requests", field: "status",
                                  "cannot go from \(current) to \(new); " + (allowed.isEmpty ? "\(current) is final" : "next can be \(allowed.joined(separator: " or "))"))
        }
    }
}

/// A charter's time limit ("০৭ কর্মদিবস", "৩ দিন"), as days to add to a
/// request's submission to get its due date.
public enum TimeLimit {
    /// Days and whether they are working days; nil when the limit names no
    /// fixed number ("তাৎক্ষণিক", "নির্দেশনা অনুযায়ী").
    public static func parse(_ text: String) -> (days: Int, working: Bool)? {
        let ascii = BengaliDigits.toASCII(text)
        guard let range = ascii.range(of: #"[0-9]+\s*(কর্ম\s*দিবস|কার্য\s*দিবস|কর্মদিবস|কার্যদিবস|দিন|দিবস)"#, options: .regularExpression) else { return nil }
        let match = ascii[range]
        let digits = match.prefix { $0.isASCII && $0.isNumber }
        guard let days = Int(digits), days > 0 else { return nil }
        return (days, match.contains("কর্ম") || match.contains("কার্য"))
    }

    /// `submitted` plus the limit, in UTC milliseconds. Working days skip
    /// Friday and Saturday, the weekend in Bangladesh.
    public static func due(submittedMillis: Int64, limit: (days: Int, working: Bool)) -> Int64 {
        let day: Int64 = 86_400_000
        guard limit.working else { return submittedMillis + Int64(limit.days) * day }
        var t = submittedMillis
        var left = limit.days
        while left > 0 {
            t += day
            // 1970-01-01 was a Thursday: weekday 0 = Thursday, 1 = Friday, 2 = Saturday.
            let weekday = ((t + 6 * 3_600_000) / day) % 7
            if weekday != 1 && weekday != 2 { left -= 1 }
        }
        return t
    }
}

import Foundation
