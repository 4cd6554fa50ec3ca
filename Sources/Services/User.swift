// Users and sessions as the services see them (SPEC §1). Values; any thread.
import Domain
import Store

/// A user row.
public struct User: Sendable, Equatable {
    public let id: UserID
    public var name: String
    public let email: String?
    public let image: String?
    public let isAnonymous: Bool
    public let providerId: String
    public let createdAt: Int64

    static let columns = "u.id, u.name, u.email, u.image, u.is_anonymous, u.provider_id, u.created_at"

    /// Reads the `columns` above starting at `at`.
    init(row: Row, at i: Int = 0) {
        id = UserID(row.text(i))
        name = row.text(i + 1)
        email = row.optionalText(i + 2)
        image = row.optionalText(i + 3)
        isAnonymous = row.int(i + 4) != 0
        providerId = row.text(i + 5)
        createdAt = row.int(i + 6)
    }

    public init(id: UserID, name: String, email: String?, image: String?, isAnonymous: Bool, providerId: String, createdAt: Int64) {
        self.id = id
        self.name = name
        self.email = email
        self.image = image
        self.isAnonymous = isAnonymous
        self.providerId = providerId
        self.createdAt = createdAt
    }
}

/// A live session and its user.
public struct Session: Sendable {
    public let id: SessionID
    public let tokenHash: String
    public var expiresAt: Int64
    public let createdAt: Int64
    public let user: User
}

/// A session just created: its cookie token (only the hash is stored) and its user.
public struct SignedIn: Sendable {
    public let user: User
    public let token: String
}
