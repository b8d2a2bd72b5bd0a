import ArkivArchive
import CCurl
import Foundation

/// A repository in an S3 bucket under a prefix, through the portable subset of S3 that AWS,
/// Backblaze B2, Cloudflare R2, Hetzner, MinIO, SeaweedFS and Supabase Storage all speak:
/// PUT/GET (ranged)/HEAD/DELETE, ListObjectsV2, multipart uploads, and `If-None-Match: *`.
///
/// Integrity on upload is Signature V4 over the real payload hash (`x-amz-content-sha256` is the
/// body's SHA-256, so the service checks every byte as it arrives); no optional checksum
/// headers (B2 and R2 refuse them) and no meaning read into ETags (R2's are not MD5s). What is
/// read back is trusted only against the manifest's SHA-256s.
public final class S3Storage: Storage, @unchecked Sendable {
    public let bucket: String
    /// Without a trailing slash; "" for the bucket's root.
    public let prefix: String
    public let configuration: S3Configuration
    /// Bytes per multipart part; a smaller object is one PUT.
    public var partSize = 8 << 20
    /// Parts of one upload sent at once: the network's latency hidden behind the next part.
    public var partsInFlight = 2
    public var retry = RetryPolicy.standard
    private let client: CurlClient

    public init(bucket: String, prefix: String, configuration: S3Configuration) {
        self.bucket = bucket
        self.prefix = prefix.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        self.configuration = configuration
        client = CurlClient(region: configuration.region, accessKeyID: configuration.accessKeyID,
                            secretAccessKey: configuration.secretAccessKey, caBundle: configuration.caBundle)
    }

    public var location: String { "s3://\(bucket)" + (prefix.isEmpty ? "" : "/" + prefix) }

