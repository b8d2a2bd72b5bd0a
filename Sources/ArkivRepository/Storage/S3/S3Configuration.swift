import Foundation

/// How to reach an S3 service, resolved the way the AWS tools resolve it: endpoint from
/// `--s3-endpoint`, `AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL`; region from `AWS_REGION`,
/// `AWS_DEFAULT_REGION` or the profile's config (default us-east-1); credentials from
/// `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN` or the `AWS_PROFILE` in
/// `~/.aws/credentials` (`AWS_SHARED_CREDENTIALS_FILE`); CA bundle from `AWS_CA_BUNDLE`. Never
/// from argv or a policy: secrets stay in the environment and the files AWS tools use.
public struct S3Configuration: Sendable {
    public var endpoint: URL
    public var region: String
    public var pathStyle: Bool
    public var accessKeyID: String
    /// Never printed; `description` leaves it out.
    var secretAccessKey: String
    var sessionToken: String?
    public var caBundle: String?

    public init(endpoint: URL, region: String, pathStyle: Bool, accessKeyID: String, secretAccessKey: String,
                sessionToken: String? = nil, caBundle: String? = nil) {
        self.endpoint = endpoint
        self.region = region
        self.pathStyle = pathStyle
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.caBundle = caBundle
    }

    /// - Parameters:
    ///   - endpoint: `--s3-endpoint` / `[repository] s3-endpoint`, which wins over the environment.
    ///   - pathStyle: `--s3-path-style`; automatic for an IP address or `localhost`.
    public static func resolve(endpoint explicit: String? = nil, pathStyle: Bool = false,
                               environment: [String: String] = ProcessInfo.processInfo.environment) throws(StorageError) -> S3Configuration {
        let home = environment["HOME"] ?? NSHomeDirectory()
        let profile = environment["AWS_PROFILE"] ?? "default"
        let configFile = environment["AWS_CONFIG_FILE"] ?? home + "/.aws/config"
        let credentialsFile = environment["AWS_SHARED_CREDENTIALS_FILE"] ?? home + "/.aws/credentials"
        let config = IniFile.section(profile == "default" ? "default" : "profile " + profile, in: configFile)
        let credentials = IniFile.section(profile, in: credentialsFile)

        let chosen = S3Access.chosen
        let pathStyle = pathStyle || chosen.pathStyle
        let endpointText = explicit ?? chosen.endpoint ?? environment["AWS_ENDPOINT_URL_S3"] ?? environment["AWS_ENDPOINT_URL"]
            ?? config["endpoint_url"]
        let region = environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] ?? config["region"] ?? "us-east-1"
        let endpoint: URL
        if let endpointText {
            guard let url = URL(string: endpointText), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
                throw .misconfigured("S3 endpoint \(endpointText.debugDescription) is not an http(s) URL such as https://s3.eu-central-1.amazonaws.com")
            }
            endpoint = url
        } else {
            guard let url = URL(string: "https://s3.\(region).amazonaws.com") else { throw .misconfigured("no S3 endpoint for region \(region)") }
            endpoint = url
        }
        let keyID = environment["AWS_ACCESS_KEY_ID"] ?? credentials["aws_access_key_id"]
        let secret = environment["AWS_SECRET_ACCESS_KEY"] ?? credentials["aws_secret_access_key"]
        guard let keyID, !keyID.isEmpty, let secret, !secret.isEmpty else {
            throw .misconfigured("no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment, or AWS_PROFILE with \(credentialsFile) (never on the command line or in a policy)")
        }
        let token = environment["AWS_ACCESS_KEY_ID"] != nil ? environment["AWS_SESSION_TOKEN"] : credentials["aws_session_token"]
        let host = endpoint.host ?? ""
        let automaticPathStyle = host == "localhost" || host.allSatisfy { $0.isNumber || $0 == "." } || host.contains(":")
        return S3Configuration(endpoint: endpoint, region: region, pathStyle: pathStyle || automaticPathStyle, accessKeyID: keyID,
                               secretAccessKey: secret, sessionToken: token?.isEmpty == false ? token : nil,
                               caBundle: environment["AWS_CA_BUNDLE"] ?? config["ca_bundle"])
    }
}

/// The few lines of an AWS config or credentials file arkiv reads: `[section]` and `key = value`.
enum IniFile {
    static func section(_ name: String, in path: String) -> [String: String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
        var current: String?
        var values: [String: String] = [:]
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") || line.hasPrefix(";") || line.isEmpty { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                current = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                continue
            }
            guard current == name, let equals = line.firstIndex(of: "=") else { continue }
            values[line[..<equals].trimmingCharacters(in: .whitespaces)] = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        }
        return values
    }
}
