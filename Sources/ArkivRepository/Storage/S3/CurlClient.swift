import CCurl
import Foundation

/// HTTP exchanges through libcurl: keep-alive connections (idle handles are reused), TLS with
/// the system CAs or a given bundle, proxies from the environment, and AWS Signature V4 by
/// libcurl itself. One exchange at a time per handle; any number of threads.
final class CurlClient: @unchecked Sendable {
    struct Request {
        var method: String
        var url: String
        var headers: [String] = []
        var body: Data?
        /// Where a successful answer's body goes, piece by piece (nil: kept in `Response.body`).
        var sink: ((UnsafeRawBufferPointer) throws -> Void)?
    }

    struct Response {
        let status: Int
        let headers: [String: String]
        let body: Data
    }

    /// libcurl's own failure (no HTTP answer): its code and message.
    struct TransportError: Error {
        let code: CURLcode
        let message: String
        /// Timeouts, refused or reset connections, an answer cut short: worth another try.
        var isTransient: Bool {
            [CURLE_COULDNT_CONNECT, CURLE_OPERATION_TIMEDOUT, CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING,
             CURLE_PARTIAL_FILE, CURLE_COULDNT_RESOLVE_HOST, CURLE_SSL_CONNECT_ERROR, CURLE_HTTP2, CURLE_HTTP2_STREAM].contains(code)
        }
    }

    private static let initialized: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
    private let lock = NSLock()
    private var idle: [UnsafeMutableRawPointer] = []
    private let signing: String
    private let username: String
    private let password: String
    private let caBundle: String?

    init(region: String, accessKeyID: String, secretAccessKey: String, caBundle: String?) {
        _ = Self.initialized
        signing = "aws:amz:\(region):s3"
        username = accessKeyID
        password = secretAccessKey
        self.caBundle = caBundle
    }

    deinit {
        for handle in idle { curl_easy_cleanup(handle) }
    }

    func perform(_ request: Request) throws -> Response {
        guard let handle = takeHandle() else { throw TransportError(code: CURLE_FAILED_INIT, message: "libcurl could not start a transfer") }
        var reusable = true
        defer {
            if reusable { giveBack(handle) } else { curl_easy_cleanup(handle) }
        }
        let context = TransferContext(handle: handle, sink: request.sink)
        let unmanaged = Unmanaged.passRetained(context)
        defer { unmanaged.release() }
        var headers: UnsafeMutablePointer<curl_slist>?
        for header in request.headers { headers = curl_slist_append(headers, header) }
        defer { curl_slist_free_all(headers) }

        var strings: [UnsafeMutablePointer<CChar>] = []
        defer { strings.forEach { free($0) } }
        func text(_ option: CURLoption, _ value: String) {
            guard let copy = strdup(value) else { return }
            strings.append(copy)
            _ = arkiv_curl_set_pointer(handle, option, copy)
        }
        text(CURLOPT_URL, request.url)
        text(CURLOPT_CUSTOMREQUEST, request.method)
        text(CURLOPT_AWS_SIGV4, signing)
        text(CURLOPT_USERNAME, username)
        text(CURLOPT_PASSWORD, password)
        if let caBundle { text(CURLOPT_CAINFO, caBundle) }
        _ = arkiv_curl_set_long(handle, CURLOPT_NOSIGNAL, 1)
        // A large body goes at once instead of waiting for "100 Continue". (Removing the Expect
        // header instead would change what Signature V4 signs.)
        _ = arkiv_curl_set_long(handle, CURLOPT_EXPECT_100_TIMEOUT_MS, 0)
        _ = arkiv_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT, 15)
        // A transfer that stalls (under 1 byte/s for a minute) is a failure, retried above.
        _ = arkiv_curl_set_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1)
        _ = arkiv_curl_set_long(handle, CURLOPT_LOW_SPEED_TIME, 60)
        _ = arkiv_curl_set_pointer(handle, CURLOPT_HTTPHEADER, headers)
        _ = arkiv_curl_set_callback(handle, CURLOPT_WRITEFUNCTION, curlWrite)
        _ = arkiv_curl_set_pointer(handle, CURLOPT_WRITEDATA, unmanaged.toOpaque())
        _ = arkiv_curl_set_callback(handle, CURLOPT_HEADERFUNCTION, curlHeader)
        _ = arkiv_curl_set_pointer(handle, CURLOPT_HEADERDATA, unmanaged.toOpaque())
        if request.method == "HEAD" { _ = arkiv_curl_set_long(handle, CURLOPT_NOBODY, 1) }

        let code: CURLcode
        if let body = request.body {
            code = body.withUnsafeBytes { bytes -> CURLcode in
                _ = arkiv_curl_set_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bytes.count))
                _ = arkiv_curl_set_pointer(handle, CURLOPT_POSTFIELDS, bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1))
                return curl_easy_perform(handle)
            }
        } else {
            code = curl_easy_perform(handle)
        }
        if let failure = context.sinkError { throw failure }
        guard code == CURLE_OK else {
            reusable = false
            throw TransportError(code: code, message: String(cString: curl_easy_strerror(code)))
        }
        var status = 0
        _ = arkiv_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return Response(status: status, headers: context.headers, body: context.body)
    }

    private func takeHandle() -> UnsafeMutableRawPointer? {
        lock.lock()
        let handle = idle.popLast()
        lock.unlock()
        if let handle {
            curl_easy_reset(handle)
            return handle
        }
        return curl_easy_init()
    }

    private func giveBack(_ handle: UnsafeMutableRawPointer) {
        lock.lock()
        idle.append(handle)
        lock.unlock()
    }
}

/// What one transfer collects; libcurl's callbacks reach it through their context pointer.
private final class TransferContext {
    let handle: UnsafeMutableRawPointer
    let sink: ((UnsafeRawBufferPointer) throws -> Void)?
    var body = Data()
    var headers: [String: String] = [:]
    var sinkError: (any Error)?

    init(handle: UnsafeMutableRawPointer, sink: ((UnsafeRawBufferPointer) throws -> Void)?) {
        self.handle = handle
        self.sink = sink
    }

    /// Only a successful answer's body goes to the sink; an error's body (XML) is kept.
    func receive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var status = 0
        _ = arkiv_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &status)
        guard let sink, (200..<300).contains(status) else {
            body.append(contentsOf: bytes)
            return true
        }
        do { try sink(bytes) } catch {
            sinkError = error
            return false
        }
        return true
    }
}

private let curlWrite: arkiv_curl_data_callback = { data, size, count, context in
    guard let context, let data else { return 0 }
    let transfer = Unmanaged<TransferContext>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    return transfer.receive(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
}

private let curlHeader: arkiv_curl_data_callback = { data, size, count, context in
    guard let context, let data else { return 0 }
    let transfer = Unmanaged<TransferContext>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    if line.hasPrefix("HTTP/") { transfer.headers = [:] }  // a new answer (after a redirect or 100)
    if let colon = line.firstIndex(of: ":") {
        transfer.headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
    }
    return length
}
