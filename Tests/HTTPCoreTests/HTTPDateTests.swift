// HTTPDate: IMF-fixdate rendering (RFC 9110 §5.6.7) and the cached `Date:` line.
import Testing
@testable import HTTPCore

@Suite struct HTTPDateTests {
    @Test func formatsTheRFCExample() {
        #expect(HTTPDate.format(seconds: 784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.format(seconds: 0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDate.format(seconds: 951_782_400) == "Tue, 29 Feb 2000 00:00:00 GMT")
    }

    @Test func refreshRendersAHeaderLine() {
        var date = HTTPDate()
        date.refresh()
        let line = String(decoding: date.line, as: UTF8.self)
        #expect(line.hasPrefix("Date: ") && line.hasSuffix(" GMT\r\n") && date.line.count == 37)
    }
}
