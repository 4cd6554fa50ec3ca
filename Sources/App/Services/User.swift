// Users and sessions as the services see them, and their JSON forms (SPEC §1). Values; any thread.
import JSON
import Log
import Store

/// A user row.
struct User: Sendable, Equatable {
    let id: String
    var name: String
    let email: String?
    let image: String?
    let isAnonymous: Bool
    let providerId: String
    let createdAt: Int64

    static let columns = "u.id, u.name, u.email, u.image, u.is_anonymous, u.provider_id, u.created_at"

    /// Reads the `columns` above starting at `at`.
    init(row: Row, at i: Int = 0) {
        id = row.text(i)
        name = row.text(i + 1)
        email = row.optionalText(i + 2)
        image = row.optionalText(i + 3)
        isAnonymous = row.int(i + 4) != 0
        providerId = row.text(i + 5)
        createdAt = row.int(i + 6)
    }

    init(id: String, name: String, email: String?, image: String?, isAnonymous: Bool, providerId: String, createdAt: Int64) {
        self.id = id
        self.name = name
        self.email = email
        self.image = image
        self.isAnonymous = isAnonymous
        self.providerId = providerId
        self.createdAt = createdAt
    }

    func write(to out: inout [UInt8]) {
        out.append(contentsOf: "{\"id\":".utf8); JSONWriter.appendString(id, to: &out)
        out.append(contentsOf: ",\"name\":".utf8); JSONWriter.appendString(name, to: &out)
        out.append(contentsOf: ",\"email\":".utf8); JSONWriter.appendNullableString(email, to: &out)
        out.append(contentsOf: ",\"image\":".utf8); JSONWriter.appendNullableString(image, to: &out)
        out.append(contentsOf: ",\"isAnonymous\":".utf8); out.append(contentsOf: (isAnonymous ? "true" : "false").utf8)
        out.append(contentsOf: ",\"providerId\":".utf8); JSONWriter.appendString(providerId, to: &out)
        out.append(contentsOf: ",\"createdAt\":\"".utf8); ISO8601.append(milliseconds: createdAt, to: &out)
        out.append(contentsOf: "\"}".utf8)
    }

    var json: [UInt8] {
        var out: [UInt8] = []
        write(to: &out)
        return out
    }
}

/// A live session and its user.
struct Session: Sendable {
    let id: String
    let tokenHash: String
    var expiresAt: Int64
    let createdAt: Int64
    let user: User
}
