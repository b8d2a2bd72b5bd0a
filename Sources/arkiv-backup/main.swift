import ArkivCLI

CommandRunner.main(BackupCommand.self)