    /// `Last-Modified: Wed, 03 Dec 2026 16:43:00 GMT`.
    static let httpDate: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter
    }()

    // MARK: Storage

    public func stat(_ name: String) throws(StorageError) -> ObjectInfo? {
        let response = try send("HEAD", key: try key(name), object: name, accept: [200, 404])
        guard response.status == 200 else { return nil }
        let modified = response.headers["last-modified"].flatMap { S3Storage.httpDate.date(from: $0) }
        return ObjectInfo(name: name, size: UInt64(response.headers["content-length"] ?? "") ?? 0, modified: modified)
    }

    public func list(prefix wanted: String) throws(StorageError) -> [ObjectInfo] {
        let base = prefix.isEmpty ? "" : prefix + "/"
        var objects: [ObjectInfo] = []
        var token: String?
        repeat {
            var query = [("list-type", "2"), ("prefix", base + wanted)]
            if let token { query.append(("continuation-token", token)) }
            let response = try send("GET", key: nil, query: query, object: location + "/" + wanted)
            let xml = Substring(decoding: response.body, as: UTF8.self)
            for entry in S3XML.blocks("Contents", in: xml) {
                guard let key = S3XML.value("Key", in: entry), key.hasPrefix(base) else { continue }
                objects.append(ObjectInfo(name: String(key.dropFirst(base.count)), size: UInt64(S3XML.value("Size", in: entry) ?? "") ?? 0))
            }
            token = S3XML.value("IsTruncated", in: xml) == "true" ? S3XML.value("NextContinuationToken", in: xml) : nil
        } while token != nil
        return objects.sorted { $0.name < $1.name }
    }

    public func read(_ name: String, range: Range<UInt64>?) throws(StorageError) -> Data {
        if let range, range.isEmpty { return Data() }
        var headers: [String] = []
        if let range { headers.append("Range: bytes=\(range.lowerBound)-\(range.upperBound - 1)") }
        let response = try send("GET", key: try key(name), headers: headers, object: name, accept: [200, 206])
        return response.body
    }

    public func read(_ name: String, into sink: (UnsafeRawBufferPointer) throws -> Void) throws(StorageError) {
        // A transfer cut short resumes where it stopped: the sink never sees a byte twice.
        var delivered: UInt64 = 0
        try withoutActuallyEscaping(sink) { sink throws(StorageError) in
            let counting: (UnsafeRawBufferPointer) throws -> Void = { bytes in
                try sink(bytes)
                delivered += UInt64(bytes.count)
            }
            _ = try send("GET", key: try key(name), object: name, accept: [200, 206], sink: counting,
                         headersForAttempt: { delivered > 0 ? ["Range: bytes=\(delivered)-"] : [] })
        }
    }

    public func save(_ name: String, data: Data, ifAbsent: Bool) throws(StorageError) {
        var headers = ["Content-Type: application/octet-stream"]
        if ifAbsent { headers.append("If-None-Match: *") }
        let response = try send("PUT", key: try key(name), headers: headers, body: data, object: name, accept: [200, 412])
        if response.status == 412 { throw .alreadyExists(name) }
    }

    public func upload(_ name: String) throws(StorageError) -> any StorageUpload {
        S3Upload(storage: self, key: try key(name), name: name)
    }

    public func delete(_ name: String) throws(StorageError) {
        _ = try send("DELETE", key: try key(name), object: name, accept: [200, 204, 404])
    }

    // MARK: Multipart uploads (used by S3Upload, and by prune for abandoned ones)

    /// Multipart uploads under this repository's prefix that were started and not finished,
    /// with when they started (nil when the service does not say).
    public func abandonedUploads() throws(StorageError) -> [(key: String, uploadID: String, initiated: Date?)] {
        let base = prefix.isEmpty ? "" : prefix + "/"
        let response = try send("GET", key: nil, query: [("prefix", base), ("uploads", "")], object: location)
        let dates = ISO8601DateFormatter()
        dates.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        return S3XML.blocks("Upload", in: Substring(decoding: response.body, as: UTF8.self)).compactMap { block in
            guard let key = S3XML.value("Key", in: block), let id = S3XML.value("UploadId", in: block) else { return nil }
            let initiated = S3XML.value("Initiated", in: block).flatMap { dates.date(from: $0) ?? plain.date(from: $0) }
            return (key, id, initiated)
        }
    }

    public func abortUpload(key: String, uploadID: String) throws(StorageError) {
        _ = try send("DELETE", key: key, query: [("uploadId", uploadID)], object: key, accept: [200, 204, 404])
    }

    func startMultipart(key: String, name: String) throws(StorageError) -> String {
        let response = try send("POST", key: key, query: [("uploads", "")], headers: ["Content-Type: application/octet-stream"],
                                body: Data(), object: name)
        guard let id = S3XML.value("UploadId", in: Substring(decoding: response.body, as: UTF8.self)) else {
            throw .service(name, status: response.status, code: "NoUploadId", message: "CreateMultipartUpload answered without an UploadId")
        }
        return id
    }

    /// Completes the upload. The part list carries no ETags arkiv would interpret: they are
    /// passed back as the service gave them.
    func completeMultipart(key: String, name: String, uploadID: String, etags: [String]) throws(StorageError) {
        var xml = "<CompleteMultipartUpload>"
        for (index, etag) in etags.enumerated() {
            xml += "<Part><PartNumber>\(index + 1)</PartNumber><ETag>\(S3XML.escape(etag))</ETag></Part>"
        }
        xml += "</CompleteMultipartUpload>"
        let response = try send("POST", key: key, query: [("uploadId", uploadID)], headers: ["Content-Type: application/xml"],
                                body: Data(xml.utf8), object: name)
        // A completion can fail after a 200 header: the error is in the body.
        if let code = S3XML.value("Code", in: Substring(decoding: response.body, as: UTF8.self)) {
            throw .service(name, status: response.status, code: code, message: S3XML.value("Message", in: Substring(decoding: response.body, as: UTF8.self)) ?? "")
        }
    }

    /// One part, sent again on a transient failure (never the whole object).
    func partETag(key: String, name: String, uploadID: String, number: Int, data: Data) throws(StorageError) -> String {
        let response = try send("PUT", key: key, query: [("partNumber", String(number)), ("uploadId", uploadID)], body: data, object: name)
        guard let etag = response.headers["etag"] else {
            throw .service(name, status: response.status, code: "NoETag", message: "UploadPart answered without an ETag")
        }
        return etag
    }

    // MARK: Requests

    /// The object key of a repository name.
    func key(_ name: String) throws(StorageError) -> String {
        try Self.checkName(name)
        return prefix.isEmpty ? name : prefix + "/" + name
    }

    /// One request, retried on transient failures with exponential backoff and jitter; any other
    /// status than `accept` is an error naming the object, the status and the service's code.
    @discardableResult
    private func send(_ method: String, key: String?, query: [(String, String)] = [], headers: [String] = [], body: Data? = nil,
                      object: String, accept: Set<Int> = [200], sink: ((UnsafeRawBufferPointer) throws -> Void)? = nil,
                      headersForAttempt: () -> [String] = { [] }) throws(StorageError) -> CurlClient.Response {
        var request = CurlClient.Request(method: method, url: url(key: key, query: query), headers: headers, body: body, sink: sink)
        let payload = body ?? Data()
        // Hashed in place: a part is 8 MiB, and this runs for every one of them.
        let digest = (try? payload.withUnsafeBytes { bytes throws(ArchiveError) in try SHA256.hash(bytes) }) ?? []
        request.headers.append("x-amz-content-sha256: " + Hex.encode(digest))
        if let token = configuration.sessionToken { request.headers.append("x-amz-security-token: " + token) }
        var attempt = 0
        while true {
            attempt += 1
            var this = request
            this.headers += headersForAttempt()
            let outcome: Result<CurlClient.Response, any Error>
            do { outcome = .success(try client.perform(this)) } catch { outcome = .failure(error) }
            switch outcome {
            case .success(let response) where accept.contains(response.status):
                return response
            case .success(let response):
                let xml = Substring(decoding: response.body, as: UTF8.self)
                let code = S3XML.value("Code", in: xml) ?? (response.status == 404 ? "NotFound" : "HTTP\(response.status)")
                let message = S3XML.value("Message", in: xml) ?? ""
                if RetryPolicy.isTransient(status: response.status, code: code), attempt < retry.attempts {
                    retry.pause(before: attempt + 1)
                    continue
                }
                throw classify(object: object, status: response.status, code: code, message: message)
            case .failure(let error as CurlClient.TransportError):
                if error.code == CURLE_PEER_FAILED_VERIFICATION {
                    throw .misconfigured("\(configuration.endpoint.absoluteString): its TLS certificate is not trusted (\(error.message)); "
                        + "if the service has a CA of its own, set AWS_CA_BUNDLE to that CA's certificate (PEM)"
                        + (configuration.caBundle.map { ", not \($0)" } ?? ""))
                }
                if error.code == CURLE_SSL_CACERT_BADFILE {
                    throw .misconfigured("the CA bundle \(configuration.caBundle ?? "of the system") cannot be read: set AWS_CA_BUNDLE to a PEM file")
                }
                if error.isTransient, attempt < retry.attempts {
                    retry.pause(before: attempt + 1)
                    continue
                }
                throw .unreachable(object, detail: "\(configuration.endpoint.absoluteString): \(error.message)"
                                   + (error.isTransient ? " (after \(attempt) attempts)" : ""))
            case .failure(let error as StorageError):
                throw error
            case .failure(let error):
                throw .consumer(object, message: "\(error)")
            }
        }
    }

    /// The errors an operator can act on, each with the fix.
    private func classify(object: String, status: Int, code: String, message: String) -> StorageError {
        switch (status, code) {
        case (404, "NoSuchBucket"):
            return .misconfigured("bucket \(bucket) does not exist at \(configuration.endpoint.absoluteString): create it, or fix the bucket in \(location)")
        case (404, _): return .notFound(object)
        case (403, "SignatureDoesNotMatch"), (403, "InvalidAccessKeyId"):
            return .permission(object, detail: "\(code): the access key or its secret is wrong (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)")
        case (403, _): return .permission(object, detail: "\(code): the key may not do this here (the bucket policy or the key's rights)")
        case (400, "AuthorizationHeaderMalformed"), (301, _), (400, "IllegalLocationConstraintException"):
            return .misconfigured("\(object): wrong region \(configuration.region) for bucket \(bucket) (\(code)\(message.isEmpty ? "" : ": " + message)); set AWS_REGION to the bucket's region")
        default: return .service(object, status: status, code: code, message: message)
        }
    }

    private func url(key: String?, query: [(String, String)]) -> String {
        var base = configuration.endpoint.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        var path: String
        if configuration.pathStyle {
            path = base + "/" + bucket
        } else {
            let scheme = configuration.endpoint.scheme ?? "https"
            let host = configuration.endpoint.host ?? ""
            path = "\(scheme)://\(bucket).\(host)" + (configuration.endpoint.port.map { ":\($0)" } ?? "")
        }
        if let key { path += "/" + key.split(separator: "/", omittingEmptySubsequences: false).map { Self.encode(String($0)) }.joined(separator: "/") }
        else { path += "/" }
        // Sorted, as Signature V4's canonical query string is.
        let sorted = query.sorted { $0.0 < $1.0 }
        guard !sorted.isEmpty else { return path }
        return path + "?" + sorted.map { Self.encode($0.0) + "=" + Self.encode($0.1) }.joined(separator: "&")
    }

    /// RFC 3986 unreserved characters stay, everything else is %XX (as Signature V4 wants).
    static func encode(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                result.append(Character(UnicodeScalar(byte)))
            default:
                result += String(format: "%%%02X", byte)
            }
        }
        return result
    }
}

