import ArgumentParser
import ArkivArchive
import ArkivEngine
import ArkivPostgres
import ArkivRepository
import Foundation

/// The version every executable reports (the one manifests record).
public enum ArkivVersion {
    public static let string = ArkivEngineVersion.string
}

/// `arkiv`: every command as a subcommand. The single-purpose executables (arkiv-backup, …)
/// run one of these commands directly, so arguments are parsed in one place.
public struct ArkivCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "arkiv",
        abstract: "PostgreSQL backup, restore and verification.",
        version: ArkivVersion.string,
        subcommands: [BackupCommand.self, RestoreCommand.self, VerifyCommand.self, DrillCommand.self, PingCommand.self, ListCommand.self, KeygenCommand.self, RecipientCommand.self]
    )

    public init() {}
}

/// Runs a command the way every arkiv executable does: signals become cancellations, errors
/// become one clear message on stderr, and exit codes follow the documented contract.
public enum CommandRunner {
    public static func main(_ root: any ParsableCommand.Type, arguments: [String]? = nil) -> Never {
        Interruption.shared.installSignalHandlers()
        do {
            var command = try root.parseAsRoot(arguments)
            try command.run()
            exit(ExitStatus.success.rawValue)
        } catch let error as PostgresError {
            report(error.kind == .cancelled && Interruption.shared.isRequested
                   ? "interrupted by \(Interruption.shared.signalName): \(error.message)" : error.description)
            exit(ExitStatus.failure.rawValue)
        } catch let error as CommandFailure {
            report(error.description)
            exit(error.status.rawValue)
        } catch let error as RepositoryError {
            report(error.description)
            if case .locked = error { exit(ExitStatus.repositoryLocked.rawValue) }
            exit(ExitStatus.failure.rawValue)
        } catch let error as ArchiveError {
            report(error.description)
            exit(ExitStatus.failure.rawValue)
        } catch {
            let code = root.exitCode(for: error)
            if code == .success {
                // --help and --version.
                root.exit(withError: error)
            }
            if code == .validationFailure {
                // Argument errors get the documented usage code, not argument-parser's 64.
                let message = root.fullMessage(for: error)
                if !message.isEmpty { FileHandle.standardError.write(Data((message + "\n").utf8)) }
                exit(ExitStatus.usage.rawValue)
            }
            report(Interruption.shared.isRequested ? "interrupted by \(Interruption.shared.signalName): \(error)" : "\(error)")
            exit(ExitStatus.failure.rawValue)
        }
    }

    static func report(_ message: String) {
        FileHandle.standardError.write(Data("arkiv: error: \(message)\n".utf8))
    }
}
