import ArkivCLI

CommandRunner.main(PruneCommand.self)
