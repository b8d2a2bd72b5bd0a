import ArgumentParser
import ArkivArchive
import Foundation

/// `arkiv keygen`: a new X25519 identity. The file is the secret (keep it off the backup host);
/// the printed recipient is what backups are encrypted to.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Create an identity file (mode 0600) and print its public recipient.",
        discussion: """
            Backups need only the recipient (arkiv1pub-…); restoring and full verification need the \
            identity file. Keep the identity somewhere the backup host cannot read, and a copy offline.
            """)

    @Option(name: .shortAndLong, help: ArgumentHelp("Where to write the identity; must not exist.", valueName: "file"))
    var output: String

    func run() throws {
        let identity = try Identity.generate()
        try identity.write(to: output)
        print(identity.recipient)
        FileHandle.standardError.write(Data("arkiv: identity written to \(output) (key id \(identity.keyID))\n".utf8))
    }
}

/// `arkiv recipient`: the public recipient of an identity file, again.
struct RecipientCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recipient",
        abstract: "Print the public recipient (and key id) of an identity file.")

    @Argument(help: ArgumentHelp("The identity file.", valueName: "identity-file"))
    var identityFile: String

    @Flag(help: "Also print the key id on a second line.")
    var keyID = false

    func run() throws {
        let identity = try Identity.load(path: identityFile)
        print(identity.recipient)
        if keyID { print(identity.keyID) }
    }
}