/// How often and how patiently a request is tried: exponential backoff with full jitter.
public struct RetryPolicy: Sendable {
    public var attempts: Int
    public var base: TimeInterval
    public var cap: TimeInterval

    /// `ARKIV_S3_ATTEMPTS` overrides the number of attempts (tests make failures quick).
    public static var standard: RetryPolicy {
        RetryPolicy(attempts: Int(ProcessInfo.processInfo.environment["ARKIV_S3_ATTEMPTS"] ?? "") ?? 6, base: 0.2, cap: 10)
    }

    static func isTransient(status: Int, code: String) -> Bool {
        [500, 502, 503, 504].contains(status) || ["SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable"].contains(code)
    }

    func pause(before attempt: Int) {
        let ceiling = min(cap, base * pow(2, Double(attempt - 2)))
        Thread.sleep(forTimeInterval: Double.random(in: 0...ceiling))
    }
}

/// A large object: parts of `partSize` sent as they fill, up to `partsInFlight` at once on their
/// own threads while the writer fills the next (one PUT when it stays smaller); visible only
/// after the completion; `abort` removes every part sent. Memory stays at most
/// `partsInFlight + 1` parts whatever the object's size: the writer waits for a free slot.
// Sendable: the parts' results go through `state`; buffer and uploadID belong to the writer thread.
final class S3Upload: StorageUpload, @unchecked Sendable {
    private let storage: S3Storage
    private let key: String
    private let name: String
    private var buffer = Data()
    private var uploadID: String?
    private var partsStarted = 0
    private let slots: DispatchSemaphore
    private let sending = DispatchGroup()
    private let state = NSLock()
    private var etags: [Int: String] = [:]
    private var failure: StorageError?

