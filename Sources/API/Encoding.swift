// Response bodies of SPEC §1, §2, §8 and §9, written straight to bytes (no intermediate JSON values). Pure; any thread.
import Domain
import JSON
import Log
import Services

extension User {
    /// The `User` object.
    func write(to out: inout [UInt8]) {
        out.append(contentsOf: "{\"id\":".utf8); JSONWriter.appendString(id.raw, to: &out)
        out.append(contentsOf: ",\"name\":".utf8); JSONWriter.appendString(name, to: &out)
        out.append(contentsOf: ",\"email\":".utf8); JSONWriter.appendNullableString(email, to: &out)
        out.append(contentsOf: ",\"image\":".utf8); JSONWriter.appendNullableString(image, to: &out)
        out.append(contentsOf: ",\"isAnonymous\":".utf8); out.append(contentsOf: (isAnonymous ? "true" : "false").utf8)
        out.append(contentsOf: ",\"providerId\":".utf8); JSONWriter.appendString(providerId, to: &out)
        out.append(contentsOf: ",\"createdAt\":\"".utf8); ISO8601.append(milliseconds: createdAt, to: &out)
        out.append(contentsOf: "\"}".utf8)
    }

    public var json: [UInt8] {
        var out: [UInt8] = []
        write(to: &out)
        return out
    }
}

extension WorkflowRow {
    /// The `Workflow` object. `nodesOverride` replaces the stored nodes (public sanitisation).
    func json(isOwner: Bool, nodesOverride: String? = nil) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160 + nodesText.utf8.count + edgesText.utf8.count)
        out.append(contentsOf: "{\"id\":".utf8); JSONWriter.appendString(id.raw, to: &out)
        out.append(contentsOf: ",\"name\":".utf8); JSONWriter.appendString(name, to: &out)
        out.append(contentsOf: ",\"description\":".utf8); JSONWriter.appendNullableString(description, to: &out)
        out.append(contentsOf: ",\"userId\":".utf8); JSONWriter.appendString(userID.raw, to: &out)
        out.append(contentsOf: ",\"visibility\":".utf8); JSONWriter.appendString(visibility, to: &out)
        out.append(contentsOf: ",\"nodes\":".utf8); out.append(contentsOf: (nodesOverride ?? nodesText).utf8)
        out.append(contentsOf: ",\"edges\":".utf8); out.append(contentsOf: edgesText.utf8)
        out.append(contentsOf: ",\"createdAt\":\"".utf8); ISO8601.append(milliseconds: createdAt, to: &out)
        out.append(contentsOf: "\",\"updatedAt\":\"".utf8); ISO8601.append(milliseconds: updatedAt, to: &out)
        out.append(contentsOf: "\",\"isOwner\":".utf8); out.append(contentsOf: (isOwner ? "true" : "false").utf8)
        out.append(UInt8(ascii: "}"))
        return out
    }
}

extension IntegrationRow {
    /// The `Integration` object, with `config` when given.
    func json(config: JSON? = nil) -> [UInt8] {
        var out: [UInt8] = Array("{\"id\":".utf8)
        JSONWriter.appendString(id.raw, to: &out)
        out.append(contentsOf: ",\"name\":".utf8); JSONWriter.appendString(name, to: &out)
        out.append(contentsOf: ",\"type\":".utf8); JSONWriter.appendString(type, to: &out)
        out.append(contentsOf: ",\"createdAt\":\"".utf8); ISO8601.append(milliseconds: createdAt, to: &out)
        out.append(contentsOf: "\",\"updatedAt\":\"".utf8); ISO8601.append(milliseconds: updatedAt, to: &out)
        out.append(UInt8(ascii: "\""))
        if let config {
            out.append(contentsOf: ",\"config\":".utf8)
            config.write(to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }
}

extension APIKey {
    /// The `ApiKey` object (no secret).
    func write(to out: inout [UInt8]) {
        out.append(contentsOf: "{\"id\":".utf8); JSONWriter.appendString(id.raw, to: &out)
        out.append(contentsOf: ",\"name\":".utf8); JSONWriter.appendNullableString(name, to: &out)
        out.append(contentsOf: ",\"keyPrefix\":".utf8); JSONWriter.appendString(keyPrefix, to: &out)
        out.append(contentsOf: ",\"createdAt\":".utf8); JSONWriter.appendString(ISO8601.format(milliseconds: createdAt), to: &out)
        out.append(contentsOf: ",\"lastUsedAt\":".utf8)
        JSONWriter.appendNullableString(lastUsedAt.map { ISO8601.format(milliseconds: $0) }, to: &out)
        out.append(UInt8(ascii: "}"))
    }
}

extension CreatedAPIKey {
    /// The create response: the key's plaintext, shown this once.
    public var json: [UInt8] {
        var out: [UInt8] = Array("{\"id\":".utf8)
        JSONWriter.appendString(key.id.raw, to: &out)
        out.append(contentsOf: ",\"name\":".utf8); JSONWriter.appendNullableString(key.name, to: &out)
        out.append(contentsOf: ",\"key\":".utf8); JSONWriter.appendString(plaintext, to: &out)
        out.append(contentsOf: ",\"keyPrefix\":".utf8); JSONWriter.appendString(key.keyPrefix, to: &out)
        out.append(contentsOf: ",\"createdAt\":".utf8); JSONWriter.appendString(ISO8601.format(milliseconds: key.createdAt), to: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }
}

/// `[a,b,…]` of the items' objects.
func jsonArray<T>(_ items: [T], _ write: (T, inout [UInt8]) -> Void) -> [UInt8] {
    var out: [UInt8] = [UInt8(ascii: "[")]
    for (i, item) in items.enumerated() {
        if i > 0 { out.append(UInt8(ascii: ",")) }
        write(item, &out)
    }
    out.append(UInt8(ascii: "]"))
    return out
}
