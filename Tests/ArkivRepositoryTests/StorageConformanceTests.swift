import ArkivArchive
import Foundation
import Testing

@testable import ArkivRepository

/// The storage interface's contract, run against every backend (restic's backend tests are the
/// model): the local directory and S3 (the SeaweedFS test server of `scripts/s3-test-server`).
/// Without the S3 server these tests fail; they never skip.
@Suite("Storage conformance")
struct StorageConformanceTests {
    enum Backend: String, CaseIterable, Sendable, CustomStringConvertible {
        case local, s3
        var description: String { rawValue }

        /// A fresh, empty storage: a temporary folder, or a new prefix in the test bucket.
        func make() throws -> any Storage {
            switch self {
            case .local:
                let path = FileManager.default.temporaryDirectory.appendingPathComponent("arkiv-storage-\(UUID().uuidString)").path
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
                return LocalStorage(root: path)
            case .s3:
                let storage = S3Storage(bucket: try S3TestServer.bucket(), prefix: "conformance/\(UUID().uuidString)",
                                        configuration: try S3TestServer.configuration())
                storage.partSize = 5 << 20
                return storage
            }
        }
    }

    static func bytes(_ count: Int, seed: UInt64 = 1) -> Data {
        var state = seed &* 0x9E37_79B9_7F4A_7C15
        return Data((0..<count).map { _ in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        })
    }

    @Test("save, stat, read, delete; a missing object is nil to stat, notFound to read, and no error to delete", arguments: Backend.allCases)
    func basics(backend: Backend) throws {
        let storage = try backend.make()
        let data = Self.bytes(1000)
        #expect(try storage.stat("set/file.arkiv") == nil)
        try storage.save("set/file.arkiv", data: data, ifAbsent: false)
        let info = try storage.stat("set/file.arkiv")
        #expect(info?.name == "set/file.arkiv" && info?.size == 1000)
        // When it was written (a drill's RPO comes from the manifest's): within clock skew of now.
        #expect(info?.modified.map { abs($0.timeIntervalSinceNow) < 300 } == true, "\(String(describing: info))")
        #expect(try storage.read("set/file.arkiv") == data)
        try storage.save("set/file.arkiv", data: Data("replaced".utf8), ifAbsent: false)
        #expect(try storage.read("set/file.arkiv") == Data("replaced".utf8))
        try storage.delete("set/file.arkiv")
        #expect(try storage.stat("set/file.arkiv") == nil)
        #expect(throws: StorageError.notFound("set/file.arkiv")) { _ = try storage.read("set/file.arkiv") }
        try storage.delete("set/file.arkiv")
        try storage.save("empty", data: Data(), ifAbsent: false)
        #expect(try storage.read("empty") == Data())
    }

    @Test("ranges read exactly the bytes asked for", arguments: Backend.allCases)
    func ranges(backend: Backend) throws {
        let storage = try backend.make()
        let data = Self.bytes(100_000, seed: 7)
        try storage.save("blob", data: data, ifAbsent: false)
        for range: Range<UInt64> in [0..<1, 10..<20, 99_990..<100_000, 0..<100_000, 5..<5] {
            #expect(try storage.read("blob", range: range) == data.subdata(in: Int(range.lowerBound)..<Int(range.upperBound)), "\(range)")
        }
    }

    @Test("list by prefix: every object under it, sorted, with sizes; nothing else", arguments: Backend.allCases)
    func listing(backend: Backend) throws {
        let storage = try backend.make()
        for (name, size) in [("a/2.arkiv", 2), ("a/1.arkiv", 1), ("a/sub/3", 3), ("ab", 4), ("b/5", 5)] {
            try storage.save(name, data: Self.bytes(size), ifAbsent: false)
        }
        #expect(try storage.list(prefix: "a/").map(\.name) == ["a/1.arkiv", "a/2.arkiv", "a/sub/3"])
        #expect(try storage.list(prefix: "a").map(\.name) == ["a/1.arkiv", "a/2.arkiv", "a/sub/3", "ab"])
        #expect(try storage.list(prefix: "").map(\.size) == [1, 2, 3, 4, 5])
        #expect(try storage.list(prefix: "c/").isEmpty)
        // A folder with no object in it is seen only where folders exist: a set a backup made and died in.
        if let local = storage as? LocalStorage {
            try FileManager.default.createDirectory(atPath: local.root + "/20261203T101500Z-abc123", withIntermediateDirectories: false)
            #expect(try storage.topLevelFolders() == ["20261203T101500Z-abc123", "a", "b"])
            #expect(try StoredSets(storage: storage).sets().map(\.complete) == [false])
        } else {
            #expect(try storage.topLevelFolders().isEmpty)
        }
    }

