import ArkivCLI

CommandRunner.main(ArkivCommand.self)
