import SetuProtocol
import SetuSync
import Testing

@Suite struct PageSizerTests {
    let configured = PageLimits(records: 500, bytes: 1 << 20)
    let hub = PageLimits(records: 5_000, bytes: 4 << 20)

    @Test func fullFastPagesDoubleUpToWhatTheHubServes() {
        var sizer = PageSizer(configured: configured)
        var seen: [Int] = []
        for _ in 0..<6 {
            sizer.observe(asked: sizer.current, records: sizer.current.records, bytes: 200_000, seconds: 0.05, hubLimits: hub)
            seen.append(sizer.current.records)
        }
        #expect(seen == [1_000, 2_000, 4_000, 5_000, 5_000, 5_000])
        #expect(sizer.current.bytes == 4 << 20)
    }

    @Test func aHubThatDoesNotSayIsAskedForTheConfiguredPageOnly() {
        var sizer = PageSizer(configured: configured)
        for _ in 0..<4 { sizer.observe(asked: sizer.current, records: 500, bytes: 200_000, seconds: 0.01, hubLimits: nil) }
        #expect(sizer.current == configured)
    }

    @Test func pagesDoNotGrowWhenGrowingIsOff() {
        var sizer = PageSizer(configured: configured, grows: false)
        for _ in 0..<4 { sizer.observe(asked: sizer.current, records: 500, bytes: 200_000, seconds: 0.01, hubLimits: hub) }
        #expect(sizer.current == configured)
    }

    /// A page that ended at the feed's end says nothing about the link.
    @Test func aShortPageDoesNotGrowTheNext() {
        var sizer = PageSizer(configured: configured)
        sizer.observe(asked: sizer.current, records: 120, bytes: 40_000, seconds: 0.01, hubLimits: hub)
        #expect(sizer.current == configured)
    }

    /// A page stopped by its byte bound is full too (large records).
    @Test func aPageStoppedByItsBytesIsFull() {
        var sizer = PageSizer(configured: configured)
        sizer.observe(asked: sizer.current, records: 90, bytes: 1_000_000, seconds: 0.05, hubLimits: hub)
        #expect(sizer.current == PageLimits(records: 1_000, bytes: 2 << 20))
    }

    @Test func aSlowPageHalvesTheNextButNeverBelowTheConfiguredOne() {
        var sizer = PageSizer(configured: configured)
        for _ in 0..<3 { sizer.observe(asked: sizer.current, records: sizer.current.records, bytes: 100_000, seconds: 0.05, hubLimits: hub) }
        #expect(sizer.current.records == 4_000)
        sizer.observe(asked: sizer.current, records: 4_000, bytes: 3_000_000, seconds: 2.5, hubLimits: hub)
        #expect(sizer.current.records == 2_000)
        for _ in 0..<5 { sizer.observe(asked: sizer.current, records: sizer.current.records, bytes: 1 << 20, seconds: 30, hubLimits: hub) }
        #expect(sizer.current == configured)
    }

    /// The 2G case: a configured page takes half a minute; it stays as it is.
    @Test func onASlowLinkPagesStayAtTheConfiguredSize() {
        var sizer = PageSizer(configured: configured)
        for _ in 0..<20 { sizer.observe(asked: sizer.current, records: 500, bytes: 1 << 20, seconds: 31, hubLimits: hub) }
        #expect(sizer.current == configured)
        // Between the two thresholds, a page neither grows nor shrinks.
        for _ in 0..<20 { sizer.observe(asked: sizer.current, records: 500, bytes: 300_000, seconds: 0.8, hubLimits: hub) }
        #expect(sizer.current == configured)
    }

    /// A hub whose bound is lowered while pages are large brings them down at once.
    @Test func aLoweredHubBoundIsHonouredAtOnce() {
        var sizer = PageSizer(configured: configured)
        for _ in 0..<4 { sizer.observe(asked: sizer.current, records: sizer.current.records, bytes: 100_000, seconds: 0.05, hubLimits: hub) }
        sizer.observe(asked: sizer.current, records: 100, bytes: 10_000, seconds: 0.05, hubLimits: PageLimits(records: 800, bytes: 1 << 20))
        #expect(sizer.current == PageLimits(records: 800, bytes: 1 << 20))
    }

    /// Each sync starts with the configured page, then doubles it page by
    /// page up to the size reached.
    @Test func aSyncsFirstPageIsTheConfiguredOneAndTheNextOnesRampUp() {
        var sizer = PageSizer(configured: configured)
        for _ in 0..<3 { sizer.observe(asked: sizer.current, records: sizer.current.records, bytes: 100_000, seconds: 0.05, hubLimits: hub) }
        #expect(sizer.next(page: 0) == configured)
        #expect((0..<6).map { sizer.next(page: $0).records } == [500, 1_000, 2_000, 4_000, 4_000, 4_000])
        #expect(sizer.next(page: 1).bytes == min(2 * configured.bytes, sizer.current.bytes))
        #expect(sizer.next(page: 1_000) == sizer.current, "far into a sync, the size reached")
        // A full, fast first page does not take the size reached down.
        sizer.observe(asked: configured, records: 500, bytes: 100_000, seconds: 0.05, hubLimits: hub)
        #expect(sizer.current.records == 4_000)
        // A slow one does: the link is slower now.
        sizer.observe(asked: configured, records: 500, bytes: 100_000, seconds: 3, hubLimits: hub)
        #expect(sizer.current == configured)
    }

    @Test func theHeaderReadsBackAndNothingElseIsTakenForABound() {
        let limits = PageLimits(records: 5_000, bytes: 4_194_304)
        #expect(limits.description == "records=5000, bytes=4194304")
        #expect(PageLimits(header: limits.description) == limits)
        #expect(PageLimits(header: "bytes=1024,records=7, later=1") == PageLimits(records: 7, bytes: 1_024))
        for bad in ["", "records=5000", "records=-1, bytes=1024", "records=x, bytes=1024", "records=5000; bytes=1024", "records=০, bytes=1"] {
            #expect(PageLimits(header: bad) == nil, "\(bad)")
        }
    }
}