    @Test("save ifAbsent: the name is taken once; of eight writers racing for it exactly one wins", arguments: Backend.allCases)
    func ifAbsent(backend: Backend) throws {
        let storage = try backend.make()
        try storage.save("lock", data: Data("first".utf8), ifAbsent: true)
        #expect(throws: StorageError.alreadyExists("lock")) { try storage.save("lock", data: Data("second".utf8), ifAbsent: true) }
        #expect(try storage.read("lock") == Data("first".utf8))

        let winners = Winners()
        DispatchQueue.concurrentPerform(iterations: 8) { index in
            if (try? storage.save("race", data: Data("writer \(index)".utf8), ifAbsent: true)) != nil { winners.add(index) }
        }
        #expect(winners.count == 1)
        #expect(try String(decoding: storage.read("race"), as: UTF8.self) == "writer \(winners.first ?? -1)")
    }

    @Test("a large upload in odd pieces (several parts on S3) reads back whole and streamed; an aborted one leaves nothing", arguments: Backend.allCases)
    func uploads(backend: Backend) throws {
        let storage = try backend.make()
        let data = Self.bytes(12 << 20 | 12_345, seed: 3)
        let upload = try storage.upload("set/big.arkiv")
        var offset = 0
        while offset < data.count {
            let piece = min(777_777, data.count - offset)
            try data.subdata(in: offset..<(offset + piece)).withUnsafeBytes { try upload.write($0) }
            offset += piece
        }
        #expect(try storage.stat("set/big.arkiv") == nil, "not visible before finish")
        try upload.finish()
        #expect(try storage.stat("set/big.arkiv")?.size == UInt64(data.count))
        let hasher = try SHA256()
        var streamed = 0
        try storage.read("set/big.arkiv") { bytes in
            try hasher.update(bytes)
            streamed += bytes.count
        }
        #expect(streamed == data.count)
        #expect(try hasher.finalize() == (try SHA256.hash(Array(data))))

        let aborted = try storage.upload("set/aborted.arkiv")
        try data.withUnsafeBytes { try aborted.write($0) }
        aborted.abort()
        #expect(try storage.stat("set/aborted.arkiv") == nil)
        #expect(try storage.list(prefix: "set/").map(\.name) == ["set/big.arkiv"])
        if let s3 = storage as? S3Storage {
            #expect(try s3.abandonedUploads().isEmpty, "the aborted multipart upload is gone")
        }
    }

    @Test("names that could leave the repository are refused", arguments: Backend.allCases)
    func names(backend: Backend) throws {
        let storage = try backend.make()
        for name in ["", "../x", "a/../b", "/abs", "a//b", "./a", "a/"] {
            #expect(throws: StorageError.invalidName(name)) { try storage.save(name, data: Data(), ifAbsent: false) }
        }
    }
}

/// Thread-safe collection of the racers that won.
final class Winners: @unchecked Sendable {
    private let lock = NSLock()
    private var indexes: [Int] = []
    func add(_ index: Int) { lock.lock(); indexes.append(index); lock.unlock() }
    var count: Int { lock.lock(); defer { lock.unlock() }; return indexes.count }
    var first: Int? { lock.lock(); defer { lock.unlock() }; return indexes.first }
}

/// The S3 test server's coordinates (`scripts/s3-test-server start` prints them).
enum S3TestServer {
    struct Missing: Error, CustomStringConvertible {
        let variable: String
        var description: String { "\(variable) is not set: start the S3 test server with `eval \"$(scripts/s3-test-server start)\"` or run scripts/test" }
    }

    static func variable(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment["ARKIV_TEST_S3_" + name], !value.isEmpty else { throw Missing(variable: "ARKIV_TEST_S3_" + name) }
        return value
    }

    static func bucket() throws -> String { try variable("BUCKET") }

    static func configuration(readOnly: Bool = false, secret: String? = nil) throws -> S3Configuration {
        guard let endpoint = URL(string: try variable("ENDPOINT")) else { throw Missing(variable: "ARKIV_TEST_S3_ENDPOINT") }
        return S3Configuration(endpoint: endpoint, region: try variable("REGION"), pathStyle: true,
                               accessKeyID: try variable(readOnly ? "READONLY_ACCESS_KEY_ID" : "ACCESS_KEY_ID"),
                               secretAccessKey: try secret ?? variable(readOnly ? "READONLY_SECRET_ACCESS_KEY" : "SECRET_ACCESS_KEY"))
    }
}

