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
        subcommands: [BackupCommand.self, RestoreCommand.self, VerifyCommand.self, DrillCommand.self, PruneCommand.self, CopyCommand.self, PingCommand.self,
                      ListCommand.self, ShowCommand.self, PinCommand.self, UnpinCommand.self, KeygenCommand.self, RecipientCommand.self]
    )

    public init() {}
}

/// Runs a command the way every arkiv executable does: signals become cancellations, errors
/// become one clear message on stderr, and exit codes follow the documented contract.
public enum CommandRunner {
    public static func main(_ root: any ParsableCommand.Type, arguments: [String]? = nil) -> Never {
        Interruption.shared.installSignalHandlers()
        var command: any ParsableCommand
        do {
            command = try root.parseAsRoot(arguments)
        } catch {
            // --help and --version exit 0; everything else the parser refuses is a usage error
            // (the documented 2, not argument-parser's 64).
            if root.exitCode(for: error) == .success { root.exit(withError: error) }
            usage(root.fullMessage(for: error))
        }
        do {
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
        } catch let error as ValidationError {
            usage(root.fullMessage(for: error))
        } catch where root.exitCode(for: error) == .success {
            // `--help` and `--version` arrive here as a help command that throws: print, exit 0.
            root.exit(withError: error)
        } catch {
            let text = describe(error)
            report(Interruption.shared.isRequested ? "interrupted by \(Interruption.shared.signalName): \(text)" : text)
            exit(ExitStatus.failure.rawValue)
        }
    }

    /// An error in words. Foundation's file errors print as `Error Domain=NSCocoaErrorDomain
    /// Code=513 …`: they become the path and the system's reason.
    static func describe(_ error: any Error) -> String {
        guard let cocoa = error as? CocoaError else { return "\(error)" }
        let path = cocoa.filePath ?? cocoa.url?.path ?? (cocoa.userInfo[NSFilePathErrorKey] as? String)
        let underlying = (cocoa.userInfo[NSUnderlyingErrorKey] as? NSError).flatMap { $0.domain == NSPOSIXErrorDomain ? String(cString: strerror(Int32($0.code))) : nil }
        let reason = underlying ?? {
            switch cocoa.code {
            case .fileNoSuchFile, .fileReadNoSuchFile: return "no such file or directory"
            case .fileWriteNoPermission, .fileReadNoPermission: return "permission denied"
            case .fileWriteOutOfSpace: return "no space left on device"
            case .fileWriteVolumeReadOnly: return "read-only file system"
            default: return "file error \(cocoa.code.rawValue)"
            }
        }()
        return path.map { "\($0): \(reason)" } ?? reason
    }

    static func usage(_ message: String) -> Never {
        if !message.isEmpty { FileHandle.standardError.write(Data((message + "\n").utf8)) }
        exit(ExitStatus.usage.rawValue)
    }

    static func report(_ message: String) {
        FileHandle.standardError.write(Data("arkiv: error: \(message)\n".utf8))
    }
}