    init(storage: S3Storage, key: String, name: String) {
        self.storage = storage
        self.key = key
        self.name = name
        slots = DispatchSemaphore(value: max(1, storage.partsInFlight))
        buffer.reserveCapacity(storage.partSize)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(StorageError) {
        var rest = bytes
        while !rest.isEmpty {
            let take = min(rest.count, storage.partSize - buffer.count)
            buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest[0..<take]))
            rest = UnsafeRawBufferPointer(rebasing: rest[take...])
            if buffer.count == storage.partSize { try sendPart() }
        }
    }

    private var firstFailure: StorageError? {
        state.lock()
        defer { state.unlock() }
        return failure
    }

    /// Hands the full buffer to a sender; a part that failed for good (after its own retries)
    /// stops the upload at the next write.
    private func sendPart() throws(StorageError) {
        if let failure = firstFailure { throw failure }
        if uploadID == nil { uploadID = try storage.startMultipart(key: key, name: name) }
        guard let uploadID else { return }
        partsStarted += 1
        let number = partsStarted
        let part = buffer
        buffer = Data()
        buffer.reserveCapacity(storage.partSize)
        slots.wait()
        sending.enter()
        DispatchQueue.global().async { [self] in
            defer {
                slots.signal()
                sending.leave()
            }
            do throws(StorageError) {
                let etag = try storage.partETag(key: key, name: name, uploadID: uploadID, number: number, data: part)
                state.lock()
                etags[number] = etag
                state.unlock()
            } catch {
                state.lock()
                if failure == nil { failure = error }
                state.unlock()
            }
        }
    }

    func finish() throws(StorageError) {
        do throws(StorageError) {
            guard let uploadID else {
                try storage.save(name, data: buffer, ifAbsent: false)
                return
            }
            if !buffer.isEmpty { try sendPart() }
            sending.wait()
            if let failure = firstFailure { throw failure }
            try storage.completeMultipart(key: key, name: name, uploadID: uploadID, etags: (1...partsStarted).compactMap { etags[$0] })
            self.uploadID = nil
        } catch {
            abort()
            throw error
        }
    }

    func abort() {
        // Parts still being sent would land after the abort and be kept (and billed) by the service.
        sending.wait()
        if let uploadID { try? storage.abortUpload(key: key, uploadID: uploadID) }
        uploadID = nil
        buffer = Data()
    }
}
