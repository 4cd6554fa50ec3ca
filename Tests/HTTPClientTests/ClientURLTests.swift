// ClientURL parsing and redirect resolution: schemes, hosts (IPv6 literals), ports, userinfo, relative references.
import Testing
@testable import HTTPClient

@Suite struct ClientURLTests {
    @Test(arguments: [
        ("http://example.com", false, "example.com", 80, "/", "example.com"),
        ("HTTPS://Example.COM/a/b?c=d#frag", true, "example.com", 443, "/a/b?c=d", "example.com"),
        ("http://127.0.0.1:8080/x", false, "127.0.0.1", 8080, "/x", "127.0.0.1:8080"),
        ("https://[::1]:8443/p", true, "::1", 8443, "/p", "[::1]:8443"),
        ("http://[2001:db8::1]/", false, "2001:db8::1", 80, "/", "[2001:db8::1]"),
        ("http://host:80/", false, "host", 80, "/", "host"),
        ("http://host:/", false, "host", 80, "/", "host"),
        ("http://host?q=1", false, "host", 80, "/?q=1", "host"),
        ("http://host/a b", false, "host", 80, "/a%20b", "host"),
        ("http://host/é", false, "host", 80, "/%C3%A9", "host"),
        ("  http://host/  ", false, "host", 80, "/", "host"),
        ("http://host./", false, "host", 80, "/", "host"),
    ])
    func parses(_ text: String, _ tls: Bool, _ host: String, _ port: Int, _ target: String, _ authority: String) throws {
        let url = try #require(ClientURL(text))
        #expect(url.isTLS == tls)
        #expect(url.host == host)
        #expect(url.port == port)
        #expect(url.target == target)
        #expect(url.authority == authority)
    }

    @Test(arguments: [
        "", "example.com", "ftp://example.com/", "http:/example.com", "http://", "http:///path",
        "http://user:pass@example.com/", "http://user@example.com/", "http://host:0/", "http://host:65536/",
        "http://host:12a/", "http://[::1/", "http://[nonsense]/", "http://[::1]x/", "http://ho st/", "http://a..b/",
        "http://exa\u{301}mple/", "http://host\\path",
    ])
    func rejects(_ text: String) {
        #expect(ClientURL(text) == nil)
    }

    @Test func ipLiteralsAreRecognised() throws {
        #expect(try #require(ClientURL("http://127.0.0.1/")).isIPLiteral)
        #expect(try #require(ClientURL("http://[::1]/")).isIPLiteral)
        #expect(try !#require(ClientURL("http://localhost/")).isIPLiteral)
    }

    @Test(arguments: [
        ("https://other.example/x", "https://other.example/x"),
        ("//other.example:81/y", "http://other.example:81/y"),
        ("/abs?q", "http://a.example/abs?q"),
        ("rel", "http://a.example/b/rel"),
        ("../up", "http://a.example/up"),
        ("./here/../there", "http://a.example/b/there"),
        ("?only=query", "http://a.example/b/c?only=query"),
        ("#frag", "http://a.example/b/c?q=1"),
        ("../../../../too/far", "http://a.example/too/far"),
        ("/with space", "http://a.example/with%20space"),
    ])
    func resolvesRelativeReferences(_ reference: String, _ expected: String) throws {
        let base = try #require(ClientURL("http://a.example/b/c?q=1"))
        #expect(base.resolve(reference)?.description == expected)
    }

    @Test func resolveRejectsOtherSchemes() throws {
        let base = try #require(ClientURL("http://a.example/"))
        #expect(base.resolve("ftp://x/") == nil)
        #expect(base.resolve("javascript:alert(1)") == nil)
    }
}
