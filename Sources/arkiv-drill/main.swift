import ArkivCLI

CommandRunner.main(DrillCommand.self)
