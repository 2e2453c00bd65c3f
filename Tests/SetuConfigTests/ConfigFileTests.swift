import Logging
import SetuConfig
import Testing

/// Strict reading of the TOML files: every refusal names the file, the line,
/// the key and what to do, and nothing is silently ignored.
@Suite struct ConfigFileTests {
    func refusal(_ text: String, _ read: (ConfigFile) throws -> Void) throws -> ConfigError? {
        let file = try ConfigFile(path: "setud.toml", text: text)
        do {
            try read(file)
            return nil
        } catch let error as ConfigError {
            return error
        }
    }

    @Test func theLogLevelDefaultsToInfoAndIsRead() throws {
        #expect(try ConfigFile(path: "t.toml", text: "").logLevel() == .info)
        #expect(try ConfigFile(path: "t.toml", text: "[log]\nlevel = \"debug\"\n").logLevel() == .debug)
    }

    @Test func anUnknownLogLevelNamesItsLineAndTheLevels() throws {
        let error = try refusal("[sync]\n\n[log]\n# quiet\nlevel = \"loud\"\n") { _ = try $0.logLevel() }
        #expect(error?.line == 5)
        #expect(error?.key == "log.level")
        #expect(error?.description == "setud.toml:5: log.level: unknown level loud; use trace, debug, info, notice, warning, error or critical")
    }

    @Test func aMisspeltKeyIsRefusedWithTheKeysThereAre() throws {
        let error = try refusal("[log]\nlevel = \"info\"\nlevle = \"debug\"\n") { _ = try $0.logLevel() }
        #expect(error?.line == 3)
        #expect(error?.key == "log.levle")
        #expect(error?.fix.contains("the keys of [log] are level") == true)
    }

    @Test func aNumberOutOfRangeOrOfTheWrongTypeSaysWhich() throws {
        let range = try refusal("[sync]\npage_records = 0\n") { _ = try $0.section("sync").int("page_records", range: 1...1_000) }
        #expect(range?.description == "setud.toml:2: sync.page_records: must be 1…1000 (got 0); choose a value in that range")
        let type = try refusal("[sync]\npage_records = \"500\"\n") { _ = try $0.section("sync").int("page_records", range: 1...1_000) }
        #expect(type?.line == 2)
        #expect(type?.problem.hasPrefix("must be a whole number") == true)
    }

    @Test func anUnknownSectionIsRefusedAtItsHeader() throws {
        let error = try refusal("[log]\nlevel = \"info\"\n\n[logs]\nlevel = \"debug\"\n") { file in
            _ = try file.logLevel()
            try file.checkNoUnknownSections()
        }
        #expect(error?.line == 4)
        #expect(error?.problem == "unknown section")
    }

    @Test func brokenTOMLNamesItsLine() {
        #expect {
            _ = try ConfigFile(path: "hub.toml", text: "[storage]\nkind = \"sqlite\"\npath = \n")
        } throws: { error in
            (error as? ConfigError)?.line == 3
        }
    }
}
