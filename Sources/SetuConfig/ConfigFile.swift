import Foundation
import TOMLKit

/// A TOML config file, read strictly: unknown sections and keys are errors,
/// and every error names the file, the line, the key and the fix.
public final class ConfigFile {
    public let path: String
    let lines: [Substring]
    let root: TOMLTable
    private var knownSections: Set<String> = []

    public convenience init(path: String) throws {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError(file: path, line: nil, key: "", problem: "cannot read the file (\(error.localizedDescription))",
                              fix: "check the path and that it is readable UTF-8")
        }
        try self.init(path: path, text: text)
    }

    public init(path: String, text: String) throws {
        self.path = path
        lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError(file: path, line: error.source.begin.line, key: "", problem: "not valid TOML (\(error.description))",
                              fix: "correct the syntax on that line")
        }
    }

    /// A `[name]` table; empty when absent (every key then takes its default).
    public func section(_ name: String) throws -> ConfigSection {
        knownSections.insert(name)
        guard let value = root[name] else { return ConfigSection(file: self, name: name, table: TOMLTable()) }
        guard let table = value.table else {
            throw error(section: nil, key: name, problem: "must be a table", fix: "write it as [\(name)] followed by its keys")
        }
        return ConfigSection(file: self, name: name, table: table)
    }

    /// Refuses sections nobody asked for (a typo would otherwise be ignored).
    public func checkNoUnknownSections() throws {
        for key in root.keys where !knownSections.contains(key) {
            throw error(section: nil, key: key, problem: "unknown section",
                        fix: "the sections are \(knownSections.sorted().joined(separator: ", ")); remove it or fix its name")
        }
    }

    func error(section: String?, key: String, problem: String, fix: String) -> ConfigError {
        ConfigError(file: path, line: line(of: key, in: section), key: section.map { "\($0).\(key)" } ?? key, problem: problem, fix: fix)
    }

    /// The 1-based line where `key` is set inside `[section]` (or the section
    /// header itself when `section` is nil).
    func line(of key: String, in section: String?) -> Int? {
        var current: String?
        for (n, raw) in lines.enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") {
                current = line.trimmingCharacters(in: CharacterSet(charactersIn: "[] "))
                if section == nil, current == key { return n + 1 }
                continue
            }
            guard current == section, line.hasPrefix(key) else { continue }
            let rest = line.dropFirst(key.count).drop { $0 == " " || $0 == "\t" }
            if rest.hasPrefix("=") { return n + 1 }
        }
        return nil
    }
}

/// The keys of one `[section]`, typed and range-checked.
public final class ConfigSection {
    let file: ConfigFile
    public let name: String
    let table: TOMLTable
    private var used: Set<String> = []

    init(file: ConfigFile, name: String, table: TOMLTable) {
        self.file = file
        self.name = name
        self.table = table
    }

    public func error(_ key: String, _ problem: String, fix: String) -> ConfigError {
        file.error(section: name, key: key, problem: problem, fix: fix)
    }

    public func string(_ key: String) throws -> String? {
        used.insert(key)
        guard let value = table[key] else { return nil }
        guard let s = value.string else { throw error(key, "must be a string (got \(value.type))", fix: "put the value in double quotes") }
        return s
    }

    public func int(_ key: String, range: ClosedRange<Int>) throws -> Int? {
        used.insert(key)
        guard let value = table[key] else { return nil }
        guard let n = value.int else { throw error(key, "must be a whole number (got \(value.type))", fix: "write digits without quotes") }
        guard range.contains(n) else {
            throw error(key, "must be \(range.lowerBound)…\(range.upperBound) (got \(n))", fix: "choose a value in that range")
        }
        return n
    }

    public func bool(_ key: String) throws -> Bool? {
        used.insert(key)
        guard let value = table[key] else { return nil }
        guard let b = value.bool else { throw error(key, "must be true or false (got \(value.type))", fix: "write true or false without quotes") }
        return b
    }

    public func strings(_ key: String) throws -> [String]? {
        used.insert(key)
        guard let value = table[key] else { return nil }
        guard let array = value.array else { throw error(key, "must be a list of strings", fix: "write it as [\"a\", \"b\"]") }
        return try array.map { item in
            guard let s = item.string else { throw error(key, "must be a list of strings", fix: "put each item in double quotes") }
            return s
        }
    }

    /// Refuses keys nobody asked for: a misspelt key must not be silently ignored.
    public func checkNoUnknownKeys() throws {
        for key in table.keys where !used.contains(key) {
            throw error(key, "unknown key", fix: "the keys of [\(name)] are \(used.sorted().joined(separator: ", ")); remove it or fix its name")
        }
    }
}