/// What goes wrong with S3 as an operator meets it: each a clear error naming the fix, and no
/// secret in any message.
@Suite("S3 errors")
struct S3ErrorTests {
    @Test("a wrong secret, a missing bucket, a read-only key, a wrong endpoint: each named with its fix; the secret never in the message")
    func errors() throws {
        let secret = "wrong" + String(UUID().uuidString.prefix(12))
        let wrong = S3Storage(bucket: try S3TestServer.bucket(), prefix: "errors", configuration: try S3TestServer.configuration(secret: secret))
        let denied = #expect(throws: StorageError.self) { try wrong.save("x", data: Data("x".utf8), ifAbsent: false) }
        #expect("\(denied.map { "\($0)" } ?? "")".contains("SignatureDoesNotMatch: the access key or its secret is wrong"))
        #expect(!"\(denied.map { "\($0)" } ?? "")".contains(secret))

        let missing = S3Storage(bucket: "arkiv-no-such-bucket", prefix: "", configuration: try S3TestServer.configuration())
        let noBucket = #expect(throws: StorageError.self) { _ = try missing.list(prefix: "") }
        #expect("\(noBucket.map { "\($0)" } ?? "")".contains("bucket arkiv-no-such-bucket does not exist"), "\(String(describing: noBucket))")

        let reader = S3Storage(bucket: try S3TestServer.bucket(), prefix: "errors", configuration: try S3TestServer.configuration(readOnly: true))
        let readOnly = #expect(throws: StorageError.self) { try reader.save("x", data: Data("x".utf8), ifAbsent: false) }
        #expect("\(readOnly.map { "\($0)" } ?? "")".contains("access denied"), "\(String(describing: readOnly))")
        _ = try reader.list(prefix: "")

        var configuration = try S3TestServer.configuration()
        configuration.endpoint = try #require(URL(string: "http://127.0.0.1:9"))
        let nowhere = S3Storage(bucket: try S3TestServer.bucket(), prefix: "", configuration: configuration)
        nowhere.retry = RetryPolicy(attempts: 2, base: 0.01, cap: 0.02)
        let unreachable = #expect(throws: StorageError.self) { _ = try nowhere.stat("x") }
        #expect("\(unreachable.map { "\($0)" } ?? "")".contains("could not be reached") && "\(unreachable.map { "\($0)" } ?? "")".contains("after 2 attempts"),
                "\(String(describing: unreachable))")
    }

    @Test("what is worth running again is told apart from what is not")
    func transient() {
        #expect(StorageError.unreachable("x", detail: "connection refused").isTransient)
        #expect(StorageError.service("x", status: 503, code: "SlowDown", message: "").isTransient)
        #expect(StorageError.service("x", status: 500, code: "InternalError", message: "").isTransient)
        #expect(!StorageError.service("x", status: 404, code: "NoSuchBucket", message: "").isTransient)
        #expect(!StorageError.permission("x", detail: "AccessDenied").isTransient)
        #expect(!StorageError.io("x", operation: "write", errno: ENOSPC).isTransient)
        #expect(!StorageError.misconfigured("no credentials").isTransient)
    }

    @Test("s3://bucket/prefix parses; a bad bucket name is refused with the form to use")
    func locations() throws {
        #expect(try RepositoryLocation("s3://arkiv-backups/docker/nightly") == .s3(bucket: "arkiv-backups", prefix: "docker/nightly"))
        #expect(try RepositoryLocation("s3://arkiv-backups") == .s3(bucket: "arkiv-backups", prefix: ""))
        #expect(try RepositoryLocation("/var/backups/arkiv") == .local("/var/backups/arkiv"))
        #expect(throws: StorageError.self) { _ = try RepositoryLocation("s3://Bad_Bucket/x") }
    }

    @Test("the endpoint, region, path style and credentials resolve as the AWS tools resolve them; none means a clear error")
    func configuration() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("arkiv-aws-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try "[backup]\naws_access_key_id = AKPROFILE\naws_secret_access_key = profile-secret\n".write(toFile: folder + "/credentials", atomically: true, encoding: .utf8)
        try "[profile backup]\nregion = eu-central-1\n".write(toFile: folder + "/config", atomically: true, encoding: .utf8)
        let fromProfile = try S3Configuration.resolve(environment: [
            "AWS_PROFILE": "backup", "AWS_SHARED_CREDENTIALS_FILE": folder + "/credentials", "AWS_CONFIG_FILE": folder + "/config"])
        #expect(fromProfile.accessKeyID == "AKPROFILE" && fromProfile.region == "eu-central-1" && !fromProfile.pathStyle)
        #expect(fromProfile.endpoint.absoluteString == "https://s3.eu-central-1.amazonaws.com")
        let fromEnvironment = try S3Configuration.resolve(environment: [
            "AWS_ACCESS_KEY_ID": "AKENV", "AWS_SECRET_ACCESS_KEY": "s", "AWS_ENDPOINT_URL_S3": "http://127.0.0.1:8333", "AWS_REGION": "auto"])
        #expect(fromEnvironment.pathStyle && fromEnvironment.region == "auto" && fromEnvironment.endpoint.port == 8333)
        #expect(throws: StorageError.self) { _ = try S3Configuration.resolve(environment: ["HOME": folder]) }
    }
}

@Suite("S3 XML")
struct S3XMLTests {
    @Test("entities and numeric references are decoded; repeated blocks are found")
    func decoding() {
        let xml: Substring = "<ListBucketResult><Contents><Key>a&amp;b</Key><ETag>&#34;abc&#34;</ETag></Contents><Contents><Key>c&#x2F;d</Key></Contents></ListBucketResult>"
        #expect(S3XML.blocks("Contents", in: xml).compactMap { S3XML.value("Key", in: $0) } == ["a&b", "c/d"])
        #expect(S3XML.value("ETag", in: xml) == "\"abc\"")
    }
}
