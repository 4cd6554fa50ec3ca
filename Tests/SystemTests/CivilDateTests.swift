// CivilDate: days since the epoch to a calendar date and back, across leap years, centuries and before 1970.
import Testing
import System

@Suite struct CivilDateTests {
    @Test(arguments: [
        (Int64(0), Int64(1970), 1, 1), (-1, 1969, 12, 31), (59, 1970, 3, 1), (11_016, 2000, 2, 29), (11_017, 2000, 3, 1),
        (9075, 1994, 11, 6), (-25_567, 1900, 1, 1), (47_540, 2100, 2, 28), (47_541, 2100, 3, 1),
    ])
    func knownDates(days: Int64, year: Int64, month: Int, day: Int) {
        #expect(CivilDate(daysSinceEpoch: days) == CivilDate(year: year, month: month, day: day))
        #expect(CivilDate(year: year, month: month, day: day).daysSinceEpoch == days)
    }

    @Test func everyDayOfFourCenturiesRoundTrips() {
        for days in Int64(-73_000)...Int64(73_000) {
            #expect(CivilDate(daysSinceEpoch: days).daysSinceEpoch == days)
        }
    }
}
