/// The district an office belongs to, for grouping the fleet.
///
/// Office codes are `kind:name`; the name may name its district first,
/// then the place in it, joined by `-`: `district:khulna`,
/// `upazila:khulna-rupsha`, `union:khulna-rupsha-aichgati`. The district
/// is the name up to its first `-` (`khulna` for all three); a code
/// without one (`upazila:rupsha`) is its own group. National codes
/// (`all:bangladesh`) group as `all`.
public enum OfficeCode {
    public static func district(of code: String) -> String {
        guard let colon = code.firstIndex(of: ":") else { return code }
        if code[..<colon] == "all" { return "all" }
        let name = code[code.index(after: colon)...]
        return String(name.prefix { $0 != "-" })
    }
}
