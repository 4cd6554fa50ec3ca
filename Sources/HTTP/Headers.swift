// Request header fields: one copy of the raw header bytes plus offsets, looked up case-insensitively. Immutable value; any thread.

/// The header fields of a request, in arrival order.
public struct Headers: Sendable {
    struct Field: Sendable {
        let nameStart: Int32, nameEnd: Int32, valueStart: Int32, valueEnd: Int32
    }

    let storage: [UInt8]
    let fields: [Field]

    init(storage: [UInt8], fields: [Field]) {
        self.storage = storage
        self.fields = fields
    }

    /// Builds headers from name/value pairs (tests, internal requests).
    public init(_ pairs: [(String, String)]) {
        var storage = [UInt8]()
        var fields = [Field]()
        for (n, v) in pairs {
            let ns = Int32(storage.count); storage.append(contentsOf: n.utf8); let ne = Int32(storage.count)
            storage.append(contentsOf: ": ".utf8)
            let vs = Int32(storage.count); storage.append(contentsOf: v.utf8); let ve = Int32(storage.count)
            storage.append(contentsOf: "\r\n".utf8)
            fields.append(Field(nameStart: ns, nameEnd: ne, valueStart: vs, valueEnd: ve))
        }
        self.storage = storage
        self.fields = fields
    }

    public var count: Int { fields.count }

    /// The first value of `name` (case-insensitive), or nil.
    public subscript(_ name: String) -> String? {
        var key = name
        return key.withUTF8 { k -> String? in
            for f in fields where Headers.equalsIgnoringCase(storage, f.nameStart, f.nameEnd, k) {
                return String(decoding: storage[Int(f.valueStart)..<Int(f.valueEnd)], as: UTF8.self)
            }
            return nil
        }
    }

    /// Every value of `name`, in order.
    public func values(_ name: String) -> [String] {
        var key = name
        return key.withUTF8 { k -> [String] in
            var out: [String] = []
            for f in fields where Headers.equalsIgnoringCase(storage, f.nameStart, f.nameEnd, k) {
                out.append(String(decoding: storage[Int(f.valueStart)..<Int(f.valueEnd)], as: UTF8.self))
            }
            return out
        }
    }

    public func contains(_ name: String) -> Bool { self[name] != nil }

    /// All fields as (name, value) strings.
    public var pairs: [(name: String, value: String)] {
        fields.map {
            (String(decoding: storage[Int($0.nameStart)..<Int($0.nameEnd)], as: UTF8.self),
             String(decoding: storage[Int($0.valueStart)..<Int($0.valueEnd)], as: UTF8.self))
        }
    }

    @inline(__always)
    static func equalsIgnoringCase(_ s: [UInt8], _ start: Int32, _ end: Int32, _ key: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = Int(end - start)
        guard n == key.count else { return false }
        var i = 0
        var j = Int(start)
        while i < n {
            if lower(s[j]) != lower(key[i]) { return false }
            i += 1; j += 1
        }
        return true
    }

    @inline(__always)
    static func lower(_ b: UInt8) -> UInt8 { (b >= 65 && b <= 90) ? b | 0x20 : b }
}
