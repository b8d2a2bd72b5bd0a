import ArkivCLI

CommandRunner.main(RestoreCommand.self)
