import ArkivArchive
import Foundation

/// Where keys come from on the command line and in policies: recipients as strings or files,
/// identities as files, a passphrase from a file or an environment variable, never from argv.
public enum KeySources {
    public enum KeyError: Error, CustomStringConvertible, Equatable {
        case unreadable(String, String)
        case emptyPassphrase(String)
        case noRecipients

        public var description: String {
            switch self {
            case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
            case .emptyPassphrase(let source): "the passphrase from \(source) is empty"
            case .noRecipients:
                "no recipient given: pass --recipient arkiv1pub-… (see `arkiv keygen`), --recipients-file, "
                    + "--passphrase-file, or --no-encryption to store the backup unencrypted"
            }
        }
    }

    /// Recipient strings plus those in files (one per line; `#` comments and blank lines ignored).
    public static func recipients(strings: [String], files: [String]) throws -> [Recipient] {
        var recipients = try strings.map { try Recipient($0) }
        for file in files {
            let text: String
            do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
                throw KeyError.unreadable(file, "\(error.localizedDescription)")
            }
            for line in text.split(whereSeparator: \.isNewline) {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
                recipients.append(try Recipient(trimmed))
            }
        }
        // The same key twice would wrap the data key twice for nothing.
        var seen = Set<KeyID>()
        return recipients.filter { seen.insert($0.keyID).inserted }
    }

    /// A passphrase from a file (first line, trailing newline removed) or an environment variable.
    public static func passphrase(file: String?, environmentVariable: String?) throws -> SecureBytes? {
        if let file {
            guard var data = FileManager.default.contents(atPath: file) else { throw KeyError.unreadable(file, "no such file or not readable") }
            if let newline = data.firstIndex(where: { $0 == 0x0A || $0 == 0x0D }) { data = data.prefix(upTo: newline) }
            guard !data.isEmpty else { throw KeyError.emptyPassphrase(file) }
            var bytes = [UInt8](data)
            return SecureBytes(consuming: &bytes)
        }
        if let variable = environmentVariable {
            guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else {
                throw KeyError.emptyPassphrase("environment variable \(variable)")
            }
            return SecureBytes(utf8: value)
        }
        return nil
    }

    public static func identities(files: [String]) throws -> [Identity] {
        try files.map { try Identity.load(path: $0) }
    }
}
